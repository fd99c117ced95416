// A connection the server dropped is freed exactly once. Poco 1.11's SessionHandle PQfinish()es a
// PGconn only while PQstatus() says CONNECTION_OK, so without the pool's own clean-up every
// connection found dead after a server restart leaked its PGconn (pool.cpp,
// finishDeadConnection).
//
// The socket count of the process does not show this leak: libpq closes the socket itself when it
// reads the server's EOF, and what stays behind is the PGconn with its buffers. So this file
// interposes libpq's constructors and destructor for the whole lakebase_tests executable (the
// executable's definitions come first in symbol lookup, for Poco's and libpq's own calls too) and
// keeps the set of PGconns alive: after the backend is gone, every PGconn it opened must have been
// PQfinish()ed, and none twice.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <devkit/sdk.hpp>
#include <devkit/testing/fake_host.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "lakebase_test_support.hpp"
#include "pg_backend.hpp"

namespace {

/// Every PGconn created through PQconnectStart / PQconnectStartParams (PQconnectdb, PQping and
/// their Params variants go through them) and not yet passed to PQfinish.
struct PgConnRegistry {
  std::mutex mutex;
  std::unordered_set<const PGconn*> live;
  int64_t finishedDead = 0;     // PQfinish of a PGconn that was not CONNECTION_OK
  int64_t finishedUnknown = 0;  // PQfinish of a PGconn not alive: a double PQfinish

  struct Snapshot {
    size_t live;
    int64_t finishedDead;
    int64_t finishedUnknown;
  };
  Snapshot snapshot() {
    std::lock_guard<std::mutex> lock(mutex);
    return {live.size(), finishedDead, finishedUnknown};
  }
};

PgConnRegistry& registry() {
  static auto* instance = new PgConnRegistry;  // never destroyed: libpq may be called at exit
  return *instance;
}

template <class Function>
Function nextDefinition(const char* name) {
  void* symbol = ::dlsym(RTLD_NEXT, name);
  if (symbol == nullptr) {
    std::abort();  // libpq is linked in; without it nothing here can work
  }
  return reinterpret_cast<Function>(symbol);
}

PGconn* track(PGconn* conn) {
  if (conn != nullptr) {
    std::lock_guard<std::mutex> lock(registry().mutex);
    registry().live.insert(conn);
  }
  return conn;
}

}  // namespace

extern "C" PGconn* PQconnectStart(const char* conninfo) {
  static const auto next = nextDefinition<PGconn* (*)(const char*)>("PQconnectStart");
  return track(next(conninfo));
}

extern "C" PGconn* PQconnectStartParams(const char* const* keywords, const char* const* values,
                                        int expandDbname) {
  static const auto next = nextDefinition<PGconn* (*)(const char* const*, const char* const*, int)>(
      "PQconnectStartParams");
  return track(next(keywords, values, expandDbname));
}

extern "C" void PQfinish(PGconn* conn) {
  static const auto next = nextDefinition<void (*)(PGconn*)>("PQfinish");
  if (conn != nullptr) {
    PgConnRegistry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.live.erase(conn) == 0) {
      ++r.finishedUnknown;
      return;  // freeing it again would corrupt the heap; the test fails on the count instead
    }
    if (PQstatus(conn) != CONNECTION_OK) {
      ++r.finishedDead;
    }
  }
  next(conn);  // after the erase: an address is only reused once it is freed
}

namespace devkit::lakebase_test {
namespace {

using lakebase::PgBackend;

constexpr const char* kOwner = "owner@example.com";
constexpr int kPoolSize = 4;
constexpr int kRestarts = 5;

class LakebaseConnections : public ::testing::Test {
 protected:
  void SetUp() override { schema_ = uniqueName("lb_leak"); }
  void TearDown() override {
    backend_.reset();
    PgAdmin admin;
    admin.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  void makeBackend() {
    const json config = {{"dsn", clusterDsn()}, {"schema", schema_}, {"pool_size", kPoolSize}};
    backend_ = std::make_unique<PgBackend>(devkit::sdk::Host(host_.api()),
                                           lakebase::parseConfig(config.dump(), noEnv()));
  }

  /// kPoolSize threads reading the project at once, so that several pooled connections are used;
  /// returns how many reads failed.
  int readConcurrently(const std::string& projectId) {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kPoolSize; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 3; ++i) {
          try {
            if (!backend_->getProject(kOwner, projectId)) ++failures;
          } catch (const std::exception&) {
            ++failures;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return failures.load();
  }

  devkit::testing::FakeHost host_;
  std::string schema_;
  std::unique_ptr<PgBackend> backend_;
};

TEST_F(LakebaseConnections, ConnectionsOfARestartedServerAreFreedExactlyOnce) {
  const auto before = registry().snapshot();
  const int socketsBefore = openSocketCount();

  makeBackend();
  devkit::storage::ProjectRecord project;
  project.id = uniqueName("p");
  project.owner = kOwner;
  project.name = "project";
  backend_->putProject(project);
  ASSERT_EQ(readConcurrently(project.id), 0);

  for (int restart = 1; restart <= kRestarts; ++restart) {
    SCOPED_TRACE("restart " + std::to_string(restart));
    restartCluster();
    // The first statement on each pooled connection fails; the backend drops it and retries once.
    EXPECT_EQ(readConcurrently(project.id), 0) << "a read failed after the restart";
    backend_->putState("restart", restart);
    // Open: at most the pool, whatever number of restarts came before.
    EXPECT_LE(registry().snapshot().live, before.live + kPoolSize);
    EXPECT_LE(openSocketCount(), socketsBefore + kPoolSize);
  }
  EXPECT_TRUE(host_.logged("retrying once on a new connection"));

  backend_.reset();  // closes the pool
  const auto after = registry().snapshot();
  // The test saw what it is about: at least one connection per restart was found dead.
  EXPECT_GE(after.finishedDead - before.finishedDead, kRestarts);
  EXPECT_EQ(after.live, before.live) << "PGconns never freed (leaked)";
  EXPECT_EQ(after.finishedUnknown, before.finishedUnknown) << "a PGconn was PQfinish()ed twice";
  EXPECT_EQ(openSocketCount(), socketsBefore);
}

}  // namespace
}  // namespace devkit::lakebase_test
