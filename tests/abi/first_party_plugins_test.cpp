// Every plugin the build produces (first-party and hello-tools) against the ABI contract: it loads
// through the real loader, its descriptor is sound, it exports nothing but dk_plugin_entry, and
// instances of each kind it provides can be created, asked for health and destroyed many times,
// after which the library really unloads.
#include <devkit/abi.h>

#include <cctype>
#include <regex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi_test_support.hpp"
#include "config/schema_validator.hpp"

namespace devkit::abi_test {
namespace {

using ::testing::ElementsAre;

class FirstPartyPlugin : public ::testing::TestWithParam<std::string> {
 protected:
  std::string id() const { return GetParam(); }
  std::string file() const { return pluginFile(kPluginDir, id()); }
};

TEST_P(FirstPartyPlugin, LoadsWithASoundDescriptor) {
  const auto lib = load(kPluginDir, id());
  const dk_plugin_descriptor& d = lib->descriptor;
  EXPECT_EQ(d.struct_size, sizeof(dk_plugin_descriptor));
  EXPECT_EQ(d.abi_major, DK_ABI_MAJOR);
  EXPECT_LE(d.abi_minor, DK_ABI_MINOR);
  ASSERT_NE(d.id, nullptr);
  EXPECT_EQ(std::string(d.id), id());
  EXPECT_EQ(lib->id, id());
  EXPECT_TRUE(std::regex_match(lib->version, std::regex(R"(\d+\.\d+\.\d+([-+].*)?)")))
      << "version '" << lib->version << "' is not semantic";
  EXPECT_FALSE(lib->description.empty()) << "/healthz shows the description";
  EXPECT_FALSE(lib->kinds.empty());
  EXPECT_EQ(lib->path, std::filesystem::canonical(file()).string());
}

TEST_P(FirstPartyPlugin, ConfigSchemaIsAnObjectTheHostUnderstands) {
  const auto lib = load(kPluginDir, id());
  if (lib->configSchema.empty()) {
    GTEST_SKIP() << id() << " takes no config keys";
  }
  const nlohmann::json schema = nlohmann::json::parse(lib->configSchema, nullptr, false);
  ASSERT_FALSE(schema.is_discarded()) << "config schema is not JSON: " << lib->configSchema;
  ASSERT_TRUE(schema.is_object());
  ASSERT_TRUE(schema.contains("properties"));
  EXPECT_TRUE(schema["properties"].is_object());
  for (const auto& [key, property] : schema["properties"].items()) {
    EXPECT_TRUE(property.is_object() && property.contains("type")) << key << " has no type";
  }
  // The registry runs the same check at startup; a plugin failing it could never be enabled.
  EXPECT_EQ(config::checkSchema(schema), "");
}

TEST_P(FirstPartyPlugin, ExportsExactlyTheEntryPoint) {
  EXPECT_THAT(definedDynamicSymbols(file()), ElementsAre(DK_PLUGIN_ENTRY_SYMBOL));
}

TEST_P(FirstPartyPlugin, CreateHealthDestroyLoopsThenUnloads) {
  TempDir data;
  constexpr int kRounds = 3;
  constexpr int kInstancesPerKind = 100;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lib = load(kPluginDir, id());
    const nlohmann::json schema = lib->configSchema.empty()
                                      ? nlohmann::json(nullptr)
                                      : nlohmann::json::parse(lib->configSchema);
    nlohmann::json configJson = defaultConfig(schema, data.path().string());
    if (GetParam() == "storage-lakebase") {
      // Without any database the plugin refuses to start (a config error). Port 1 refuses at once,
      // so the instance starts "down" without a server: this suite tests the ABI, not PostgreSQL.
      configJson["dsn"] = "postgresql://devkit@127.0.0.1:1/devkit";
    }
    const std::string config = configJson.dump();
    for (const std::string& kind : lib->kinds) {
      SCOPED_TRACE(kind);
      for (int i = 0; i < kInstancesPerKind; ++i) {
        auto instance = createKind(lib, kind, config);
        ASSERT_NE(instance, nullptr);
        const nlohmann::json health = instance->health();
        ASSERT_TRUE(health.is_object());
        ASSERT_TRUE(health.contains("status") && health["status"].is_string()) << health.dump();
        EXPECT_THAT(health["status"].get<std::string>(),
                    ::testing::AnyOf("ok", "degraded", "down", "unimplemented"));
        // "down" is an honest answer; this detail is the proxy's, for an answer that was no object.
        EXPECT_NE(health.value("detail", ""), "the plugin's health answer is not a valid object");
      }
    }
    const std::string path = lib->path;
    ASSERT_TRUE(isMapped(path));
    lib.reset();
    EXPECT_FALSE(isMapped(path)) << "the library stayed mapped after its last reference went";
  }
}

std::string paramName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Built, FirstPartyPlugin, ::testing::ValuesIn(builtPluginIds()), paramName);

}  // namespace
}  // namespace devkit::abi_test
