// get_current_user against the fake workspace: SCIM Me as alice (PAT), bob (the user's own
// token from the call context), the app's service principal (OAuth M2M), and a refused token.
#include <gtest/gtest.h>

#include <string>

#include "fake_databricks.hpp"
#include "tool_harness.hpp"

namespace devkit::databricks::testing {
namespace {

using nlohmann::json;

class IdentityToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }
  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }
  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
};

TEST_F(IdentityToolsTest, AliceWithThePluginsToken) {
  ToolHarness h(fake().url());
  const auto r = h.call("get_current_user", json::object());
  ASSERT_FALSE(r.isError) << r.text;
  const json& me = r.structured;
  EXPECT_EQ(me["user_name"], "alice@example.com");
  EXPECT_EQ(me["display_name"], "Alice Example");
  EXPECT_EQ(me["id"], "1001");
  EXPECT_EQ(me["active"], true);
  EXPECT_EQ(me["groups"], json({"users", "admins"}));
  EXPECT_EQ(me["workspace_id"], "1234567890123456") << "from x-databricks-org-id";
  EXPECT_EQ(me["is_service_principal"], false);
  EXPECT_EQ(me["home_folder"], "/Workspace/Users/alice@example.com");
  EXPECT_EQ(me["credential"], "pat");
  const json calls = fake().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["path"], "/api/2.0/preview/scim/v2/Me");
  EXPECT_EQ(calls[0]["token"], "dapi-alice");
}

TEST_F(IdentityToolsTest, BobWithHisOwnToken) {
  ToolHarness h(fake().url());
  const auto r = h.call("get_current_user", json::object(),
                        ToolHarness::context("dapi-bob", "", "bob@example.com"));
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["user_name"], "bob@example.com");
  EXPECT_EQ(r.structured["groups"], json({"users"}));
  EXPECT_EQ(r.structured["home_folder"], "/Workspace/Users/bob@example.com");
  EXPECT_EQ(r.structured["credential"], "user");
  EXPECT_EQ(r.structured["is_service_principal"], false);
  const json calls = fake().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["token"], "dapi-bob");
  EXPECT_EQ(calls[0]["identity"], "bob@example.com");
}

TEST_F(IdentityToolsTest, ServicePrincipalThroughOAuth) {
  ToolHarness h(fake().url(),
                {{"token", nullptr}, {"client_id", "sp-client"}, {"client_secret", "sp-secret"}});
  const auto r = h.call("get_current_user", json::object());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["user_name"], "sp-client");
  EXPECT_EQ(r.structured["display_name"], "devkit-app");
  EXPECT_EQ(r.structured["is_service_principal"], true);
  EXPECT_EQ(r.structured["credential"], "oauth-m2m");
  EXPECT_FALSE(contains(r.text, "sp-secret"));
}

TEST_F(IdentityToolsTest, RefusedTokenTellsToSignInAgain) {
  ToolHarness h(fake().url());
  const auto r = h.call("get_current_user", json::object(), ToolHarness::context("dapi-stale"));
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, "HTTP 401")) << r.text;
  EXPECT_TRUE(contains(r.text, "sign in again")) << r.text;
  EXPECT_FALSE(contains(r.text, "dapi-stale")) << "never the token";
  EXPECT_EQ(fake().calls()[0]["token"], "dapi-stale");

  ToolHarness bad(fake().url(), {{"token", "dapi-wrong"}});
  const auto r2 = bad.call("get_current_user", json::object());
  ASSERT_TRUE(r2.isError);
  EXPECT_TRUE(contains(r2.text, "sign in again")) << r2.text;
}

TEST_F(IdentityToolsTest, ListedAsReadOnlyWithAnEmptySchema) {
  ToolHarness h(fake().url());
  for (const auto& t : h.tools()) {
    if (t["name"] != "get_current_user") continue;
    EXPECT_EQ(t["annotations"]["readOnlyHint"], true);
    EXPECT_EQ(t["inputSchema"]["additionalProperties"], false);
    EXPECT_TRUE(t["inputSchema"]["properties"].empty());
    return;
  }
  FAIL() << "get_current_user is not listed";
}

}  // namespace
}  // namespace devkit::databricks::testing
