// Project files: the tree and file contents (types, limits, traversal refused).
#include <Poco/URI.h>

#include <fstream>

#include "api_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FilesApi : public ApiTest {
 protected:
  void SetUp() override {
    startHost("[projects]\nmax_file_bytes = 4096\nmax_tree_entries = 100\n");
    id_ = createProject("files")["id"];
    dir_ = projectDir(id_);
    fs::create_directories(dir_ / "src/pipelines");
    std::ofstream(dir_ / "src/pipelines/bronze.sql") << "CREATE STREAMING TABLE bronze AS SELECT 1";
    std::ofstream(dir_ / "src/etl.py") << "print('hi')\n";
    std::ofstream(dir_ / "report.html") << "<script>alert(1)</script>";
    std::ofstream(dir_ / "data.bin", std::ios::binary) << std::string("\x00\x01\x02\xff", 4);
    std::ofstream(dir_ / "notes") << "plain UTF-8 text: héllo";
    std::ofstream(dir_ / "big.txt") << std::string(5000, 'x');
  }
  std::string files(const std::string& query = "") {
    return "/api/projects/" + id_ + "/files" + query;
  }
  HttpResult content(const std::string& path) {
    std::string encoded;
    Poco::URI::encode(path, "&=?#+", encoded);
    return call("GET", files("/content?path=" + encoded));
  }

  std::string id_;
  fs::path dir_;
};

const json* find(const json& entries, const std::string& name) {
  for (const json& e : entries) {
    if (e["name"] == name) return &e;
  }
  return nullptr;
}

TEST_F(FilesApi, TreeListsDirectoriesFirstWithSizes) {
  const HttpResult r = call("GET", files());
  ASSERT_EQ(r.status, 200) << r.body;
  const json tree = r.json();
  EXPECT_EQ(tree["path"], "");
  EXPECT_EQ(tree["truncated"], false);
  const json& entries = tree["entries"];
  EXPECT_EQ(entries[0]["name"], ".claude");  // directories first, by name
  EXPECT_EQ(entries[1]["name"], "src");
  const json* src = find(entries, "src");
  ASSERT_NE(src, nullptr);
  const json* pipelines = find((*src)["children"], "pipelines");
  ASSERT_NE(pipelines, nullptr);
  EXPECT_EQ((*pipelines)["type"], "directory");
  EXPECT_EQ((*pipelines)["children"][0]["path"], "src/pipelines/bronze.sql");
  EXPECT_EQ((*pipelines)["children"][0]["size"], 41);
  EXPECT_EQ((*find(entries, "CLAUDE.md"))["type"], "file");

  const HttpResult sub = call("GET", files("?path=src"));
  ASSERT_EQ(sub.status, 200) << sub.body;
  EXPECT_EQ(sub.json()["path"], "src");
  EXPECT_EQ(sub.json()["entries"][0]["name"], "pipelines");
}

TEST_F(FilesApi, TreeIsTruncatedAtTheConfiguredLimit) {
  fs::create_directories(dir_ / "many");
  for (int i = 0; i < 150; ++i) std::ofstream(dir_ / "many" / ("f" + std::to_string(i)));
  const HttpResult r = call("GET", files());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["truncated"], true);
  EXPECT_EQ(r.json()["entry_count"], 100);
}

TEST_F(FilesApi, ContentHasTheRightTypeAndIsNeverActive) {
  HttpResult r = content("src/pipelines/bronze.sql");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "CREATE STREAMING TABLE bronze AS SELECT 1");
  EXPECT_EQ(r.header("Content-Type"), "application/sql; charset=utf-8");
  EXPECT_EQ(content("src/etl.py").header("Content-Type"), "text/x-python; charset=utf-8");
  EXPECT_EQ(content("notes").header("Content-Type"), "text/plain; charset=utf-8");
  r = content("data.bin");
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r.body, std::string("\x00\x01\x02\xff", 4));
  // HTML the agent wrote is shown, not run in the app's origin.
  r = content("report.html");
  EXPECT_NE(r.header("Content-Security-Policy").find("sandbox"), std::string::npos);
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(FilesApi, LimitsAndErrors) {
  HttpResult r = content("big.txt");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(errorOf(r)["code"], "file_too_large");
  r = content("src");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r)["code"], "not_a_file");
  EXPECT_EQ(content("nope.txt").status, 404);
  r = call("GET", files("/content"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r)["field"], "path");
  r = call("GET", files("?path=CLAUDE.md"));
  EXPECT_EQ(errorOf(r)["code"], "not_a_directory");
}

TEST_F(FilesApi, TraversalIsRefused) {
  TempDir outside;
  outside.write("secret.txt", "top secret");
  fs::create_symlink(outside.path() / "secret.txt", dir_ / "link.txt");
  fs::create_symlink(outside.path(), dir_ / "linkdir");
  fs::create_symlink("src/etl.py", dir_ / "inside-link.py");  // a link that stays inside is fine
  for (const std::string path :
       {"../../etc/passwd", "/etc/passwd", "src/../../x", "link.txt", "linkdir/secret.txt"}) {
    const HttpResult r = content(path);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_EQ(errorOf(r)["code"], "invalid_path") << path;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos);
  }
  EXPECT_EQ(call("GET", files("?path=linkdir")).status, 400);
  const HttpResult ok = content("inside-link.py");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "print('hi')\n");
}

}  // namespace
}  // namespace devkit::testing
