// The SKILL.md front matter parser: the YAML subset it reads, and the YAML it refuses rather than
// read differently from Claude Code's YAML reader.
#include "front_matter.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace devkit::skills {
namespace {

using Kind = FrontMatterValue::Kind;
using ::testing::HasSubstr;

FrontMatter parse(const std::string& header, const std::string& body = "body\n") {
  return parseFrontMatter("---\n" + header + "---\n" + body);
}

std::string field(const FrontMatter& fm, const std::string& key) {
  const auto it = fm.fields.find(key);
  return it == fm.fields.end() ? "<missing>" : it->second.text;
}

std::string errors(const FrontMatter& fm) {
  std::string out;
  for (const auto& e : fm.errors) out += e + "\n";
  return out;
}

TEST(FrontMatter, PlainValuesAndTheBody) {
  const FrontMatter fm =
      parse("name: my-skill\ndescription: Builds things. Use when asked.\n", "# Title\n\nText.\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "name"), "my-skill");
  EXPECT_EQ(field(fm, "description"), "Builds things. Use when asked.");
  EXPECT_EQ(fm.fields.at("name").kind, Kind::kString);
  EXPECT_EQ(fm.fields.at("name").line, 2);
  EXPECT_EQ(fm.fields.at("description").line, 3);
  EXPECT_EQ(fm.body, "# Title\n\nText.\n");
  EXPECT_EQ(fm.bodyLine, 5);
}

TEST(FrontMatter, CommentsAreIgnored) {
  const FrontMatter fm =
      parse("# a comment\nname: x # trailing comment\n\ndescription: C# and F#, #1 choice\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "name"), "x");
  EXPECT_EQ(field(fm, "description"), "C# and F#,");
}

TEST(FrontMatter, QuotedValues) {
  const FrontMatter fm = parse(
      "a: 'it''s: quoted # not a comment'\n"
      "b: \"tab\\there \\\"q\\\" \\u00e9 \\x41 \\\\\"\n"
      "c: ''\n"
      "d: \"123\"\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "a"), "it's: quoted # not a comment");
  EXPECT_EQ(field(fm, "b"), "tab\there \"q\" \xC3\xA9 A \\");
  EXPECT_EQ(field(fm, "c"), "");
  EXPECT_EQ(fm.fields.at("c").kind, Kind::kString);
  EXPECT_EQ(fm.fields.at("d").kind, Kind::kString);  // quoted: text, not a number
}

TEST(FrontMatter, QuotedValuesOverSeveralLines) {
  const FrontMatter fm = parse(
      "a: \"first\n  second\n\n  third\"\n"
      "b: 'one\n   two'\n"
      "c: \"joined\\\n  here\"\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "a"), "first second\nthird");
  EXPECT_EQ(field(fm, "b"), "one two");
  EXPECT_EQ(field(fm, "c"), "joinedhere");
}

TEST(FrontMatter, FoldedBlocks) {
  const FrontMatter fm = parse(
      "a: >-\n  one\n  two\n\n  three\nb: >\n  kept newline\nc: >+\n  keep\n\nd: >2-\n   "
      "indented\n  x\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "a"), "one two\nthree");
  EXPECT_EQ(field(fm, "b"), "kept newline\n");
  EXPECT_EQ(field(fm, "c"), "keep\n\n");
  EXPECT_EQ(field(fm, "d"), " indented\nx");
}

TEST(FrontMatter, LiteralBlocks) {
  const FrontMatter fm = parse("a: |\n  line 1\n    line 2\n\n  line 3\n\nb: |-\n  x\n  y\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "a"), "line 1\n  line 2\n\nline 3\n");
  EXPECT_EQ(field(fm, "b"), "x\ny");
}

TEST(FrontMatter, PlainValuesOverSeveralLines) {
  const FrontMatter fm =
      parse("description: Builds pipelines\n  and jobs.\n\n  Second.\nname:\n  x\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "description"), "Builds pipelines and jobs.\nSecond.");
  EXPECT_EQ(field(fm, "name"), "x");
}

TEST(FrontMatter, StructuredValuesAreKeptButNotRead) {
  const FrontMatter fm = parse(
      "allowed-tools: [Read, Grep]\nmetadata:\n  version: 1\n  owner: me\nlist:\n  - a\n  - b\n"
      "name: x\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(fm.fields.at("allowed-tools").kind, Kind::kStructured);
  EXPECT_EQ(fm.fields.at("metadata").kind, Kind::kStructured);
  EXPECT_EQ(fm.fields.at("list").kind, Kind::kStructured);
  EXPECT_EQ(field(fm, "name"), "x");
  EXPECT_EQ(fm.fields.count("version"), 0u) << "nested keys are not top-level keys";
}

TEST(FrontMatter, ScalarKindsFollowYaml) {
  const FrontMatter fm =
      parse("a:\nb: ~\nc: null\nd: 123\ne: true\nf: 1.5e3\ng: no\nh: 12abc\ni: 0x1F\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(fm.fields.at("a").kind, Kind::kNull);
  EXPECT_EQ(fm.fields.at("b").kind, Kind::kNull);
  EXPECT_EQ(fm.fields.at("c").kind, Kind::kNull);
  EXPECT_EQ(fm.fields.at("d").kind, Kind::kOther);
  EXPECT_EQ(fm.fields.at("e").kind, Kind::kOther);
  EXPECT_EQ(fm.fields.at("f").kind, Kind::kOther);
  EXPECT_EQ(fm.fields.at("g").kind, Kind::kOther);
  EXPECT_EQ(fm.fields.at("h").kind, Kind::kString);
  EXPECT_EQ(fm.fields.at("i").kind, Kind::kOther);
}

TEST(FrontMatter, ByteOrderMarkAndCrlf) {
  const FrontMatter fm = parseFrontMatter(
      "\xEF\xBB\xBF---\r\nname: x\r\ndescription: >-\r\n  a\r\n  b\r\n---\r\nB\r\n");
  ASSERT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_EQ(field(fm, "name"), "x");
  EXPECT_EQ(field(fm, "description"), "a b");
  EXPECT_EQ(fm.body, "B\r\n");
}

TEST(FrontMatter, EmptyFrontMatterHasNoFields) {
  const FrontMatter fm = parseFrontMatter("---\n---\nbody\n");
  EXPECT_TRUE(fm.errors.empty()) << errors(fm);
  EXPECT_TRUE(fm.fields.empty());
  EXPECT_EQ(fm.body, "body\n");
}

struct BadCase {
  const char* label;
  std::string text;  // the whole file
  const char* expected;
};

class FrontMatterErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(FrontMatterErrors, AreReportedWithTheLine) {
  const FrontMatter fm = parseFrontMatter(GetParam().text);
  ASSERT_FALSE(fm.errors.empty()) << GetParam().label;
  EXPECT_THAT(errors(fm), HasSubstr(GetParam().expected)) << GetParam().label;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FrontMatterErrors,
    ::testing::Values(
        BadCase{"no front matter", "# Title\nname: x\n", "must start with a '---' line"},
        BadCase{"empty file", "", "must start with a '---' line"},
        BadCase{"unterminated", "---\nname: x\ndescription: y\n# body\n", "never closed"},
        BadCase{"duplicate key", "---\nname: a\nname: b\n---\n",
                "line 3: duplicate key 'name' (first on line 2)"},
        BadCase{"colon in a plain value", "---\ndescription: Use when: asked\n---\n",
                "line 2: a plain value cannot contain ': '"},
        BadCase{"no space after the colon", "---\nname:x\n---\n", "line 2: expected `key: value`"},
        BadCase{"not a mapping", "---\n- a\n---\n", "line 2: expected `key: value`"},
        BadCase{"tab indentation", "---\n\tname: x\n---\n", "line 2: tabs cannot indent YAML"},
        BadCase{"stray indentation", "---\n  name: x\n---\n", "line 2: unexpected indentation"},
        BadCase{"anchor", "---\nname: &a x\n---\n", "anchors, aliases, tags"},
        BadCase{"tag", "---\nname: !!str x\n---\n", "anchors, aliases, tags"},
        BadCase{"sequence as a value", "---\nname: - x\n---\n", "cannot start with '-"},
        BadCase{"text after quote", "---\nname: \"x\" y\n---\n", "line 2: text after the closing"},
        BadCase{"unterminated quote", "---\nname: 'x\n---\n", "no closing '"},
        BadCase{"bad escape", "---\nname: \"a\\qb\"\n---\n", "unknown escape \\q"},
        BadCase{"bad unicode escape", "---\nname: \"\\ud800\"\n---\n", "not a Unicode character"},
        BadCase{"block less indented", "---\nd: |\n    a\n  b\n---\n",
                "line 4: less indented than the first line"},
        BadCase{"text after a block header", "---\nd: > text\n---\n", "starts on the next line"},
        BadCase{"text after a comment", "---\nd: a # c\n  more\n---\n",
                "line 3: text after a comment"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name = info.param.label;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace devkit::skills
