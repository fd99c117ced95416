// Backup benchmark (issue 3): archive-and-store and restore of a 100 MB / 10,000-file project on a
// storage plugin, with throughput and peak RSS, and the cost of a backup pass over 1,000 projects
// that are marked dirty but unchanged (content hash + state lookup + stat each).
//
//   build/bin/backup_bench local
//   build/bin/backup_bench lakebase postgresql://postgres@127.0.0.1:5433/postgres
// (scripts/pg-test-cluster.sh start DIR starts a throwaway PostgreSQL and writes its DSN to
// DIR/dsn.)
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "logging/logging.hpp"
#include "plugins/plugin_loader.hpp"
#include "plugins/proxies.hpp"
#include "projects/backup_service.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// `files` files of `bytes` each in 100 subdirectories; random bytes, so compression cannot help.
void makeTree(const fs::path& root, int files, size_t bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string data(bytes, '\0');
  for (int i = 0; i < files; ++i) {
    const fs::path dir = root / ("d" + std::to_string(i % 100));
    fs::create_directories(dir);
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(dir / ("f" + std::to_string(i) + ".bin"), std::ios::binary) << data;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) == "lakebase" && argc < 3)) {
    std::fprintf(stderr, "usage: %s local | lakebase <dsn>\n", argv[0]);
    return 2;
  }
  devkit::logging::setup("warn", devkit::logging::Format::kText);
  const std::string kind = argv[1];
  char tmpl[] = "/tmp/devkit-bench-XXXXXX";
  const fs::path work = ::mkdtemp(tmpl);
  const std::string id = kind == "local" ? "storage-local" : "storage-lakebase";
  auto lib = devkit::plugins::loadPlugin(DEVKIT_PLUGIN_OUTPUT_DIR, id, id + ".so", "bench");
  nlohmann::json config;
  if (kind == "local") {
    config = {{"database", (work / "devkit.sqlite").string()},
              {"archive_dir", (work / "archives").string()}};
  } else {
    config = {{"dsn", argv[2]}, {"schema", "bench_" + std::to_string(::getpid())}};
  }
  auto storage = devkit::plugins::createStorage(lib, config.dump());
  devkit::projects::ProjectPaths paths(work / "projects", work / "state", work / "tmp");
  devkit::projects::BackupService::Options options;
  options.worker = false;
  devkit::projects::BackupService service(storage, paths, options);
  service.start();

  const auto putProject = [&](const std::string& pid) {
    storage->call(
        devkit::core::StorageOp::kPutProject,
        nlohmann::json{{"owner", "bench@example.com"}, {"id", pid}, {"name", pid}}.dump());
  };

  // 1. One large project: 10,000 files x 10 KiB = ~100 MB.
  putProject("big");
  makeTree(paths.projectDir("big"), 10000, 10 * 1024, 1);
  fs::create_directories(paths.stateDir("big"));
  const double mb = 10000.0 * 10 * 1024 / 1e6;
  const long rssBefore = peakRssMiB();
  auto t0 = Clock::now();
  const auto stored = service.backupNow({"bench@example.com", "big"});
  const double backupS = seconds(t0);
  if (stored.state != devkit::projects::BackupResult::State::kStored) {
    std::fprintf(stderr, "backup failed: %s\n", stored.error.c_str());
    return 1;
  }
  fs::remove_all(paths.projectDir("big"));
  fs::remove_all(paths.stateDir("big"));
  t0 = Clock::now();
  service.ensureRestored({"bench@example.com", "big"});
  const double restoreS = seconds(t0);
  std::printf("%s: archive+store 100 MB / 10,000 files: %.2f s (%.1f MB/s), archive %.1f MB\n",
              kind.c_str(), backupS, mb / backupS, stored.size / 1e6);
  std::printf("%s: restore: %.2f s (%.1f MB/s)\n", kind.c_str(), restoreS, mb / restoreS);
  std::printf("%s: peak RSS %ld MiB (before: %ld MiB)\n", kind.c_str(), peakRssMiB(), rssBefore);

  // 2. 1,000 small projects, all backed up, then all marked dirty without any change.
  for (int i = 0; i < 1000; ++i) {
    const std::string pid = "p" + std::to_string(i);
    putProject(pid);
    makeTree(paths.projectDir(pid), 20, 2048, 100 + static_cast<uint32_t>(i));
    service.markDirty({"bench@example.com", pid});
  }
  service.runPass();
  for (int i = 0; i < 1000; ++i) service.markDirty({"bench@example.com", "p" + std::to_string(i)});
  t0 = Clock::now();
  const int unchanged = service.runPass();
  const double passS = seconds(t0);
  t0 = Clock::now();
  service.runPass();  // nothing dirty
  const double idleS = seconds(t0);
  std::printf(
      "%s: pass over 1,000 dirty-but-unchanged projects: %.2f s (%.2f ms each, %d skipped)\n",
      kind.c_str(), passS, passS * 1000 / 1000, unchanged);
  std::printf("%s: pass with nothing dirty: %.3f ms\n", kind.c_str(), idleS * 1000);
  service.stop();
  fs::remove_all(work);
  return 0;
}
