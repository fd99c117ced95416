// Connections to PostgreSQL through Poco::Data::PostgreSQL, and the few statement helpers the
// backend needs.
//
// A small pool of our own instead of Poco::Data::SessionPool, because the latter (1.11):
// - fixes its connection string at construction, while a Lakebase password changes every hour;
// - calls a connection healthy when PQstatus says CONNECTION_OK, which a connection the server
//   dropped still does until a query fails;
// - poco_bugcheck()s in putBack when resetting a session throws.
// Here every connection carries the credential generation it logged in with; connections of an
// older generation are closed when they come back (the "new pool per token" of credentials.hpp),
// and one that failed is closed instead of being reused. Closing a connection the server dropped
// frees its PGconn here, because Poco's SessionHandle would not (pool.cpp, finishDeadConnection).
#pragma once

#include <devkit/sdk.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>
#include <nlohmann/json.hpp>

#include "conninfo.hpp"
#include "credentials.hpp"

namespace devkit::lakebase {

/// A statement parameter as text (PostgreSQL parses it by the type the SQL casts it to);
/// nullopt is SQL NULL.
using Param = std::optional<std::string>;
/// One result row, each column as text (nullopt for NULL).
using Row = std::vector<std::optional<std::string>>;

/// Runs one statement (PQprepare + PQexecPrepared underneath: write `$1`, `$2`, ...) and returns
/// every row; Poco buffers the whole result, so callers keep results small (LIMIT, one chunk).
std::vector<Row> query(Poco::Data::Session& session, const std::string& sql,
                       const std::vector<Param>& params = {});
/// Runs one statement that returns no rows; the number of rows it affected.
size_t execute(Poco::Data::Session& session, const std::string& sql,
               const std::vector<Param>& params = {});
/// Runs SQL over libpq's simple protocol: no parameters, several statements allowed, one round
/// trip (Poco spends four per statement). Throws PgError.
void simpleExec(Poco::Data::Session& session, const char* sql);

/// A failed simpleExec.
class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlState)
      : std::runtime_error(message), sqlState_(std::move(sqlState)) {}
  const std::string& sqlState() const { return sqlState_; }

 private:
  std::string sqlState_;
};

/// Rolls back unless committed. Poco's begin()/commit() issue BEGIN/COMMIT.
class Transaction {
 public:
  explicit Transaction(Poco::Data::Session& session);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Poco::Data::Session& session_;
  bool done_ = false;
};

class Pool;

/// One borrowed connection; goes back to the pool (or is closed) when destroyed. Move-only.
class Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();

  Poco::Data::Session& session();
  /// Close the connection instead of returning it (it failed).
  void discard() { broken_ = true; }

 private:
  friend class Pool;
  struct Entry;
  Lease(Pool* pool, std::unique_ptr<Entry> entry);
  Pool* pool_;
  std::unique_ptr<Entry> entry_;
  bool broken_ = false;
};

class Pool {
 public:
  Pool(Credentials& credentials, devkit::sdk::Host host, std::shared_ptr<Redactor> redactor,
       int maxSize);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  /// Every lease must have come back.
  ~Pool();

  /// An idle connection of the current credential generation, else a new one while fewer than
  /// maxSize are open, else waits up to `wait`. Throws devkit::sdk::Error (DK_ERR_UNAVAILABLE)
  /// when the server cannot be reached or logged into, or every connection stays busy.
  Lease acquire(std::chrono::milliseconds wait);
  /// As acquire, but never waits for a busy pool (nullopt then).
  std::optional<Lease> tryAcquire();
  /// Closes every idle connection: after one was found dropped, the others likely are too.
  void dropIdle();
  /// {"open", "idle", "max"}.
  nlohmann::json stats() const;

 private:
  friend class Lease;
  std::optional<Lease> acquireImpl(std::chrono::milliseconds wait, bool mayWait);
  std::unique_ptr<Lease::Entry> connect(const ConnectTarget& target);
  void release(std::unique_ptr<Lease::Entry> entry, bool broken);

  Credentials& credentials_;
  devkit::sdk::Host host_;
  std::shared_ptr<Redactor> redactor_;
  const int maxSize_;

  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Lease::Entry>> idle_;  // most recently used last
  int open_ = 0;                                     // idle + leased + being opened
  uint64_t generation_ = 0;                          // newest credential generation seen
  // After a login failure (not a refused TCP connect, which costs nothing) new logins fail fast
  // for a moment with the same error, so a storm of requests does not become a storm of logins.
  std::chrono::steady_clock::time_point loginBlockedUntil_{};
  std::string lastLoginError_;
};

}  // namespace devkit::lakebase
