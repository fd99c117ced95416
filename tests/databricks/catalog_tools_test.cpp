// The Unity Catalog tools through the built plugin against the fake workspace: listing across
// pages (including the empty page that still carries a token), get, create (and "already
// exists"), not-found and transport errors, and whose token each call carried.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "fake_databricks.hpp"
#include "tool_harness.hpp"

namespace devkit::databricks::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class CatalogTools : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }
  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }
  static std::vector<json> callsTo(const std::string& method, const std::string& path) {
    std::vector<json> out;
    for (const json& c : fake().calls()) {
      if (c.value("method", "") == method && c.value("path", "") == path) out.push_back(c);
    }
    return out;
  }
  static std::set<std::string> names(const json& items) {
    std::set<std::string> out;
    for (const json& i : items) out.insert(i.value("name", ""));
    return out;
  }
  const std::string uc_ = "/api/2.1/unity-catalog";
};

TEST_F(CatalogTools, ToolsAreListedWithHints) {
  ToolHarness h(fake().url());
  std::map<std::string, json> byName;
  for (const json& t : h.tools()) byName[t.value("name", "")] = t;
  for (const char* name :
       {"list_catalogs", "get_catalog", "list_schemas", "get_schema", "list_tables", "get_table",
        "list_volumes", "get_volume", "create_catalog", "create_schema", "create_volume"}) {
    ASSERT_TRUE(byName.count(name)) << name;
    EXPECT_EQ(byName[name]["inputSchema"]["additionalProperties"], false) << name;
    for (const auto& [prop, schema] : byName[name]["inputSchema"]["properties"].items()) {
      EXPECT_TRUE(schema.contains("description")) << name << "." << prop;
    }
  }
  EXPECT_EQ(byName["list_catalogs"]["annotations"]["readOnlyHint"], true);
  EXPECT_EQ(byName["create_volume"]["annotations"]["readOnlyHint"], false);
  EXPECT_EQ(byName["create_volume"]["annotations"]["destructiveHint"], false);
  EXPECT_EQ(byName["create_volume"]["inputSchema"]["properties"]["volume_type"]["default"],
            "MANAGED");
}

TEST_F(CatalogTools, ListCatalogsCrossesTheEmptyPage) {
  ToolHarness h(fake().url());
  const auto r = h.call("list_catalogs", json::object());
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(names(r.structured["catalogs"]), (std::set<std::string>{"main", "samples", "system"}));
  EXPECT_EQ(r.structured["count"], 3);
  const auto calls = callsTo("GET", uc_ + "/catalogs");
  // [main], [] + token, [samples, system]: three pages, each asking for the server page size.
  ASSERT_EQ(calls.size(), 3u);
  for (const json& c : calls) EXPECT_EQ(c["query"]["max_results"], json::array({"0"}));
  EXPECT_FALSE(calls[1]["query"].value("page_token", json::array()).empty());
  EXPECT_FALSE(calls[2]["query"].value("page_token", json::array()).empty());
  EXPECT_EQ(calls[0]["token"], "dapi-alice");
}

TEST_F(CatalogTools, ListSchemasTablesVolumes) {
  ToolHarness h(fake().url());
  auto r = h.call("list_schemas", {{"catalog", "main"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(names(r.structured["schemas"]),
            (std::set<std::string>{"default", "information_schema", "sales"}));

  r = h.call("list_tables", {{"catalog", "main"}, {"schema", "sales"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(names(r.structured["tables"]), (std::set<std::string>{"customers", "orders"}));
  for (const json& t : r.structured["tables"]) EXPECT_FALSE(t.contains("columns"));
  const auto tableCalls = callsTo("GET", uc_ + "/tables");
  ASSERT_FALSE(tableCalls.empty());
  EXPECT_EQ(tableCalls[0]["query"]["catalog_name"], json::array({"main"}));
  EXPECT_EQ(tableCalls[0]["query"]["schema_name"], json::array({"sales"}));
  EXPECT_EQ(tableCalls[0]["query"]["omit_columns"], json::array({"true"}));

  r = h.call("list_volumes", {{"catalog", "main"}, {"schema", "sales"}});
  ASSERT_FALSE(r.isError) << r.text;
  ASSERT_EQ(r.structured["volumes"].size(), 1u);
  EXPECT_EQ(r.structured["volumes"][0]["full_name"], "main.sales.raw");
  EXPECT_EQ(r.structured["volumes"][0]["volume_type"], "MANAGED");
}

TEST_F(CatalogTools, GetObjects) {
  ToolHarness h(fake().url());
  auto r = h.call("get_catalog", {{"name", "main"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["name"], "main");
  r = h.call("get_schema", {{"full_name", "main.sales"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["full_name"], "main.sales");
  r = h.call("get_table", {{"full_name", "main.sales.orders"}});
  ASSERT_FALSE(r.isError) << r.text;
  ASSERT_EQ(r.structured["columns"].size(), 4u);
  EXPECT_EQ(r.structured["columns"][0]["name"], "id");
  r = h.call("get_volume", {{"full_name", "main.sales.raw"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["volume_type"], "MANAGED");
  EXPECT_EQ(callsTo("GET", uc_ + "/tables/main.sales.orders").size(), 1u);
}

TEST_F(CatalogTools, NotFoundSaysHowToFindTheName) {
  ToolHarness h(fake().url());
  auto r = h.call("get_catalog", {{"name", "nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("CATALOG_DOES_NOT_EXIST"));
  EXPECT_THAT(r.text, HasSubstr("list_catalogs"));
  r = h.call("get_table", {{"full_name", "main.sales.nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("TABLE_DOES_NOT_EXIST"));
  EXPECT_THAT(r.text, HasSubstr("list_tables"));
  r = h.call("get_volume", {{"full_name", "main.sales.nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("list_volumes"));
  r = h.call("list_schemas", {{"catalog", "nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("list_catalogs"));
  r = h.call("list_tables", {{"catalog", "main"}, {"schema", "nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("SCHEMA_DOES_NOT_EXIST"));
}

TEST_F(CatalogTools, MalformedFullNamesAreRefusedBeforeAnyCall) {
  ToolHarness h(fake().url());
  EXPECT_EQ(h.call("get_table", {{"full_name", "main.orders"}}).status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h.call("get_schema", {{"full_name", "main..x"}}).status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h.call("get_volume", {{"full_name", ""}}).status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(fake().calls().empty());
}

TEST_F(CatalogTools, CreateCatalogSchemaVolumeAndAgain) {
  ToolHarness h(fake().url());
  auto r = h.call("create_catalog", {{"name", "dev"}, {"comment", "sandbox"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["created"], true);
  EXPECT_EQ(r.structured["catalog"]["name"], "dev");
  const auto posts = callsTo("POST", uc_ + "/catalogs");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["body"], json({{"name", "dev"}, {"comment", "sandbox"}}));

  r = h.call("create_schema", {{"catalog", "dev"}, {"name", "s1"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["schema"]["full_name"], "dev.s1");
  EXPECT_EQ(callsTo("POST", uc_ + "/schemas").at(0)["body"],
            json({{"name", "s1"}, {"catalog_name", "dev"}}));

  r = h.call("create_volume", {{"catalog", "dev"}, {"schema", "s1"}, {"name", "landing"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["volume"]["full_name"], "dev.s1.landing");
  EXPECT_EQ(callsTo("POST", uc_ + "/volumes").at(0)["body"]["volume_type"], "MANAGED");

  // Again: success with "created": false and the existing object, nothing changed.
  r = h.call("create_catalog", {{"name", "dev"}, {"comment", "other"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["created"], false);
  EXPECT_EQ(r.structured["already_existed"], true);
  EXPECT_EQ(r.structured["catalog"]["comment"], "sandbox");
  EXPECT_THAT(r.structured["note"].get<std::string>(), HasSubstr("already existed"));
  r = h.call("create_schema", {{"catalog", "dev"}, {"name", "s1"}});
  EXPECT_EQ(r.structured["created"], false);
  r = h.call("create_volume", {{"catalog", "dev"}, {"schema", "s1"}, {"name", "landing"}});
  EXPECT_EQ(r.structured["created"], false);
  EXPECT_EQ(r.structured["volume"]["full_name"], "dev.s1.landing");
}

TEST_F(CatalogTools, CreateErrors) {
  ToolHarness h(fake().url());
  auto r = h.call("create_schema", {{"catalog", "nope"}, {"name", "s"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("CATALOG_DOES_NOT_EXIST"));
  r = h.call("create_volume", {{"catalog", "main"}, {"schema", "nope"}, {"name", "v"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("list_schemas"));
  // EXTERNAL without a location: refused before any call.
  fake().clearCalls();
  r = h.call(
      "create_volume",
      {{"catalog", "main"}, {"schema", "sales"}, {"name", "ext"}, {"volume_type", "EXTERNAL"}});
  EXPECT_EQ(r.status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(fake().calls().empty());
  r = h.call("create_volume", {{"catalog", "main"},
                               {"schema", "sales"},
                               {"name", "ext"},
                               {"volume_type", "EXTERNAL"},
                               {"storage_location", "s3://bucket/ext"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(callsTo("POST", uc_ + "/volumes").at(0)["body"]["storage_location"], "s3://bucket/ext");
}

TEST_F(CatalogTools, EachUserCallsWithTheirOwnToken) {
  ToolHarness h(fake().url());
  ASSERT_FALSE(h.call("list_catalogs", json::object(), ToolHarness::context("dapi-bob")).isError);
  ASSERT_FALSE(
      h.call("create_catalog", {{"name", "bobs"}}, ToolHarness::context("dapi-bob")).isError);
  ASSERT_FALSE(h.call("get_catalog", {{"name", "main"}}).isError);
  for (const json& c : fake().calls()) {
    const bool alice = c["path"] == uc_ + "/catalogs/main";
    EXPECT_EQ(c["token"], alice ? "dapi-alice" : "dapi-bob") << c["path"];
  }
  const auto created = h.call("get_catalog", {{"name", "bobs"}});
  EXPECT_EQ(created.structured["owner"], "bob@example.com");
}

TEST_F(CatalogTools, RetriesA503AndReportsAnHtmlPermissionError) {
  fake().fault({{"method", "GET"},
                {"path", uc_ + "/catalogs"},
                {"status", 503},
                {"retry_after", "1"},
                {"count", 1}});
  ToolHarness h(fake().url());
  auto r = h.call("list_catalogs", json::object());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["count"], 3);
  EXPECT_EQ(callsTo("GET", uc_ + "/catalogs").size(), 4u);

  fake().fault({{"method", "GET"},
                {"path", uc_ + "/schemas"},
                {"status", 403},
                {"body",
                 "<html><pre>PERMISSION_DENIED: User does not have USE CATALOG</pre>"
                 "</html>"},
                {"count", 1}});
  r = h.call("list_schemas", {{"catalog", "main"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("USE CATALOG"));
  EXPECT_THAT(r.text, Not(HasSubstr("<pre>")));
}

TEST_F(CatalogTools, AnUnknownTokenIsUnauthenticated) {
  ToolHarness h(fake().url());
  const auto r = h.call("list_catalogs", json::object(), ToolHarness::context("dapi-mallory"));
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("401"));
  EXPECT_THAT(r.text, Not(HasSubstr("dapi-mallory")));
}

}  // namespace
}  // namespace devkit::databricks::testing
