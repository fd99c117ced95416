#include "connection_pool.hpp"

#include <devkit/sdk.hpp>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <string>
#include <utility>

namespace devkit::storage::local {
namespace {

using namespace Poco::Data::Keywords;  // NOLINT(build/namespaces): Poco's into/use/now DSL

// Idle connections beyond the first are closed after this many seconds.
constexpr int kIdleSeconds = 60;

/// A SessionPool that configures each connection it opens. These settings live in the
/// connection, not in the database file (except journal_mode, which sticks once set).
class ConfiguredSessionPool final : public Poco::Data::SessionPool {
 public:
  ConfiguredSessionPool(const std::string& path, int busyTimeoutMs)
      : SessionPool(Poco::Data::SQLite::Connector::KEY, path, 1, ConnectionPool::kMaxConnections,
                    kIdleSeconds),
        busyTimeoutMs_(busyTimeoutMs) {}

 protected:
  void customizeSession(Poco::Data::Session& session) override {
    // The busy timeout first: the statements below may already have to wait for a lock.
    session << "PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs_), now;
    std::string mode;
    session << "PRAGMA journal_mode = WAL", into(mode), now;
    if (mode != "wal") {
      throw devkit::sdk::Error(DK_ERR_UNAVAILABLE,
                               "SQLite refused write-ahead logging (journal_mode is " + mode + ")");
    }
    // WAL with synchronous=NORMAL stays consistent after a crash and fsyncs at checkpoints only;
    // FULL would fsync every commit, which streamed messages make frequent.
    session << "PRAGMA synchronous = NORMAL", now;
    session << "PRAGMA foreign_keys = ON", now;
  }

 private:
  int busyTimeoutMs_;
};

}  // namespace

SqliteConnectorRegistration::SqliteConnectorRegistration() {
  Poco::Data::SQLite::Connector::registerConnector();
}

SqliteConnectorRegistration::~SqliteConnectorRegistration() {
  Poco::Data::SQLite::Connector::unregisterConnector();
}

Lease::Lease(ConnectionPool* pool, Poco::Data::Session session)
    : pool_(pool), session_(std::move(session)) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), session_(std::move(other.session_)) {
  other.session_.reset();
}

Lease::~Lease() {
  if (pool_ == nullptr) {
    return;
  }
  try {
    // Never hand a connection with an open transaction to the next borrower (a failed ROLLBACK
    // would leave one): roll back, and if even that fails, close it so the pool drops it.
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(*session_);
    if (db != nullptr && sqlite3_get_autocommit(db) == 0) {
      try {
        *session_ << "ROLLBACK", now;
      } catch (...) {
        session_->close();
      }
    }
  } catch (...) {
    // The session is unusable; the pool purges closed sessions.
  }
  session_.reset();  // back to the Poco pool before the slot is freed
  pool_->release();
}

ConnectionPool::ConnectionPool(const std::string& databasePath, int busyTimeoutMs)
    : pool_(std::make_unique<ConfiguredSessionPool>(databasePath, busyTimeoutMs)) {}

ConnectionPool::~ConnectionPool() = default;

Lease ConnectionPool::acquire(std::chrono::milliseconds wait) {
  if (!slots_.try_acquire_for(wait)) {
    throw devkit::sdk::Error(DK_ERR_UNAVAILABLE, "all " + std::to_string(kMaxConnections) +
                                                     " database connections stayed busy for " +
                                                     std::to_string(wait.count()) + " ms");
  }
  try {
    return Lease(this, pool_->get());
  } catch (...) {
    slots_.release();
    throw;
  }
}

void ConnectionPool::release() noexcept { slots_.release(); }

Transaction::Transaction(Poco::Data::Session& session, Mode mode) : session_(session) {
  session_ << (mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"), now;
}

Transaction::~Transaction() {
  if (open_) {
    try {
      session_ << "ROLLBACK", now;
    } catch (...) {
      // Lease's destructor closes a connection that is still inside a transaction.
    }
  }
}

void Transaction::commit() {
  session_ << "COMMIT", now;
  open_ = false;
}

}  // namespace devkit::storage::local
