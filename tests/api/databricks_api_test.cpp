// The settings pickers' lists (GET /api/projects/{id}/databricks/{kind}): mcp-databricks' list
// tools against the fake Databricks workspace (a mock: a real workspace is out of reach), called
// as the signed-in user; and the errors when they cannot answer.
#include "../databricks/fake_databricks.hpp"
#include "api_support.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class DatabricksApi : public ApiTest {
 protected:
  static databricks::testing::FakeDatabricks& fake() {
    return databricks::testing::FakeDatabricks::shared();
  }
  void SetUp() override { fake().reset(); }
  /// The host with mcp-databricks pointed at the fake workspace, with no credentials of its own:
  /// only a user's forwarded token lets it in.
  void startWithDatabricks() {
    startHost("[plugin.mcp-databricks]\nenabled = yes\n",
              "[auth]\nmode = databricks-apps\nworkspace_url = " + fake().url() + "\n",
              {"DEVKIT__PLUGIN__MCP_DATABRICKS__HOST=" + fake().url()});
    id_ = createProject("pickers")["id"];
  }
  HttpResult list(const std::string& kind, const std::string& token = "dapi-alice",
                  const std::string& user = kAlice) {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["X-Forwarded-Access-Token"] = token;
    return call("GET", "/api/projects/" + id_ + "/databricks/" + kind, nullptr, user, headers);
  }
  static std::vector<std::string> ids(const HttpResult& r) {
    std::vector<std::string> out;
    const json answer = r.json();
    for (const json& item : answer["items"]) out.push_back(item["id"]);
    return out;
  }
  std::string id_;
};

TEST_F(DatabricksApi, ListsWhatTheSignedInUserSeesWithTheirOwnToken) {
  startWithDatabricks();
  HttpResult r = list("catalogs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ids(r), (std::vector<std::string>{"main", "samples", "system"}));
  r = list("schemas?catalog=main");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ids(r), (std::vector<std::string>{"default", "information_schema", "sales"}));
  r = list("warehouses");
  ASSERT_EQ(r.status, 200) << r.body;
  const json warehouses = r.json();
  EXPECT_EQ(warehouses["suggested"], "wh-shared");
  bool sawShared = false;
  for (const json& w : warehouses["items"]) {
    if (w["id"] == "wh-shared") {
      sawShared = true;
      EXPECT_EQ(w["name"], "Shared endpoint");
      EXPECT_EQ(w["state"], "RUNNING");
    }
  }
  EXPECT_TRUE(sawShared) << r.body;
  r = list("clusters");
  ASSERT_EQ(r.status, 200) << r.body;
  const json clusters = r.json();
  ASSERT_FALSE(clusters["items"].empty()) << r.body;
  EXPECT_EQ(clusters["items"][0]["id"], "0101-alice");  // running first; job clusters hidden
  EXPECT_EQ(clusters["items"][0]["name"], "alice-cluster");
  for (const json& c : clusters["items"]) EXPECT_NE(c["id"], "0303-job");
  // Every call reached the workspace with alice's own token.
  const json calls = fake().calls();
  ASSERT_FALSE(calls.empty());
  for (const json& c : calls) EXPECT_EQ(c["token"], "dapi-alice") << c.dump();
}

TEST_F(DatabricksApi, BadRequestsAndOtherUsersProjectsAreRefused) {
  startWithDatabricks();
  HttpResult r = list("schemas");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(errorOf(r)["field"], "catalog");
  EXPECT_EQ(list("tables").status, 404);
  EXPECT_EQ(list("catalogs", "dapi-bob", kBob).status, 404);  // alice's project
  EXPECT_TRUE(fake().calls().empty()) << fake().calls().dump();
}

TEST_F(DatabricksApi, WithoutCredentialsTheAnswerIs503WithTheReason) {
  startWithDatabricks();
  const HttpResult r = list("catalogs", "");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(errorOf(r)["code"], "databricks_unavailable");
  EXPECT_NE(errorOf(r)["message"].get<std::string>().find("No Databricks credentials"),
            std::string::npos)
      << r.body;
}

TEST_F(DatabricksApi, ARefusedTokenIs503WithTheWorkspacesWords) {
  startWithDatabricks();
  const HttpResult r = list("warehouses", "dapi-nobody");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(errorOf(r)["code"], "databricks_unavailable");
  EXPECT_EQ(r.body.find("dapi-nobody"), std::string::npos) << "the token must not be echoed";
}

TEST_F(DatabricksApi, WithoutMcpDatabricksTheAnswerSaysWhatToEnable) {
  startHost();
  id_ = createProject("no-tools")["id"];
  const HttpResult r = list("catalogs");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(errorOf(r)["message"].get<std::string>().find("[plugin.mcp-databricks]"),
            std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace devkit::testing
