// The size guard every tool answer goes through (capResult / capForAnswer): structuredContent and
// the text each stay under max_result_chars, the whole result is saved into the project, and
// outside a project the answer says to ask for less.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "tools/tool.hpp"

namespace devkit::databricks {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class ToolResultCap : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = fs::temp_directory_path() /
               ("devkit-cap-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(project_);
    settings_.maxResultChars = 2000;
  }
  void TearDown() override { fs::remove_all(project_); }

  ToolResult cap(ToolResult result, bool inProject = true) {
    ClientOptions options;
    options.host = "http://127.0.0.1:9";  // never called
    RestClient client(options);
    Caller caller;
    if (inProject) caller.projectDir = project_;
    const json args = json::object();
    ToolContext ctx(args, client, settings_, caller, devkit::sdk::Sink(), devkit::sdk::Host());
    return capResult(ctx, "some_tool", std::move(result));
  }

  static size_t textSize(const ToolResult& r) {
    size_t n = 0;
    for (const auto& block : r.value()["content"]) n += block.value("text", "").size();
    return n;
  }
  std::string readSaved(const json& structured) {
    std::ifstream in(project_ / structured["saved_to"].get<std::string>());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path project_;
  ToolSettings settings_;
};

TEST_F(ToolResultCap, ASmallResultIsUntouched) {
  const json value = {{"name", "orders"}, {"rows", json::array({1, 2, 3})}};
  const ToolResult r = cap(ToolResult::structured(value));
  EXPECT_EQ(r.value()["structuredContent"], value);
  EXPECT_FALSE(fs::exists(project_ / ".devkit"));
}

TEST_F(ToolResultCap, ALongListKeepsTheFirstItemsAndTheCounts) {
  json items = json::array();
  for (int i = 0; i < 500; ++i)
    items.push_back({{"id", i}, {"name", "catalog-" + std::to_string(i)}});
  const json value = {{"count", 500}, {"catalogs", items}};
  const ToolResult r = cap(ToolResult::structured(value));
  const json& s = r.value()["structuredContent"];
  EXPECT_LE(s.dump().size(), 2000u);
  EXPECT_LE(textSize(r), 2000u);
  EXPECT_EQ(s["total"], 500);
  EXPECT_GT(s["shown"].get<int>(), 5);
  EXPECT_LT(s["shown"].get<int>(), 500);
  EXPECT_EQ(s["catalogs"][0]["id"], 0);
  EXPECT_EQ(json::parse(readSaved(s)), value) << "the whole result is saved";
}

TEST_F(ToolResultCap, AnObjectWithoutAListLosesItsLargestMembers) {
  const json value = {
      {"name", "orders"}, {"owner", "alice"}, {"view_definition", std::string(6000, 'x')}};
  const ToolResult r = cap(ToolResult::structured(value));
  const json& s = r.value()["structuredContent"];
  EXPECT_LE(s.dump().size(), 2000u);
  EXPECT_EQ(s["name"], "orders");
  EXPECT_EQ(s["owner"], "alice");
  EXPECT_NE(s["view_definition"].get<std::string>().find("omitted"), std::string::npos);
  EXPECT_EQ(json::parse(readSaved(s)), value);
}

TEST_F(ToolResultCap, LongTextIsCutAndSaved) {
  const ToolResult r = cap(ToolResult::text(std::string(10000, 'y')));
  EXPECT_LE(textSize(r), 2200u);
  const std::string text = r.value()["content"][0]["text"];
  EXPECT_NE(text.find("[cut: "), std::string::npos);
  EXPECT_NE(text.find(".devkit/results/some_tool-"), std::string::npos) << text.substr(1800);
}

TEST_F(ToolResultCap, OutsideAProjectTheAnswerSaysToAskForLess) {
  json items = json::array();
  for (int i = 0; i < 500; ++i) items.push_back(i * 1000);
  const ToolResult r = cap(ToolResult::structured({{"values", items}}), false);
  const json& s = r.value()["structuredContent"];
  EXPECT_LE(s.dump().size(), 2000u);
  EXPECT_FALSE(s.contains("saved_to"));
  EXPECT_NE(s["note"].get<std::string>().find("ask for less"), std::string::npos);
}

}  // namespace
}  // namespace devkit::databricks
