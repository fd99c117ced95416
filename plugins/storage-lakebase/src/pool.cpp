#include "pool.hpp"

#include <libpq-fe.h>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <utility>

namespace devkit::lakebase {

using devkit::sdk::Error;

namespace {

// An idle connection older than this is closed rather than reused: the server (or a proxy in
// between) may have dropped it, and there is no point holding it.
constexpr auto kMaxIdle = std::chrono::minutes(5);
constexpr auto kLoginBackoff = std::chrono::seconds(1);

Poco::Data::PostgreSQL::SessionHandle& handleOf(Poco::Data::Session& session) {
  return *Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session.getProperty("handle"));
}

// SessionHandle::_pConnection, Poco's PGconn pointer, which it offers no way to clear. The names
// in an explicit instantiation are not access-checked ([temp.spec.general]), so instantiating
// this template with the private member's address hands it to connectionMember(). A Poco whose
// handle has no such member of this type fails to compile here, rather than misbehave.
using ConnectionMember = PGconn* Poco::Data::PostgreSQL::SessionHandle::*;
ConnectionMember connectionMember();
template <ConnectionMember Member>
struct ConnectionMemberAccess {
  friend ConnectionMember connectionMember() { return Member; }
};
template struct ConnectionMemberAccess<&Poco::Data::PostgreSQL::SessionHandle::_pConnection>;

/// Poco 1.11's SessionHandle::disconnect(), which its destructor calls, PQfinish()es the PGconn
/// only when PQstatus() is CONNECTION_OK. A connection the server dropped is CONNECTION_BAD (libpq
/// closed its socket when it saw the EOF, but the PGconn and its buffers stay allocated), so Poco
/// would forget it without freeing it. Free such a PGconn here and clear Poco's pointer under the
/// handle's own mutex: disconnect() then finds no connection and does nothing, and every other
/// path of the handle (rollback, the statements' DEALLOCATE) checks isConnected() first. A healthy
/// connection is left to Poco, which closes it politely. Either way PQfinish runs exactly once.
/// (Poco's own reset(), PQreset, would make the connection OK again only by logging in anew, and
/// not at all while the server is down.)
void finishDeadConnection(Poco::Data::Session& session) noexcept {
  try {
    Poco::Data::PostgreSQL::SessionHandle& handle = handleOf(session);
    Poco::FastMutex::ScopedLock lock(handle.mutex());
    PGconn*& conn = handle.*connectionMember();
    if (conn != nullptr && PQstatus(conn) != CONNECTION_OK) {
      PQfinish(conn);
      conn = nullptr;
    }
  } catch (...) {
    // No handle property: nothing of ours to free.
  }
}

bool looksLikeAuthFailure(const std::string& message) {
  for (const char* needle : {"password authentication failed", "authentication failed",
                             "no password supplied", "invalid authorization", "token"}) {
    if (message.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

// ---- Statements ---------------------------------------------------------------------------------

namespace {

void bindAll(Poco::Data::Statement& statement, const std::vector<Param>& params) {
  using Poco::Data::Keywords::bind;
  using Poco::Data::Keywords::null;
  using Poco::Data::Keywords::use;
  for (const Param& p : params) {
    // Parameters travel as C strings, and PostgreSQL text cannot hold NUL anyway: refuse it
    // rather than store a truncated value.
    if (p && p->find('\0') != std::string::npos) {
      throw Error(DK_ERR_INVALID_ARGUMENT,
                  "PostgreSQL cannot store the character U+0000 (NUL) in a string");
    }
    if (p) {
      statement.addBind(bind(*p));
    } else {
      statement.addBind(use(null));
    }
  }
}

}  // namespace

std::vector<Row> query(Poco::Data::Session& session, const std::string& sql,
                       const std::vector<Param>& params) {
  Poco::Data::Statement statement(session);
  statement << sql;
  bindAll(statement, params);
  statement.execute();
  std::vector<Row> rows;
  if (statement.columnsExtracted() == 0) {
    return rows;
  }
  Poco::Data::RecordSet records(statement);
  const size_t columns = records.columnCount();
  rows.reserve(records.rowCount());
  for (size_t r = 0; r < records.rowCount(); ++r) {
    Row row(columns);
    for (size_t c = 0; c < columns; ++c) {
      if (!records.isNull(c, r)) {
        row[c] = records.value(c, r).convert<std::string>();
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

size_t execute(Poco::Data::Session& session, const std::string& sql,
               const std::vector<Param>& params) {
  Poco::Data::Statement statement(session);
  statement << sql;
  bindAll(statement, params);
  return statement.execute();
}

void simpleExec(Poco::Data::Session& session, const char* sql) {
  PGconn* conn = handleOf(session);
  if (conn == nullptr) {
    throw PgError("not connected", "08003");
  }
  PGresult* result = PQexec(conn, sql);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(result);
    return;
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = trimmed(result != nullptr ? PQresultErrorMessage(result) : "");
  if (message.empty()) {
    message = trimmed(PQerrorMessage(conn));
  }
  std::string sqlState = state != nullptr ? state : "";
  PQclear(result);
  if (PQstatus(conn) != CONNECTION_OK && sqlState.empty()) {
    sqlState = "08006";  // connection_failure
  }
  throw PgError(message, sqlState);
}

Transaction::Transaction(Poco::Data::Session& session) : session_(session) { session_.begin(); }

Transaction::~Transaction() {
  if (done_) {
    return;
  }
  try {
    if (session_.isConnected() && session_.isTransaction()) {
      session_.rollback();
    }
  } catch (...) {
    // The lease notices the broken connection when it goes back.
  }
}

void Transaction::commit() {
  session_.commit();
  done_ = true;
}

// ---- Lease --------------------------------------------------------------------------------------

struct Lease::Entry {
  Entry() = default;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
  ~Entry() {
    if (session) {
      finishDeadConnection(*session);
    }
  }

  std::unique_ptr<Poco::Data::Session> session;
  uint64_t generation = 0;
  std::chrono::steady_clock::time_point lastUsed;
};

Lease::Lease(Pool* pool, std::unique_ptr<Entry> entry) : pool_(pool), entry_(std::move(entry)) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), entry_(std::move(other.entry_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

Lease::~Lease() {
  if (pool_ != nullptr && entry_) {
    pool_->release(std::move(entry_), broken_);
  }
}

Poco::Data::Session& Lease::session() { return *entry_->session; }

// ---- Pool ---------------------------------------------------------------------------------------

Pool::Pool(Credentials& credentials, devkit::sdk::Host host, std::shared_ptr<Redactor> redactor,
           int maxSize)
    : credentials_(credentials), host_(host), redactor_(std::move(redactor)), maxSize_(maxSize) {}

Pool::~Pool() {
  std::vector<std::unique_ptr<Lease::Entry>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle.swap(idle_);
  }
  idle.clear();  // closes the connections
}

Lease Pool::acquire(std::chrono::milliseconds wait) { return std::move(*acquireImpl(wait, true)); }

std::optional<Lease> Pool::tryAcquire() { return acquireImpl(std::chrono::milliseconds(0), false); }

std::optional<Lease> Pool::acquireImpl(std::chrono::milliseconds wait, bool mayWait) {
  // May fetch a new Lakebase token: done before taking the pool's lock. When no credential can be
  // had, connections that are open already still serve (a token is checked only at login).
  std::optional<ConnectTarget> target;
  std::optional<Error> noTarget;
  try {
    target = credentials_.current();
  } catch (const Error& e) {
    noTarget = e;
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<std::unique_ptr<Lease::Entry>> stale;
  std::unique_lock<std::mutex> lock(mutex_);
  if (target && target->generation > generation_) {
    generation_ = target->generation;
  }
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    // Connections of an older credential generation or idle too long retire here.
    for (auto it = idle_.begin(); it != idle_.end();) {
      if ((target && (*it)->generation != generation_) || now - (*it)->lastUsed > kMaxIdle) {
        stale.push_back(std::move(*it));
        it = idle_.erase(it);
        --open_;
      } else {
        ++it;
      }
    }
    if (!idle_.empty()) {
      std::unique_ptr<Lease::Entry> entry = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      stale.clear();
      return Lease(this, std::move(entry));
    }
    if (open_ < maxSize_) {
      if (!target) {
        throw *noTarget;
      }
      ++open_;
      lock.unlock();
      stale.clear();
      try {
        return Lease(this, connect(*target));
      } catch (...) {
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
      }
    }
    if (!mayWait) {
      return std::nullopt;
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline && idle_.empty() && open_ >= maxSize_) {
      throw Error(DK_ERR_UNAVAILABLE, "all " + std::to_string(maxSize_) +
                                          " database connections stayed busy; raise pool_size");
    }
  }
}

std::unique_ptr<Lease::Entry> Pool::connect(const ConnectTarget& target) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::chrono::steady_clock::now() < loginBlockedUntil_) {
      throw Error(DK_ERR_UNAVAILABLE, lastLoginError_);
    }
  }
  // PQping first: it tells "nobody there" quickly and cheaply, and a failed Poco login leaks its
  // PGconn (SessionHandle::connect never PQfinish()es it), so only servers that answer get one.
  // Without the password: a server that asks for one counts as up, and is not asked to check it.
  switch (PQping(target.pingConninfo.c_str())) {
    case PQPING_OK:
      break;
    case PQPING_REJECT:
      throw Error(DK_ERR_UNAVAILABLE, "PostgreSQL at " + target.description +
                                          " is not accepting connections (starting or stopping)");
    case PQPING_NO_RESPONSE:
      throw Error(DK_ERR_UNAVAILABLE, "cannot reach PostgreSQL at " + target.description);
    case PQPING_NO_ATTEMPT:
    default:
      throw Error(DK_ERR_UNAVAILABLE,
                  "the connection parameters for " + target.description + " are not usable");
  }
  auto entry = std::make_unique<Lease::Entry>();
  entry->generation = target.generation;
  try {
    const size_t timeout = 30;  // Poco's login timeout; connect_timeout in the string governs
    entry->session = std::make_unique<Poco::Data::Session>(Poco::Data::PostgreSQL::Connector::KEY,
                                                           target.conninfo, timeout);
    // Server notices (e.g. "already exists, skipping") would go to stderr: drop them.
    PQsetNoticeProcessor(
        handleOf(*entry->session), [](void*, const char*) {}, nullptr);
    // Poco decodes bytea only in hex form; the default since 9.0, but a server may say otherwise.
    simpleExec(*entry->session, "SET bytea_output = 'hex'");
  } catch (const std::exception& e) {
    const std::string message = (*redactor_)(trimmed(errorText(e)));
    const std::string text = "could not log in to " + target.description + ": " + message;
    if (looksLikeAuthFailure(message)) {
      credentials_.loginRefused(target.generation);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      loginBlockedUntil_ = std::chrono::steady_clock::now() + kLoginBackoff;
      lastLoginError_ = text;
    }
    host_.warn("storage-lakebase: " + text);
    throw Error(DK_ERR_UNAVAILABLE, text);
  }
  entry->lastUsed = std::chrono::steady_clock::now();
  host_.debug("storage-lakebase: opened a connection to " + target.description + " (generation " +
              std::to_string(target.generation) + ")");
  return entry;
}

void Pool::release(std::unique_ptr<Lease::Entry> entry, bool broken) {
  if (!broken) {
    try {
      if (!entry->session->isConnected()) {
        broken = true;
      } else if (entry->session->isTransaction()) {
        entry->session->rollback();
      }
    } catch (...) {
      broken = true;
    }
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (broken || entry->generation != generation_) {
    --open_;
    lock.unlock();
    returned_.notify_one();
    entry.reset();  // closes it, outside the lock
    return;
  }
  entry->lastUsed = std::chrono::steady_clock::now();
  idle_.push_back(std::move(entry));
  lock.unlock();
  returned_.notify_one();
}

void Pool::dropIdle() {
  std::vector<std::unique_ptr<Lease::Entry>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle.swap(idle_);
    open_ -= static_cast<int>(idle.size());
  }
  returned_.notify_all();
}

nlohmann::json Pool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {{"open", open_}, {"idle", idle_.size()}, {"max", maxSize_}};
}

}  // namespace devkit::lakebase
