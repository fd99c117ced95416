// A project's MCP tools (GET/PUT /api/projects/{id}/tools): the catalog with each tool's state,
// the project's own list of tools turned off, and tools gated by skills (SKILL.md devkit-tools).
#include <fstream>

#include "api_support.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class ToolsApi : public ApiTest {
 protected:
  void SetUp() override {
    startHost("[plugin.fixture-tools]\nenabled = yes\n");
    id_ = createProject("tools")["id"];
    path_ = "/api/projects/" + id_ + "/tools";
  }
  /// The tool named `name` in a GET/PUT answer.
  static json tool(const json& answer, const std::string& name) {
    for (const json& t : answer["tools"]) {
      if (t["name"] == name) return t;
    }
    return json();
  }
  /// A skill of the source that gates `tools`.
  void writeGatingSkill(const std::string& name, const std::string& tools) {
    std::filesystem::create_directories(skillsDir_ / name);
    std::ofstream(skillsDir_ / name / "SKILL.md")
        << "---\nname: " << name << "\ndescription: Gates tools\ndevkit-tools: " << tools
        << "\n---\n# " << name << "\n";
  }
  std::string id_;
  std::string path_;
};

TEST_F(ToolsApi, ListsEveryToolOnByDefault) {
  const HttpResult r = call("GET", path_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = r.json();
  EXPECT_EQ(answer["tools"].size(), 9u);
  EXPECT_EQ(answer["disabled"], json::array());
  const json echo = tool(answer, "echo");
  EXPECT_EQ(echo["plugin"], "fixture-tools");
  EXPECT_EQ(echo["description"], "Echoes text.");
  EXPECT_EQ(echo["enabled"], true);
  EXPECT_TRUE(echo["off_because"].is_null());
  EXPECT_EQ(echo["skills"], json::array());
}

TEST_F(ToolsApi, PutTurnsToolsOffAndBackOn) {
  HttpResult r = call("PUT", path_, {{"disabled", {"fail", "slow", "fail"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["disabled"], json({"fail", "slow"}));
  EXPECT_EQ(tool(r.json(), "fail")["enabled"], false);
  EXPECT_EQ(tool(r.json(), "fail")["off_because"], "settings");
  // Stored: a later GET (and the project's settings) keep it.
  r = call("GET", path_);
  EXPECT_EQ(tool(r.json(), "slow")["enabled"], false);
  EXPECT_EQ(tool(r.json(), "echo")["enabled"], true);
  // The project's other settings are untouched.
  EXPECT_EQ(call("GET", "/api/projects/" + id_ + "/settings").status, 200);
  r = call("PUT", path_, {{"disabled", json::array()}});
  EXPECT_EQ(r.json()["disabled"], json::array());
  EXPECT_EQ(tool(r.json(), "fail")["enabled"], true);
}

TEST_F(ToolsApi, BadBodiesAre400AndChangeNothing) {
  ASSERT_EQ(call("PUT", path_, {{"disabled", {"fail"}}}).status, 200);
  for (const json& body :
       {json({{"disabled", "fail"}}), json({{"disabled", {1}}}), json({{"disabled", {""}}}),
        json({{"disabled", {"no_such_tool"}}}), json({{"disabled", {"fail"}}, {"extra", true}}),
        json::object(), json({{"disabled", nullptr}})}) {
    const HttpResult r = call("PUT", path_, body);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
    EXPECT_EQ(errorOf(r)["field"], body.contains("extra") ? "extra" : "disabled") << r.body;
  }
  const HttpResult unknown = call("PUT", path_, {{"disabled", {"no_such_tool"}}});
  EXPECT_NE(errorOf(unknown)["message"].get<std::string>().find("no_such_tool"), std::string::npos);
  EXPECT_EQ(call("GET", path_).json()["disabled"], json({"fail"}));
}

TEST_F(ToolsApi, AnotherUsersOrAnUnknownProjectIs404) {
  EXPECT_EQ(call("GET", path_, nullptr, kBob).status, 404);
  EXPECT_EQ(call("PUT", path_, {{"disabled", {"fail"}}}, kBob).status, 404);
  EXPECT_EQ(call("GET", "/api/projects/00000000-0000-4000-8000-000000000000/tools").status, 404);
  EXPECT_EQ(call("GET", path_).json()["disabled"], json::array());  // bob changed nothing
}

TEST_F(ToolsApi, ASkillGatesItsToolsUntilItIsEnabled) {
  writeGatingSkill("slow-work", "slow, progress");
  // All skills are enabled by default, the gating one included: its tools are on.
  json answer = call("GET", path_).json();
  EXPECT_EQ(tool(answer, "slow")["enabled"], true);
  EXPECT_EQ(tool(answer, "slow")["skills"], json({"slow-work"}));
  // Turn the skill off: its tools go with it.
  ASSERT_EQ(
      call("PUT", "/api/projects/" + id_ + "/skills", {{"enabled", {"databricks-sql"}}}).status,
      200);
  answer = call("GET", path_).json();
  EXPECT_EQ(tool(answer, "slow")["enabled"], false);
  EXPECT_EQ(tool(answer, "slow")["off_because"], "skills");
  EXPECT_EQ(tool(answer, "progress")["off_because"], "skills");
  EXPECT_EQ(tool(answer, "echo")["enabled"], true);  // no skill gates it
  // A second skill that gates the same tool brings it back when enabled.
  writeGatingSkill("also-slow", "slow");
  ASSERT_EQ(call("PUT", "/api/projects/" + id_ + "/skills",
                 {{"enabled", {"databricks-sql", "also-slow"}}})
                .status,
            200);
  answer = call("GET", path_).json();
  EXPECT_EQ(tool(answer, "slow")["enabled"], true);
  EXPECT_EQ(tool(answer, "progress")["enabled"], false);
  // The project's own list wins over a skill.
  answer = call("PUT", path_, {{"disabled", {"slow"}}}).json();
  EXPECT_EQ(tool(answer, "slow")["off_because"], "settings");
}

}  // namespace
}  // namespace devkit::testing
