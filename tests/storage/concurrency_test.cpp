// Concurrent use, as the host's HTTP and run threads do: many writers on shared and separate
// objects (every write lands, no "database is locked"), and readers paging while writers insert.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

constexpr int kThreads = 8;
constexpr int kOpsPerThread = 200;

// Failures seen on worker threads, reported on the test thread.
class Failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (list_.size() < 20) list_.push_back(what);
    ++count_;
  }
  int count() const { return count_; }
  std::string text() const {
    std::string out;
    for (const auto& f : list_) out += "\n  " + f;
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> list_;
  std::atomic<int> count_{0};
};

TEST_P(StorageConformance, ConcurrentWritersAllLand) {
  const std::string sharedProject = putProject();
  const std::string shared = putConversation(sharedProject);
  const std::string sharedRun = putRun(shared);
  std::vector<std::string> projects, conversations;
  for (int t = 0; t < kThreads; ++t) {
    projects.push_back(putProject());
    conversations.push_back(putConversation(projects.back()));
  }

  Failures failures;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();  // all at once, for the most contention
      for (int i = 0; i < kOpsPerThread; ++i) {
        std::string op;
        json request;
        switch (i % 4) {
          case 0:  // the shared conversation: distinct seqs per thread
            op = "append_messages";
            request = {{"owner", kOwner},
                       {"conversation_id", shared},
                       {"messages", json::array({messageJson(t * 1000 + i, "shared")})}};
            break;
          case 1:  // the thread's own conversation
            op = "append_messages";
            request = {{"owner", kOwner},
                       {"conversation_id", conversations[t]},
                       {"messages", json::array({messageJson(i, "own")})}};
            break;
          case 2:  // the shared run's events
            op = "append_run_events";
            request = {{"owner", kOwner},
                       {"run_id", sharedRun},
                       {"events", json::array({eventJson(t * 1000 + i, t)})}};
            break;
          default:  // replace the thread's own project, and touch the shared conversation
            if (i % 8 == 3) {
              op = "put_project";
              request = projectJson(projects[t], kBaseUs + i);
              request["name"] = "t" + std::to_string(t) + "-" + std::to_string(i);
            } else {
              op = "put_conversation";
              request = conversationJson(shared, sharedProject, kBaseUs + t * 1000 + i);
            }
            break;
        }
        const Reply reply = callOn(*storage_, op, request.dump());
        if (reply.status() != DK_OK) failures.add(reply.describe());
      }
    });
  }
  // /healthz polls health all the while: it must stay cheap, thread-safe and "ok".
  std::atomic<bool> writing{true};
  std::thread health([&] {
    while (writing.load()) {
      const json h = storage_->health();
      if (h.value("status", "") != "ok" || h.value("reachable", false) != true) {
        failures.add("health during writes: " + h.dump());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (auto& thread : threads) thread.join();
  writing.store(false);
  health.join();
  EXPECT_EQ(failures.count(), 0) << failures.text();

  std::vector<int64_t> expectedShared, expectedEvents;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kOpsPerThread; ++i) {
      if (i % 4 == 0) expectedShared.push_back(t * 1000 + i);
      if (i % 4 == 2) expectedEvents.push_back(t * 1000 + i);
    }
  }
  const auto seqs = [](const std::vector<json>& items) {
    std::vector<int64_t> out;
    for (const auto& item : items) out.push_back(item["seq"]);
    return out;
  };
  EXPECT_EQ(seqs(walkSeq("list_messages", {{"owner", kOwner}, {"conversation_id", shared}}, 1000)),
            expectedShared);
  EXPECT_EQ(seqs(walkSeq("list_run_events", {{"owner", kOwner}, {"run_id", sharedRun}}, 10000)),
            expectedEvents);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(
        walkSeq("list_messages", {{"owner", kOwner}, {"conversation_id", conversations[t]}}, 1000)
            .size(),
        static_cast<size_t>(kOpsPerThread / 4));
    const json project = ok("get_project", {{"owner", kOwner}, {"id", projects[t]}});
    EXPECT_EQ(project["name"], "t" + std::to_string(t) + "-" + std::to_string(kOpsPerThread - 5));
  }
  EXPECT_EQ(
      ok("get_conversation", {{"owner", kOwner}, {"id", shared}})["updated_us"].get<int64_t>() %
          1000,
      kOpsPerThread - 1)
      << "the last replace of the shared conversation is one of the threads' last";
}

TEST_P(StorageConformance, ReadersPageConsistentlyWhileWritersInsert) {
  std::set<std::string> originals;
  for (int i = 0; i < 20; ++i) {
    const std::string id = newId();
    ok("put_project", projectJson(id, kBaseUs + i * 10));
    originals.insert(id);
  }
  constexpr int kWriters = 6, kReaders = 2, kPerWriter = 40;
  std::vector<std::vector<std::string>> ids(kWriters);
  for (auto& list : ids) {
    for (int i = 0; i < kPerWriter; ++i) list.push_back(newId());
  }

  Failures failures;
  std::atomic<int> writersDone{0};
  std::atomic<int> walks{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        // Spread over the whole order: ahead of, among and behind the originals.
        const int64_t time = kBaseUs - 5000 + ((w * kPerWriter + i) * 37) % 10000;
        const Reply reply = callOn(*storage_, "put_project", projectJson(ids[w][i], time).dump());
        if (reply.status() != DK_OK) failures.add(reply.describe());
      }
      ++writersDone;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      do {
        try {
          const std::vector<json> items = walkPages("list_projects", {{"owner", kOwner}}, 7);
          std::set<std::string> seen;
          json previous;
          for (const json& item : items) {
            const std::string id = item["id"];
            if (!seen.insert(id).second) failures.add("a walk returned " + id + " twice");
            if (!previous.is_null()) {
              const auto before = std::make_pair(previous["updated_us"].get<int64_t>(),
                                                 previous["id"].get<std::string>());
              const auto here = std::make_pair(item["updated_us"].get<int64_t>(), id);
              if (!(here < before)) failures.add("out of order: " + id);
            }
            previous = item;
          }
          for (const std::string& id : originals) {
            if (!seen.count(id)) failures.add("a walk skipped " + id);
          }
          ++walks;
        } catch (const std::exception& e) {
          failures.add(e.what());
        }
      } while (writersDone.load() < kWriters);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.text();
  EXPECT_GT(walks.load(), 0);
  EXPECT_EQ(walkPages("list_projects", {{"owner", kOwner}}, 1000).size(),
            originals.size() + kWriters * kPerWriter);
}

TEST_P(StorageConformance, ConcurrentArchivePutsAndGetsSeeWholeArchives) {
  constexpr int kProjects = 4, kVersions = 4, kGets = 10;
  std::vector<std::string> projects;
  // versions[p][v]: the bytes of version v of project p's archive; readers may see any of them,
  // but always one whole version.
  std::vector<std::vector<std::string>> versions(kProjects);
  std::vector<std::set<std::string>> shas(kProjects);
  for (int p = 0; p < kProjects; ++p) {
    projects.push_back(putProject());
    for (int v = 0; v < kVersions; ++v) {
      std::string bytes(512 * 1024 + p * 1000 + v, '\0');
      std::mt19937 random(p * 100 + v);
      for (char& c : bytes) c = static_cast<char>(random());
      shas[p].insert(sha256Hex(bytes));
      versions[p].push_back(std::move(bytes));
    }
    ASSERT_EQ(putArchiveBytes(projects[p], versions[p][0]).status(), DK_OK);
  }

  Failures failures;
  std::vector<std::thread> threads;
  for (int p = 0; p < kProjects; ++p) {
    threads.emplace_back([&, p] {  // the one writer of project p (the host never runs two)
      for (int v = 1; v < kVersions; ++v) {
        const Reply reply = putArchiveBytes(projects[p], versions[p][v], 32 * 1024);
        if (reply.status() != DK_OK) failures.add(reply.describe());
      }
    });
    threads.emplace_back([&, p] {
      for (int g = 0; g < kGets; ++g) {
        Reply reply;
        const std::string bytes = getArchiveBytes(projects[p], &reply);
        if (reply.status() != DK_OK) {
          failures.add(reply.describe());
        } else if (!shas[p].count(sha256Hex(bytes))) {
          failures.add("get_archive returned " + std::to_string(bytes.size()) +
                       " bytes that are no version of the archive");
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.text();
  for (int p = 0; p < kProjects; ++p) {
    EXPECT_TRUE(getArchiveBytes(projects[p]) == versions[p].back()) << "project " << p;
  }
}

TEST_P(StorageConformance, ConcurrentPutsOfOneIdHaveOneOwner) {
  // Several owners race to create the same new ids: one owner gets each id, the rest CONFLICT.
  constexpr int kOwners = 4, kRounds = 20;
  const std::vector<std::string> owners = {"o0@example.com", "o1@example.com", "o2@example.com",
                                           "o3@example.com"};
  std::vector<std::string> ids;
  for (int r = 0; r < kRounds; ++r) ids.push_back(newId());
  Failures failures;
  std::vector<std::vector<dk_status>> statuses(kOwners, std::vector<dk_status>(kRounds));
  std::latch start(kOwners);
  std::vector<std::thread> threads;
  for (int o = 0; o < kOwners; ++o) {
    threads.emplace_back([&, o] {
      start.arrive_and_wait();
      for (int r = 0; r < kRounds; ++r) {
        const Reply reply =
            callOn(*storage_, "put_project", projectJson(ids[r], kBaseUs, owners[o]).dump());
        statuses[o][r] = reply.status();
        if (reply.status() != DK_OK && reply.status() != DK_ERR_CONFLICT) {
          failures.add(reply.describe());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.text();
  for (int r = 0; r < kRounds; ++r) {
    int winners = 0;
    std::string winner;
    for (int o = 0; o < kOwners; ++o) {
      if (statuses[o][r] == DK_OK) {
        ++winners;
        winner = owners[o];
      }
    }
    EXPECT_EQ(winners, 1) << "id " << ids[r];
    if (winners == 1) {
      EXPECT_EQ(ok("get_project", {{"owner", winner}, {"id", ids[r]}})["owner"], winner);
    }
  }
}

TEST_P(StorageConformance, DeletesRaceWithWritesWithoutErrors) {
  // Writers keep adding under projects that deleters remove: every call either lands or finds
  // its parent gone (NOT_FOUND); no deadlock, lock timeout or internal error reaches the host.
  constexpr int kProjects = 12;
  struct Tree {
    std::string project, conversation, run;
  };
  std::vector<Tree> trees;
  for (int p = 0; p < kProjects; ++p) {
    Tree t;
    t.project = putProject();
    t.conversation = putConversation(t.project);
    t.run = putRun(t.conversation);
    trees.push_back(t);
  }
  Failures failures;
  std::atomic<bool> deleting{true};
  const auto expectLandsOrGone = [&](const Reply& reply) {
    if (reply.status() != DK_OK && reply.status() != DK_ERR_NOT_FOUND) {
      failures.add(reply.describe());
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; deleting.load() || i < 50; ++i) {
        const Tree& t = trees[(w + i) % kProjects];
        const int64_t seq = w * 100000 + i;
        expectLandsOrGone(callOn(*storage_, "append_messages",
                                 json({{"owner", kOwner},
                                       {"conversation_id", t.conversation},
                                       {"messages", json::array({messageJson(seq, "m")})}})
                                     .dump()));
        expectLandsOrGone(callOn(*storage_, "append_run_events",
                                 json({{"owner", kOwner},
                                       {"run_id", t.run},
                                       {"events", json::array({eventJson(seq, 1)})}})
                                     .dump()));
        json run = runJson(t.run, t.conversation);
        run["status"] = "completed";
        expectLandsOrGone(callOn(*storage_, "put_run", run.dump()));
        if ((w + i) % kProjects % 2) {  // (a replace would re-create a deleted conversation)
          expectLandsOrGone(
              callOn(*storage_, "put_conversation",
                     conversationJson(t.conversation, t.project, kBaseUs + i).dump()));
        }
        if (i > 5000) break;  // bounded even if the deleters stall
      }
    });
  }
  threads.emplace_back([&] {
    for (int p = 0; p < kProjects; ++p) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      const json request = {{"owner", kOwner},
                            {"id", p % 2 ? trees[p].project : trees[p].conversation}};
      const Reply reply =
          callOn(*storage_, p % 2 ? "delete_project" : "delete_conversation", request.dump());
      if (reply.status() != DK_OK) failures.add(reply.describe());
    }
    deleting.store(false);
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.text();
  // What was deleted stays deleted: no write that raced a delete left an orphan behind.
  for (int p = 0; p < kProjects; ++p) {
    if (p % 2) {
      expectStatus("get_project", {{"owner", kOwner}, {"id", trees[p].project}}, DK_ERR_NOT_FOUND);
    }
    expectStatus("get_conversation", {{"owner", kOwner}, {"id", trees[p].conversation}},
                 DK_ERR_NOT_FOUND);
    expectStatus("get_run", {{"owner", kOwner}, {"id", trees[p].run}}, DK_ERR_NOT_FOUND);
    expectStatus("list_run_events", {{"owner", kOwner}, {"run_id", trees[p].run}},
                 DK_ERR_NOT_FOUND);
  }
}

}  // namespace
}  // namespace devkit::storage_test
