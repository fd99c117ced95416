#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "../unit/test_files.hpp"
#include "config/config_error.hpp"

namespace devkit::config {
namespace {

using devkit::testing::TempDir;

class ConfigLoaderTest : public ::testing::Test {
 protected:
  HostConfig load(const std::string& ini, std::vector<std::string> env = {}) {
    LoadOptions options;
    options.file = dir_.write("devkit.ini", ini);
    options.environment = std::move(env);
    options.home = "/opt/devkit";
    options.version = "9.9.9";
    return loadConfig(options);
  }
  // The one-line message of the ConfigError that loading `ini` raises.
  std::string errorOf(const std::string& ini, std::vector<std::string> env = {}) {
    try {
      load(ini, std::move(env));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }
  TempDir dir_;
};

TEST_F(ConfigLoaderTest, EmptyFileGivesDocumentedDefaults) {
  const HostConfig c = load("");
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8000);
  EXPECT_EQ(c.server.maxBodyBytes, 1048576);
  EXPECT_EQ(c.server.shutdownTimeoutS, 10);
  EXPECT_EQ(c.server.sseHeartbeatS, 15);
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_EQ(c.logging.format, "text");
  EXPECT_EQ(c.pluginDir, "/opt/devkit/lib/devkit/plugins");
  EXPECT_EQ(c.server.webroot, "/opt/devkit/share/devkit/webroot");
  EXPECT_TRUE(std::filesystem::path(c.dataDir).is_absolute());
  EXPECT_TRUE(c.plugins.empty());
}

TEST_F(ConfigLoaderTest, TypedValuesFromFile) {
  const HostConfig c = load(
      "[server]\nport = 9001\nhost = 0.0.0.0\n[logging]\nlevel = debug\nformat = json\n"
      "[data]\ndir = /var/lib/devkit\n");
  EXPECT_EQ(c.server.port, 9001);
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.format, "json");
  EXPECT_EQ(c.dataDir, "/var/lib/devkit");
}

TEST_F(ConfigLoaderTest, EnvironmentOverridesFileWhichOverridesDefault) {
  const HostConfig c =
      load("[server]\nport = 9001\nhost = 0.0.0.0\n", {"DEVKIT__SERVER__PORT=9100", "UNRELATED=1"});
  EXPECT_EQ(c.server.port, 9100);       // environment wins
  EXPECT_EQ(c.server.host, "0.0.0.0");  // file beats default
  EXPECT_EQ(c.server.maxThreads, 128);  // default
}

TEST_F(ConfigLoaderTest, PluginSectionsCarryHostKeysAndOwnKeys) {
  const HostConfig c = load(
      "[plugin.storage-local]\nenabled = yes\nbusy_timeout_ms = 100\n"
      "[plugin.hello-tools]\nenabled = no\nrequired = no\npath = custom/hello.so\n",
      {"DEVKIT__PLUGIN__STORAGE_LOCAL__BUSY_TIMEOUT_MS=250"});
  ASSERT_EQ(c.plugins.size(), 2u);
  const PluginSettings& hello = c.plugins[0];  // sections come in name order
  EXPECT_EQ(hello.id, "hello-tools");
  EXPECT_FALSE(hello.enabled);
  EXPECT_FALSE(hello.required);
  EXPECT_EQ(hello.path, "custom/hello.so");
  const PluginSettings& local = c.plugins[1];
  EXPECT_EQ(local.id, "storage-local");
  EXPECT_TRUE(local.enabled);
  EXPECT_TRUE(local.required);
  EXPECT_EQ(local.path, "storage-local.so");
  ASSERT_EQ(local.values.count("busy_timeout_ms"), 1u);
  EXPECT_EQ(local.values.at("busy_timeout_ms").text, "250");
  EXPECT_TRUE(local.values.at("busy_timeout_ms").fromEnvironment);
}

TEST_F(ConfigLoaderTest, ExpandsReferencesToKeysHostPropertiesAndEnvironment) {
  setenv("DEVKIT_TEST_ROOT", "/srv/x", 1);
  const HostConfig c = load(
      "[data]\ndir = ${system.env.DEVKIT_TEST_ROOT}/data\n"
      "[server]\nwebroot = ${data.dir}/ui\n");
  EXPECT_EQ(c.dataDir, "/srv/x/data");
  EXPECT_EQ(c.server.webroot, "/srv/x/data/ui");
}

TEST_F(ConfigLoaderTest, UnknownKeyNamesFileSectionKeyAndSuggestion) {
  const std::string e = errorOf("[server]\nprot = 8000\n");
  EXPECT_NE(e.find("devkit.ini: [server] prot: unknown key; did you mean 'port'?"),
            std::string::npos)
      << e;
}

TEST_F(ConfigLoaderTest, UnknownSectionIsRefused) {
  const std::string e = errorOf("[sever]\nport = 1\n");
  EXPECT_NE(e.find("[sever]: unknown section"), std::string::npos) << e;
}

TEST_F(ConfigLoaderTest, WrongTypesAreRefused) {
  EXPECT_NE(errorOf("[server]\nport = eighty\n").find("[server] port: expected an integer"),
            std::string::npos);
  EXPECT_NE(errorOf("[server]\nport = 70000\n").find("must be at most 65535"), std::string::npos);
  EXPECT_NE(errorOf("[plugin.x]\nenabled = maybe\n").find("[plugin.x] enabled: expected a boolean"),
            std::string::npos);
  EXPECT_NE(errorOf("[logging]\nlevel = loud\n").find("must be one of: trace, debug"),
            std::string::npos);
}

TEST_F(ConfigLoaderTest, LeftoverReferenceIsRefused) {
  unsetenv("DEVKIT_TEST_MISSING");
  const std::string e = errorOf("[data]\ndir = ${system.env.DEVKIT_TEST_MISSING}/data\n");
  EXPECT_NE(e.find("[data] dir: has an unresolved reference"), std::string::npos) << e;
}

TEST_F(ConfigLoaderTest, HashCommentIsRefusedWithExplanation) {
  const std::string e = errorOf("[server]\n# a comment\nport = 1\n");
  EXPECT_NE(e.find("only accepts ';' comments"), std::string::npos) << e;
}

TEST_F(ConfigLoaderTest, BadEnvironmentNamesAreRefused) {
  EXPECT_NE(
      errorOf("", {"DEVKIT__SERVER=1"}).find("environment variable DEVKIT__SERVER: malformed"),
      std::string::npos);
  EXPECT_NE(errorOf("", {"DEVKIT__PLUGIN__NOPE__ENABLED=yes"})
                .find("no [plugin.*] section in the INI file matches 'NOPE'"),
            std::string::npos);
  EXPECT_NE(errorOf("", {"DEVKIT__SERVER__PROT=1"})
                .find("environment variable DEVKIT__SERVER__PROT: [server] prot: unknown key"),
            std::string::npos);
}

TEST_F(ConfigLoaderTest, StreamCapMustLeaveThreadsForRequests) {
  const std::string e = errorOf("[server]\nmax_threads = 16\nmax_streams = 10\n");
  EXPECT_NE(e.find("[server] max_streams: must leave at least 8"), std::string::npos) << e;
}

TEST_F(ConfigLoaderTest, ExternalMcpNeedsAWorkspaceUrl) {
  // DATABRICKS_HOST is the fallback workspace URL: out of the way for this test.
  const char* saved = std::getenv("DATABRICKS_HOST");
  const std::string savedHost = saved ? saved : "";
  ::unsetenv("DATABRICKS_HOST");
  const std::string e = errorOf("[mcp]\nexternal = yes\n");
  EXPECT_NE(e.find("[mcp] external: needs a workspace"), std::string::npos) << e;
  EXPECT_FALSE(load("[mcp]\nexternal = no\n").mcp.external);
  EXPECT_FALSE(load("").mcp.external);
  const HostConfig c = load("[mcp]\nexternal = yes\n[auth]\nworkspace_url = adb-1.2.example.net\n");
  EXPECT_TRUE(c.mcp.external);
  EXPECT_EQ(c.auth.workspaceUrl, "https://adb-1.2.example.net");
  if (saved) ::setenv("DATABRICKS_HOST", savedHost.c_str(), 1);
}

TEST_F(ConfigLoaderTest, MissingFileIsAClearError) {
  LoadOptions options;
  options.file = (dir_.path() / "nope.ini").string();
  try {
    loadConfig(options);
    FAIL() << "expected an error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.ini: cannot read the configuration file"),
              std::string::npos);
  }
}

TEST_F(ConfigLoaderTest, InvalidPluginIdIsRefused) {
  EXPECT_NE(errorOf("[plugin.Bad_Id]\nenabled = no\n").find("invalid plugin id"),
            std::string::npos);
}

TEST_F(ConfigLoaderTest, PluginSectionValidatedAgainstItsSchema) {
  HostConfig c = load("[plugin.demo]\nenabled = yes\nlimit = 5\n",
                      {"DEVKIT__PLUGIN__DEMO__TOKEN=s3cr3t-token"});
  const nlohmann::json schema = nlohmann::json::parse(R"({"type":"object","properties":{
      "limit": {"type":"integer","default":1},
      "name": {"type":"string","default":"${data.dir}/n"},
      "token": {"type":"string","secret":true}}})");
  const nlohmann::json typed = validatePluginSection(c, c.plugins[0], schema);
  EXPECT_EQ(typed["limit"], 5);
  EXPECT_EQ(typed["token"], "s3cr3t-token");
  EXPECT_EQ(typed["name"], c.dataDir + "/n");   // defaults expand, with the absolute data dir
  EXPECT_EQ(typed.contains("enabled"), false);  // host keys are not the plugin's
  ASSERT_EQ(c.secrets.size(), 1u);
  EXPECT_EQ(c.secrets[0], "s3cr3t-token");
}

TEST_F(ConfigLoaderTest, SecretInFileIsRefusedWithoutEchoingIt) {
  HostConfig c = load("[plugin.demo]\nenabled = yes\ntoken = hunter2-value\n");
  const nlohmann::json schema =
      nlohmann::json::parse(R"({"properties":{"token":{"type":"string","secret":true}}})");
  try {
    validatePluginSection(c, c.plugins[0], schema);
    FAIL() << "expected an error";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("[plugin.demo] token: is a secret and may only come from the environment "
                        "(DEVKIT__PLUGIN__DEMO__TOKEN)"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos);
  }
}

}  // namespace
}  // namespace devkit::config
