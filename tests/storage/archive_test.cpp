// Project archives: put/get/stat/delete, size and SHA-256, atomic replacement (a failed put keeps
// the previous archive), a get that stops when the sink refuses, and a 200 MB archive streamed
// both ways with bounded memory.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// Expects an archive info object describing `data`.
void expectInfo(const json& info, const std::string& data) {
  EXPECT_EQ(info.value("size", json()), data.size()) << info.dump();
  EXPECT_EQ(info.value("sha256", json()), sha256Hex(data)) << info.dump();
  EXPECT_TRUE(info.value("created_us", json()).is_number_integer()) << info.dump();
}

TEST_P(StorageConformance, ArchivePutStatGetDelete) {
  const std::string projectId = putProject();
  const std::string data = randomBytes(1024 * 1024 + 17, 1);
  const json request = {{"owner", kOwner}, {"project_id", projectId}};
  EXPECT_EQ(ok("stat_archive", request), json({{"exists", false}}));

  const int64_t before = nowUs();
  const Reply put = putArchiveBytes(projectId, data, 100'000);
  const int64_t after = nowUs();
  ASSERT_EQ(put.status(), DK_OK) << put.describe();
  expectInfo(put.body, data);
  EXPECT_GE(put.body.value("created_us", int64_t{0}), before);
  EXPECT_LE(put.body.value("created_us", int64_t{0}), after);
  const std::string sha = put.body.value("sha256", std::string());
  EXPECT_EQ(sha.find_first_not_of("0123456789abcdef"), std::string::npos) << sha;

  const json stat = ok("stat_archive", request);
  EXPECT_EQ(stat.value("exists", false), true) << stat.dump();
  expectInfo(stat, data);
  EXPECT_EQ(stat.value("created_us", json()), put.body.value("created_us", json()));

  EXPECT_TRUE(getArchiveBytes(projectId) == data) << "get_archive returned different bytes";

  EXPECT_EQ(ok("delete_archive", request), json({{"deleted", true}}));
  EXPECT_EQ(ok("stat_archive", request), json({{"exists", false}}));
  Reply get;
  getArchiveBytes(projectId, &get);
  EXPECT_EQ(get.status(), DK_ERR_NOT_FOUND) << get.describe();
  EXPECT_EQ(ok("delete_archive", request), json({{"deleted", false}}));
  ok("get_project", {{"owner", kOwner}, {"id", projectId}});  // the project itself stays
}

TEST_P(StorageConformance, EmptyArchiveIsAnArchive) {
  const std::string projectId = putProject();
  const Reply put = putArchiveBytes(projectId, "");
  ASSERT_EQ(put.status(), DK_OK) << put.describe();
  EXPECT_EQ(put.body.value("size", json()), 0) << put.describe();
  EXPECT_EQ(put.body.value("sha256", json()), kEmptySha256) << put.describe();
  const json stat = ok("stat_archive", {{"owner", kOwner}, {"project_id", projectId}});
  EXPECT_EQ(stat.value("exists", false), true) << stat.dump();
  Reply get;
  EXPECT_EQ(getArchiveBytes(projectId, &get), "");
  EXPECT_EQ(get.status(), DK_OK) << get.describe();
}

TEST_P(StorageConformance, ArchivePutReplacesThePreviousOne) {
  const std::string projectId = putProject();
  const std::string first = randomBytes(300'000, 2), second = randomBytes(100'000, 3);
  ASSERT_EQ(putArchiveBytes(projectId, first).status(), DK_OK);
  const Reply put = putArchiveBytes(projectId, second, 1);  // one byte at a time, too
  ASSERT_EQ(put.status(), DK_OK) << put.describe();
  expectInfo(put.body, second);
  expectInfo(ok("stat_archive", {{"owner", kOwner}, {"project_id", projectId}}), second);
  EXPECT_TRUE(getArchiveBytes(projectId) == second);
}

TEST_P(StorageConformance, ArchivesBelongToTheirProject) {
  const std::string a = putProject(), b = putProject();
  ASSERT_EQ(putArchiveBytes(a, "archive a").status(), DK_OK);
  ASSERT_EQ(putArchiveBytes(b, "archive b").status(), DK_OK);
  EXPECT_EQ(getArchiveBytes(a), "archive a");
  EXPECT_EQ(getArchiveBytes(b), "archive b");
  ok("delete_archive", {{"owner", kOwner}, {"project_id", a}});
  EXPECT_EQ(getArchiveBytes(b), "archive b");
}

TEST_P(StorageConformance, FailedArchivePutKeepsThePreviousArchive) {
  const std::string projectId = putProject();
  const std::string previous = randomBytes(2 * 1024 * 1024 + 5, 4);
  ASSERT_EQ(putArchiveBytes(projectId, previous).status(), DK_OK);
  const json request = {{"owner", kOwner}, {"project_id", projectId}};

  // The source fails after 3 MiB (more than the previous archive), by -1 and by throwing (the
  // host's source turns an exception into -1).
  for (const bool throws : {false, true}) {
    SCOPED_TRACE(throws ? "source throws" : "source returns -1");
    ByteGenerator generator(5, 64 * 1024 * 1024);
    const auto outcome = storage_->putArchive(request.dump(), [&](char* buffer, size_t capacity) {
      if (generator.produced() >= 3 * 1024 * 1024) {
        if (throws) throw std::runtime_error("disk read error");
        return int64_t{-1};
      }
      return generator.read(buffer, capacity);
    });
    EXPECT_EQ(outcome.status, DK_ERR_UNAVAILABLE) << outcome.error;
    const json stat = ok("stat_archive", request);
    EXPECT_EQ(stat.value("exists", false), true) << stat.dump();
    expectInfo(stat, previous);
    EXPECT_TRUE(getArchiveBytes(projectId) == previous) << "the previous archive was damaged";
  }

  // Without a previous archive, a failed put leaves none.
  const std::string fresh = putProject();
  const json freshRequest = {{"owner", kOwner}, {"project_id", fresh}};
  int calls = 0;
  const auto outcome = storage_->putArchive(freshRequest.dump(), [&](char* buffer, size_t) {
    buffer[0] = 'x';
    return ++calls < 100 ? int64_t{1} : int64_t{-1};
  });
  EXPECT_EQ(outcome.status, DK_ERR_UNAVAILABLE) << outcome.error;
  EXPECT_EQ(ok("stat_archive", freshRequest), json({{"exists", false}}));

  // And the next put works (no leftover lock, temp file or open transaction in the way).
  const std::string next = randomBytes(1000, 6);
  const Reply put = putArchiveBytes(projectId, next);
  ASSERT_EQ(put.status(), DK_OK) << put.describe();
  EXPECT_TRUE(getArchiveBytes(projectId) == next);
}

TEST_P(StorageConformance, ArchiveReadsDuringAPutSeeThePreviousArchive) {
  const std::string projectId = putProject();
  const std::string previous = randomBytes(1024 * 1024 + 3, 9);
  ASSERT_EQ(putArchiveBytes(projectId, previous).status(), DK_OK);
  const json request = {{"owner", kOwner}, {"project_id", projectId}};

  // A put that pauses halfway (an upload in progress) while stat and get run on other threads.
  std::promise<void> halfway, resume;
  std::shared_future<void> resumed = resume.get_future().share();
  ByteGenerator generator(10, 4 * 1024 * 1024);
  bool paused = false;
  core::CallOutcome put;
  std::thread putter([&] {
    put = storage_->putArchive(request.dump(), [&](char* buffer, size_t capacity) {
      if (!paused && generator.produced() >= 2 * 1024 * 1024) {
        paused = true;
        halfway.set_value();
        resumed.wait_for(std::chrono::seconds(60));
      }
      return generator.read(buffer, capacity);
    });
    if (!paused) halfway.set_value();  // the put ended early (an error): do not hang the test
  });
  halfway.get_future().wait();
  auto reads = std::async(std::launch::async, [&] {
    Reply get;
    std::string bytes = getArchiveBytes(projectId, &get);
    return std::make_tuple(call("stat_archive", request), get, std::move(bytes));
  });
  const bool answered = reads.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  resume.set_value();
  putter.join();
  EXPECT_TRUE(answered) << "stat/get_archive waited for a put in progress";
  const auto [stat, get, bytes] = reads.get();
  EXPECT_EQ(stat.status(), DK_OK) << stat.describe();
  expectInfo(stat.body, previous);
  EXPECT_EQ(get.status(), DK_OK) << get.describe();
  EXPECT_TRUE(bytes == previous) << "a get during a put returned " << bytes.size()
                                 << " bytes that are not the previous archive";

  ASSERT_EQ(put.status, DK_OK) << put.error;
  const json after = ok("stat_archive", request);
  EXPECT_EQ(after.value("sha256", json()), generator.sha256Hex()) << after.dump();
}

TEST_P(StorageConformance, ArchiveBytesAreNotLeftBehind) {
  const std::string kept = putProject(), deleted = putProject();
  const json request = {{"owner", kOwner}, {"project_id", kept}};
  ASSERT_EQ(putArchiveBytes(kept, randomBytes(3 * 1024 * 1024, 11)).status(), DK_OK);
  ASSERT_EQ(putArchiveBytes(kept, randomBytes(2 * 1024 * 1024, 12)).status(), DK_OK);  // replaced
  int calls = 0;
  const auto failed = storage_->putArchive(request.dump(), [&](char* buffer, size_t capacity) {
    std::memset(buffer, 'f', capacity);
    return ++calls < 20 ? static_cast<int64_t>(capacity) : int64_t{-1};
  });
  ASSERT_EQ(failed.status, DK_ERR_UNAVAILABLE) << failed.error;
  ASSERT_EQ(putArchiveBytes(deleted, randomBytes(1024 * 1024, 13)).status(), DK_OK);
  ok("delete_archive", request);
  ok("delete_project", {{"owner", kOwner}, {"id", deleted}});
  EXPECT_EQ(ok("stat_archive", request), json({{"exists", false}}));

  // storage-local keeps archives as files under archive_dir: none may be left (replaced versions,
  // the failed upload's temporary file, the deleted project's archive). PostgreSQL's storage is
  // not observable from outside in a layout-independent way; its behaviour is checked above.
  if (!isLakebase()) {
    uintmax_t bytes = 0;
    std::vector<std::string> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(config_["archive_dir"].get<std::string>())) {
      if (entry.is_regular_file()) {
        bytes += entry.file_size();
        files.push_back(entry.path().string());
      }
    }
    EXPECT_EQ(bytes, 0u) << "left in archive_dir: " << ::testing::PrintToString(files);
  }
}

TEST_P(StorageConformance, ArchiveGetStopsWhenTheSinkRefuses) {
  const std::string projectId = putProject();
  const std::string data = randomBytes(8 * 1024 * 1024, 7);
  ASSERT_EQ(putArchiveBytes(projectId, data).status(), DK_OK);
  const std::string request = json({{"owner", kOwner}, {"project_id", projectId}}).dump();

  // More refused gets than any pool has connections: none may leak one.
  for (int attempt = 0; attempt < 12; ++attempt) {
    const int refuseAt = 1 + attempt % 3;
    int calls = 0;
    int callsAfterRefusal = 0;
    const auto outcome = storage_->getArchive(request, [&](std::string_view) {
      if (calls >= refuseAt) ++callsAfterRefusal;
      return ++calls < refuseAt;
    });
    EXPECT_EQ(callsAfterRefusal, 0) << "the plugin kept writing after a refused write";
    if (calls == refuseAt) {
      EXPECT_EQ(outcome.status, DK_ERR_CANCELLED) << outcome.error;
    } else {  // the whole archive came in fewer chunks than refuseAt: nothing was refused
      EXPECT_EQ(outcome.status, DK_OK) << outcome.error;
      EXPECT_LT(calls, refuseAt);
    }
  }
  EXPECT_TRUE(getArchiveBytes(projectId) == data);
  ok("stat_archive", {{"owner", kOwner}, {"project_id", projectId}});
  ok("put_project", projectJson(projectId, kBaseUs + 1));
}

TEST_P(StorageConformance, LargeArchiveStreamsWithBoundedMemory) {
  constexpr uint64_t kSize = 200ULL * 1024 * 1024 + 12345;
  constexpr int64_t kMaxGrowth = 64LL * 1024 * 1024;
  const std::string projectId = putProject();
  const std::string request = json({{"owner", kOwner}, {"project_id", projectId}}).dump();

  // Warm up first, so buffers and connections the plugin keeps for later are not counted.
  ASSERT_EQ(putArchiveBytes(projectId, randomBytes(4 * 1024 * 1024, 8)).status(), DK_OK);
  getArchiveBytes(projectId);

  const int64_t hwmBefore = procStatusBytes("VmHWM");
  const int64_t putBaseline = procStatusBytes("VmRSS");
  const auto putStart = std::chrono::steady_clock::now();
  ByteGenerator generator(0xC0FFEE, kSize);
  RssSampler putSampler;
  const auto put = storage_->putArchive(
      request, [&](char* buffer, size_t capacity) { return generator.read(buffer, capacity); });
  const int64_t putPeak = putSampler.stop();
  const double putSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - putStart).count();
  ASSERT_EQ(put.status, DK_OK) << put.error;
  ASSERT_EQ(generator.produced(), kSize) << "the plugin stopped reading early";
  const std::string sha = generator.sha256Hex();
  const json info = json::parse(put.output, nullptr, false);
  EXPECT_EQ(info.value("size", json()), kSize) << put.output;
  EXPECT_EQ(info.value("sha256", json()), sha) << put.output;
  const json stat = ok("stat_archive", json::parse(request));
  EXPECT_EQ(stat.value("size", json()), kSize) << stat.dump();
  EXPECT_EQ(stat.value("sha256", json()), sha) << stat.dump();

  const int64_t getBaseline = procStatusBytes("VmRSS");
  const auto getStart = std::chrono::steady_clock::now();
  Poco::SHA2Engine received(Poco::SHA2Engine::SHA_256);
  uint64_t receivedBytes = 0;
  RssSampler getSampler;
  const auto get = storage_->getArchive(request, [&](std::string_view chunk) {
    received.update(chunk.data(), chunk.size());
    receivedBytes += chunk.size();
    return true;
  });
  const int64_t getPeak = getSampler.stop();
  const double getSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - getStart).count();
  const int64_t hwmAfter = procStatusBytes("VmHWM");
  ASSERT_EQ(get.status, DK_OK) << get.error;
  EXPECT_EQ(receivedBytes, kSize);
  EXPECT_EQ(Poco::DigestEngine::digestToHex(received.digest()), sha);

  const auto mib = [](int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; };
  RecordProperty("put_rss_growth", mib(putPeak - putBaseline));
  RecordProperty("get_rss_growth", mib(getPeak - getBaseline));
  RecordProperty("hwm_growth", mib(hwmAfter - hwmBefore));
  RecordProperty("put_seconds", std::to_string(putSeconds));
  RecordProperty("get_seconds", std::to_string(getSeconds));
  EXPECT_LT(putPeak - putBaseline, kMaxGrowth) << "put_archive held " << mib(putPeak - putBaseline);
  EXPECT_LT(getPeak - getBaseline, kMaxGrowth) << "get_archive held " << mib(getPeak - getBaseline);
  EXPECT_LT(hwmAfter - hwmBefore, kMaxGrowth) << "VmHWM grew by " << mib(hwmAfter - hwmBefore);
}

}  // namespace
}  // namespace devkit::storage_test
