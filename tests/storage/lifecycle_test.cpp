// The plugin's lifecycle on one database: a restarted host (a new instance) finds its data and
// re-runs no migration; and for PostgreSQL alone, the server going away and coming back, and
// several hosts starting and writing at once.
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <fstream>
#include <latch>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "plugins/proxies.hpp"
#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

using Clock = std::chrono::steady_clock;

TEST_P(StorageConformance, ReopeningTheDatabaseKeepsDataAndSchemaVersion) {
  const auto [projectId, conversationId, runId] = putTree();
  ok("put_state", {{"key", "backup.dirty"}, {"value", json::array({projectId})}});
  const json health = storage_->health();
  ASSERT_TRUE(health.value("schema_version", json()).is_number_integer()) << health.dump();
  const int64_t version = health["schema_version"];
  EXPECT_GE(version, 1);

  const auto snapshot = [&] {
    return json{
        {"project", ok("get_project", {{"owner", kOwner}, {"id", projectId}})},
        {"conversation", ok("get_conversation", {{"owner", kOwner}, {"id", conversationId}})},
        {"messages", ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}})},
        {"run", ok("get_run", {{"owner", kOwner}, {"id", runId}})},
        {"events", ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}})},
        {"state", ok("get_state", {{"key", "backup.dirty"}})},
        {"archive", ok("stat_archive", {{"owner", kOwner}, {"project_id", projectId}})},
        {"archive_bytes", getArchiveBytes(projectId)},
    };
  };
  json before = snapshot();

  for (int restart = 1; restart <= 2; ++restart) {
    SCOPED_TRACE("restart " + std::to_string(restart));
    storage_.reset();  // the old host is gone before the new one starts
    storage_ = newInstance();
    const json again = storage_->health();
    EXPECT_EQ(again.value("status", ""), "ok") << again.dump();
    EXPECT_EQ(again.value("schema_version", json()), version) << again.dump();
    EXPECT_EQ(snapshot(), before);
    ok("append_messages", {{"owner", kOwner},
                           {"conversation_id", conversationId},
                           {"messages", json::array({messageJson(restart, "after")})}});
    before = snapshot();  // what the next restart must find
  }
  EXPECT_EQ(
      ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}})["items"].size(),
      3u);
}

TEST_P(StorageConformance, SeparateDatabasesAreIndependent) {
  const std::string projectId = putProject();
  auto other = newInstance(freshConfig());
  EXPECT_EQ(okOn(*other, "list_projects", {{"owner", kOwner}})["items"].size(), 0u);
  const Reply reply =
      callOn(*other, "get_project", json({{"owner", kOwner}, {"id", projectId}}).dump());
  EXPECT_EQ(reply.status(), DK_ERR_NOT_FOUND) << reply.describe();
}

// Runs scripts/pg-test-cluster.sh `command` on the suite's cluster; returns its output, fails the
// test when it exits non-zero.
std::string cluster(const std::string& command) {
  const std::string line = std::string("bash '") + DEVKIT_PG_TEST_CLUSTER_SCRIPT + "' " + command +
                           " '" + StorageConformance::pgClusterDir() + "' 2>&1";
  std::string output;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << line;
    return output;
  }
  std::array<char, 4096> buffer{};
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << line << " failed (" << status << "):\n"
      << output;
  return output;
}

std::string readDsn() {
  std::ifstream in(StorageConformance::pgClusterDir() + "/dsn");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Calls `op` until it succeeds, allowing one DK_ERR_UNAVAILABLE in all (`allowance`): a plugin may
// notice a dead connection once, but must then reconnect rather than fail again.
json okAfterReconnect(core::Storage& storage, const std::string& op, const json& request,
                      int& allowance) {
  Reply reply = StorageConformance::callOn(storage, op, request.dump());
  if (reply.status() == DK_ERR_UNAVAILABLE && allowance > 0) {
    --allowance;
    reply = StorageConformance::callOn(storage, op, request.dump());
  }
  if (reply.status() != DK_OK) throw std::runtime_error("after the restart: " + reply.describe());
  return reply.body;
}

// Polls health until `reachable` is as wanted or `seconds` pass; returns the last answer.
json awaitReachable(core::Storage& storage, bool reachable, int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  json health = storage.health();
  while (health.value("reachable", !reachable) != reachable && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    health = storage.health();
  }
  return health;
}

TEST_P(PostgresConformance, RecoversAfterTheServerRestarts) {
  const std::string projectId = putProject();
  const std::string conversationId = putConversation(projectId);
  ok("append_messages", {{"owner", kOwner},
                         {"conversation_id", conversationId},
                         {"messages", json::array({messageJson(0, "before")})}});
  // Use every pooled connection, so each of them is dead after the restart.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) call("list_projects", {{"owner", kOwner}});
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string dsn = readDsn();

  cluster("restart");
  ASSERT_EQ(readDsn(), dsn) << "the restarted cluster moved";

  int allowance = 1;
  for (int i = 0; i < 20; ++i) {  // more operations than the pool has connections
    SCOPED_TRACE("operation round " + std::to_string(i));
    EXPECT_EQ(okAfterReconnect(*storage_, "get_project", {{"owner", kOwner}, {"id", projectId}},
                               allowance)["id"],
              projectId);
    okAfterReconnect(*storage_, "append_messages",
                     {{"owner", kOwner},
                      {"conversation_id", conversationId},
                      {"messages", json::array({messageJson(i + 1, "after")})}},
                     allowance);
  }
  EXPECT_EQ(walkSeq("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}}, 100)
                .size(),
            21u);
  RecordProperty("unavailable_after_restart", 1 - allowance);
  const json health = awaitReachable(*storage_, true, 15);
  EXPECT_EQ(health.value("reachable", false), true) << health.dump();
  EXPECT_EQ(health.value("status", ""), "ok") << health.dump();
}

// A project with a 3 MiB archive; returns its SHA-256.
std::string putThreeMiB(core::Storage& storage, const json& request) {
  ByteGenerator bytes(21, 3 * 1024 * 1024);
  const auto put = storage.putArchive(
      request.dump(), [&](char* buffer, size_t capacity) { return bytes.read(buffer, capacity); });
  EXPECT_EQ(put.status, DK_OK) << put.error;
  return bytes.sha256Hex();
}

// After a restart (one UNAVAILABLE allowed) a put and a get work again.
void expectArchivesWorkAgain(core::Storage& storage, const json& request) {
  int allowance = 1;
  okAfterReconnect(storage, "stat_archive", request, allowance);
  ByteGenerator next(23, 1024 * 1024);
  const auto again = storage.putArchive(
      request.dump(), [&](char* buffer, size_t capacity) { return next.read(buffer, capacity); });
  EXPECT_EQ(again.status, DK_OK) << again.error;
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  const auto get = storage.getArchive(request.dump(), [&](std::string_view chunk) {
    sha.update(chunk.data(), chunk.size());
    return true;
  });
  EXPECT_EQ(get.status, DK_OK) << get.error;
  EXPECT_EQ(Poco::DigestEngine::digestToHex(sha.digest()), next.sha256Hex());
}

TEST_P(PostgresConformance, RestartDuringAnArchivePutFailsCleanly) {
  const std::string projectId = putProject();
  const json request = {{"owner", kOwner}, {"project_id", projectId}};
  const std::string previousSha = putThreeMiB(*storage_, request);

  // The server restarts while an upload is halfway: the put fails (its connection died and the
  // source cannot be replayed), promptly and as UNAVAILABLE; the previous archive is intact.
  ByteGenerator upload(22, 8 * 1024 * 1024);
  bool restarted = false;
  const auto put = storage_->putArchive(request.dump(), [&](char* buffer, size_t capacity) {
    if (!restarted && upload.produced() >= 2 * 1024 * 1024) {
      restarted = true;
      cluster("restart");
    }
    return upload.read(buffer, capacity);
  });
  ASSERT_TRUE(restarted) << "the put ended before the restart: " << put.error;
  EXPECT_EQ(put.status, DK_ERR_UNAVAILABLE) << put.error;

  int allowance = 1;
  const json stat = okAfterReconnect(*storage_, "stat_archive", request, allowance);
  EXPECT_EQ(stat.value("sha256", json()), previousSha) << stat.dump();
  expectArchivesWorkAgain(*storage_, request);
}

TEST_P(PostgresConformance, RestartDuringAnArchiveGetFailsCleanly) {
  const std::string projectId = putProject();
  const json request = {{"owner", kOwner}, {"project_id", projectId}};
  const std::string previousSha = putThreeMiB(*storage_, request);

  // The server restarts while a download is halfway: the get fails as UNAVAILABLE (or, had it
  // already read everything, succeeds); either way no wrong bytes and no internal error.
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  uint64_t received = 0;
  bool restarted = false;
  const auto get = storage_->getArchive(request.dump(), [&](std::string_view chunk) {
    sha.update(chunk.data(), chunk.size());
    received += chunk.size();
    if (!restarted) {
      restarted = true;
      cluster("restart");
    }
    return true;
  });
  ASSERT_TRUE(restarted) << get.error;
  EXPECT_TRUE(get.status == DK_ERR_UNAVAILABLE || get.status == DK_OK)
      << plugins::statusName(get.status) << ": " << get.error;
  if (get.status == DK_OK) {
    EXPECT_EQ(received, 3u * 1024 * 1024);
    EXPECT_EQ(Poco::DigestEngine::digestToHex(sha.digest()), previousSha);
  }
  expectArchivesWorkAgain(*storage_, request);
}

TEST_P(PostgresConformance, UnavailableWhileTheServerIsDownThenRecovers) {
  const std::string projectId = putProject();
  const std::string dsn = readDsn();
  // Whatever happens below, the cluster is running again for the tests after this one.
  struct Restart {
    ~Restart() {
      if (stopped) cluster("restart");
    }
    bool stopped = false;
  } guard;

  cluster("stop");
  guard.stopped = true;
  for (const auto& [op, request] : std::vector<std::pair<std::string, json>>{
           {"get_project", {{"owner", kOwner}, {"id", projectId}}},
           {"list_projects", {{"owner", kOwner}}},
           {"put_project", projectJson(newId())},
           {"get_state", {{"key", "k"}}},
           {"put_state", {{"key", "k"}, {"value", 1}}},
       }) {
    const auto start = Clock::now();
    const Reply reply = call(op, request);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(reply.status(), DK_ERR_UNAVAILABLE) << reply.describe();
    EXPECT_LT(seconds, 30.0) << op << " blocked while the database was down";
  }
  const Reply put = putArchiveBytes(projectId, "while down");
  EXPECT_EQ(put.status(), DK_ERR_UNAVAILABLE) << put.describe();
  const json down = awaitReachable(*storage_, false, 15);
  EXPECT_EQ(down.value("reachable", true), false) << down.dump();
  EXPECT_EQ(down.value("status", ""), "down") << down.dump();

  cluster("restart");  // "start" would make a new cluster; restart brings this one back
  guard.stopped = false;
  ASSERT_EQ(readDsn(), dsn) << "the cluster came back on another address";
  int allowance = 1;
  EXPECT_EQ(okAfterReconnect(*storage_, "get_project", {{"owner", kOwner}, {"id", projectId}},
                             allowance)["id"],
            projectId);
  for (int i = 0; i < 10; ++i) {
    okAfterReconnect(*storage_, "put_project", projectJson(newId()), allowance);
  }
  const json up = awaitReachable(*storage_, true, 15);
  EXPECT_EQ(up.value("reachable", false), true) << up.dump();
  EXPECT_EQ(up.value("status", ""), "ok") << up.dump();
}

TEST_P(PostgresConformance, SeveralHostsStartAtOnceOnAFreshSchema) {
  // Hosts behind a load balancer start together: migrations are serialised, none fails.
  const json config = freshConfig();
  constexpr int kHosts = 4;
  std::vector<std::shared_ptr<core::Storage>> hosts(kHosts);
  std::vector<std::string> errors(kHosts);
  std::latch start(kHosts);
  std::vector<std::thread> threads;
  for (int h = 0; h < kHosts; ++h) {
    threads.emplace_back([&, h] {
      start.arrive_and_wait();
      try {
        hosts[h] = newInstance(config);
      } catch (const std::exception& e) {
        errors[h] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int h = 0; h < kHosts; ++h) ASSERT_TRUE(hosts[h] != nullptr) << errors[h];
  const json version = hosts[0]->health().value("schema_version", json());
  for (int h = 1; h < kHosts; ++h) {
    EXPECT_EQ(hosts[h]->health().value("schema_version", json()), version);
  }
  // One database: what one host writes, the others read.
  const std::string id = newId();
  okOn(*hosts[0], "put_project", projectJson(id));
  for (int h = 1; h < kHosts; ++h) okOn(*hosts[h], "get_project", {{"owner", kOwner}, {"id", id}});
}

TEST_P(PostgresConformance, SeveralHostsWriteOneConversationAtOnce) {
  const std::string conversationId = putConversation(putProject());
  auto second = newInstance();
  constexpr int kPerHost = 4, kAppends = 100;
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kPerHost; ++t) {
    threads.emplace_back([&, t] {
      core::Storage& host = t < kPerHost ? *storage_ : *second;
      for (int i = 0; i < kAppends; ++i) {
        const json request = {{"owner", kOwner},
                              {"conversation_id", conversationId},
                              {"messages", json::array({messageJson(t * 1000 + i, "m")})}};
        const Reply reply = callOn(host, "append_messages", request.dump());
        if (reply.status() != DK_OK) {
          std::lock_guard lock(mutex);
          failures.push_back(reply.describe());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(failures.empty()) << failures.size()
                                << " failed, first: " << (failures.empty() ? "" : failures.front());
  EXPECT_EQ(walkSeq("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}}, 1000)
                .size(),
            static_cast<size_t>(2 * kPerHost * kAppends));
}

}  // namespace
}  // namespace devkit::storage_test
