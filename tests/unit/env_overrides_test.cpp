#include "config/env_overrides.hpp"

#include <gtest/gtest.h>

#include "config/config_error.hpp"

namespace devkit::config {
namespace {

TEST(EnvOverrides, MapsSectionAndKeyCaseInsensitively) {
  RawConfig raw;
  applyEnvironment({"DEVKIT__SERVER__PORT=9000", "devkit__logging__Level=debug", "PATH=/bin"}, {},
                   raw);
  ASSERT_EQ(raw.sections.size(), 2u);
  EXPECT_EQ(raw.sections["server"]["port"].text, "9000");
  EXPECT_TRUE(raw.sections["server"]["port"].fromEnvironment);
  EXPECT_EQ(raw.sections["server"]["port"].origin, "environment variable DEVKIT__SERVER__PORT");
  EXPECT_EQ(raw.sections["logging"]["level"].text, "debug");
}

TEST(EnvOverrides, PluginIdsWithDashesAndDots) {
  RawConfig raw;
  applyEnvironment(
      {"DEVKIT__PLUGIN__AGENT_CLAUDE__LLM=anthropic", "DEVKIT__PLUGIN__COM_ACME_JIRA__ENABLED=yes"},
      {"agent-claude", "com.acme.jira"}, raw);
  EXPECT_EQ(raw.sections["plugin.agent-claude"]["llm"].text, "anthropic");
  EXPECT_EQ(raw.sections["plugin.com.acme.jira"]["enabled"].text, "yes");
}

TEST(EnvOverrides, ValueMayContainEqualsSignsAndBeEmpty) {
  RawConfig raw;
  applyEnvironment({"DEVKIT__DATA__DIR=/a=b", "DEVKIT__SERVER__HOST="}, {}, raw);
  EXPECT_EQ(raw.sections["data"]["dir"].text, "/a=b");
  EXPECT_EQ(raw.sections["server"]["host"].text, "");
}

TEST(EnvOverrides, MalformedNamesAreErrors) {
  for (const char* bad : {"DEVKIT__=1", "DEVKIT__SERVER=1", "DEVKIT__A__B__C=1",
                          "DEVKIT__PLUGIN__X=1", "DEVKIT____PORT=1"}) {
    RawConfig raw;
    EXPECT_THROW(applyEnvironment({bad}, {"x"}, raw), ConfigError) << bad;
  }
}

TEST(EnvOverrides, AmbiguousPluginIdsAreRefused) {
  RawConfig raw;
  EXPECT_THROW(applyEnvironment({"DEVKIT__PLUGIN__A_B__ENABLED=yes"}, {"a-b", "a.b"}, raw),
               ConfigError);
}

TEST(EnvOverrides, EnvNameFor) {
  EXPECT_EQ(envNameFor("server", "port"), "DEVKIT__SERVER__PORT");
  EXPECT_EQ(envNameFor("plugin.agent-claude", "anthropic_api_key"),
            "DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY");
}

}  // namespace
}  // namespace devkit::config
