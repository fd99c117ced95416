// Per-user isolation: every /api endpoint, called by bob on alice's ids, answers 404 exactly as
// for an id that does not exist, and changes nothing of alice's. Without a forwarded identity every
// /api endpoint but the OpenAPI document answers 401. X-Forwarded-User works alone, the email's
// case does not matter, and in dev mode the forwarded headers are ignored.
//
// The table below must name every /api route the router registers: a new route fails the test
// until its isolation probe is added.
#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api_support.hpp"
#include "sse_client.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAliceFile = "notes/alice-private.txt";
constexpr const char* kAliceText = "alice's private notes: the launch code is 0000";
constexpr const char* kMissingId = "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab";

bool isApiRoute(const std::string& pattern) {
  return pattern == "/api" || pattern.rfind("/api/", 0) == 0;
}

// One call bob makes. `path` and `body` may hold {pid}, {cid} and {rid} (alice's ids).
struct Probe {
  std::string method;
  std::string route;  // the router pattern it exercises
  std::string path;
  json body;  // null: no body
  int status;
  // For routes that take no id of alice's: what bob's own answer must show.
  std::function<void(const HttpResult&)> check;
};

class Isolation : public ApiTest {
 protected:
  void SetUp() override {
    // No backup pass changes alice's state meanwhile; a scripted agent gives alice a run.
    startHost("[backup]\ninterval_s = 86400\n[plugin.fixture-agent]\nenabled = yes\n");
    pid_ = createProject("alice's secret project")["id"];
    cid_ = createConversation(pid_)["id"];
    ASSERT_EQ(
        call("PATCH", "/api/conversations/" + cid_, {{"title", "alice's secret chat"}}).status,
        200);
    ASSERT_EQ(call("PUT", "/api/projects/" + pid_ + "/settings",
                   {{"catalog", "alice_catalog"},
                    {"schema", "alice_schema"},
                    {"warehouse_id", "alice_wh_7731"}})
                  .status,
              200);
    ASSERT_EQ(call("PUT", "/api/projects/" + pid_ + "/skills", {{"enabled", {"jobs"}}}).status,
              200);
    fs::create_directories(projectDir(pid_) / "notes");
    std::ofstream(projectDir(pid_) / kAliceFile) << kAliceText;
    SseStream turn(port_, "POST", "/api/agent/invoke",
                   {{"project_id", pid_}, {"conversation_id", cid_}, {"message", "alice's turn"}},
                   {{"X-Forwarded-Email", kAlice}});
    turn.drain();
    rid_ = turn.header("X-Run-Id");
    ASSERT_FALSE(rid_.empty());
  }

  json getAsAlice(const std::string& path) {
    const HttpResult r = call("GET", path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // Everything of alice's that bob could have read or changed.
  json aliceState() {
    const std::string p = "/api/projects/" + pid_;
    const HttpResult file = call("GET", p + "/files/content?path=" + kAliceFile);
    EXPECT_EQ(file.status, 200) << file.body;
    return {{"project", getAsAlice(p)},
            {"settings", getAsAlice(p + "/settings")},
            {"skills", getAsAlice(p + "/skills")},
            {"files", getAsAlice(p + "/files")},
            {"file", file.body},
            {"conversations", getAsAlice(p + "/conversations")},
            {"conversation", getAsAlice("/api/conversations/" + cid_)},
            {"runs", getAsAlice("/api/conversations/" + cid_ + "/runs")},
            {"run", getAsAlice("/api/agent/runs/" + rid_)}};
  }

  std::string expand(const std::string& s, const std::string& pid, const std::string& cid) const {
    // Alice's run id goes with her ids; the "missing" variant gets a missing one.
    const std::string rid = pid == pid_ ? rid_ : std::string(kMissingId);
    return replaceAll(replaceAll(replaceAll(s, "{pid}", pid), "{cid}", cid), "{rid}", rid);
  }
  json expand(const json& body, const std::string& pid, const std::string& cid) const {
    return body.is_null() ? body : json::parse(expand(body.dump(), pid, cid));
  }

  std::vector<Probe> probes() {
    const std::string P = "/api/projects/{pid}";
    const std::string C = "/api/conversations/{cid}";
    const std::string R = "/api/agent/runs/{rid}";
    auto notMine = [this](const HttpResult& r) {
      EXPECT_EQ(r.body.find(pid_), std::string::npos) << "bob's list shows alice's project";
    };
    return {
        {"GET", "/api/config/user", "/api/config/user", nullptr, 200,
         [](const HttpResult& r) { EXPECT_EQ(r.json()["email"], kBob); }},
        {"GET", "/api/openapi.json", "/api/openapi.json", nullptr, 200, nullptr},
        {"GET", "/api/projects", "/api/projects?limit=1000", nullptr, 200, notMine},
        {"POST",
         "/api/projects",
         "/api/projects",
         {{"name", "alice's secret project"}},
         201,
         [this](const HttpResult& r) {
           EXPECT_EQ(r.json()["user_email"], kBob);
           EXPECT_NE(r.json()["id"], pid_);
         }},
        {"GET", "/api/projects/{id}", P, nullptr, 404, nullptr},
        {"PATCH", "/api/projects/{id}", P, {{"name", "renamed by bob"}}, 404, nullptr},
        {"DELETE", "/api/projects/{id}", P, nullptr, 404, nullptr},
        {"POST", "/api/projects/{id}/backup", P + "/backup", nullptr, 404, nullptr},
        {"GET", "/api/projects/{id}/settings", P + "/settings", nullptr, 404, nullptr},
        {"PUT",
         "/api/projects/{id}/settings",
         P + "/settings",
         {{"catalog", "bob_catalog"}},
         404,
         nullptr},
        {"PUT", "/api/projects/{id}/settings", P + "/settings", json::object(), 404, nullptr},
        {"GET", "/api/projects/{id}/skills", P + "/skills", nullptr, 404, nullptr},
        {"PUT",
         "/api/projects/{id}/skills",
         P + "/skills",
         {{"enabled", json::array()}},
         404,
         nullptr},
        {"PUT", "/api/projects/{id}/skills", P + "/skills", {{"enabled", nullptr}}, 404, nullptr},
        {"GET", "/api/projects/{id}/tools", P + "/tools", nullptr, 404, nullptr},
        {"PUT",
         "/api/projects/{id}/tools",
         P + "/tools",
         {{"disabled", json::array()}},
         404,
         nullptr},
        {"GET", "/api/projects/{id}/databricks/{kind}", P + "/databricks/catalogs", nullptr, 404,
         nullptr},
        {"GET", "/api/projects/{id}/files", P + "/files", nullptr, 404, nullptr},
        {"GET", "/api/projects/{id}/files", P + "/files?path=notes", nullptr, 404, nullptr},
        {"GET", "/api/projects/{id}/files/content", P + "/files/content?path=" + kAliceFile,
         nullptr, 404, nullptr},
        {"GET", "/api/projects/{id}/files/content", P + "/files/content?path=CLAUDE.md", nullptr,
         404, nullptr},
        {"GET", "/api/projects/{id}/conversations", P + "/conversations", nullptr, 404, nullptr},
        {"POST",
         "/api/projects/{id}/conversations",
         P + "/conversations",
         {{"title", "bob's"}},
         404,
         nullptr},
        {"POST", "/api/projects/{id}/conversations", P + "/conversations", json::object(), 404,
         nullptr},
        {"POST",
         "/api/conversations",
         "/api/conversations",
         {{"project_id", "{pid}"}},
         404,
         nullptr},
        {"POST",
         "/api/conversations",
         "/api/conversations",
         {{"project_id", "{pid}"}, {"title", "bob's chat in alice's project"}},
         404,
         nullptr},
        {"GET", "/api/conversations/{id}", C, nullptr, 404, nullptr},
        {"GET", "/api/conversations/{id}", C + "?after_seq=-1&limit=1000", nullptr, 404, nullptr},
        {"PATCH", "/api/conversations/{id}", C, {{"title", "renamed by bob"}}, 404, nullptr},
        {"DELETE", "/api/conversations/{id}", C, nullptr, 404, nullptr},
        {"POST", "/api/projects/{id}/skills/reload", P + "/skills/reload", nullptr, 404, nullptr},
        {"GET", "/api/projects/{id}/system-prompt", P + "/system-prompt", nullptr, 404, nullptr},
        {"POST",
         "/api/agent/invoke",
         "/api/agent/invoke",
         {{"project_id", "{pid}"}, {"message", "bob's turn in alice's project"}},
         404,
         nullptr},
        {"POST",
         "/api/agent/invoke",
         "/api/agent/invoke",
         {{"project_id", "{pid}"}, {"conversation_id", "{cid}"}, {"message", "bob here"}},
         404,
         nullptr},
        {"GET", "/api/conversations/{id}/runs", C + "/runs", nullptr, 404, nullptr},
        {"GET", "/api/agent/runs/{id}", R, nullptr, 404, nullptr},
        {"GET", "/api/agent/runs/{id}/events", R + "/events", nullptr, 404, nullptr},
        {"GET", "/api/agent/runs/{id}/events", R + "/events?after=0", nullptr, 404, nullptr},
        {"POST", "/api/agent/runs/{id}/stop", R + "/stop", nullptr, 404, nullptr},
        {"POST",
         "/api/agent/runs/{id}/permissions/{request_id}",
         R + "/permissions/req-1",
         {{"decision", "allow"}},
         404,
         nullptr},
    };
  }

  HttpResult send(const std::string& method, const std::string& path, const json& body,
                  const std::string& user, std::map<std::string, std::string> headers = {}) {
    // A body for every write, so that a refusal cannot come from a missing Content-Type.
    const bool write = method == "POST" || method == "PUT" || method == "PATCH";
    return call(method, path, body.is_null() && write ? json::object() : body, user,
                std::move(headers));
  }

  std::string pid_, cid_, rid_;
};

TEST_F(Isolation, TheTableCoversEveryApiRoute) {
  const std::vector<Probe> table = probes();
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& [method, pattern] : host_->router().routes()) {
    if (!isApiRoute(pattern)) continue;
    registered.insert({method, pattern});
    const bool covered = std::any_of(table.begin(), table.end(), [&](const Probe& p) {
      return p.method == method && p.route == pattern;
    });
    EXPECT_TRUE(covered) << method << " " << pattern
                         << " has no isolation probe: add one to Isolation::probes()";
  }
  for (const Probe& p : table) {
    EXPECT_TRUE(registered.count({p.method, p.route}))
        << p.method << " " << p.route << " is in the table but not registered";
    EXPECT_TRUE(patternMatches(p.route, p.path)) << p.path << " does not match " << p.route;
  }
}

TEST_F(Isolation, BobGets404OnEveryEndpointWithAlicesIdsAndChangesNothing) {
  const json before = aliceState();
  for (const Probe& p : probes()) {
    const std::string path = expand(p.path, pid_, cid_);
    SCOPED_TRACE("bob: " + p.method + " " + path);
    const HttpResult r = send(p.method, path, expand(p.body, pid_, cid_), kBob);
    EXPECT_EQ(r.status, p.status) << p.method << " " << p.path << ": " << r.body;
    // Nothing of alice's leaks into bob's answers.
    for (const char* secret :
         {"alice's secret chat", "alice_catalog", "alice_wh_7731", kAliceText}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos)
          << p.method << " " << p.path << " leaked \"" << secret << "\": " << r.body;
    }
    if (p.check) p.check(r);
    if (p.status != 404) continue;

    const json error = errorOf(r);
    EXPECT_TRUE(error.is_object() && error["code"].is_string() && error["message"].is_string())
        << p.method << " " << p.path << ": not the JSON error shape: " << r.body;
    EXPECT_EQ(error.value("code", ""), "not_found") << p.method << " " << p.path;
    EXPECT_EQ(error.value("message", "").rfind("no such endpoint", 0), std::string::npos)
        << p.method << " " << p.path << " did not reach its route";
    // Indistinguishable from an id that does not exist: no existence oracle.
    const HttpResult missing = send(p.method, expand(p.path, kMissingId, kMissingId),
                                    expand(p.body, kMissingId, kMissingId), kBob);
    EXPECT_EQ(missing.status, r.status) << p.method << " " << p.path << " (missing ids)";
    EXPECT_EQ(errorOf(missing), errorOf(r)) << p.method << " " << p.path << " (missing ids)";
  }

  EXPECT_EQ(aliceState(), before) << "bob changed alice's data: "
                                  << json::diff(before, aliceState()).dump();
  EXPECT_TRUE(fs::is_regular_file(projectDir(pid_) / kAliceFile));
  EXPECT_TRUE(fs::is_regular_file(projectDir(pid_) / "CLAUDE.md"));
  std::ifstream in(projectDir(pid_) / kAliceFile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, kAliceText);

  // Each sees only their own projects.
  const json alices = call("GET", "/api/projects?limit=1000").json();
  ASSERT_EQ(alices.size(), 1u) << alices.dump();
  EXPECT_EQ(alices[0]["id"], pid_);
  const json bobs = call("GET", "/api/projects?limit=1000", nullptr, kBob).json();
  ASSERT_EQ(bobs.size(), 1u) << bobs.dump();  // the one bob created in the table
  EXPECT_NE(bobs[0]["id"], pid_);
  EXPECT_EQ(bobs[0]["user_email"], kBob);
  EXPECT_EQ(call("GET", "/api/projects/" + bobs[0]["id"].get<std::string>()).status, 404);
}

TEST_F(Isolation, WithoutIdentityEveryApiRouteIs401ExceptTheOpenApiDocument) {
  const json before = aliceState();
  for (const auto& [method, pattern] : host_->router().routes()) {
    if (!isApiRoute(pattern)) continue;
    std::string path = pattern;
    const std::string id = pattern.rfind("/api/conversations/", 0) == 0 ? cid_
                           : pattern.rfind("/api/agent/runs/", 0) == 0  ? rid_
                                                                        : pid_;
    path = replaceAll(path, "{id}", id);
    const json body = method == "POST" && pattern == "/api/conversations"
                          ? json{{"project_id", pid_}}
                          : json(nullptr);
    SCOPED_TRACE(method + " " + path);
    const int expected = pattern == "/api/openapi.json" ? 200 : 401;
    // No header at all; then blank ones (whitespace only), which are no identity either.
    const std::vector<std::map<std::string, std::string>> variants = {
        {},
        {{"X-Forwarded-Email", "   "}},
        {{"X-Forwarded-User", "\t"}, {"X-Forwarded-Email", ""}},
    };
    for (const auto& headers : variants) {
      const HttpResult r = send(method, path, body, "", headers);
      EXPECT_EQ(r.status, expected) << method << " " << pattern << ": " << r.body;
      if (expected == 401) {
        EXPECT_EQ(errorOf(r).value("code", ""), "unauthenticated") << method << " " << pattern;
        EXPECT_TRUE(errorOf(r)["message"].is_string()) << r.body;
      }
    }
  }
  EXPECT_EQ(aliceState(), before);
  // An unknown /api path is 404 whoever asks; /healthz stays public.
  EXPECT_EQ(call("GET", "/api/nope", nullptr, "").status, 404);
  EXPECT_EQ(call("GET", "/healthz", nullptr, "").status, 200);
}

TEST_F(Isolation, ForwardedUserAloneAndEmailCaseMapToTheSameUser) {
  const std::string project = "/api/projects/" + pid_;
  // X-Forwarded-User alone is an identity.
  HttpResult r = call("GET", project, nullptr, "", {{"X-Forwarded-User", kAlice}});
  EXPECT_EQ(r.status, 200) << r.body;
  r = call("GET", "/api/config/user", nullptr, "", {{"X-Forwarded-User", kAlice}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["email"], kAlice);

  // The email is lower-cased (and trimmed): one user however the proxy spells it.
  for (const std::string spelling :
       {"Alice@Example.com", "ALICE@EXAMPLE.COM", "  alice@example.com  "}) {
    SCOPED_TRACE(spelling);
    r = call("GET", project, nullptr, spelling);
    EXPECT_EQ(r.status, 200) << r.body;
    r = call("GET", "/api/config/user", nullptr, spelling);
    EXPECT_EQ(r.json()["email"], kAlice);
    r = call("GET", project, nullptr, "", {{"X-Forwarded-User", spelling}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  const json created = createProject("made as ALICE", "ALICE@Example.COM");
  EXPECT_EQ(created["user_email"], kAlice);
  const json list = call("GET", "/api/projects?limit=1000").json();
  EXPECT_EQ(list.size(), 2u) << list.dump();
  EXPECT_TRUE(std::any_of(list.begin(), list.end(),
                          [&](const json& p) { return p["id"] == created["id"]; }));

  // A user name that is no email is its own identity, and cannot reach alice's data.
  r = call("GET", project, nullptr, "", {{"X-Forwarded-User", "carol"}});
  EXPECT_EQ(r.status, 404) << r.body;
  r = call("GET", "/api/config/user", nullptr, "", {{"X-Forwarded-User", "carol"}});
  EXPECT_EQ(r.json()["email"], "carol");

  // X-Forwarded-Email wins over X-Forwarded-User: claiming to be alice in the weaker header
  // does not help bob.
  r = call("GET", project, nullptr, kBob, {{"X-Forwarded-User", kAlice}});
  EXPECT_EQ(r.status, 404) << r.body;
  r = call("GET", "/api/config/user", nullptr, kBob, {{"X-Forwarded-User", kAlice}});
  EXPECT_EQ(r.json()["email"], kBob);
}

class DevModeIdentity : public ApiTest {
 protected:
  void SetUp() override { startHost("", "[auth]\nmode = dev\ndev_user_email = dev@example.com\n"); }
};

TEST_F(DevModeIdentity, ForwardedHeadersAreIgnored) {
  HttpResult r = call("GET", "/api/config/user", nullptr, kBob);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["email"], "dev@example.com");
  EXPECT_EQ(r.json()["auth_mode"], "dev");
  r = call("GET", "/api/config/user", nullptr, "", {{"X-Forwarded-User", kAlice}});
  EXPECT_EQ(r.json()["email"], "dev@example.com");

  // A project made by someone claiming to be bob belongs to the dev user...
  const json project = createProject("dev project", kBob);
  EXPECT_EQ(project["user_email"], "dev@example.com");
  const std::string path = "/api/projects/" + project["id"].get<std::string>();
  // ... and so everyone, whatever they claim (or without any header), acts as the dev user.
  for (const std::string& claim : {std::string(kAlice), std::string(kBob), std::string()}) {
    SCOPED_TRACE("claiming \"" + claim + "\"");
    r = call("GET", path, nullptr, claim);
    EXPECT_EQ(r.status, 200) << r.body;
    const json list = call("GET", "/api/projects", nullptr, claim).json();
    ASSERT_EQ(list.size(), 1u) << list.dump();
    EXPECT_EQ(list[0]["id"], project["id"]);
  }
  // A header that would be refused in databricks-apps mode is not even read.
  r = call("GET", path, nullptr, "not a usable identity");
  EXPECT_EQ(r.status, 200) << r.body;
  r = call("GET", path, nullptr, "", {{"X-Forwarded-User", "carol"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call("PATCH", path, {{"name", "renamed"}}, "", {{"X-Forwarded-User", "carol"}}).status,
            200);
  EXPECT_EQ(call("GET", path, nullptr, kAlice).json()["name"], "renamed");
}

}  // namespace
}  // namespace devkit::testing
