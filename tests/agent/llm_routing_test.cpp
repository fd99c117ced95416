// LLM routing: auto / databricks / anthropic / explicit URL, and the words that tell an operator
// what to configure when nothing is.
#include "llm_routing.hpp"

#include <gtest/gtest.h>

namespace devkit::agent_claude {
namespace {

std::string envOf(const LlmRoute& route, const std::string& name) {
  for (const auto& [k, v] : route.env) {
    if (k == name) return v;
  }
  return "<absent>";
}

HostEnvironment env(std::map<std::string, std::string, std::less<>> values) {
  HostEnvironment e;
  e.values = std::move(values);
  return e;
}

TEST(LlmRouting, AutoPrefersDatabricksWhenWorkspaceAndTokenAreKnown) {
  Config config;
  config.anthropicApiKey = "sk-key";
  const LlmRoute r = resolveLlmRoute(
      config, env({{"DATABRICKS_HOST", "adb-1.net/"}, {"DATABRICKS_TOKEN", "dapi"}}), "", "");
  EXPECT_EQ(r.kind, "databricks");
  EXPECT_EQ(r.baseUrl, "https://adb-1.net/serving-endpoints/anthropic");
  EXPECT_EQ(envOf(r, "ANTHROPIC_AUTH_TOKEN"), "dapi");
  EXPECT_EQ(envOf(r, "ANTHROPIC_API_KEY"), "<absent>");
  EXPECT_EQ(r.model, kDefaultDatabricksModel);
}

TEST(LlmRouting, TheRequestsWorkspaceAndTokenWinOverTheHosts) {
  Config config;
  const LlmRoute r = resolveLlmRoute(
      config, env({{"DATABRICKS_HOST", "https://host.net"}, {"DATABRICKS_TOKEN", "host"}}),
      "https://user.net", "user-token");
  EXPECT_EQ(r.baseUrl, "https://user.net/serving-endpoints/anthropic");
  EXPECT_EQ(envOf(r, "ANTHROPIC_AUTH_TOKEN"), "user-token");
}

TEST(LlmRouting, AutoFallsBackToAnthropicThenToNothing) {
  Config config;
  LlmRoute r = resolveLlmRoute(config, env({{"ANTHROPIC_API_KEY", "sk-env"}}), "", "");
  EXPECT_EQ(r.kind, "anthropic");
  EXPECT_EQ(envOf(r, "ANTHROPIC_API_KEY"), "sk-env");
  EXPECT_EQ(envOf(r, "ANTHROPIC_BASE_URL"), "<absent>");
  EXPECT_EQ(r.model, "");

  // A workspace without a token is not enough.
  r = resolveLlmRoute(config, env({{"DATABRICKS_HOST", "https://h"}}), "", "");
  EXPECT_FALSE(r.ready());
  EXPECT_NE(r.problem.find("DATABRICKS_HOST and DATABRICKS_TOKEN"), std::string::npos);
  EXPECT_NE(r.problem.find("DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY"), std::string::npos);
}

TEST(LlmRouting, DatabricksModeSaysWhatIsMissing) {
  Config config;
  config.llm = "databricks";
  config.model = "databricks-claude-opus-4-6";
  LlmRoute r = resolveLlmRoute(config, env({}), "", "tok");
  EXPECT_FALSE(r.ready());
  EXPECT_NE(r.problem.find("DATABRICKS_HOST"), std::string::npos);
  r = resolveLlmRoute(config, env({}), "https://w", "");
  EXPECT_NE(r.problem.find("DATABRICKS_TOKEN"), std::string::npos);
  r = resolveLlmRoute(config, env({}), "https://w", "tok");
  EXPECT_EQ(r.model, "databricks-claude-opus-4-6");
  EXPECT_EQ(envOf(r, "ANTHROPIC_DEFAULT_HAIKU_MODEL"), "databricks-claude-opus-4-6");
}

TEST(LlmRouting, AnthropicAndUrlModesNeedAKey) {
  Config config;
  config.llm = "anthropic";
  EXPECT_FALSE(resolveLlmRoute(config, env({}), "", "").ready());
  config.anthropicApiKey = "sk-config";
  LlmRoute r = resolveLlmRoute(config, env({{"ANTHROPIC_API_KEY", "sk-env"}}), "", "");
  EXPECT_EQ(envOf(r, "ANTHROPIC_API_KEY"), "sk-config") << "the config key wins";

  config.llm = "http://127.0.0.1:9999";
  r = resolveLlmRoute(config, env({}), "https://w", "tok");
  EXPECT_EQ(r.kind, "url");
  EXPECT_EQ(envOf(r, "ANTHROPIC_BASE_URL"), "http://127.0.0.1:9999");
  EXPECT_EQ(envOf(r, "ANTHROPIC_AUTH_TOKEN"), "<absent>");
}

TEST(LlmRouting, NormalizesWorkspaceUrls) {
  EXPECT_EQ(normalizeWorkspaceUrl("adb-1.net"), "https://adb-1.net");
  EXPECT_EQ(normalizeWorkspaceUrl("https://adb-1.net///"), "https://adb-1.net");
  EXPECT_EQ(normalizeWorkspaceUrl("http://localhost:1"), "http://localhost:1");
  EXPECT_EQ(normalizeWorkspaceUrl(""), "");
}

}  // namespace
}  // namespace devkit::agent_claude
