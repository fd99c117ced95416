// GET /api/config/user in both auth modes, and the API without a storage plugin.
#include "api_support.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class ConfigApi : public ApiTest {};

TEST_F(ConfigApi, DatabricksAppsModeUsesForwardedHeaders) {
  startHost("", "[auth]\nmode = databricks-apps\nworkspace_url = adb-123.4.azuredatabricks.net/\n");
  HttpResult r = call("GET", "/api/config/user", nullptr, "Ana.Lopez@Example.com",
                      {{"X-Forwarded-Preferred-Username", "Ana López"},
                       {"X-Forwarded-Access-Token", "dapi-secret-token"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json({{"email", "ana.lopez@example.com"},
                            {"display_name", "Ana López"},
                            {"workspace_url", "https://adb-123.4.azuredatabricks.net"},
                            {"auth_mode", "databricks-apps"}}));
  EXPECT_EQ(r.body.find("dapi-secret-token"), std::string::npos);

  r = call("GET", "/api/config/user", nullptr, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(errorOf(r)["code"], "unauthenticated");
}

TEST_F(ConfigApi, DevModeIsTheConfiguredUser) {
  startHost("", "[auth]\nmode = dev\ndev_user_email = Dev@Example.com\ndev_user_name = Dev\n");
  const HttpResult r = call("GET", "/api/config/user", nullptr, kBob);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["email"], "dev@example.com");
  EXPECT_EQ(r.json()["display_name"], "Dev");
  EXPECT_EQ(r.json()["auth_mode"], "dev");
}

TEST(ApiWithoutStorage, AnswersServiceUnavailableNamingTheFix) {
  TempDir dir;
  app::Host host(loadIni(dir, hostIni(dir)));
  host.start();
  const HttpResult r = fetch(host.port(), "GET", "/api/projects");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(errorOf(r)["code"], "storage_unavailable");
  EXPECT_NE(errorOf(r)["message"].get<std::string>().find("storage-local"), std::string::npos);
  EXPECT_EQ(r.header("Retry-After"), "5");
  host.stop();
}

}  // namespace
}  // namespace devkit::testing
