// The registry as the host uses it: which plugins open, config validation against each plugin's
// schema, required = no, one-per-kind rules, and the plugin-dir confinement.
#include "plugins/plugin_registry.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "test_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;

class PluginRegistryTest : public ::testing::Test {
 protected:
  // Loads the INI; returns the PluginError / ConfigError text or "" on success.
  std::string load(const std::string& plugins,
                   const std::string& pluginDir = DEVKIT_PLUGIN_OUTPUT_DIR,
                   std::vector<std::string> env = {}) {
    try {
      config_ = loadIni(dir_, hostIni(dir_, plugins, pluginDir), std::move(env));
      registry_.loadAll(config_, "test");
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
  std::string copyPlugins() { return copyBuiltPlugins(dir_); }

  TempDir dir_;
  config::HostConfig config_;
  plugins::PluginRegistry registry_{plugins::UnloadPolicy::kOnRelease};
};

TEST_F(PluginRegistryTest, DisabledPluginsAreNeverOpened) {
  ASSERT_EQ(load("[plugin.storage-local]\nenabled = no\n[plugin.hello-tools]\nenabled = no\n"), "");
  ASSERT_EQ(registry_.plugins().size(), 2u);
  for (const auto& r : registry_.plugins()) {
    EXPECT_EQ(r.state, plugins::PluginState::kDisabled);
    EXPECT_EQ(r.library, nullptr);
  }
}

TEST_F(PluginRegistryTest, EnablingHelloToolsInTheIniLoadsItWithItsConfig) {
  ASSERT_EQ(load("[plugin.hello-tools]\nenabled = yes\ngreeting = Howdy\n"), "");
  const auto tools = registry_.toolProviders();
  ASSERT_EQ(tools.size(), 1u);
  const core::CallOutcome list = tools[0]->listTools();
  ASSERT_TRUE(list.ok()) << list.error;
  EXPECT_NE(list.output.find("\"hello\""), std::string::npos);
  core::ToolCallRequest call;
  call.name = "hello";
  call.argumentsJson = R"({"name":"Ada"})";
  call.contextJson = "{}";
  const core::CallOutcome hello = tools[0]->callTool(call);
  ASSERT_TRUE(hello.ok()) << hello.error;
  EXPECT_EQ(nlohmann::json::parse(hello.output)["content"][0]["text"], "Howdy, Ada!");
}

TEST_F(PluginRegistryTest, PluginConfigIsValidatedAgainstItsSchema) {
  const std::string e = load("[plugin.storage-local]\nenabled = yes\nbusy_timeout_ms = -5\n");
  EXPECT_NE(e.find("[plugin.storage-local] busy_timeout_ms: must be at least 0"), std::string::npos)
      << e;
  const std::string unknown = load("[plugin.hello-tools]\nenabled = yes\ngreting = Hi\n");
  EXPECT_NE(unknown.find("greting: unknown key; did you mean 'greeting'?"), std::string::npos)
      << unknown;
}

TEST_F(PluginRegistryTest, SecretsInTheFileAreRefused) {
  const std::string e = load("[plugin.mcp-databricks]\nenabled = yes\ntoken = dapi-in-the-file\n");
  EXPECT_NE(e.find("is a secret and may only come from the environment "
                   "(DEVKIT__PLUGIN__MCP_DATABRICKS__TOKEN)"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find("dapi-in-the-file"), std::string::npos);
  EXPECT_EQ(load("[plugin.mcp-databricks]\nenabled = yes\n", DEVKIT_PLUGIN_OUTPUT_DIR,
                 {"DEVKIT__PLUGIN__MCP_DATABRICKS__TOKEN=dapi-from-env",
                  "DEVKIT__PLUGIN__MCP_DATABRICKS__HOST=adb-1.2.azuredatabricks.net"}),
            "");
  // A token without a workspace is a configuration error that names what is missing and never
  // shows the token.
  const std::string noHost =
      load("[plugin.mcp-databricks]\nenabled = yes\n", DEVKIT_PLUGIN_OUTPUT_DIR,
           {"DEVKIT__PLUGIN__MCP_DATABRICKS__TOKEN=dapi-from-env"});
  EXPECT_NE(noHost.find("DATABRICKS_HOST"), std::string::npos) << noHost;
  EXPECT_EQ(noHost.find("dapi-from-env"), std::string::npos) << noHost;
}

TEST_F(PluginRegistryTest, RequiredNoSkipsAFailedPluginAndRecordsWhy) {
  ASSERT_EQ(load("[plugin.storage-local]\nenabled = yes\n"
                 "[plugin.ghost]\nenabled = yes\nrequired = no\n"),
            "");
  const auto& ghost = registry_.plugins()[0];
  EXPECT_EQ(ghost.id, "ghost");
  EXPECT_EQ(ghost.state, plugins::PluginState::kFailed);
  EXPECT_NE(ghost.error.find("no such file"), std::string::npos) << ghost.error;
  const nlohmann::json health = registry_.health();
  EXPECT_EQ(health[0]["state"], "failed");
  EXPECT_EQ(health[1]["state"], "loaded");
}

TEST_F(PluginRegistryTest, MissingRequiredPluginStopsStartupWithOneLine) {
  const std::string dir = copyPlugins();
  fs::remove(fs::path(dir) / "storage-local.so");
  const std::string e = load("[plugin.storage-local]\nenabled = yes\n", dir);
  EXPECT_NE(e.find("plugin 'storage-local' (" + dir + "/storage-local.so): no such file"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST_F(PluginRegistryTest, PathsOutsideThePluginDirAreRefused) {
  const std::string dir = copyPlugins();
  fs::create_directories(dir_.path() / "elsewhere");
  fs::copy_file(fs::path(dir) / "hello-tools.so", dir_.path() / "elsewhere/hello-tools.so");
  EXPECT_NE(load("[plugin.hello-tools]\nenabled = yes\npath = ../elsewhere/hello-tools.so\n", dir)
                .find("refusing to load a file outside the plugin dir"),
            std::string::npos);
  EXPECT_NE(load("[plugin.hello-tools]\nenabled = yes\npath = " +
                     (dir_.path() / "elsewhere/hello-tools.so").string() + "\n",
                 dir)
                .find("outside the plugin dir"),
            std::string::npos);
  // A symlink inside the dir that points out of it is refused too.
  fs::create_symlink(dir_.path() / "elsewhere/hello-tools.so", fs::path(dir) / "sneaky.so");
  EXPECT_NE(load("[plugin.hello-tools]\nenabled = yes\npath = sneaky.so\n", dir)
                .find("outside the plugin dir"),
            std::string::npos);
}

TEST_F(PluginRegistryTest, WorldWritablePluginIsRefused) {
  const std::string dir = copyPlugins();
  ::chmod((fs::path(dir) / "hello-tools.so").c_str(), 0666);
  EXPECT_NE(load("[plugin.hello-tools]\nenabled = yes\n", dir).find("world-writable"),
            std::string::npos);
}

TEST_F(PluginRegistryTest, TwoStoragePluginsAreRefused) {
  // Both configured well enough to start (lakebase pointed at a refused port: it starts "down").
  const std::string e =
      load("[plugin.storage-local]\nenabled = yes\n[plugin.storage-lakebase]\nenabled = yes\n",
           DEVKIT_PLUGIN_OUTPUT_DIR,
           {"DEVKIT__PLUGIN__STORAGE_LAKEBASE__DSN=postgresql://devkit@127.0.0.1:1/x"});
  EXPECT_NE(e.find("both provide the storage kind"), std::string::npos) << e;
}

TEST_F(PluginRegistryTest, AFileThatIsNotAPluginIsRefused) {
  const std::string dir = copyPlugins();
  std::ofstream(fs::path(dir) / "junk.so") << "not an ELF file";
  const std::string e = load("[plugin.junk]\nenabled = yes\n", dir);
  EXPECT_NE(e.find("plugin 'junk'"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot be loaded"), std::string::npos) << e;
}

}  // namespace
}  // namespace devkit::testing
