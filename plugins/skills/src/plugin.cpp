// skills: the skills source that serves Databricks skill folders (SKILL.md) to install into
// projects.
//
// This build is the plugin's skeleton: it loads, declares its kind, version and config schema;
// listing and validation are not implemented yet (issue #8), and it says so instead of listing
// nothing.
#include <devkit/sdk.hpp>

#include <string>
#include <string_view>

namespace {

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "dir": {"type": "string", "default": "${host.home}/share/devkit/skills", "minLength": 1,
            "description": "Directory of skill folders, each with a SKILL.md."}
  }
})";

class Skills final : public devkit::sdk::SkillsSource {
 public:
  Skills(const devkit::sdk::Host& host, std::string_view /*configJson*/) : host_(host) {
    host_.debug("skills loaded; skill listing is not implemented in this build");
  }
  std::string listSkills() override { unsupported(); }
  std::string validateSkill(std::string_view) override { unsupported(); }
  void reload() override { unsupported(); }
  std::string health() override {
    return R"({"status":"unimplemented","detail":"skill listing and validation are not implemented yet"})";
  }

 private:
  [[noreturn]] static void unsupported() {
    throw devkit::sdk::Error(DK_ERR_UNSUPPORTED, "the skills plugin cannot list skills yet");
  }
  devkit::sdk::Host host_;
};

}  // namespace

DK_DEFINE_PLUGIN("skills", "0.1.0", "Databricks skill folders installed into projects",
                 kConfigSchema, Skills)
