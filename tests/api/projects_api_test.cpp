// Projects: create, list (paged), get, rename, delete, settings, backup fields.
#include <fstream>

#include "api_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ProjectsApi : public ApiTest {
 protected:
  void SetUp() override { startHost(); }
};

TEST_F(ProjectsApi, CreateMakesDirClaudeMdSkillsAndDefaultSettings) {
  const HttpResult r = call("POST", "/api/projects", {{"name", "  Sales Pipeline  "}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json p = r.json();
  EXPECT_EQ(p["name"], "Sales Pipeline");  // trimmed
  EXPECT_EQ(p["user_email"], kAlice);
  EXPECT_EQ(r.header("Location"), "/api/projects/" + p["id"].get<std::string>());
  EXPECT_EQ(p["conversation_count"], 0);
  EXPECT_EQ(p["settings"]["catalog"], "main");
  EXPECT_EQ(p["settings"]["schema"], "alice_sales_pipeline");
  EXPECT_EQ(p["settings"]["serverless"], true);
  EXPECT_EQ(p["settings"]["cluster_id"], nullptr);
  EXPECT_EQ(p["settings"]["workspace_folder"],
            "/Workspace/Users/alice@example.com/ai_dev_kit/sales_pipeline");
  EXPECT_EQ(p["backup"]["state"], "dirty");  // new files wait for the next pass

  const fs::path dir = projectDir(p["id"]);
  EXPECT_TRUE(fs::is_regular_file(dir / "CLAUDE.md"));
  std::ifstream notes(dir / "CLAUDE.md");
  std::string first;
  std::getline(notes, first);
  EXPECT_EQ(first, "# Sales Pipeline");
  EXPECT_TRUE(fs::is_regular_file(dir / ".claude/skills/databricks-sql/SKILL.md"));
  EXPECT_TRUE(fs::is_regular_file(dir / ".claude/skills/jobs/SKILL.md"));
}

TEST_F(ProjectsApi, GetListRenameDelete) {
  const json a = createProject("first");
  const json b = createProject("second");
  HttpResult r = call("GET", "/api/projects");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json().size(), 2u);
  EXPECT_EQ(r.json()[0]["id"], b["id"]);  // newest first

  r = call("PATCH", "/api/projects/" + a["id"].get<std::string>(), {{"name", "renamed"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["name"], "renamed");
  r = call("GET", "/api/projects/" + a["id"].get<std::string>());
  EXPECT_EQ(r.json()["name"], "renamed");
  EXPECT_EQ(call("GET", "/api/projects").json()[0]["id"], a["id"]);  // updated moves it up

  const fs::path dir = projectDir(a["id"]);
  ASSERT_TRUE(fs::is_directory(dir));
  r = call("DELETE", "/api/projects/" + a["id"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["deleted_project_id"], a["id"]);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(call("GET", "/api/projects/" + a["id"].get<std::string>()).status, 404);
  EXPECT_EQ(call("DELETE", "/api/projects/" + a["id"].get<std::string>()).status, 404);
  EXPECT_EQ(call("GET", "/api/projects").json().size(), 1u);
}

TEST_F(ProjectsApi, ListIsPagedWithLinkHeader) {
  for (int i = 0; i < 5; ++i) createProject("p" + std::to_string(i));
  std::vector<std::string> seen;
  std::string path = "/api/projects?limit=2";
  int pages = 0;
  while (!path.empty()) {
    const HttpResult r = call("GET", path);
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    for (const auto& p : r.json()) seen.push_back(p["name"]);
    const std::string link = r.header("Link");
    if (link.empty()) {
      EXPECT_TRUE(r.header("X-Next-Cursor").empty());
      break;
    }
    EXPECT_FALSE(r.header("X-Next-Cursor").empty());
    path = link.substr(1, link.find('>') - 1);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"p4", "p3", "p2", "p1", "p0"}));
}

TEST_F(ProjectsApi, SettingsRoundTripAndValidation) {
  const std::string id = createProject("etl")["id"];
  const std::string path = "/api/projects/" + id + "/settings";
  HttpResult r = call("PUT", path,
                      {{"catalog", "dev"},
                       {"schema", "bronze"},
                       {"warehouse_id", "abcdef0123456789"},
                       {"cluster_id", "0123-456789-abcdefgh"},
                       {"workspace_folder", "/Workspace/Users/alice@example.com/etl/"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["serverless"], false);  // a cluster implies not serverless
  EXPECT_EQ(r.json()["workspace_folder"], "/Workspace/Users/alice@example.com/etl");
  r = call("GET", path);
  EXPECT_EQ(r.json()["catalog"], "dev");
  EXPECT_EQ(r.json()["cluster_id"], "0123-456789-abcdefgh");
  EXPECT_EQ(call("GET", "/api/projects/" + id).json()["settings"]["schema"], "bronze");

  // Back to serverless; members left out return to their defaults (PUT replaces).
  r = call("PUT", path, {{"serverless", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["cluster_id"], nullptr);
  EXPECT_EQ(r.json()["catalog"], "main");

  const std::vector<std::pair<json, std::string>> bad = {
      {{{"serverless", true}, {"cluster_id", "0123-456789-abcdefgh"}}, "cluster_id"},
      {{{"serverless", false}}, "cluster_id"},
      {{{"catalog", "a.b"}}, "catalog"},
      {{{"schema", ""}}, "schema"},
      {{{"warehouse_id", "x; DROP"}}, "warehouse_id"},
      {{{"workspace_folder", "relative/path"}}, "workspace_folder"},
      {{{"workspace_folder", "/Workspace/../etc"}}, "workspace_folder"},
      {{{"serverless", "yes"}}, "serverless"},
      {{{"colour", "blue"}}, "colour"},
  };
  for (const auto& [body, field] : bad) {
    r = call("PUT", path, body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
    EXPECT_EQ(errorOf(r)["field"], field) << body.dump();
  }
  EXPECT_EQ(call("GET", path).json()["catalog"], "main");  // refused PUTs changed nothing
}

TEST_F(ProjectsApi, BackupEndpointStoresAndReportsTheArchive) {
  const std::string id = createProject("backed up")["id"];
  HttpResult r = call("POST", "/api/projects/" + id + "/backup");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["result"], "stored");
  EXPECT_EQ(r.json()["state"], "clean");
  EXPECT_GT(r.json()["size"].get<int64_t>(), 0);
  EXPECT_EQ(r.json()["sha256"].get<std::string>().size(), 64u);
  const json project = call("GET", "/api/projects/" + id).json();
  EXPECT_EQ(project["backup"]["state"], "clean");
  EXPECT_EQ(project["backup"]["size"], r.json()["size"]);
  EXPECT_TRUE(project["backup"]["last_backup_at"].is_string());
  // Nothing changed: the content hash skips the upload.
  r = call("POST", "/api/projects/" + id + "/backup");
  EXPECT_EQ(r.json()["result"], "unchanged");
}

TEST_F(ProjectsApi, RestoreOnAccessBringsBackDeletedFiles) {
  const std::string id = createProject("restore me")["id"];
  const fs::path dir = projectDir(id);
  std::ofstream(dir / "etl.py") << "print('hello')\n";
  ASSERT_EQ(call("POST", "/api/projects/" + id + "/backup").status, 200);
  fs::remove_all(dir);
  fs::remove_all(host_->paths().stateDir(id));

  // The first request that needs the files waits for the restore; it never sees an empty dir.
  const HttpResult r = call("GET", "/api/projects/" + id + "/files/content?path=etl.py");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "print('hello')\n");
  EXPECT_TRUE(fs::is_regular_file(dir / "CLAUDE.md"));
}

TEST_F(ProjectsApi, DeleteRefusesWhileARunIsLive) {
  const std::string id = createProject("busy")["id"];
  const std::string conversation = createConversation(id)["id"];
  auto lease = host_->liveRuns().begin("run-1", id, conversation);
  ASSERT_NE(lease, nullptr);
  HttpResult r = call("DELETE", "/api/projects/" + id);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(errorOf(r)["code"], "run_in_progress");
  r = call("DELETE", "/api/conversations/" + conversation);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(fs::is_directory(projectDir(id)));  // nothing was lost
  EXPECT_EQ(call("GET", "/api/conversations/" + conversation).json()["active_run_id"], "run-1");
  // Another user learns nothing, not even that a run is live.
  EXPECT_EQ(call("DELETE", "/api/projects/" + id, nullptr, kBob).status, 404);
  lease.reset();
  EXPECT_EQ(call("DELETE", "/api/conversations/" + conversation).status, 200);
  EXPECT_EQ(call("DELETE", "/api/projects/" + id).status, 200);
}

}  // namespace
}  // namespace devkit::testing
