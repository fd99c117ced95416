// Per-project skills: listing from the skills source, enabling and disabling (applied to
// .claude/skills), and what happens without a skills source.
#include <fstream>

#include "api_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SkillsApi : public ApiTest {
 protected:
  void SetUp() override {
    startHost();
    id_ = createProject("skills")["id"];
  }
  std::string id_;
};

TEST_F(SkillsApi, ListsEveryEnabledSkillOfANewProject) {
  const HttpResult r = call("GET", "/api/projects/" + id_ + "/skills");
  ASSERT_EQ(r.status, 200) << r.body;
  const json s = r.json();
  EXPECT_EQ(s["total_count"], 2);
  EXPECT_EQ(s["enabled_count"], 2);
  EXPECT_EQ(s["all_enabled"], true);
  EXPECT_EQ(s["source"]["available"], true);
  ASSERT_EQ(s["skills"].size(), 2u);
  for (const json& skill : s["skills"]) {
    EXPECT_EQ(skill["enabled"], true);
    EXPECT_EQ(skill["installed"], true);
  }
}

TEST_F(SkillsApi, DisablingRemovesTheFolderAndEnablingBringsItBack) {
  const std::string path = "/api/projects/" + id_ + "/skills";
  const fs::path skills = projectDir(id_) / ".claude/skills";
  fs::create_directories(skills / "my-own");  // the user's own skill is never touched
  HttpResult r = call("PUT", path, {{"enabled", {"jobs"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["enabled_count"], 1);
  EXPECT_EQ(r.json()["all_enabled"], false);
  EXPECT_FALSE(fs::exists(skills / "databricks-sql"));
  EXPECT_TRUE(fs::is_regular_file(skills / "jobs/SKILL.md"));
  EXPECT_TRUE(fs::is_directory(skills / "my-own"));
  EXPECT_EQ(call("GET", "/api/projects/" + id_).json()["backup"]["state"], "dirty");

  r = call("PUT", path, {{"enabled", nullptr}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["all_enabled"], true);
  EXPECT_TRUE(fs::is_regular_file(skills / "databricks-sql/SKILL.md"));

  r = call("PUT", path, {{"enabled", {"no-such-skill"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r)["field"], "enabled");
  EXPECT_EQ(call("GET", path).json()["enabled_count"], 2);  // unchanged
}

std::string readFile(const fs::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(SkillsApi, ReloadBringsNewChangedAndRemovedSkillsIntoTheProject) {
  const fs::path skills = projectDir(id_) / ".claude/skills";
  fs::create_directories(skills / "my-own");
  // The operator edits one skill, adds one and removes one in the source folder.
  writeSkill(skillsDir_, "jobs", "Lakeflow Jobs, revised");
  std::ofstream(skillsDir_ / "jobs" / "reference.md") << "# more about jobs\n";
  writeSkill(skillsDir_, "unity-catalog", "Unity Catalog");
  fs::remove_all(skillsDir_ / "databricks-sql");

  const HttpResult r = call("POST", "/api/projects/" + id_ + "/skills/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["total_count"], 2);
  EXPECT_NE(readFile(skills / "jobs/SKILL.md").find("Lakeflow Jobs, revised"), std::string::npos)
      << "a changed skill is copied again";
  EXPECT_TRUE(fs::is_regular_file(skills / "jobs/reference.md"));
  EXPECT_TRUE(fs::is_regular_file(skills / "unity-catalog/SKILL.md")) << "a new one arrives";
  EXPECT_FALSE(fs::exists(skills / "databricks-sql")) << "one gone from the source goes";
  EXPECT_TRUE(fs::is_directory(skills / "my-own")) << "the user's own skill stays";
  for (const auto& entry : fs::directory_iterator(skills)) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "no temp dir left behind";
  }

  // An unchanged skill is not copied again (its files keep their identity).
  const auto before = fs::last_write_time(skills / "unity-catalog/SKILL.md");
  ASSERT_EQ(call("POST", "/api/projects/" + id_ + "/skills/reload").status, 200);
  EXPECT_EQ(fs::last_write_time(skills / "unity-catalog/SKILL.md"), before);
  EXPECT_EQ(call("POST", "/api/projects/missing-project/skills/reload").status, 404);
}

TEST_F(SkillsApi, AProjectCreatedWithSkillsOffGetsNoneAndOneWithSomeGetsThose) {
  HttpResult r =
      call("POST", "/api/projects", {{"name", "no skills"}, {"enabled_skills", json::array()}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string none = r.json()["id"];
  EXPECT_TRUE(fs::is_empty(projectDir(none) / ".claude/skills"));
  const json listed = call("GET", "/api/projects/" + none + "/skills").json();
  EXPECT_EQ(listed["enabled_count"], 0);
  EXPECT_EQ(listed["all_enabled"], false);

  r = call("POST", "/api/projects", {{"name", "some skills"}, {"enabled_skills", {"jobs"}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const fs::path skills = projectDir(r.json()["id"]) / ".claude/skills";
  EXPECT_TRUE(fs::is_regular_file(skills / "jobs/SKILL.md"));
  EXPECT_FALSE(fs::exists(skills / "databricks-sql"));

  r = call("POST", "/api/projects", {{"name", "bad"}, {"enabled_skills", {"nope"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r)["field"], "enabled_skills");
  r = call("POST", "/api/projects", {{"name", "bad"}, {"enabled_skills", "jobs"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r)["field"], "enabled_skills");
  EXPECT_EQ(call("GET", "/api/projects").json().size(), 3u) << "refused creations left nothing";
}

TEST(SkillsApiWithoutSource, SaysTheSourceIsUnavailable) {
  TempDir dir;
  const std::string ini = hostIni(dir, "[plugin.storage-local]\nenabled = yes\n");
  app::Host host(loadIni(dir, ini));
  host.start();
  const HttpResult created =
      fetch(host.port(), "POST", "/api/projects", R"({"name":"no skills"})", "application/json");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = "/api/projects/" + created.json()["id"].get<std::string>() + "/skills";
  HttpResult r = fetch(host.port(), "GET", path);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["source"]["available"], false);
  EXPECT_EQ(r.json()["total_count"], 0);
  r = fetch(host.port(), "PUT", path, R"({"enabled":null})", "application/json");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(errorOf(r)["code"], "skills_unavailable");
  host.stop();
}

}  // namespace
}  // namespace devkit::testing
