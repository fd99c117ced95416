#include "sqlite_backend.hpp"

#include <Poco/Data/DataException.h>
#include <Poco/Data/LOB.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "devkit/storage/util.hpp"
#include "schema.hpp"

namespace devkit::storage::local {
namespace {

namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;  // NOLINT(build/namespaces): Poco's into/use/now DSL
using devkit::sdk::Error;
using nlohmann::json;
using Poco::Int64;
using Poco::Nullable;
using Poco::Data::CLOB;
using Poco::Data::Session;
using Poco::Data::Statement;

// Free text (names, titles, keys, types) is read as a CLOB: Poco's std::string extractor stops at
// the first NUL, and docs/storage.md stores strings exactly as given.
std::string text(const CLOB& clob) {
  return clob.size() == 0 ? std::string() : std::string(clob.rawContent(), clob.size());
}

std::optional<std::string> text(const Nullable<CLOB>& clob) {
  if (clob.isNull()) {
    return std::nullopt;
  }
  return text(clob.value());
}

template <class T>
Nullable<T> nullable(const std::optional<T>& value) {
  return value ? Nullable<T>(*value) : Nullable<T>();
}

template <class T>
std::optional<T> optional(const Nullable<T>& value) {
  return value.isNull() ? std::nullopt : std::optional<T>(value.value());
}

json parseStored(const std::string& stored, const char* column) {
  try {
    return json::parse(stored);
  } catch (const json::exception&) {
    throw Error(DK_ERR_INTERNAL, std::string("the database holds malformed JSON in ") + column);
  }
}

Nullable<std::string> jsonOrNull(const json& value) {
  return value.is_null() ? Nullable<std::string>() : Nullable<std::string>(value.dump());
}

json jsonOrNull(const Nullable<std::string>& stored, const char* column) {
  return stored.isNull() ? json(nullptr) : parseStored(stored.value(), column);
}

/// Poco's exceptions become the statuses of docs/storage.md; the message keeps SQLite's words.
template <class F>
auto translateErrors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const Poco::Data::SQLite::DBLockedException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "the database stayed locked: " + e.displayText());
  } catch (const Poco::Data::SQLite::TableLockedException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "the database stayed locked: " + e.displayText());
  } catch (const Poco::Data::SQLite::CantOpenDBFileException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Data::SQLite::IOErrorException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Data::SQLite::DatabaseFullException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Data::SQLite::ReadOnlyException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Data::SQLite::CorruptImageException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Data::ConnectionFailedException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Data::NotConnectedException& e) {
    throw Error(DK_ERR_UNAVAILABLE, "sqlite: " + e.displayText());
  } catch (const Poco::Exception& e) {
    throw Error(DK_ERR_INTERNAL, "sqlite: " + e.displayText());
  }
}

// ---- Rows -------------------------------------------------------------------------------------

// The conversation count is a correlated subquery over the index conversations_by_project
// (project_id, ...), so it costs one index range per project, also for a page of 1000.
constexpr const char* kProjectColumns =
    "id, owner, name, settings, created_us, updated_us, "
    "(SELECT COUNT(*) FROM conversations c WHERE c.project_id = projects.id)";
using ProjectRow = Poco::Tuple<std::string, std::string, CLOB, std::string, Int64, Int64, Int64>;

ProjectRecord toProject(const ProjectRow& row) {
  ProjectRecord p;
  p.id = row.get<0>();
  p.owner = row.get<1>();
  p.name = text(row.get<2>());
  p.settings = parseStored(row.get<3>(), "projects.settings");
  p.createdUs = row.get<4>();
  p.updatedUs = row.get<5>();
  p.conversationCount = row.get<6>();
  return p;
}

/// The owner's project with its conversation count, or nullopt.
std::optional<ProjectRecord> selectProject(Session& s, const std::string& owner,
                                           const std::string& id) {
  std::vector<ProjectRow> rows;
  s << "SELECT " << kProjectColumns << " FROM projects WHERE id = ? AND owner = ?", into(rows),
      useRef(id), useRef(owner), now;
  if (rows.empty()) {
    return std::nullopt;
  }
  return toProject(rows.front());
}

constexpr const char* kConversationColumns =
    "id, owner, project_id, title, claude_session_id, created_us, updated_us";
using ConversationRow =
    Poco::Tuple<std::string, std::string, std::string, CLOB, Nullable<CLOB>, Int64, Int64>;

ConversationRecord toConversation(const ConversationRow& row) {
  ConversationRecord c;
  c.id = row.get<0>();
  c.owner = row.get<1>();
  c.projectId = row.get<2>();
  c.title = text(row.get<3>());
  c.claudeSessionId = text(row.get<4>());
  c.createdUs = row.get<5>();
  c.updatedUs = row.get<6>();
  return c;
}

using MessageRow =
    Poco::Tuple<std::string, Int64, std::string, std::string, Nullable<std::string>, Int64>;

MessageRecord toMessage(const MessageRow& row) {
  MessageRecord m;
  m.conversationId = row.get<0>();
  m.seq = row.get<1>();
  m.role = row.get<2>();
  m.blocks = parseStored(row.get<3>(), "messages.blocks");
  m.runId = optional(row.get<4>());
  m.createdUs = row.get<5>();
  return m;
}

constexpr const char* kRunColumns =
    "id, owner, conversation_id, status, started_us, ended_us, usage, cost_usd, error";
using RunRow =
    Poco::Tuple<std::string, std::string, std::string, std::string, Int64, Nullable<Int64>,
                Nullable<std::string>, Nullable<double>, Nullable<std::string>>;

RunRecord toRun(const RunRow& row) {
  RunRecord r;
  r.id = row.get<0>();
  r.owner = row.get<1>();
  r.conversationId = row.get<2>();
  r.status = row.get<3>();
  r.startedUs = row.get<4>();
  r.endedUs = optional(row.get<5>());
  r.usage = jsonOrNull(row.get<6>(), "runs.usage");
  r.costUsd = optional(row.get<7>());
  r.error = jsonOrNull(row.get<8>(), "runs.error");
  return r;
}

using RunEventRow = Poco::Tuple<std::string, Int64, CLOB, std::string, Int64>;

RunEventRecord toRunEvent(const RunEventRow& row) {
  RunEventRecord e;
  e.runId = row.get<0>();
  e.seq = row.get<1>();
  e.type = text(row.get<2>());
  e.data = parseStored(row.get<3>(), "run_events.data");
  e.timeUs = row.get<4>();
  return e;
}

template <class Row, class Record, class Convert>
std::vector<Record> convertAll(const std::vector<Row>& rows, Convert convert) {
  std::vector<Record> out;
  out.reserve(rows.size());
  for (const Row& row : rows) {
    out.push_back(convert(row));
  }
  return out;
}

// ---- Ownership checks -------------------------------------------------------------------------

bool ownsProject(Session& session, const std::string& owner, const std::string& projectId) {
  int count = 0;
  session << "SELECT COUNT(*) FROM projects WHERE id = ? AND owner = ?", into(count),
      useRef(projectId), useRef(owner), now;
  return count > 0;
}

bool ownsConversation(Session& session, const std::string& owner,
                      const std::string& conversationId) {
  int count = 0;
  session << "SELECT COUNT(*) FROM conversations WHERE id = ? AND owner = ?", into(count),
      useRef(conversationId), useRef(owner), now;
  return count > 0;
}

bool ownsRun(Session& session, const std::string& owner, const std::string& runId) {
  int count = 0;
  session << "SELECT COUNT(*) FROM runs WHERE id = ? AND owner = ?", into(count), useRef(runId),
      useRef(owner), now;
  return count > 0;
}

void requireProject(Session& session, const std::string& owner, const std::string& projectId) {
  if (!ownsProject(session, owner, projectId)) {
    throw Error(DK_ERR_NOT_FOUND, "project " + projectId + " not found");
  }
}

void requireConversation(Session& session, const std::string& owner,
                         const std::string& conversationId) {
  if (!ownsConversation(session, owner, conversationId)) {
    throw Error(DK_ERR_NOT_FOUND, "conversation " + conversationId + " not found");
  }
}

void requireRun(Session& session, const std::string& owner, const std::string& runId) {
  if (!ownsRun(session, owner, runId)) {
    throw Error(DK_ERR_NOT_FOUND, "run " + runId + " not found");
  }
}

[[noreturn]] void conflict(const char* what, const std::string& id) {
  throw Error(DK_ERR_CONFLICT, std::string(what) + " " + id + " belongs to another owner");
}

/// The keyset condition of backend.hpp: rows strictly after `after` in (sort DESC, id DESC).
std::string keysetClause(const std::optional<Keyset>& after, const char* sortColumn) {
  return after ? std::string(" AND (") + sortColumn + ", id) < (?, ?)" : std::string();
}

std::string describe(const std::exception& e) {
  if (const auto* poco = dynamic_cast<const Poco::Exception*>(&e)) {
    return poco->displayText();
  }
  return e.what();
}

}  // namespace

// ---- Construction -------------------------------------------------------------------------------

SqliteBackend::SqliteBackend(const devkit::sdk::Host& host, LocalConfig config)
    : host_(host),
      config_(std::move(config)),
      busyTimeout_(config_.busyTimeoutMs),
      acquireWait_(config_.busyTimeoutMs + 1000),
      pool_(config_.database.string(), config_.busyTimeoutMs),
      archives_(config_.archiveDir) {
  const fs::path parent =
      config_.database.parent_path().empty() ? fs::path(".") : config_.database.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    throw Error(DK_ERR_UNAVAILABLE, "cannot create the directory " + parent.string() +
                                        " of the database: " + ec.message());
  }
  if (fs::is_directory(config_.database, ec)) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "the database " + config_.database.string() + " is a directory");
  }
  // SQLite creates the -wal and -shm files next to the database.
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    throw Error(DK_ERR_UNAVAILABLE, "cannot write to the database directory " + parent.string() +
                                        ": " + std::generic_category().message(errno));
  }
  try {
    Lease lease = borrow();
    schemaVersion_ = migrate(lease.session());
  } catch (const Poco::Data::SQLite::CorruptImageException& e) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "the database " + config_.database.string() +
                                             " is not a SQLite database or is corrupt (" +
                                             e.displayText() + ")");
  } catch (const Error& e) {
    throw Error(e.status(), "database " + config_.database.string() + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(DK_ERR_UNAVAILABLE,
                "cannot open the database " + config_.database.string() + ": " + describe(e));
  }
  archives_.removeStaleTemporaries();
  host_.info("storage-local: sqlite " + config_.database.string() + " (schema version " +
             std::to_string(schemaVersion_.load()) + "), archives in " +
             config_.archiveDir.string());
}

SqliteBackend::~SqliteBackend() = default;

Lease SqliteBackend::borrow() { return pool_.acquire(acquireWait_); }

SqliteBackend::WriteScope SqliteBackend::beginWrite() {
  // The connection first, then the lock: whoever holds the lock already has its connection.
  Lease lease = borrow();
  std::unique_lock<std::timed_mutex> lock(writeMutex_, std::defer_lock);
  if (!lock.try_lock_for(busyTimeout_)) {
    throw Error(DK_ERR_UNAVAILABLE, "the database stayed busy with other writes for " +
                                        std::to_string(busyTimeout_.count()) + " ms");
  }
  return WriteScope{std::move(lease), std::move(lock)};
}

template <class F>
auto SqliteBackend::read(F&& f) {
  return translateErrors([&] {
    Lease lease = borrow();
    Transaction tx(lease.session(), Transaction::Mode::kRead);
    auto result = f(lease.session());
    tx.commit();
    return result;
  });
}

template <class F>
auto SqliteBackend::write(F&& f) {
  return translateErrors([&] {
    WriteScope scope = beginWrite();
    Transaction tx(scope.session(), Transaction::Mode::kWrite);
    auto result = f(scope.session());
    tx.commit();
    return result;
  });
}

// ---- Projects -----------------------------------------------------------------------------------

ProjectRecord SqliteBackend::putProject(const ProjectRecord& project) {
  return write([&](Session& s) {
    const std::string settings = project.settings.dump();
    // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, and the cascade would
    // take the project's conversations with it.
    Statement upsert(s);
    upsert << "INSERT INTO projects (id, owner, name, settings, created_us, updated_us) "
              "VALUES (?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings, "
              "created_us = excluded.created_us, updated_us = excluded.updated_us "
              "WHERE projects.owner = excluded.owner",
        useRef(project.id), useRef(project.owner), useRef(project.name), useRef(settings),
        useRef(project.createdUs), useRef(project.updatedUs);
    if (upsert.execute() == 0) {
      conflict("project", project.id);
    }
    // Read back in the same transaction: the stored row, with the count a replace keeps.
    const std::optional<ProjectRecord> stored = selectProject(s, project.owner, project.id);
    if (!stored) {
      throw Error(DK_ERR_INTERNAL, "project " + project.id + " vanished while it was written");
    }
    return *stored;
  });
}

std::optional<ProjectRecord> SqliteBackend::getProject(const std::string& owner,
                                                       const std::string& id) {
  return read([&](Session& s) { return selectProject(s, owner, id); });
}

std::vector<ProjectRecord> SqliteBackend::listProjects(const std::string& owner,
                                                       const std::optional<Keyset>& after,
                                                       int limit) {
  return read([&](Session& s) {
    std::vector<ProjectRow> rows;
    Statement select(s);
    select << "SELECT " << kProjectColumns << " FROM projects WHERE owner = ?"
           << keysetClause(after, "updated_us") << " ORDER BY updated_us DESC, id DESC LIMIT ?",
        into(rows), useRef(owner);
    if (after) {
      select, useRef(after->sortUs), useRef(after->id);
    }
    select, useRef(limit);
    select.execute();
    return convertAll<ProjectRow, ProjectRecord>(rows, toProject);
  });
}

bool SqliteBackend::deleteProject(const std::string& owner, const std::string& id) {
  return translateErrors([&] {
    WriteScope scope = beginWrite();
    Transaction tx(scope.session(), Transaction::Mode::kWrite);
    Statement del(scope.session());
    // The foreign keys cascade to conversations, messages, runs, run events and archive metadata.
    del << "DELETE FROM projects WHERE id = ? AND owner = ?", useRef(id), useRef(owner);
    const bool deleted = del.execute() > 0;
    tx.commit();
    if (deleted) {
      // After the commit but still under the write lock, so no put of this project interleaves.
      try {
        archives_.remove(id);
      } catch (const std::exception& e) {
        host_.warn("storage-local: project " + id +
                   " deleted, but its archive file stayed: " + e.what());
      }
    }
    return deleted;
  });
}

// ---- Conversations ------------------------------------------------------------------------------

ConversationRecord SqliteBackend::putConversation(const ConversationRecord& conversation) {
  return write([&](Session& s) {
    requireProject(s, conversation.owner, conversation.projectId);
    Nullable<std::string> sessionId = nullable(conversation.claudeSessionId);
    Statement upsert(s);
    upsert << "INSERT INTO conversations "
              "(id, owner, project_id, title, claude_session_id, created_us, updated_us) "
              "VALUES (?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, "
              "title = excluded.title, claude_session_id = excluded.claude_session_id, "
              "created_us = excluded.created_us, updated_us = excluded.updated_us "
              "WHERE conversations.owner = excluded.owner",
        useRef(conversation.id), useRef(conversation.owner), useRef(conversation.projectId),
        useRef(conversation.title), useRef(sessionId), useRef(conversation.createdUs),
        useRef(conversation.updatedUs);
    if (upsert.execute() == 0) {
      conflict("conversation", conversation.id);
    }
    return conversation;
  });
}

std::optional<ConversationRecord> SqliteBackend::getConversation(const std::string& owner,
                                                                 const std::string& id) {
  return read([&](Session& s) -> std::optional<ConversationRecord> {
    std::vector<ConversationRow> rows;
    s << "SELECT " << kConversationColumns << " FROM conversations WHERE id = ? AND owner = ?",
        into(rows), useRef(id), useRef(owner), now;
    if (rows.empty()) {
      return std::nullopt;
    }
    return toConversation(rows.front());
  });
}

std::vector<ConversationRecord> SqliteBackend::listConversations(const std::string& owner,
                                                                 const std::string& projectId,
                                                                 const std::optional<Keyset>& after,
                                                                 int limit) {
  return read([&](Session& s) {
    requireProject(s, owner, projectId);
    std::vector<ConversationRow> rows;
    Statement select(s);
    select << "SELECT " << kConversationColumns
           << " FROM conversations WHERE project_id = ? AND owner = ?"
           << keysetClause(after, "updated_us") << " ORDER BY updated_us DESC, id DESC LIMIT ?",
        into(rows), useRef(projectId), useRef(owner);
    if (after) {
      select, useRef(after->sortUs), useRef(after->id);
    }
    select, useRef(limit);
    select.execute();
    return convertAll<ConversationRow, ConversationRecord>(rows, toConversation);
  });
}

bool SqliteBackend::deleteConversation(const std::string& owner, const std::string& id) {
  return write([&](Session& s) {
    Statement del(s);
    del << "DELETE FROM conversations WHERE id = ? AND owner = ?", useRef(id), useRef(owner);
    return del.execute() > 0;
  });
}

// ---- Messages -----------------------------------------------------------------------------------

int SqliteBackend::appendMessages(const std::string& owner, const std::string& conversationId,
                                  const std::vector<MessageRecord>& messages) {
  return write([&](Session& s) {
    requireConversation(s, owner, conversationId);
    // One prepared statement, re-executed with the bound variables updated per message.
    Int64 seq = 0;
    std::string role;
    std::string blocks;
    Nullable<std::string> runId;
    Int64 createdUs = 0;
    Statement upsert(s);
    upsert
        << "INSERT INTO messages (conversation_id, seq, role, blocks, run_id, created_us) "
           "VALUES (?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (conversation_id, seq) DO UPDATE SET role = excluded.role, "
           "blocks = excluded.blocks, run_id = excluded.run_id, created_us = excluded.created_us",
        useRef(conversationId), useRef(seq), useRef(role), useRef(blocks), useRef(runId),
        useRef(createdUs);
    for (const MessageRecord& m : messages) {
      seq = m.seq;
      role = m.role;
      blocks = m.blocks.dump();
      runId = nullable(m.runId);
      createdUs = m.createdUs;
      upsert.execute();
    }
    return static_cast<int>(messages.size());
  });
}

std::vector<MessageRecord> SqliteBackend::listMessages(const std::string& owner,
                                                       const std::string& conversationId,
                                                       int64_t afterSeq, int limit) {
  return read([&](Session& s) {
    requireConversation(s, owner, conversationId);
    std::vector<MessageRow> rows;
    s << "SELECT conversation_id, seq, role, blocks, run_id, created_us FROM messages "
         "WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        into(rows), useRef(conversationId), useRef(afterSeq), useRef(limit), now;
    return convertAll<MessageRow, MessageRecord>(rows, toMessage);
  });
}

// ---- Runs ---------------------------------------------------------------------------------------

RunRecord SqliteBackend::putRun(const RunRecord& run) {
  return write([&](Session& s) {
    requireConversation(s, run.owner, run.conversationId);
    Nullable<Int64> endedUs = nullable<Int64>(run.endedUs);
    Nullable<std::string> usage = jsonOrNull(run.usage);
    Nullable<double> costUsd = nullable(run.costUsd);
    Nullable<std::string> error = jsonOrNull(run.error);
    Statement upsert(s);
    upsert << "INSERT INTO runs (id, owner, conversation_id, status, started_us, ended_us, usage, "
              "cost_usd, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (id) DO UPDATE SET conversation_id = excluded.conversation_id, "
              "status = excluded.status, started_us = excluded.started_us, "
              "ended_us = excluded.ended_us, usage = excluded.usage, "
              "cost_usd = excluded.cost_usd, error = excluded.error "
              "WHERE runs.owner = excluded.owner",
        useRef(run.id), useRef(run.owner), useRef(run.conversationId), useRef(run.status),
        useRef(run.startedUs), useRef(endedUs), useRef(usage), useRef(costUsd), useRef(error);
    if (upsert.execute() == 0) {
      conflict("run", run.id);
    }
    return run;
  });
}

std::optional<RunRecord> SqliteBackend::getRun(const std::string& owner, const std::string& id) {
  return read([&](Session& s) -> std::optional<RunRecord> {
    std::vector<RunRow> rows;
    s << "SELECT " << kRunColumns << " FROM runs WHERE id = ? AND owner = ?", into(rows),
        useRef(id), useRef(owner), now;
    if (rows.empty()) {
      return std::nullopt;
    }
    return toRun(rows.front());
  });
}

std::vector<RunRecord> SqliteBackend::listRuns(const std::string& owner,
                                               const std::string& conversationId,
                                               const std::optional<Keyset>& after, int limit) {
  return read([&](Session& s) {
    requireConversation(s, owner, conversationId);
    std::vector<RunRow> rows;
    Statement select(s);
    select << "SELECT " << kRunColumns << " FROM runs WHERE conversation_id = ? AND owner = ?"
           << keysetClause(after, "started_us") << " ORDER BY started_us DESC, id DESC LIMIT ?",
        into(rows), useRef(conversationId), useRef(owner);
    if (after) {
      select, useRef(after->sortUs), useRef(after->id);
    }
    select, useRef(limit);
    select.execute();
    return convertAll<RunRow, RunRecord>(rows, toRun);
  });
}

// ---- Run events ---------------------------------------------------------------------------------

int SqliteBackend::appendRunEvents(const std::string& owner, const std::string& runId,
                                   const std::vector<RunEventRecord>& events) {
  return write([&](Session& s) {
    requireRun(s, owner, runId);
    Int64 seq = 0;
    std::string type;
    std::string data;
    Int64 timeUs = 0;
    Statement insert(s);
    // Idempotent: a replayed event keeps the first copy and does not count.
    insert << "INSERT INTO run_events (run_id, seq, type, data, time_us) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (run_id, seq) DO NOTHING",
        useRef(runId), useRef(seq), useRef(type), useRef(data), useRef(timeUs);
    int added = 0;
    for (const RunEventRecord& e : events) {
      seq = e.seq;
      type = e.type;
      data = e.data.dump();
      timeUs = e.timeUs;
      added += static_cast<int>(insert.execute());
    }
    return added;
  });
}

std::vector<RunEventRecord> SqliteBackend::listRunEvents(const std::string& owner,
                                                         const std::string& runId, int64_t afterSeq,
                                                         int limit) {
  return read([&](Session& s) {
    requireRun(s, owner, runId);
    std::vector<RunEventRow> rows;
    s << "SELECT run_id, seq, type, data, time_us FROM run_events "
         "WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        into(rows), useRef(runId), useRef(afterSeq), useRef(limit), now;
    return convertAll<RunEventRow, RunEventRecord>(rows, toRunEvent);
  });
}

// ---- Archives -----------------------------------------------------------------------------------

ArchiveInfo SqliteBackend::putArchive(const std::string& owner, const std::string& projectId,
                                      const devkit::sdk::Source& data) {
  // Fail fast for a foreign project, then stream without holding a connection or the write lock.
  read([&](Session& s) {
    requireProject(s, owner, projectId);
    return true;
  });
  StagedArchive staged = archives_.stage(projectId, data);
  return write([&](Session& s) {
    requireProject(s, owner, projectId);  // it may have been deleted while the data streamed
    ArchiveInfo info{true, staged.size(), staged.sha256(), nowUs()};
    s << "INSERT INTO archives (project_id, size, sha256, created_us) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (project_id) DO UPDATE SET size = excluded.size, "
         "sha256 = excluded.sha256, created_us = excluded.created_us",
        useRef(projectId), useRef(info.size), useRef(info.sha256), useRef(info.createdUs), now;
    // Inside the transaction: a failed rename rolls the metadata back, and the old file stays.
    archives_.install(staged, projectId);
    return info;
  });
}

void SqliteBackend::getArchive(const std::string& owner, const std::string& projectId,
                               const devkit::sdk::Sink& data) {
  const ArchiveInfo info = statArchive(owner, projectId);
  // The file is opened once; a concurrent put renames a new file over the name, and this read
  // keeps streaming the complete old one.
  if (!info.exists || !archives_.stream(projectId, data)) {
    throw Error(DK_ERR_NOT_FOUND, "project " + projectId + " has no archive");
  }
}

ArchiveInfo SqliteBackend::statArchive(const std::string& owner, const std::string& projectId) {
  return read([&](Session& s) {
    std::vector<Poco::Tuple<Int64, std::string, Int64>> rows;
    s << "SELECT a.size, a.sha256, a.created_us FROM archives a "
         "JOIN projects p ON p.id = a.project_id WHERE a.project_id = ? AND p.owner = ?",
        into(rows), useRef(projectId), useRef(owner), now;
    ArchiveInfo info;
    if (!rows.empty()) {
      info = ArchiveInfo{true, rows.front().get<0>(), rows.front().get<1>(), rows.front().get<2>()};
    }
    return info;
  });
}

bool SqliteBackend::deleteArchive(const std::string& owner, const std::string& projectId) {
  return translateErrors([&] {
    WriteScope scope = beginWrite();
    Transaction tx(scope.session(), Transaction::Mode::kWrite);
    Statement del(scope.session());
    del << "DELETE FROM archives WHERE project_id = ? "
           "AND project_id IN (SELECT id FROM projects WHERE owner = ?)",
        useRef(projectId), useRef(owner);
    const bool deleted = del.execute() > 0;
    tx.commit();
    if (deleted) {
      // Under the write lock: no put of this project interleaves. The row is gone, so a file that
      // stays is invisible and the next put replaces it.
      try {
        archives_.remove(projectId);
      } catch (const std::exception& e) {
        host_.warn("storage-local: archive of project " + projectId +
                   " deleted, but its file stayed: " + e.what());
      }
    }
    return deleted;
  });
}

// ---- Host state ---------------------------------------------------------------------------------

void SqliteBackend::putState(const std::string& key, const json& value) {
  write([&](Session& s) {
    const std::string stored = value.dump();
    const Int64 updatedUs = nowUs();
    s << "INSERT INTO state (key, value, updated_us) VALUES (?, ?, ?) "
         "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_us = excluded.updated_us",
        useRef(key), useRef(stored), useRef(updatedUs), now;
    return true;
  });
}

std::optional<json> SqliteBackend::getState(const std::string& key) {
  return read([&](Session& s) -> std::optional<json> {
    std::vector<std::string> values;
    s << "SELECT value FROM state WHERE key = ?", into(values), useRef(key), now;
    if (values.empty()) {
      return std::nullopt;
    }
    return parseStored(values.front(), "state.value");
  });
}

// ---- Health -------------------------------------------------------------------------------------

json SqliteBackend::health() {
  const std::string where = "sqlite " + config_.database.string();
  try {
    // One trivial query on a pooled connection; under WAL it never waits for writers.
    const int version = translateErrors([&] {
      Lease lease = pool_.acquire(std::chrono::milliseconds(1000));
      return currentSchemaVersion(lease.session());
    });
    schemaVersion_ = version;
    return {{"status", "ok"}, {"reachable", true}, {"schema_version", version}, {"detail", where}};
  } catch (const std::exception& e) {
    return {{"status", "down"},
            {"reachable", false},
            {"schema_version", schemaVersion_.load()},
            {"detail", where + ": " + e.what()}};
  }
}

}  // namespace devkit::storage::local
