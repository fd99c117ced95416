// Every rule of a skill folder, good and bad, through the real plugin's validate_skill (and the
// name rules directly): each bad folder is refused with the file at fault and a reason that says
// what to fix.
#include <devkit/abi.h>

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "skill_validator.hpp"
#include "skills_test_support.hpp"

namespace devkit::skills_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

class Validator : public ::testing::Test {
 protected:
  void SetUp() override { skills_ = SkillsHandle::forDir(root_.path()); }

  // Writes `root`/`folder`/SKILL.md with `text` and validates the folder.
  json validate(const std::string& folder, const std::string& text) {
    writeFile(root_.path() / folder / "SKILL.md", text);
    return skills_.validateJson(root_.path() / folder);
  }
  json validateFrontMatter(const std::string& folder, const std::string& frontMatter) {
    return validate(folder, skillMd(frontMatter));
  }

  // All reasons of an answer, one per line, each prefixed with its file.
  static std::string reasons(const json& answer) {
    std::string out;
    for (const json& e : answer["errors"]) {
      out += e["file"].get<std::string>() + ": " + e["reason"].get<std::string>() + "\n";
    }
    return out;
  }
  static void expectInvalid(const json& answer, const std::string& file,
                            const std::string& reason) {
    EXPECT_EQ(answer["valid"], false) << answer.dump();
    bool found = false;
    for (const json& e : answer["errors"]) {
      if (e["file"] == file && e["reason"].get<std::string>().find(reason) != std::string::npos) {
        found = true;
      }
    }
    EXPECT_TRUE(found) << "no error on " << file << " containing '" << reason << "' in\n"
                       << reasons(answer);
  }

  TempDir root_;
  SkillsHandle skills_;
};

TEST_F(Validator, AGoodSkillIsValidWithItsNameAndDescription) {
  const json a = validateFrontMatter(
      "good-skill-2", "name: good-skill-2\ndescription: Builds X. Use when the user asks for X.\n");
  EXPECT_EQ(a["valid"], true) << reasons(a);
  EXPECT_EQ(a["name"], "good-skill-2");
  EXPECT_EQ(a["description"], "Builds X. Use when the user asks for X.");
  EXPECT_TRUE(a["errors"].is_array());
  EXPECT_TRUE(a["errors"].empty());
}

TEST_F(Validator, DevkitToolsNamesTheToolsASkillGates) {
  const fs::path dir = root_.path() / "gating";
  writeFile(dir / "SKILL.md",
            skillMd("name: gating\ndescription: Gates tools. Use when testing.\n"
                    "devkit-tools: execute_code, run_python_file execute_code\n"));
  skills_.reload();  // the plugin lists what it read at its last (re)load
  const json listing = skills_.listJson();
  ASSERT_EQ(listing["skills"].size(), 1u) << listing.dump();
  EXPECT_EQ(listing["skills"][0]["tools"], json({"execute_code", "run_python_file"}));
  // A skill without the key lists no tools member at all.
  writeFile(root_.path() / "plain" / "SKILL.md",
            skillMd("name: plain\ndescription: Plain. Use when testing.\n"));
  skills_.reload();
  for (const json& skill : skills_.listJson()["skills"]) {
    EXPECT_EQ(skill.contains("tools"), skill["name"] == "gating") << skill.dump();
  }
}

TEST_F(Validator, ABadDevkitToolsValueIsRefusedWithWhy) {
  expectInvalid(validateFrontMatter("bad-chars",
                                    "name: bad-chars\ndescription: X. Use when Y.\n"
                                    "devkit-tools: execute_code; drop\n"),
                "SKILL.md", "cannot be part of a tool name");
  expectInvalid(validateFrontMatter("no-names",
                                    "name: no-names\ndescription: X. Use when Y.\n"
                                    "devkit-tools: ' , '\n"),
                "SKILL.md", "names no tool");
  expectInvalid(validateFrontMatter("a-list",
                                    "name: a-list\ndescription: X. Use when Y.\n"
                                    "devkit-tools: [a, b]\n"),
                "SKILL.md", "devkit-tools must be text");
}

TEST_F(Validator, ReferenceFilesAndLinksToThemAreFine) {
  const fs::path dir = root_.path() / "linked";
  writeFile(dir / "reference" / "more.md", "# More\n");
  writeFile(dir / "scripts" / "run.py", "print('x')\n");
  const json a = validate("linked", skillMd("name: linked\ndescription: Links. Use when linking.\n",
                                            "See [more](reference/more.md#part), "
                                            "[the script](./scripts/run.py), "
                                            "[docs](https://docs.databricks.com) and [top](#top).\n"
                                            "```\n[not a link](nowhere.md)\n```\n"
                                            "`[inline](nowhere.md)`\n"));
  EXPECT_EQ(a["valid"], true) << reasons(a);
}

TEST_F(Validator, NameOfSixtyFourCharactersIsTheLimit) {
  const std::string ok(64, 'a');
  EXPECT_EQ(validateFrontMatter(ok, "name: " + ok + "\ndescription: d\n")["valid"], true);
  const std::string tooLong(65, 'a');
  expectInvalid(validateFrontMatter(tooLong, "name: " + tooLong + "\ndescription: d\n"), "SKILL.md",
                "is 65 characters long; at most 64");
}

TEST_F(Validator, NameMustBeLowercase) {
  expectInvalid(validateFrontMatter("My-Skill", "name: My-Skill\ndescription: d\n"), "SKILL.md",
                "must be lowercase");
}

TEST_F(Validator, NameMustNotHaveDoubleHyphens) {
  expectInvalid(validateFrontMatter("my--skill", "name: my--skill\ndescription: d\n"), "SKILL.md",
                "two hyphens in a row");
}

TEST_F(Validator, NameMustNotStartOrEndWithAHyphen) {
  expectInvalid(validateFrontMatter("-skill", "name: -skill\ndescription: d\n"), "SKILL.md",
                "must not start or end with a hyphen");
  expectInvalid(validateFrontMatter("skill-", "name: skill-\ndescription: d\n"), "SKILL.md",
                "must not start or end with a hyphen");
}

TEST_F(Validator, NameMayOnlyHoldLettersDigitsAndHyphens) {
  expectInvalid(validateFrontMatter("my_skill", "name: my_skill\ndescription: d\n"), "SKILL.md",
                "may only contain lowercase letters, digits and hyphens");
  expectInvalid(validateFrontMatter("my skill", "name: my skill\ndescription: d\n"), "SKILL.md",
                "may only contain");
}

TEST_F(Validator, NameMustNotContainReservedWords) {
  expectInvalid(validateFrontMatter("claude-helper", "name: claude-helper\ndescription: d\n"),
                "SKILL.md", "reserved word 'claude'");
  expectInvalid(validateFrontMatter("my-anthropic-kit", "name: my-anthropic-kit\ndescription: d\n"),
                "SKILL.md", "reserved word 'anthropic'");
}

TEST_F(Validator, NameMustEqualTheFolderName) {
  const json a = validateFrontMatter("folder-name", "name: other-name\ndescription: d\n");
  expectInvalid(a, "SKILL.md", "name 'other-name' differs from the folder name 'folder-name'");
  EXPECT_EQ(a["name"], "other-name") << "what was read is still reported";
}

TEST_F(Validator, NameAndDescriptionAreRequired) {
  expectInvalid(validateFrontMatter("no-name", "description: d\n"), "SKILL.md",
                "the front matter has no 'name'");
  expectInvalid(validateFrontMatter("no-desc", "name: no-desc\n"), "SKILL.md",
                "the front matter has no 'description'");
  expectInvalid(validateFrontMatter("empty-name", "name:\ndescription: d\n"), "SKILL.md",
                "name is empty");
  expectInvalid(validateFrontMatter("empty-q", "name: \"\"\ndescription: d\n"), "SKILL.md",
                "name is empty");
  expectInvalid(validateFrontMatter("blank-desc", "name: blank-desc\ndescription: '  '\n"),
                "SKILL.md", "description is empty");
}

TEST_F(Validator, NameAndDescriptionMustBeText) {
  expectInvalid(validateFrontMatter("1234", "name: 1234\ndescription: d\n"), "SKILL.md",
                "name must be text, but YAML reads '1234' as a number or boolean");
  EXPECT_EQ(validateFrontMatter("1234", "name: '1234'\ndescription: d\n")["valid"], true);
  expectInvalid(validateFrontMatter("listed", "name: listed\ndescription:\n  - a\n  - b\n"),
                "SKILL.md", "description must be text, not a list or mapping");
}

TEST_F(Validator, DescriptionOf1024CharactersIsTheLimit) {
  const std::string ok(1024, 'd');
  EXPECT_EQ(validateFrontMatter("d-ok", "name: d-ok\ndescription: " + ok + "\n")["valid"], true);
  // Characters, not bytes: 1024 two-byte characters are fine.
  std::string accented;
  for (int i = 0; i < 1024; ++i) accented += "\xC3\xA9";
  EXPECT_EQ(validateFrontMatter("d-utf8", "name: d-utf8\ndescription: " + accented + "\n")["valid"],
            true);
  expectInvalid(validateFrontMatter("d-long", "name: d-long\ndescription: " + ok + "x" + "\n"),
                "SKILL.md", "description is 1025 characters long; at most 1024");
}

TEST_F(Validator, DescriptionMustNotHoldXmlTags) {
  expectInvalid(validateFrontMatter("xml", "name: xml\ndescription: Use <example>x</example>\n"),
                "SKILL.md", "must not contain XML tags (found '<example>')");
  expectInvalid(validateFrontMatter("xml2", "name: xml2\ndescription: 'a <br/> b'\n"), "SKILL.md",
                "XML tags");
  EXPECT_EQ(validateFrontMatter(
                "cmp", "name: cmp\ndescription: 'when a < b and c > d, or x<5'\n")["valid"],
            true);
}

TEST_F(Validator, FrontMatterMustBeThereAndClosed) {
  expectInvalid(validate("no-fm", "# Just markdown\n\nname: no-fm\n"), "SKILL.md",
                "must start with a '---' line");
  expectInvalid(validate("open-fm", "---\nname: open-fm\ndescription: d\n\n# Body\n"), "SKILL.md",
                "never closed");
}

TEST_F(Validator, FrontMatterSyntaxErrorsNameTheLine) {
  expectInvalid(validateFrontMatter("colon", "name: colon\ndescription: Use when: asked\n"),
                "SKILL.md", "line 3: a plain value cannot contain ': '");
}

TEST_F(Validator, SkillMdMustBeUtf8Text) {
  expectInvalid(validate("latin1", skillMd("name: latin1\ndescription: caf\xE9\n")), "SKILL.md",
                "is not valid UTF-8 (line 3");
  expectInvalid(validate("overlong", skillMd("name: overlong\ndescription: \xC0\xAF\n")),
                "SKILL.md", "is not valid UTF-8");
  expectInvalid(validate("nul", skillMd("name: nul\ndescription: d\n", std::string("a\0b\n", 4))),
                "SKILL.md", "contains a NUL byte");
}

TEST_F(Validator, SkillMdNeedsABody) {
  expectInvalid(validate("bodiless", skillMd("name: bodiless\ndescription: d\n", "\n  \n")),
                "SKILL.md", "has no instructions after the front matter");
}

TEST_F(Validator, BrokenLinksAreReported) {
  const json a = validate("links", skillMd("name: links\ndescription: d\n",
                                           "See [gone](reference/gone.md) and [up](../x.md).\n"));
  expectInvalid(a, "SKILL.md", "links to 'reference/gone.md', which is not in the skill folder");
  expectInvalid(a, "SKILL.md", "links to '../x.md', which is outside the skill folder");
}

TEST_F(Validator, AFolderWithoutSkillMdIsRefused) {
  fs::create_directories(root_.path() / "empty");
  expectInvalid(skills_.validateJson(root_.path() / "empty"), "SKILL.md", "is missing");
  writeFile(root_.path() / "lower" / "skill.md", skillMd("name: lower\ndescription: d\n"));
  expectInvalid(skills_.validateJson(root_.path() / "lower"), "SKILL.md",
                "found 'skill.md'; the name is case-sensitive");
}

TEST_F(Validator, SymbolicLinksInsideAreRefused) {
  const fs::path dir = writeSkill(root_.path(), "linky");
  fs::create_symlink("/etc/passwd", dir / "passwd");
  expectInvalid(skills_.validateJson(dir), "passwd", "is a symbolic link");
}

TEST_F(Validator, OversizedSkillMdIsRefused) {
  const std::string body(skills::kMaxSkillMdBytes + 1, 'x');
  expectInvalid(validate("huge", skillMd("name: huge\ndescription: d\n", body)), "SKILL.md",
                "bytes; at most");
}

TEST_F(Validator, EveryProblemIsReportedAtOnce) {
  const json a = validateFrontMatter("Bad--Name", "name: Bad--Name\ndescription: <b>x</b>\n");
  EXPECT_EQ(a["valid"], false);
  EXPECT_GE(a["errors"].size(), 3u) << reasons(a);
  EXPECT_THAT(reasons(a), HasSubstr("lowercase"));
  EXPECT_THAT(reasons(a), HasSubstr("two hyphens"));
  EXPECT_THAT(reasons(a), HasSubstr("XML tags"));
}

TEST_F(Validator, MissingFoldersAndFilesAreInvalidNotErrors) {
  expectInvalid(skills_.validateJson(root_.path() / "nope"), ".", "no such folder");
  writeFile(root_.path() / "plain-file", "x");
  expectInvalid(skills_.validateJson(root_.path() / "plain-file"), ".", "is not a folder");
}

TEST_F(Validator, ARelativePathIsAnInvalidArgument) {
  const auto r = skills_.validate("relative/dir");
  EXPECT_EQ(r.status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(r.error, HasSubstr("absolute"));
  EXPECT_EQ(skills_.validate("").status, DK_ERR_INVALID_ARGUMENT);
}

TEST_F(Validator, ATrailingSlashStillComparesTheFolderName) {
  const fs::path dir = writeSkill(root_.path(), "slashed");
  EXPECT_EQ(skills_.validateJson(dir.string() + "/")["valid"], true);
}

TEST(NameRules, GoodNamesPass) {
  for (const char* name : {"a", "jobs", "asset-bundles", "sql-2", "x1-y2-z3"}) {
    EXPECT_TRUE(skills::nameProblems(name).empty()) << name;
  }
}

TEST(NameRules, ReservedWordsAreCaseInsensitive) {
  EXPECT_FALSE(skills::nameProblems("myclaudeskill").empty());
  EXPECT_FALSE(skills::nameProblems("CLAUDE").empty());
}

TEST(Utf8, CleanAndRepaired) {
  EXPECT_TRUE(skills::isCleanUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  size_t bad = 99;
  EXPECT_FALSE(skills::isCleanUtf8("ab\xED\xA0\x80", &bad));  // a surrogate
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(skills::isCleanUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(skills::toValidUtf8("a\xFF"
                                "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(skills::utf8Length("\xC3\xA9t\xC3\xA9"), 3u);
}

}  // namespace
}  // namespace devkit::skills_test
