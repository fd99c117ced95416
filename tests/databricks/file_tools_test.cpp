// The file tools (upload_file, upload_folder, list_files, download_file, delete_file) against the
// fake workspace: Workspace API for /Workspace and /Users paths, Files API for /Volumes paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "../unit/test_files.hpp"
#include "fake_databricks.hpp"
#include "files/remote_files.hpp"
#include "tool_harness.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {k[(v >> 18) & 63], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += {k[(v >> 18) & 63], k[(v >> 12) & 63]};
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

class FileToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }

  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }
  json ctx() const { return ToolHarness::context("", project_.string()); }

  void write(const std::string& rel, const std::string& content) const {
    const fs::path p = project_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  /// Recorded calls with this method whose path starts with `prefix`.
  static json callsTo(const std::string& method, const std::string& prefix) {
    return fake().callsTo(method, prefix);
  }

  devkit::testing::TempDir dir_;
  const fs::path project_ = dir_.path();
};

TEST_F(FileToolsTest, UploadFileToWorkspaceImportsAutoAndCreatesParents) {
  ToolHarness h(fake().url());
  write("src/etl.py", "print(1)\n");
  const auto r = h.call("upload_file",
                        {{"local_path", "src/etl.py"},
                         {"remote_path", "/Workspace/Users/alice@example.com/proj/etl.py"}},
                        ctx());
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["remote_path"], "/Workspace/Users/alice@example.com/proj/etl.py");
  EXPECT_EQ(r.structured["kind"], "file");
  EXPECT_EQ(r.structured["size"], 9);

  const json mkdirs = callsTo("POST", "/api/2.0/workspace/mkdirs");
  ASSERT_EQ(mkdirs.size(), 1u);
  EXPECT_EQ(mkdirs[0]["body"]["path"], "/Workspace/Users/alice@example.com/proj");
  const json imports = callsTo("POST", "/api/2.0/workspace/import");
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0]["body"]["format"], "AUTO");
  EXPECT_EQ(imports[0]["body"]["overwrite"], true);
  EXPECT_EQ(imports[0]["body"]["content"], base64("print(1)\n"));
  EXPECT_EQ(imports[0]["token"], "dapi-alice");

  const auto back =
      h.call("download_file", {{"remote_path", "/Users/alice@example.com/proj/etl.py"}}, ctx());
  ASSERT_FALSE(back.isError) << back.text;
  EXPECT_NE(back.text.find("print(1)"), std::string::npos) << back.text;
}

TEST_F(FileToolsTest, NotebookSourceBecomesANotebookWithoutItsExtension) {
  ToolHarness h(fake().url());
  write("nb.sql", "-- Databricks notebook source\nSELECT 1\n");
  const auto r = h.call(
      "upload_file",
      {{"local_path", "nb.sql"}, {"remote_path", "/Users/alice@example.com/nbs/nb.sql"}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["kind"], "notebook");
  EXPECT_EQ(r.structured["language"], "SQL");
  EXPECT_EQ(r.structured["remote_path"], "/Users/alice@example.com/nbs/nb");
  const json imports = callsTo("POST", "/api/2.0/workspace/import");
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0]["body"]["format"], "SOURCE");
  EXPECT_EQ(imports[0]["body"]["language"], "SQL");

  const auto list = h.call("list_files", {{"path", "/Users/alice@example.com/nbs"}}, ctx());
  ASSERT_FALSE(list.isError) << list.text;
  ASSERT_EQ(list.structured["count"], 1);
  EXPECT_EQ(list.structured["items"][0]["path"], "/Users/alice@example.com/nbs/nb");
  EXPECT_EQ(list.structured["items"][0]["type"], "NOTEBOOK");
  EXPECT_EQ(list.structured["items"][0]["language"], "SQL");
}

TEST_F(FileToolsTest, OverwritingAFileWithANotebookDeletesAndRetries) {
  ToolHarness h(fake().url());
  write("plain/thing", "just text\n");
  write("nb/thing.py", "# Databricks notebook source\nprint('nb')\n");
  ASSERT_FALSE(
      h.call("upload_file",
             {{"local_path", "plain/thing"}, {"remote_path", "/Users/alice@example.com/t/thing"}},
             ctx())
          .isError);
  const auto r = h.call(
      "upload_file",
      {{"local_path", "nb/thing.py"}, {"remote_path", "/Users/alice@example.com/t/thing.py"}},
      ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["remote_path"], "/Users/alice@example.com/t/thing");
  EXPECT_EQ(r.structured["replaced_other_type"], true);
  const json deletes = callsTo("POST", "/api/2.0/workspace/delete");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0]["body"]["path"], "/Users/alice@example.com/t/thing");
  EXPECT_EQ(callsTo("POST", "/api/2.0/workspace/import").size(), 3u);

  // Without overwrite an existing object is a clear refusal.
  const auto again = h.call("upload_file",
                            {{"local_path", "nb/thing.py"},
                             {"remote_path", "/Users/alice@example.com/t/thing.py"},
                             {"overwrite", false}},
                            ctx());
  EXPECT_TRUE(again.isError);
  EXPECT_NE(again.text.find("already exists"), std::string::npos) << again.text;
}

TEST_F(FileToolsTest, UploadFileToVolumePutsRawBytesWithOverwrite) {
  ToolHarness h(fake().url());
  write("data/orders.csv", "id,total\n1,9.5\n");
  const auto r = h.call(
      "upload_file",
      {{"local_path", "data/orders.csv"}, {"remote_path", "/Volumes/main/sales/raw/landing/2025/"}},
      ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["remote_path"], "/Volumes/main/sales/raw/landing/2025/orders.csv");
  EXPECT_EQ(r.structured["api"], "files");
  const json dirs = callsTo("PUT", "/api/2.0/fs/directories/");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0]["path"], "/api/2.0/fs/directories/Volumes/main/sales/raw/landing/2025");
  const json puts = callsTo("PUT", "/api/2.0/fs/files/");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0]["path"], "/api/2.0/fs/files/Volumes/main/sales/raw/landing/2025/orders.csv");
  EXPECT_EQ(puts[0]["query"]["overwrite"][0], "true");
  EXPECT_EQ(puts[0]["content_type"], "application/octet-stream");
  EXPECT_EQ(puts[0]["body_size"], 15);

  const auto back = h.call("download_file",
                           {{"remote_path", "/Volumes/main/sales/raw/landing/2025/orders.csv"},
                            {"local_path", "copy/orders.csv"}},
                           ctx());
  ASSERT_FALSE(back.isError) << back.text;
  EXPECT_EQ(back.structured["saved_to"], "copy/orders.csv");
  std::ifstream in(project_ / "copy/orders.csv");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "id,total\n1,9.5\n");
}

// Volume files go up to 5 GiB: they are streamed from and to disk, never held whole in memory
// (the size of the transfer here only proves the bytes arrive intact both ways).
TEST_F(FileToolsTest, LargeVolumeFilesStreamBothWays) {
  std::string data(20 * 1024 * 1024 + 7, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) % 251);
  write("data/big.bin", data);
  const auto up = ToolHarness(fake().url())
                      .call("upload_file",
                            {{"local_path", "data/big.bin"},
                             {"remote_path", "/Volumes/main/sales/raw/big.bin"}},
                            ctx());
  ASSERT_FALSE(up.isError) << up.text;
  EXPECT_EQ(up.structured["size"], data.size());
  const json puts = fake().callsTo("PUT", "/api/2.0/fs/files/Volumes/main/sales/raw/big.bin");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0]["body_size"], data.size());

  const auto down = ToolHarness(fake().url())
                        .call("download_file",
                              {{"remote_path", "/Volumes/main/sales/raw/big.bin"},
                               {"local_path", "copies/big.bin"}},
                              ctx());
  ASSERT_FALSE(down.isError) << down.text;
  EXPECT_EQ(down.structured["size"], data.size());
  std::ifstream in(project_ / "copies" / "big.bin", std::ios::binary);
  const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(back == data) << "the downloaded bytes differ (" << back.size() << " bytes)";
  EXPECT_FALSE(fs::exists(project_ / "copies" / ".big.bin.part"));
}

// Without local_path a volume file over 64 MiB is not loaded into memory to be shown or saved.
TEST_F(FileToolsTest, AVeryLargeVolumeFileNeedsALocalPath) {
  write("data/huge.bin", std::string(64 * 1024 * 1024 + 1, 'x'));
  ASSERT_FALSE(ToolHarness(fake().url())
                   .call("upload_file",
                         {{"local_path", "data/huge.bin"},
                          {"remote_path", "/Volumes/main/sales/raw/huge.bin"}},
                         ctx())
                   .isError);
  fake().clearCalls();
  const auto r =
      ToolHarness(fake().url())
          .call("download_file", {{"remote_path", "/Volumes/main/sales/raw/huge.bin"}}, ctx());
  ASSERT_TRUE(r.isError) << r.text.substr(0, 300);
  EXPECT_NE(r.text.find("local_path"), std::string::npos) << r.text;
  EXPECT_TRUE(fake().callsTo("GET", "/api/2.0/fs/files/").empty()) << "only a HEAD was sent";
}

TEST_F(FileToolsTest, SpacesInVolumePathsArePercentEncoded) {
  ToolHarness h(fake().url());
  write("a b.txt", "x");
  const auto r =
      h.call("upload_file",
             {{"local_path", "a b.txt"}, {"remote_path", "/Volumes/main/sales/raw/my dir/a b.txt"}},
             ctx());
  ASSERT_FALSE(r.isError) << r.text;
  // The fake decodes the path it records; the listing proves the name survived the encoding.
  EXPECT_EQ(callsTo("PUT", "/api/2.0/fs/files/Volumes/main/sales/raw/my dir/a b.txt").size(), 1u);
  const auto list = h.call("list_files", {{"path", "/Volumes/main/sales/raw/my dir"}}, ctx());
  ASSERT_FALSE(list.isError) << list.text;
  ASSERT_EQ(list.structured["count"], 1);
  EXPECT_EQ(list.structured["items"][0]["path"], "/Volumes/main/sales/raw/my dir/a b.txt");
}

TEST_F(FileToolsTest, TooLargeForTheWorkspaceIsRefusedBeforeSending) {
  ToolHarness h(fake().url());
  write("big.bin", "");
  fs::resize_file(project_ / "big.bin", 11ULL * 1024 * 1024);
  fake().clearCalls();
  const auto r = h.call(
      "upload_file",
      {{"local_path", "big.bin"}, {"remote_path", "/Users/alice@example.com/big.bin"}}, ctx());
  ASSERT_EQ(r.status, DK_OK) << r.error;
  EXPECT_TRUE(r.isError);
  EXPECT_NE(r.text.find("10 MB"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("/Volumes"), std::string::npos) << r.text;
  EXPECT_TRUE(fake().calls().empty());
}

TEST_F(FileToolsTest, LocalPathsOutsideTheProjectAreRefused) {
  ToolHarness h(fake().url());
  fake().clearCalls();
  const auto up =
      h.call("upload_file", {{"local_path", "../x"}, {"remote_path", "/Users/alice@example.com/x"}},
             ctx());
  EXPECT_EQ(up.status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_NE(up.error.find("outside the project"), std::string::npos) << up.error;
  const auto down =
      h.call("download_file",
             {{"remote_path", "/Users/alice@example.com/x"}, {"local_path", "/etc/passwd"}}, ctx());
  EXPECT_EQ(down.status, DK_ERR_INVALID_ARGUMENT);
  const auto folder = h.call(
      "upload_folder", {{"local_path", "sub/../../.."}, {"remote_path", "/Users/a/x"}}, ctx());
  EXPECT_EQ(folder.status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(fake().calls().empty());

  // Outside any project there are no local files at all.
  const auto noProject = h.call(
      "upload_file", {{"local_path", "a.txt"}, {"remote_path", "/Users/alice@example.com/a"}});
  EXPECT_TRUE(noProject.isError);
  EXPECT_NE(noProject.text.find("not inside a project"), std::string::npos) << noProject.text;
}

TEST_F(FileToolsTest, BadRemotePathsAreRefused) {
  ToolHarness h(fake().url());
  write("a.txt", "a");
  for (const std::string remote : {"relative/a.txt", "/etc/a.txt", "/Volumes/main/a.txt",
                                   "/Users/alice@example.com/../bob@example.com/a.txt"}) {
    const auto r = h.call("upload_file", {{"local_path", "a.txt"}, {"remote_path", remote}}, ctx());
    EXPECT_EQ(r.status, DK_ERR_INVALID_ARGUMENT) << remote;
  }
}

TEST_F(FileToolsTest, UploadFolderSkipsGitHiddenAndBuildOutput) {
  ToolHarness h(fake().url());
  write("app/main.py", "print('main')\n");
  write("app/sub/query.sql", "-- Databricks notebook source\nSELECT 1\n");
  write("app/sub/deep/util.py", "X = 1\n");
  write("app/.git/config", "[core]\n");
  write("app/.hidden/secret.txt", "s\n");
  write("app/.env", "TOKEN=x\n");
  write("app/node_modules/m/index.js", "1\n");
  write("app/__pycache__/main.cpython-311.pyc", "\x01\x02");
  write("app/pkg.egg-info/PKG-INFO", "x\n");
  write("app/build/out.txt", "x\n");
  write("app/.venv/bin/python", "x\n");
  const auto r = h.call(
      "upload_folder",
      {{"local_path", "app"}, {"remote_path", "/Workspace/Users/alice@example.com/app"}}, ctx());
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["uploaded"], 3);
  EXPECT_EQ(r.structured["failed"].size(), 0u);
  EXPECT_EQ(r.structured["skipped"], 8);

  const json calls = fake().calls();
  std::set<std::string> imported;
  size_t lastMkdirs = 0;
  size_t firstImport = calls.size();
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i]["path"] == "/api/2.0/workspace/mkdirs") lastMkdirs = i;
    if (calls[i]["path"] == "/api/2.0/workspace/import") {
      imported.insert(calls[i]["body"]["path"].get<std::string>());
      firstImport = std::min(firstImport, i);
    }
  }
  EXPECT_EQ(imported, (std::set<std::string>{"/Workspace/Users/alice@example.com/app/main.py",
                                             "/Workspace/Users/alice@example.com/app/sub/query",
                                             "/Workspace/Users/alice@example.com/app/sub/deep/"
                                             "util.py"}));
  EXPECT_LT(lastMkdirs, firstImport) << "every directory is made before the first upload";
  EXPECT_EQ(r.progress.size(), 3u);
  for (size_t i = 1; i < r.progress.size(); ++i) {
    EXPECT_GT(r.progress[i]["progress"].get<double>(), r.progress[i - 1]["progress"].get<double>());
  }

  const auto listed =
      h.call("list_files", {{"path", "/Users/alice@example.com/app"}, {"recursive", true}}, ctx());
  ASSERT_FALSE(listed.isError) << listed.text;
  EXPECT_EQ(listed.structured["count"], 5);  // 3 files + sub + sub/deep
}

TEST_F(FileToolsTest, UploadFolderIncludeHiddenStillSkipsGit) {
  ToolHarness h(fake().url());
  write("app/a.txt", "a\n");
  write("app/.env", "x\n");
  write("app/.git/HEAD", "ref\n");
  const auto r = h.call("upload_folder",
                        {{"local_path", "app"},
                         {"remote_path", "/Volumes/main/sales/raw/app"},
                         {"include_hidden", true},
                         {"max_parallel", 2}},
                        ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["uploaded"], 2);
  EXPECT_EQ(r.structured["skipped"], 1);
  std::set<std::string> put;
  for (const auto& c : callsTo("PUT", "/api/2.0/fs/files/")) put.insert(c["path"]);
  EXPECT_EQ(put, (std::set<std::string>{"/api/2.0/fs/files/Volumes/main/sales/raw/app/a.txt",
                                        "/api/2.0/fs/files/Volumes/main/sales/raw/app/.env"}));
}

TEST_F(FileToolsTest, UploadFolderReportsPerFileFailures) {
  ToolHarness h(fake().url());
  write("app/ok.txt", "fine\n");
  write("app/big.bin", "");
  fs::resize_file(project_ / "app/big.bin", 11ULL * 1024 * 1024);
  const auto r =
      h.call("upload_folder",
             {{"local_path", "app"}, {"remote_path", "/Users/alice@example.com/app"}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["uploaded"], 1);
  ASSERT_EQ(r.structured["failed"].size(), 1u);
  EXPECT_EQ(r.structured["failed"][0]["path"], "big.bin");
  EXPECT_NE(r.structured["failed"][0]["error"].get<std::string>().find("10 MB"), std::string::npos);
}

TEST_F(FileToolsTest, ListVolumeRecursiveAndCapped) {
  ToolHarness h(fake().url());
  write("d/a.csv", "1");
  write("d/b.csv", "22");
  write("d/x/c.csv", "333");
  ASSERT_FALSE(h.call("upload_folder",
                      {{"local_path", "d"}, {"remote_path", "/Volumes/main/sales/raw/d"}}, ctx())
                   .isError);
  const auto all =
      h.call("list_files", {{"path", "/Volumes/main/sales/raw/d"}, {"recursive", true}}, ctx());
  ASSERT_FALSE(all.isError) << all.text;
  EXPECT_EQ(all.structured["count"], 4);
  bool sawSize = false;
  for (const auto& item : all.structured["items"]) {
    if (item["path"] == "/Volumes/main/sales/raw/d/x/c.csv") sawSize = item["size"] == 3;
  }
  EXPECT_TRUE(sawSize) << all.text;

  const auto capped =
      h.call("list_files", {{"path", "/Volumes/main/sales/raw/d"}, {"max_items", 2}}, ctx());
  ASSERT_FALSE(capped.isError) << capped.text;
  EXPECT_EQ(capped.structured["count"], 2);
  EXPECT_EQ(capped.structured["more"], true);

  const auto missing = h.call("list_files", {{"path", "/Volumes/main/sales/raw/nope"}}, ctx());
  EXPECT_TRUE(missing.isError);
  EXPECT_NE(missing.text.find("does not exist"), std::string::npos) << missing.text;
}

TEST_F(FileToolsTest, DownloadBinaryIsSavedIntoTheProject) {
  ToolHarness h(fake().url());
  const std::string bytes("\x89PNG\r\n\x1a\n\x00\x01", 10);
  write("img.png", bytes);
  ASSERT_FALSE(
      h.call("upload_file",
             {{"local_path", "img.png"}, {"remote_path", "/Volumes/main/sales/raw/img.png"}}, ctx())
          .isError);
  const auto r =
      h.call("download_file", {{"remote_path", "/Volumes/main/sales/raw/img.png"}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  const std::string saved = r.structured["saved_to"];
  EXPECT_EQ(saved.rfind(".devkit/results/download_file-", 0), 0u) << saved;
  std::ifstream in(project_ / saved, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, bytes);

  const auto missing =
      h.call("download_file", {{"remote_path", "/Users/alice@example.com/none.py"}}, ctx());
  EXPECT_TRUE(missing.isError);
  EXPECT_NE(missing.text.find("does not exist"), std::string::npos) << missing.text;
}

TEST_F(FileToolsTest, DeleteNonEmptyDirectoriesNeedsRecursive) {
  ToolHarness h(fake().url());
  write("d/a.csv", "1");
  write("d/x/b.csv", "2");
  ASSERT_FALSE(h.call("upload_folder",
                      {{"local_path", "d"}, {"remote_path", "/Volumes/main/sales/raw/d"}}, ctx())
                   .isError);
  ASSERT_FALSE(h.call("upload_folder",
                      {{"local_path", "d"}, {"remote_path", "/Users/alice@example.com/d"}}, ctx())
                   .isError);

  for (const std::string path : {"/Volumes/main/sales/raw/d", "/Users/alice@example.com/d"}) {
    const auto refused = h.call("delete_file", {{"path", path}}, ctx());
    EXPECT_TRUE(refused.isError) << path;
    EXPECT_NE(refused.text.find("not empty"), std::string::npos) << refused.text;
    EXPECT_NE(refused.text.find("recursive=true"), std::string::npos) << refused.text;

    const auto removed = h.call("delete_file", {{"path", path}, {"recursive", true}}, ctx());
    ASSERT_FALSE(removed.isError) << removed.text;
    EXPECT_EQ(removed.structured["deleted"], true);
    const auto gone = h.call("list_files", {{"path", path}}, ctx());
    EXPECT_TRUE(gone.isError) << gone.text;
  }
  // The volume delete went through the Files API and saw the not-empty reason.
  EXPECT_FALSE(callsTo("DELETE", "/api/2.0/fs/directories/Volumes/main/sales/raw/d").empty());

  const auto file = h.call("delete_file", {{"path", "/Volumes/main/sales/raw/none.csv"}}, ctx());
  EXPECT_TRUE(file.isError);
  EXPECT_NE(file.text.find("does not exist"), std::string::npos) << file.text;

  const auto root =
      h.call("delete_file", {{"path", "/Volumes/main/sales/raw"}, {"recursive", true}}, ctx());
  EXPECT_TRUE(root.isError);
  EXPECT_NE(root.text.find("refusing"), std::string::npos) << root.text;
  const auto home = h.call(
      "delete_file", {{"path", "/Workspace/Users/alice@example.com"}, {"recursive", true}}, ctx());
  EXPECT_TRUE(home.isError);
}

TEST_F(FileToolsTest, DeleteAVolumeFile) {
  ToolHarness h(fake().url());
  write("a.csv", "1");
  ASSERT_FALSE(h.call("upload_file",
                      {{"local_path", "a.csv"}, {"remote_path", "/Volumes/main/sales/raw/a.csv"}},
                      ctx())
                   .isError);
  const auto r = h.call("delete_file", {{"path", "/Volumes/main/sales/raw/a.csv"}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["type"], "file");
  EXPECT_EQ(callsTo("DELETE", "/api/2.0/fs/files/Volumes/main/sales/raw/a.csv").size(), 1u);
}

TEST_F(FileToolsTest, Unavailable503IsRetried) {
  ToolHarness h(fake().url());
  write("a.csv", "1");
  fake().fault({{"method", "PUT"},
                {"path", "/api/2.0/fs/files/"},
                {"status", 503},
                {"retry_after", "0"},
                {"count", 1}});
  const auto r =
      h.call("upload_file",
             {{"local_path", "a.csv"}, {"remote_path", "/Volumes/main/sales/raw/a.csv"}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(callsTo("PUT", "/api/2.0/fs/files/").size(), 2u);
}

TEST_F(FileToolsTest, CallsCarryTheCallersOwnToken) {
  ToolHarness h(fake().url());
  write("b.py", "print('bob')\n");
  const json bob = ToolHarness::context("dapi-bob", project_.string(), "bob@example.com");
  const auto up = h.call(
      "upload_file", {{"local_path", "b.py"}, {"remote_path", "/Users/bob@example.com/b.py"}}, bob);
  ASSERT_FALSE(up.isError) << up.text;
  const auto list = h.call("list_files", {{"path", "/Users/bob@example.com"}}, bob);
  ASSERT_FALSE(list.isError) << list.text;
  const json calls = fake().calls();
  ASSERT_GE(calls.size(), 3u);
  for (const auto& c : calls) {
    EXPECT_EQ(c["token"], "dapi-bob") << c.dump();
    EXPECT_EQ(c["identity"], "bob@example.com");
  }
}

TEST_F(FileToolsTest, ToolsAreListedWithSchemas) {
  ToolHarness h(fake().url());
  std::set<std::string> names;
  for (const auto& tool : h.tools()) {
    const std::string name = tool["name"];
    if (name != "upload_file" && name != "upload_folder" && name != "list_files" &&
        name != "download_file" && name != "delete_file") {
      continue;
    }
    names.insert(name);
    EXPECT_EQ(tool["inputSchema"]["additionalProperties"], false) << name;
    for (const auto& [prop, schema] : tool["inputSchema"]["properties"].items()) {
      EXPECT_TRUE(schema.contains("description")) << name << "." << prop;
    }
  }
  EXPECT_EQ(names.size(), 5u);
}

TEST(FileToolsUnit, Base64RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(files::base64Decode(files::base64Encode(data)), data) << i;
    EXPECT_EQ(files::base64Encode(data), base64(data)) << i;
    data += static_cast<char>(i * 37);
  }
  EXPECT_THROW(files::base64Decode("ab$c"), ToolFailure);
}

TEST(FileToolsUnit, NotebookHeaders) {
  EXPECT_EQ(files::notebookLanguage("# Databricks notebook source\nx=1", "a.py"), "PYTHON");
  EXPECT_EQ(files::notebookLanguage("# Databricks notebook source\r\nx", "a.R"), "R");
  EXPECT_EQ(files::notebookLanguage("\xEF\xBB\xBF-- Databricks notebook source\n", "a"), "SQL");
  EXPECT_EQ(files::notebookLanguage("// Databricks notebook source", "a.scala"), "SCALA");
  EXPECT_FALSE(files::notebookLanguage("print(1)\n# Databricks notebook source\n", "a.py"));
  EXPECT_FALSE(files::notebookLanguage("", "a.py"));
}

TEST(FileToolsUnit, RemotePathsAndProtection) {
  EXPECT_EQ(files::parseRemotePath("/Volumes/c/s/v//d/").path, "/Volumes/c/s/v/d");
  EXPECT_EQ(files::parseRemotePath("/Volumes/c/s/v/d").area, files::Area::kVolume);
  EXPECT_EQ(files::parseRemotePath("/Workspace/Users/a").area, files::Area::kWorkspace);
  EXPECT_THROW(files::parseRemotePath("/Volumes/c/s"), devkit::sdk::Error);
  EXPECT_THROW(files::parseRemotePath("/Users/a/./b"), devkit::sdk::Error);
  EXPECT_THROW(files::parseRemotePath("/tmp/a"), devkit::sdk::Error);
  EXPECT_TRUE(files::isProtected(files::parseRemotePath("/Volumes/c/s/v")));
  EXPECT_FALSE(files::isProtected(files::parseRemotePath("/Volumes/c/s/v/d")));
  EXPECT_TRUE(files::isProtected(files::parseRemotePath("/Users/a@b.c")));
  EXPECT_TRUE(files::isProtected(files::parseRemotePath("/Workspace/Users/a@b.c")));
  EXPECT_TRUE(files::isProtected(files::parseRemotePath("/Workspace/Shared")));
  EXPECT_FALSE(files::isProtected(files::parseRemotePath("/Workspace/Users/a@b.c/x")));
  EXPECT_FALSE(files::isProtected(files::parseRemotePath("/Shared/x")));
}

TEST(FileToolsUnit, SkippedNamesAndUtf8) {
  EXPECT_TRUE(files::skipLocalName(".git", true, true));
  EXPECT_TRUE(files::skipLocalName(".env", false, false));
  EXPECT_FALSE(files::skipLocalName(".env", false, true));
  EXPECT_TRUE(files::skipLocalName("x.egg-info", true, false));
  EXPECT_FALSE(files::skipLocalName("build", false, false)) << "only build directories";
  EXPECT_TRUE(files::skipLocalName("build", true, false));
  EXPECT_TRUE(files::isValidUtf8("h\xC3\xA9llo\n\t"));
  EXPECT_FALSE(files::isValidUtf8("\xC3"));
  EXPECT_FALSE(files::isValidUtf8("a\x00b"));
  EXPECT_FALSE(files::isValidUtf8("\xED\xA0\x80"));  // a surrogate
}

}  // namespace
}  // namespace devkit::databricks::testing
