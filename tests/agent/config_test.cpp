// [plugin.agent-claude] as the plugin reads it: defaults, checks, and the root rule for
// bypassPermissions.
#include "config.hpp"

#include <devkit/sdk.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace devkit::agent_claude {
namespace {

TEST(Config, SchemaDefaultsMatchTheParsedDefaults) {
  const nlohmann::json schema = nlohmann::json::parse(kConfigSchema);
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [key, property] : schema["properties"].items()) {
    if (key != "claude_path") config[key] = property["default"];
  }
  const Config c = Config::parse(config.dump(), false);
  const Config d;
  EXPECT_EQ(c.llm, d.llm);
  EXPECT_EQ(c.permissionMode, d.permissionMode);
  EXPECT_EQ(c.idleTimeoutS, d.idleTimeoutS);
  EXPECT_EQ(c.maxSessions, d.maxSessions);
  EXPECT_EQ(c.apiMaxRetries, d.apiMaxRetries);
  EXPECT_EQ(c.stopGraceS, 5);
  EXPECT_EQ(c.permissionTimeoutS, 300);
  EXPECT_FALSE(c.isSandbox);
  EXPECT_EQ(schema["properties"]["anthropic_api_key"]["secret"], true);
  EXPECT_EQ(schema["properties"]["claude_path"]["default"],
            "${host.home}/lib/devkit/claude/bin/claude");
}

TEST(Config, RefusesAnUnknownRouting) {
  try {
    Config::parse(R"({"llm":"openai"})", false);
    FAIL() << "accepted llm = openai";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("llm"), std::string::npos);
  }
  EXPECT_NO_THROW(Config::parse(R"({"llm":"https://gw.example.com/anthropic"})", false));
}

TEST(Config, BypassPermissionsAsRootNeedsTheSandboxOptIn) {
  const char* bypass = R"({"permission_mode":"bypassPermissions"})";
  EXPECT_NO_THROW(Config::parse(bypass, /*runningAsRoot=*/false));
  try {
    Config::parse(bypass, /*runningAsRoot=*/true);
    FAIL() << "accepted bypassPermissions as root";
  } catch (const sdk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("is_sandbox"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(Config::parse(R"({"permission_mode":"bypassPermissions","is_sandbox":true})", true)
                  .isSandbox);
}

}  // namespace
}  // namespace devkit::agent_claude
