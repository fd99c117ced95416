// The skills plugin as the host sees it: listing (valid and refused folders), the cache and reload,
// health, its configuration, and listings that stay whole while reloads run.
#include <devkit/abi.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "skills_test_support.hpp"

namespace devkit::skills_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SkillsPlugin, DescribesItselfAsASkillsSource) {
  const dk_plugin_descriptor* d = SkillsPlugin::get().descriptor();
  EXPECT_STREQ(d->id, "skills");
  EXPECT_EQ(d->skills_source_version, static_cast<uint32_t>(DK_SKILLS_SOURCE_INTERFACE_VERSION));
  EXPECT_NE(d->create_skills_source, nullptr);
  EXPECT_EQ(d->create_tool_provider, nullptr);
  const json schema = json::parse(d->config_schema_json);
  EXPECT_EQ(schema["properties"]["dir"]["default"], "${host.home}/share/devkit/skills");
}

TEST(SkillsPlugin, ListsValidSkillsSortedWithAbsoluteDirsAndFiles) {
  TempDir root;
  writeSkill(root.path(), "zeta", "Last. Use when sorting.");
  const fs::path alpha = writeSkill(root.path(), "alpha", "First. Use when sorting.");
  writeFile(alpha / "reference" / "deep.md", "# Deep\n");
  writeFile(alpha / "examples" / "a.py", "x = 1\n");
  const SkillsHandle skills = SkillsHandle::forDir(root.path());
  const json listing = skills.listJson();
  EXPECT_THAT(namesOf(listing), ElementsAre("alpha", "zeta"));
  EXPECT_TRUE(listing["invalid"].is_array() && listing["invalid"].empty()) << listing.dump();
  const json& a = listing["skills"][0];
  EXPECT_EQ(a["description"], "First. Use when sorting.");
  EXPECT_EQ(a["dir"], alpha.string());
  EXPECT_TRUE(fs::path(a["dir"].get<std::string>()).is_absolute());
  EXPECT_THAT(a["files"], ElementsAre("SKILL.md", "examples/a.py", "reference/deep.md"));
  const json health = skills.healthJson();
  EXPECT_EQ(health["status"], "ok") << health.dump();
  EXPECT_EQ(health["skills"], 2);
  EXPECT_EQ(health["invalid"], 0);
}

TEST(SkillsPlugin, AnInvalidSkillIsReportedAndTheOthersStillLoad) {
  TempDir root;
  writeSkill(root.path(), "good-one");
  writeSkill(root.path(), "good-two");
  writeFile(root.path() / "Bad_One" / "SKILL.md",
            skillMd("name: Bad_One\ndescription: Broken. Use never.\n"));
  fs::create_directories(root.path() / "no-skill-md");
  const SkillsHandle skills = SkillsHandle::forDir(root.path());
  const json listing = skills.listJson();
  EXPECT_THAT(namesOf(listing), ElementsAre("good-one", "good-two"));
  ASSERT_EQ(listing["invalid"].size(), 2u) << listing.dump();
  const json& bad = listing["invalid"][0];
  EXPECT_EQ(bad["path"], (root.path() / "Bad_One").string());
  EXPECT_EQ(bad["dir"], (root.path() / "Bad_One").string());
  EXPECT_EQ(bad["file"], "SKILL.md");
  EXPECT_THAT(bad["reason"].get<std::string>(), HasSubstr("lowercase"));
  EXPECT_GE(bad["errors"].size(), 2u);
  const json& missing = listing["invalid"][1];
  EXPECT_EQ(missing["dir"], (root.path() / "no-skill-md").string());
  EXPECT_EQ(missing["file"], "SKILL.md");
  EXPECT_THAT(missing["reason"].get<std::string>(), HasSubstr("is missing"));

  const json health = skills.healthJson();
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["skills"], 2);
  EXPECT_EQ(health["invalid"], 2);
  EXPECT_THAT(health["detail"].get<std::string>(), HasSubstr("2 of 4 skill folders are invalid"));
  EXPECT_THAT(health["detail"].get<std::string>(), HasSubstr("Bad_One (SKILL.md: "));
  EXPECT_TRUE(SkillsPlugin::get().host().logged("Bad_One refused"));
}

TEST(SkillsPlugin, HiddenFoldersAndPlainFilesAreNotSkills) {
  TempDir root;
  writeSkill(root.path(), "real");
  fs::create_directories(root.path() / ".git" / "objects");
  writeFile(root.path() / "README.md", "# My skills\n");
  const json listing = SkillsHandle::forDir(root.path()).listJson();
  EXPECT_THAT(namesOf(listing), ElementsAre("real"));
  EXPECT_TRUE(listing["invalid"].empty()) << listing.dump();
}

TEST(SkillsPlugin, ASymlinkedSkillFolderIsServed) {
  TempDir root;
  TempDir elsewhere;
  writeSkill(elsewhere.path(), "linked");
  fs::create_directory_symlink(elsewhere.path() / "linked", root.path() / "linked");
  EXPECT_THAT(namesOf(SkillsHandle::forDir(root.path()).listJson()), ElementsAre("linked"));
}

TEST(SkillsPlugin, TheListingIsCachedUntilReload) {
  TempDir root;
  writeSkill(root.path(), "keep");
  writeSkill(root.path(), "change", "Old text. Use when testing.");
  writeSkill(root.path(), "remove");
  writeSkill(root.path(), "breaks");
  writeFile(root.path() / "fixed" / "SKILL.md", skillMd("name: fixed\n"));  // no description
  const SkillsHandle skills = SkillsHandle::forDir(root.path());
  EXPECT_THAT(namesOf(skills.listJson()), ElementsAre("breaks", "change", "keep", "remove"));

  writeSkill(root.path(), "added");
  writeSkill(root.path(), "change", "New text. Use when testing.");
  fs::remove_all(root.path() / "remove");
  writeFile(root.path() / "breaks" / "SKILL.md", "no front matter\n");
  writeSkill(root.path(), "fixed");
  // Nothing changes before the reload.
  EXPECT_THAT(namesOf(skills.listJson()), ElementsAre("breaks", "change", "keep", "remove"));

  const auto r = skills.reload();
  ASSERT_EQ(r.status, DK_OK) << r.error;
  const json listing = skills.listJson();
  EXPECT_THAT(namesOf(listing), ElementsAre("added", "change", "fixed", "keep"));
  EXPECT_EQ(listing["skills"][1]["description"], "New text. Use when testing.");
  ASSERT_EQ(listing["invalid"].size(), 1u);
  EXPECT_EQ(listing["invalid"][0]["dir"], (root.path() / "breaks").string());
  EXPECT_EQ(skills.healthJson()["status"], "degraded");
}

TEST(SkillsPlugin, AMissingDirIsDownAndListingSaysWhy) {
  TempDir root;
  const fs::path dir = root.path() / "not-yet";
  const SkillsHandle skills = SkillsHandle::forDir(dir);  // starts anyway
  json health = skills.healthJson();
  EXPECT_EQ(health["status"], "down");
  EXPECT_THAT(health["detail"].get<std::string>(), HasSubstr("does not exist"));
  const auto listed = skills.list();
  EXPECT_EQ(listed.status, DK_ERR_UNAVAILABLE);
  EXPECT_THAT(listed.error, HasSubstr(dir.string()));
  EXPECT_EQ(skills.reload().status, DK_ERR_UNAVAILABLE);

  writeSkill(dir, "late");
  ASSERT_EQ(skills.reload().status, DK_OK);
  EXPECT_THAT(namesOf(skills.listJson()), ElementsAre("late"));
  EXPECT_EQ(skills.healthJson()["status"], "ok");

  fs::remove_all(dir);  // gone after the scan: health notices without a reload
  health = skills.healthJson();
  EXPECT_EQ(health["status"], "down");
  EXPECT_THAT(health["detail"].get<std::string>(), HasSubstr("no longer exists"));
}

TEST(SkillsPlugin, ADirThatIsAFileIsDown) {
  TempDir root;
  writeFile(root.path() / "file", "x");
  const SkillsHandle skills = SkillsHandle::forDir(root.path() / "file");
  EXPECT_EQ(skills.healthJson()["status"], "down");
  EXPECT_THAT(skills.list().error, HasSubstr("is not a directory"));
}

TEST(SkillsPlugin, AnEmptyDirIsOkWithNoSkills) {
  TempDir root;
  const SkillsHandle skills = SkillsHandle::forDir(root.path());
  const json listing = skills.listJson();
  EXPECT_TRUE(listing["skills"].empty());
  EXPECT_TRUE(listing["invalid"].empty());
  EXPECT_EQ(skills.healthJson()["status"], "ok");
  EXPECT_EQ(skills.healthJson()["skills"], 0);
}

TEST(SkillsPlugin, ARelativeDirIsMadeAbsolute) {
  TempDir root;
  writeSkill(root.path(), "rel");
  const fs::path cwd = fs::current_path();
  fs::current_path(root.path());
  const SkillsHandle skills = SkillsHandle::create(R"({"dir":"."})");
  fs::current_path(cwd);
  const json listing = skills.listJson();
  ASSERT_EQ(listing["skills"].size(), 1u);
  EXPECT_EQ(listing["skills"][0]["dir"], (root.path() / "rel").string());
}

TEST(SkillsPlugin, BadConfigurationIsRefusedWithAReason) {
  EXPECT_THAT([] { SkillsHandle::create(R"({})"); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("\"dir\" must be")));
  EXPECT_THAT([] { SkillsHandle::create(R"({"dir":""})"); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("non-empty")));
  EXPECT_THAT([] { SkillsHandle::create(R"({"dir":"${host.home}/x"})"); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("unexpanded")));
}

TEST(SkillsPlugin, ValidatesFoldersOutsideItsDir) {
  TempDir root;
  TempDir other;
  const SkillsHandle skills = SkillsHandle::forDir(root.path());
  EXPECT_EQ(skills.validateJson(writeSkill(other.path(), "outside"))["valid"], true);
}

// Listers run while one thread switches the dir between two sets of skills and reloads: every
// listing is one whole set, never a mix or a torn document.
TEST(SkillsPlugin, ListingsStayWholeWhileReloading) {
  TempDir root;
  for (int i = 0; i < 12; ++i) {
    writeSkill(root.path() / "a", "a" + std::to_string(i));
    writeSkill(root.path() / "b", "b" + std::to_string(i));
  }
  const fs::path link = root.path() / "current";
  fs::create_directory_symlink(root.path() / "a", link);
  const SkillsHandle skills = SkillsHandle::forDir(link);
  std::atomic<bool> stop{false};
  std::atomic<int> listings{0};
  std::atomic<int> torn{0};
  std::vector<std::thread> listers;
  for (int t = 0; t < 4; ++t) {
    listers.emplace_back([&] {
      while (!stop) {
        const json names = namesOf(skills.listJson());
        const json health = skills.healthJson();
        bool whole = names.size() == 12 && health.contains("status");
        for (const json& n : names) {
          whole = whole && n.get<std::string>()[0] == names[0].get<std::string>()[0];
        }
        if (!whole) ++torn;
        ++listings;
      }
    });
  }
  for (int round = 0; round < 40; ++round) {
    const fs::path next = root.path() / "next";
    fs::create_directory_symlink(root.path() / (round % 2 == 0 ? "b" : "a"), next);
    fs::rename(next, link);                    // atomic switch, between scans
    EXPECT_EQ(skills.reload().status, DK_OK);  // no ASSERT: the listers must be joined
  }
  stop = true;
  for (auto& t : listers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(listings.load(), 0);
}

}  // namespace
}  // namespace devkit::skills_test
