// Project backup and restore: the archive format (round trip, symlinks, zip-slip), and the backup
// service against the real storage plugins (storage-local on disk; storage-lakebase on the test
// PostgreSQL cluster): dirty set, content-hash skip, restore on access, corrupt and malicious
// archives, and PostgreSQL going away in the middle.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <Poco/Checksum.h>

#include "plugins/plugin_loader.hpp"
#include "plugins/proxies.hpp"
#include "projects/backup_service.hpp"
#include "projects/project_archive.hpp"
#include "test_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using projects::ArchiveError;
using projects::BackupResult;
using projects::BackupService;
using projects::ProjectRef;
using projects::RestoreOutcome;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The DSN of the test PostgreSQL cluster (the `pg` CTest fixture writes it).
std::string testDsn() {
  std::string dsn = readFile(fs::path(DEVKIT_TEST_PG_DIR) / "dsn");
  while (!dsn.empty() && std::isspace(static_cast<unsigned char>(dsn.back()))) dsn.pop_back();
  return dsn;
}

// A project tree with nested dirs, an empty dir, unicode names and binary content.
void makeProject(const fs::path& projectDir, const fs::path& stateDir, int salt = 0) {
  fs::create_directories(projectDir / "src/pipelines");
  fs::create_directories(projectDir / "empty");
  fs::create_directories(stateDir / "claude/projects");
  std::ofstream(projectDir / "CLAUDE.md") << "# Notes " << salt << "\n";
  std::ofstream(projectDir / "src/pipelines/bronze.sql") << "CREATE STREAMING TABLE b AS SELECT 1";
  std::ofstream(projectDir / "données-č.txt") << "unicode ✓ 🚀";
  std::string binary(70000, '\0');
  std::mt19937 rng(42 + salt);
  for (char& c : binary) c = static_cast<char>(rng());
  std::ofstream(projectDir / "blob.bin", std::ios::binary) << binary;
  std::ofstream(stateDir / "claude/projects/session.jsonl") << "{\"type\":\"user\"}\n";
}

// `megabytes` files of 1 MiB random bytes (incompressible) under `dir`.
void makeTree(const fs::path& dir, int megabytes) {
  fs::create_directories(dir);
  std::mt19937 rng(7);
  std::string data(1 << 20, '\0');
  for (int i = 0; i < megabytes; ++i) {
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(dir / ("part" + std::to_string(i)), std::ios::binary) << data;
  }
}

// A minimal zip writer (stored entries), so tests can build archives no honest tool would:
// entries with "..", absolute names, symbolic links.
class RawZip {
 public:
  void add(const std::string& name, const std::string& data, uint32_t unixMode = 0100644) {
    Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
    crc.update(data);
    Entry e{name, data, crc.checksum(), unixMode, static_cast<uint32_t>(body_.size())};
    put32(body_, 0x04034b50);
    put16(body_, 10);
    put16(body_, 0);
    put16(body_, 0);  // stored
    put16(body_, 0);
    put16(body_, 0);
    put32(body_, e.crc);
    put32(body_, static_cast<uint32_t>(data.size()));
    put32(body_, static_cast<uint32_t>(data.size()));
    put16(body_, static_cast<uint16_t>(name.size()));
    put16(body_, 0);
    body_ += name + data;
    entries_.push_back(std::move(e));
  }
  void write(const fs::path& file) const {
    std::string cd;
    for (const Entry& e : entries_) {
      put32(cd, 0x02014b50);
      put16(cd, (3 << 8) | 20);  // made by Unix
      put16(cd, 10);
      put16(cd, 0);
      put16(cd, 0);
      put16(cd, 0);
      put16(cd, 0);
      put32(cd, e.crc);
      put32(cd, static_cast<uint32_t>(e.data.size()));
      put32(cd, static_cast<uint32_t>(e.data.size()));
      put16(cd, static_cast<uint16_t>(e.name.size()));
      put16(cd, 0);
      put16(cd, 0);
      put16(cd, 0);
      put16(cd, 0);
      put32(cd, e.mode << 16);
      put32(cd, e.offset);
      cd += e.name;
    }
    std::string eocd;
    put32(eocd, 0x06054b50);
    put16(eocd, 0);
    put16(eocd, 0);
    put16(eocd, static_cast<uint16_t>(entries_.size()));
    put16(eocd, static_cast<uint16_t>(entries_.size()));
    put32(eocd, static_cast<uint32_t>(cd.size()));
    put32(eocd, static_cast<uint32_t>(body_.size()));
    put16(eocd, 0);
    std::ofstream(file, std::ios::binary) << body_ << cd << eocd;
  }

 private:
  struct Entry {
    std::string name;
    std::string data;
    uint32_t crc;
    uint32_t mode;
    uint32_t offset;
  };
  static void put16(std::string& s, uint32_t v) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>((v >> 8) & 0xFF);
  }
  static void put32(std::string& s, uint32_t v) {
    put16(s, v & 0xFFFF);
    put16(s, v >> 16);
  }
  std::string body_;
  std::vector<Entry> entries_;
};

// ---- The archive format -------------------------------------------------------------------------

TEST(ProjectArchive, RoundTripIsHashIdentical) {
  TempDir dir;
  makeProject(dir.path() / "p", dir.path() / "s");
  const std::string before = projects::contentHash(dir.path() / "p", dir.path() / "s");
  const auto stats =
      projects::writeProjectArchive(dir.path() / "p", dir.path() / "s", dir.path() / "a.zip");
  EXPECT_EQ(stats.files, 5);
  projects::extractProjectArchive(dir.path() / "a.zip", dir.path() / "out");
  EXPECT_TRUE(fs::is_directory(dir.path() / "out/project/empty"));
  EXPECT_EQ(projects::contentHash(dir.path() / "out/project", dir.path() / "out/state"), before);
  EXPECT_EQ(readFile(dir.path() / "out/project/blob.bin"), readFile(dir.path() / "p/blob.bin"));
}

TEST(ProjectArchive, ProjectWithoutStateDir) {
  TempDir dir;
  makeProject(dir.path() / "p", dir.path() / "s");
  fs::remove_all(dir.path() / "s");
  const std::string before = projects::contentHash(dir.path() / "p", dir.path() / "s");
  projects::writeProjectArchive(dir.path() / "p", dir.path() / "s", dir.path() / "a.zip");
  projects::extractProjectArchive(dir.path() / "a.zip", dir.path() / "out");
  EXPECT_TRUE(fs::is_directory(dir.path() / "out/state"));
  EXPECT_EQ(projects::contentHash(dir.path() / "out/project", dir.path() / "out/state"), before);
}

TEST(ProjectArchive, ContentHashSeesEveryChange) {
  TempDir dir;
  makeProject(dir.path() / "p", dir.path() / "s");
  const std::string h0 = projects::contentHash(dir.path() / "p", dir.path() / "s");
  std::ofstream(dir.path() / "s/claude/projects/session.jsonl", std::ios::app) << "more\n";
  const std::string h1 = projects::contentHash(dir.path() / "p", dir.path() / "s");
  EXPECT_NE(h0, h1);
  fs::rename(dir.path() / "p/CLAUDE.md", dir.path() / "p/NOTES.md");
  EXPECT_NE(projects::contentHash(dir.path() / "p", dir.path() / "s"), h1);
}

TEST(ProjectArchive, SymlinksAreNeitherFollowedNorArchived) {
  TempDir dir;
  makeProject(dir.path() / "p", dir.path() / "s");
  dir.write("secret/key.pem", "PRIVATE");
  fs::create_symlink(dir.path() / "secret/key.pem", dir.path() / "p/link.pem");
  fs::create_directory_symlink(dir.path() / "secret", dir.path() / "p/linkdir");
  projects::writeProjectArchive(dir.path() / "p", dir.path() / "s", dir.path() / "a.zip");
  EXPECT_EQ(readFile(dir.path() / "a.zip").find("PRIVATE"), std::string::npos);
  projects::extractProjectArchive(dir.path() / "a.zip", dir.path() / "out");
  EXPECT_FALSE(fs::exists(dir.path() / "out/project/link.pem"));
  EXPECT_FALSE(fs::exists(dir.path() / "out/project/linkdir"));
}

struct Malicious {
  const char* name;
  const char* entry;
  uint32_t mode;
  const char* reason;
};

class MaliciousArchive : public ::testing::TestWithParam<Malicious> {};

TEST_P(MaliciousArchive, IsRefusedAndWritesNothingOutside) {
  TempDir dir;
  RawZip zip;
  zip.add("project/ok.txt", "fine");
  zip.add(GetParam().entry, "/etc/passwd", GetParam().mode);
  zip.write(dir.path() / "bad.zip");
  fs::create_directories(dir.path() / "root/target");
  try {
    projects::extractProjectArchive(dir.path() / "bad.zip", dir.path() / "root/target");
    FAIL() << "accepted " << GetParam().entry;
  } catch (const ArchiveError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().reason), std::string::npos) << e.what();
  }
  // Nothing escaped the target, and no link was made anywhere.
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    EXPECT_FALSE(fs::is_symlink(entry.symlink_status())) << entry.path();
    if (entry.is_regular_file()) {
      const std::string rel = entry.path().lexically_relative(dir.path()).string();
      EXPECT_TRUE(rel == "bad.zip" || rel.rfind("root/target/", 0) == 0) << rel;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Backup, MaliciousArchive,
    ::testing::Values(Malicious{"dotdot", "project/../../evil.txt", 0100644, "'..'"},
                      Malicious{"absolute", "/tmp/devkit-evil.txt", 0100644, "absolute"},
                      Malicious{"backslash", "project\\..\\evil.txt", 0100644, "unsafe"},
                      Malicious{"outside", "etc/evil.txt", 0100644, "not under project/"},
                      Malicious{"symlink", "project/link", 0120777, "symbolic link"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProjectArchive, CorruptDataIsRefused) {
  TempDir dir;
  RawZip zip;
  zip.add("project/a.txt", "hello world");
  zip.write(dir.path() / "ok.zip");
  std::string bytes = readFile(dir.path() / "ok.zip");
  bytes[bytes.find("hello")] = 'J';  // payload changed, CRC not
  std::ofstream(dir.path() / "bad.zip", std::ios::binary) << bytes;
  EXPECT_THROW(projects::extractProjectArchive(dir.path() / "bad.zip", dir.path() / "t"),
               ArchiveError);
  std::ofstream(dir.path() / "junk.zip") << "this is not a zip file at all";
  EXPECT_THROW(projects::extractProjectArchive(dir.path() / "junk.zip", dir.path() / "t2"),
               ArchiveError);
}

// ---- The backup service on the real storage plugins
// ----------------------------------------------

class BackupServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    data_ = dir_.path() / "data";
    storage_ = openStorage();
    paths_ = std::make_unique<projects::ProjectPaths>(data_ / "projects", data_ / "state",
                                                      data_ / "tmp");
    service_ = makeService();
    createProject("alice@example.com", "p1");
  }
  void TearDown() override {
    service_.reset();
    storage_.reset();
  }

  std::shared_ptr<core::Storage> openStorage() {
    std::string id = GetParam() == "local" ? "storage-local" : "storage-lakebase";
    lib_ = plugins::loadPlugin(DEVKIT_PLUGIN_OUTPUT_DIR, id, id + ".so", "test",
                               plugins::UnloadPolicy::kOnRelease);
    nlohmann::json config;
    if (GetParam() == "local") {
      config = {{"database", (data_ / "devkit.sqlite").string()},
                {"archive_dir", (data_ / "archives").string()},
                {"busy_timeout_ms", 5000}};
    } else {
      const std::string dsn = testDsn();
      config = {{"dsn", dsn}, {"schema", schema_}, {"pool_size", 4}};
    }
    return plugins::createStorage(lib_, config.dump());
  }
  std::unique_ptr<BackupService> makeService() {
    BackupService::Options options;
    options.worker = false;
    auto s = std::make_unique<BackupService>(storage_, *paths_, options);
    s->start();
    return s;
  }
  void createProject(const std::string& owner, const std::string& id) {
    const core::CallOutcome o = storage_->call(
        core::StorageOp::kPutProject,
        nlohmann::json{{"owner", owner}, {"id", id}, {"name", "Project " + id}}.dump());
    ASSERT_TRUE(o.ok()) << o.error;
    makeProject(paths_->projectDir(id), paths_->stateDir(id));
  }

  TempDir dir_;
  fs::path data_;
  std::string schema_ = "backup_" + std::to_string(std::random_device{}() % 1000000);
  std::shared_ptr<plugins::LoadedLibrary> lib_;
  std::shared_ptr<core::Storage> storage_;
  std::unique_ptr<projects::ProjectPaths> paths_;
  std::unique_ptr<BackupService> service_;
  const ProjectRef alice_{"alice@example.com", "p1"};
};

TEST_P(BackupServiceTest, DirtyProjectIsStoredThenSkippedWhileUnchanged) {
  service_->markDirty(alice_);
  EXPECT_EQ(service_->dirty().size(), 1u);
  EXPECT_EQ(service_->runPass(), 1);
  EXPECT_TRUE(service_->dirty().empty());
  const nlohmann::json status = service_->status(alice_);
  EXPECT_EQ(status["state"], "clean");
  EXPECT_GT(status["size"].get<int64_t>(), 0);
  EXPECT_EQ(status["sha256"].get<std::string>().size(), 64u);

  EXPECT_EQ(service_->backupNow(alice_).state, BackupResult::State::kUnchanged);
  std::ofstream(paths_->projectDir("p1") / "new.py") << "print(1)\n";
  EXPECT_EQ(service_->backupNow(alice_).state, BackupResult::State::kStored);
}

TEST_P(BackupServiceTest, DeletedFilesAreRestoredHashIdenticalOnAccess) {
  const std::string before =
      projects::contentHash(paths_->projectDir("p1"), paths_->stateDir("p1"));
  ASSERT_EQ(service_->backupNow(alice_).state, BackupResult::State::kStored);
  fs::remove_all(paths_->projectDir("p1"));
  fs::remove_all(paths_->stateDir("p1"));

  // Several requests arrive at once: all wait, one restores, none sees a partial dir.
  std::vector<std::thread> readers;
  std::atomic<int> complete{0};
  for (int i = 0; i < 6; ++i) {
    readers.emplace_back([&] {
      service_->ensureRestored(alice_);
      if (fs::exists(paths_->projectDir("p1") / "blob.bin") &&
          fs::exists(paths_->stateDir("p1") / "claude/projects/session.jsonl")) {
        ++complete;
      }
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(complete.load(), 6);
  EXPECT_EQ(projects::contentHash(paths_->projectDir("p1"), paths_->stateDir("p1")), before);
  EXPECT_EQ(service_->ensureRestored(alice_), RestoreOutcome::kPresent);
}

TEST_P(BackupServiceTest, AnotherUsersProjectIsNotRestored) {
  ASSERT_EQ(service_->backupNow(alice_).state, BackupResult::State::kStored);
  fs::remove_all(paths_->projectDir("p1"));
  EXPECT_EQ(service_->ensureRestored({"mallory@example.com", "p1"}), RestoreOutcome::kNoArchive);
  EXPECT_FALSE(fs::exists(paths_->projectDir("p1")));
}

TEST_P(BackupServiceTest, DirtySetSurvivesARestart) {
  service_->markDirty(alice_);
  service_.reset();  // host stops before the pass
  storage_.reset();
  storage_ = openStorage();
  service_ = makeService();
  ASSERT_EQ(service_->dirty().size(), 1u);
  EXPECT_EQ(service_->dirty()[0], alice_);
  EXPECT_EQ(service_->runPass(), 1);
}

TEST_P(BackupServiceTest, CorruptArchiveGivesAClearErrorAndLeavesFilesAlone) {
  const std::string garbage = "PK\x03\x04 definitely not a complete zip archive";
  size_t offset = 0;
  const core::CallOutcome put = storage_->putArchive(
      nlohmann::json{{"owner", alice_.owner}, {"project_id", alice_.projectId}}.dump(),
      [&](char* buffer, size_t capacity) {
        const size_t n = std::min(capacity, garbage.size() - offset);
        std::memcpy(buffer, garbage.data() + offset, n);
        offset += n;
        return static_cast<int64_t>(n);
      });
  ASSERT_TRUE(put.ok()) << put.error;
  fs::remove_all(paths_->projectDir("p1"));  // the state dir stays, as on a half-lost host
  const std::string stateBefore =
      readFile(paths_->stateDir("p1") / "claude/projects/session.jsonl");
  try {
    service_->ensureRestored(alice_);
    FAIL() << "a corrupt archive was accepted";
  } catch (const projects::RestoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be restored"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(paths_->projectDir("p1")));  // never an empty or partial dir
  EXPECT_EQ(readFile(paths_->stateDir("p1") / "claude/projects/session.jsonl"), stateBefore);
  EXPECT_TRUE(fs::is_empty(data_ / "tmp"));  // scratch files cleaned up
}

INSTANTIATE_TEST_SUITE_P(Storage, BackupServiceTest, ::testing::Values("local", "lakebase"),
                         [](const auto& info) { return info.param; });

// PostgreSQL goes away during backups: the service keeps working, says what is wrong, keeps the
// project dirty, and the backup lands once the database is back.
class PostgresOutageTest : public BackupServiceTest {
 protected:
  static int cluster(const std::string& command) {
    return std::system((std::string(DEVKIT_SOURCE_DIR) + "/scripts/pg-test-cluster.sh " + command +
                        " " + DEVKIT_TEST_PG_DIR + " >/dev/null 2>&1")
                           .c_str());
  }
  void TearDown() override {
    EXPECT_EQ(cluster("restart"), 0);  // leave the shared cluster running whatever happened
    BackupServiceTest::TearDown();
  }
};

TEST_P(PostgresOutageTest, BackupWaitsForTheDatabaseAndThenLands) {
  service_->markDirty(alice_);
  ASSERT_EQ(cluster("stop"), 0);
  const BackupResult failed = service_->backupNow(alice_);
  EXPECT_EQ(failed.state, BackupResult::State::kFailed);
  EXPECT_FALSE(failed.error.empty());
  EXPECT_EQ(service_->dirty().size(), 1u);
  EXPECT_TRUE(service_->health().contains("last_error"));
  EXPECT_EQ(storage_->health().value("reachable", true), false);

  ASSERT_EQ(cluster("restart"), 0);
  EXPECT_EQ(service_->runPass(), 1);
  EXPECT_TRUE(service_->dirty().empty());
  EXPECT_FALSE(service_->health().contains("last_error"));
  const nlohmann::json status = service_->status(alice_);
  EXPECT_EQ(status["state"], "clean");
  EXPECT_GT(status["size"].get<int64_t>(), 0);
}

TEST_P(PostgresOutageTest, DatabaseStoppedWhileAnArchiveStreams) {
  makeTree(paths_->projectDir("p1") / "bulk", 40);  // ~40 MB, so the put takes a while
  const std::string expected =
      projects::contentHash(paths_->projectDir("p1"), paths_->stateDir("p1"));
  service_->markDirty(alice_);
  std::thread backup([&] { service_->runPass(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(cluster("stop"), 0);
  backup.join();  // returns, whether the put finished first or failed: no crash, no hang
  ASSERT_EQ(cluster("restart"), 0);
  service_->runPass();  // stores it if the first attempt failed; skips it if it had landed
  EXPECT_TRUE(service_->dirty().empty());
  fs::remove_all(paths_->projectDir("p1"));
  fs::remove_all(paths_->stateDir("p1"));
  EXPECT_EQ(service_->ensureRestored(alice_), RestoreOutcome::kRestored);
  EXPECT_EQ(projects::contentHash(paths_->projectDir("p1"), paths_->stateDir("p1")), expected);
}

// The same outage as an operator sees it: a running host on storage-lakebase keeps serving and
// /healthz says storage is unreachable, then recovers by itself.
TEST_P(PostgresOutageTest, HealthzShowsStorageDownWhileThePostgresIsDown) {
  const std::string dsn = testDsn();
  TempDir hostDir;
  app::Host host(loadIni(
      hostDir,
      hostIni(hostDir, "[plugin.storage-lakebase]\nenabled = yes\nschema = " + schema_ + "\n"),
      {"DEVKIT__PLUGIN__STORAGE_LAKEBASE__DSN=" + dsn}));
  host.start();
  const auto storageOf = [&] {
    const nlohmann::json h = fetch(host.port(), "GET", "/healthz").json();
    return std::make_pair(h["storage"], h["problems"]);
  };
  // Health answers are cached for a moment; poll rather than guess the cache's age.
  const auto waitReachable = [&](bool wanted) {
    for (int i = 0; i < 100; ++i) {
      if (storageOf().first["reachable"] == wanted) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(waitReachable(true));
  ASSERT_EQ(cluster("stop"), 0);
  EXPECT_TRUE(waitReachable(false));
  const auto [storage, problems] = storageOf();
  EXPECT_EQ(storage["plugin"], "storage-lakebase");
  EXPECT_NE(problems.dump().find("storage 'storage-lakebase' is not reachable"), std::string::npos)
      << problems.dump();
  EXPECT_EQ(fetch(host.port(), "GET", "/healthz").status, 200);  // the host itself keeps serving
  ASSERT_EQ(cluster("restart"), 0);
  EXPECT_TRUE(waitReachable(true));
  host.stop();
}

// The REST API on a dead database: clear 503s (never a hang or a 500), nothing half-created, and
// everything back once PostgreSQL is.
TEST_P(PostgresOutageTest, ApiAnswers503WhileThePostgresIsDownAndLosesNothing) {
  TempDir hostDir;
  app::Host host(loadIni(
      hostDir,
      hostIni(hostDir, "[plugin.storage-lakebase]\nenabled = yes\nschema = " + schema_ + "\n"),
      {"DEVKIT__PLUGIN__STORAGE_LAKEBASE__DSN=" + testDsn()}));
  host.start();
  const auto post = [&](const std::string& name) {
    return fetch(host.port(), "POST", "/api/projects", nlohmann::json{{"name", name}}.dump(),
                 "application/json");
  };
  const HttpResult created = post("kept");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json()["id"];

  ASSERT_EQ(cluster("stop"), 0);
  for (const auto& r : {fetch(host.port(), "GET", "/api/projects"),
                        fetch(host.port(), "GET", "/api/projects/" + id), post("lost")}) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "storage_unavailable") << r.body;
    EXPECT_EQ(r.header("Retry-After"), "5");
  }
  // The refused create left no project dir behind (only the scratch dir remains).
  std::vector<std::string> dirs;
  for (const auto& e : fs::directory_iterator(host.paths().projectDir(id).parent_path())) {
    dirs.push_back(e.path().filename().string());
  }
  std::sort(dirs.begin(), dirs.end());
  EXPECT_EQ(dirs, (std::vector<std::string>{".tmp", id}));

  ASSERT_EQ(cluster("restart"), 0);
  HttpResult listed;
  for (int i = 0; i < 100; ++i) {  // the plugin backs off logins for a moment after a failure
    listed = fetch(host.port(), "GET", "/api/projects");
    if (listed.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json().size(), 1u);
  EXPECT_EQ(listed.json()[0]["id"], id);
  EXPECT_EQ(post("after").status, 201);
  host.stop();
}

INSTANTIATE_TEST_SUITE_P(Storage, PostgresOutageTest, ::testing::Values("lakebase"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devkit::testing
