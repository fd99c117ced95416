#include "projects/project_settings.hpp"

#include <gtest/gtest.h>

#include "core/failure.hpp"

namespace devkit::projects::settings {
namespace {

using nlohmann::json;

TEST(ProjectSettings, DefaultsDeriveFromOwnerAndName) {
  const json d = defaults("Ana.Lopez@example.com", "Sales Pipeline (v2)!", "main");
  EXPECT_EQ(d["catalog"], "main");
  EXPECT_EQ(d["schema"], "ana_lopez_sales_pipeline_v2");
  EXPECT_EQ(d["serverless"], true);
  EXPECT_EQ(d["cluster_id"], nullptr);
  EXPECT_EQ(d["warehouse_id"], nullptr);
  EXPECT_EQ(d["workspace_folder"],
            "/Workspace/Users/Ana.Lopez@example.com/ai_dev_kit/sales_pipeline_v2");
}

TEST(ProjectSettings, SanitiseMakesPlainIdentifiers) {
  EXPECT_EQ(sanitiseIdentifier("Ana-Lopez"), "ana_lopez");
  EXPECT_EQ(sanitiseIdentifier("  __x__  "), "x");
  EXPECT_EQ(sanitiseIdentifier("2024 sales"), "p_2024_sales");
  EXPECT_EQ(sanitiseIdentifier("日本語"), "");  // callers fall back to "project" / "user"
  EXPECT_EQ(sanitiseIdentifier(std::string(100, 'a'), 60).size(), 60u);
  EXPECT_EQ(defaults("日本@example.com", "日本", "main")["schema"], "user_project");
}

TEST(ProjectSettings, ValidateMergesOverDefaultsAndNamesBadFields) {
  const json base = defaults("a@example.com", "p", "main");
  json v = validate({{"cluster_id", "0123-456789-abcdefgh"}}, base);
  EXPECT_EQ(v["serverless"], false);
  EXPECT_EQ(v["catalog"], "main");
  v = validate(json::object(), base);
  EXPECT_EQ(v, base);
  const std::vector<std::pair<json, std::string>> bad = {
      {{{"catalog", 5}}, "catalog"},
      {{{"catalog", std::string(256, 'c')}}, "catalog"},
      {{{"schema", "a`b"}}, "schema"},
      {{{"schema", "tab\there"}}, "schema"},
      {{{"warehouse_id", ""}}, "warehouse_id"},
      {{{"cluster_id", 7}}, "cluster_id"},
      {{{"workspace_folder", "/Workspace/./x"}}, "workspace_folder"},
      {{{"workspace_folder", "/" + std::string(1100, 'x')}}, "workspace_folder"},
      {{{"extra", 1}}, "extra"},
  };
  for (const auto& [body, field] : bad) {
    try {
      validate(body, base);
      ADD_FAILURE() << "accepted " << body.dump();
    } catch (const core::Failure& f) {
      EXPECT_EQ(f.kind(), core::FailureKind::kInvalid);
      EXPECT_EQ(f.field(), field) << body.dump();
    }
  }
}

TEST(ProjectSettings, ViewFillsMissingMembersAndHidesOthers) {
  const json base = defaults("a@example.com", "p", "main");
  const json v = view({{"catalog", "dev"}, {"enabled_skills", {"jobs"}}}, base);
  EXPECT_EQ(v["catalog"], "dev");
  EXPECT_EQ(v["schema"], base["schema"]);
  EXPECT_FALSE(v.contains("enabled_skills"));
}

}  // namespace
}  // namespace devkit::projects::settings
