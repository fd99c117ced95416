// SQLite connections for storage-local: a Poco::Data::SessionPool whose every new session gets the
// per-connection PRAGMAs, behind a counting semaphore so that a busy pool makes callers wait
// instead of failing, plus the transaction guard every read and write goes through.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>

#include <chrono>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>

namespace devkit::storage::local {

/// Registers Poco's SQLite connector for the lifetime of the object. The registration is
/// reference-counted inside Poco, so each backend instance holds one and drops it when destroyed
/// (the plugin can be unloaded and loaded again, as the ABI tests do).
class SqliteConnectorRegistration {
 public:
  SqliteConnectorRegistration();
  ~SqliteConnectorRegistration();
  SqliteConnectorRegistration(const SqliteConnectorRegistration&) = delete;
  SqliteConnectorRegistration& operator=(const SqliteConnectorRegistration&) = delete;
};

class ConnectionPool;

/// One borrowed connection; returns it to the pool (and frees its slot) when destroyed.
/// THREADING: use from one thread at a time.
class Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();

  Poco::Data::Session& session() { return *session_; }

 private:
  friend class ConnectionPool;
  Lease(ConnectionPool* pool, Poco::Data::Session session);

  ConnectionPool* pool_;
  std::optional<Poco::Data::Session> session_;
};

/// THREADING: acquire() is thread-safe.
class ConnectionPool {
 public:
  static constexpr int kMaxConnections = 32;

  /// Opens nothing yet: connections are made on demand, each configured with WAL, foreign keys
  /// and the busy timeout.
  ConnectionPool(const std::string& databasePath, int busyTimeoutMs);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// Borrows a connection, waiting up to `wait` for one to be free; DK_ERR_UNAVAILABLE after that.
  Lease acquire(std::chrono::milliseconds wait);

 private:
  friend class Lease;
  void release() noexcept;

  std::unique_ptr<Poco::Data::SessionPool> pool_;
  std::counting_semaphore<kMaxConnections> slots_{kMaxConnections};
};

/// A transaction on a leased session. Writes use BEGIN IMMEDIATE: the write lock is taken up
/// front, where the busy timeout applies, instead of when a read lock is upgraded mid-transaction
/// (which fails at once with SQLITE_BUSY under concurrent writers). Reads use a deferred BEGIN so
/// that their several statements see one snapshot. Rolls back unless commit() was called.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };
  Transaction(Poco::Data::Session& session, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Poco::Data::Session& session_;
  bool open_ = true;
};

}  // namespace devkit::storage::local
