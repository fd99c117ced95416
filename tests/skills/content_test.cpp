// The skills the project ships (plugins/skills/content): every one validates through the real
// plugin, the build tree serves the same set, they name the Databricks MCP tools exactly as the
// agent sees them, and each SKILL.md stays focused with its reference files linked.
// (tests/skills/check_code_blocks.py parses their code blocks.)
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "skills_test_support.hpp"

namespace devkit::skills_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The tools of the mcp-databricks plugin; the agent sees them as mcp__databricks__<name>.
const std::set<std::string> kMcpTools = {"execute_sql",
                                         "execute_sql_multi",
                                         "list_warehouses",
                                         "get_table_details",
                                         "list_catalogs",
                                         "get_catalog",
                                         "create_catalog",
                                         "list_schemas",
                                         "get_schema",
                                         "create_schema",
                                         "list_tables",
                                         "get_table",
                                         "list_volumes",
                                         "get_volume",
                                         "create_volume",
                                         "upload_file",
                                         "upload_folder",
                                         "list_files",
                                         "download_file",
                                         "delete_file",
                                         "list_clusters",
                                         "get_cluster",
                                         "start_cluster",
                                         "run_python_file",
                                         "execute_code",
                                         "create_or_update_pipeline",
                                         "start_pipeline_update",
                                         "get_pipeline",
                                         "get_pipeline_events",
                                         "stop_pipeline",
                                         "delete_pipeline",
                                         "create_job",
                                         "list_jobs",
                                         "run_job_now",
                                         "get_run",
                                         "cancel_run",
                                         "list_runs",
                                         "get_current_user"};

const std::vector<std::string> kRequiredSkills = {"asset-bundles",
                                                  "databricks-sql",
                                                  "execution-compute",
                                                  "jobs",
                                                  "python-sdk",
                                                  "spark-declarative-pipelines",
                                                  "synthetic-data-generation",
                                                  "unity-catalog"};

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<fs::path> skillFolders() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kContentDir)) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ShippedSkills, EveryOneValidatesThroughThePlugin) {
  const SkillsHandle skills = SkillsHandle::forDir(kContentDir);
  const json listing = skills.listJson();
  for (const json& bad : listing["invalid"]) {
    ADD_FAILURE() << bad["dir"] << ": " << bad["errors"].dump(2);
  }
  const std::vector<std::string> names = namesOf(listing);
  for (const std::string& required : kRequiredSkills) {
    EXPECT_THAT(names, ::testing::Contains(required));
  }
  EXPECT_EQ(names.size(), skillFolders().size());
  for (const fs::path& folder : skillFolders()) {
    const json answer = skills.validateJson(folder);
    EXPECT_EQ(answer["valid"], true) << folder << ": " << answer.dump(2);
  }
  EXPECT_EQ(skills.healthJson()["status"], "ok") << skills.health();
}

TEST(ShippedSkills, TheBuildTreeServesTheSameSkills) {
  const json source = SkillsHandle::forDir(kContentDir).listJson();
  const json built = SkillsHandle::forDir(kBuiltSkillsDir).listJson();
  EXPECT_EQ(namesOf(built), namesOf(source)) << "rebuild the skills target to copy the content";
  ASSERT_EQ(built["skills"].size(), source["skills"].size());
  for (size_t i = 0; i < built["skills"].size(); ++i) {
    EXPECT_EQ(built["skills"][i]["files"], source["skills"][i]["files"]);
    EXPECT_EQ(built["skills"][i]["description"], source["skills"][i]["description"]);
  }
}

TEST(ShippedSkills, McpToolsAreNamedAsTheAgentSeesThem) {
  const std::regex anyMcp(R"(mcp__[A-Za-z0-9_]*)");
  const std::regex databricks(R"(mcp__databricks__([a-z_]+))");
  for (const fs::path& folder : skillFolders()) {
    std::set<std::string> used;
    for (const auto& e : fs::recursive_directory_iterator(folder)) {
      if (!e.is_regular_file() || e.path().extension() != ".md") continue;
      const std::string text = readFile(e.path());
      for (std::sregex_iterator m(text.begin(), text.end(), anyMcp), end; m != end; ++m) {
        std::smatch tool;
        const std::string mention = m->str();
        if (!std::regex_match(mention, tool, databricks)) {
          ADD_FAILURE() << e.path() << ": '" << mention << "' is not mcp__databricks__<tool>";
          continue;
        }
        EXPECT_TRUE(kMcpTools.count(tool[1].str()))
            << e.path() << ": no MCP tool named '" << tool[1] << "'";
        if (e.path().filename() == "SKILL.md") used.insert(tool[1].str());
      }
    }
    EXPECT_FALSE(used.empty()) << folder << "/SKILL.md names none of the MCP tools it relies on";
  }
}

TEST(ShippedSkills, EachSkillMdIsFocusedAndLinksItsReferenceFiles) {
  for (const fs::path& folder : skillFolders()) {
    const std::string text = readFile(folder / "SKILL.md");
    const auto lines = std::count(text.begin(), text.end(), '\n');
    EXPECT_GE(lines, 60) << folder << "/SKILL.md is too thin to help";
    EXPECT_LE(lines, 250) << folder << "/SKILL.md: move detail into reference files";
    // The agent only finds a reference file through SKILL.md.
    for (const auto& e : fs::recursive_directory_iterator(folder)) {
      if (!e.is_regular_file() || e.path().filename() == "SKILL.md") continue;
      const std::string rel = e.path().lexically_relative(folder).generic_string();
      EXPECT_NE(text.find("(" + rel + ")"), std::string::npos)
          << folder << "/SKILL.md does not link " << rel;
    }
  }
}

TEST(ShippedSkills, DescriptionsSayWhenToUseTheSkill) {
  const json listing = SkillsHandle::forDir(kContentDir).listJson();
  for (const json& s : listing["skills"]) {
    const std::string d = s["description"];
    EXPECT_NE(d.find("Use when"), std::string::npos)
        << s["name"] << ": the description should say when to use the skill";
    EXPECT_GE(d.size(), 80u) << s["name"] << ": say what the skill covers";
  }
}

}  // namespace
}  // namespace devkit::skills_test
