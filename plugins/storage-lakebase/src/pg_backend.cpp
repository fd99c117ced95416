#include "pg_backend.hpp"

#include <Poco/Data/DataException.h>
#include <Poco/Data/LOB.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <map>
#include <utility>

#include "devkit/storage/util.hpp"

namespace devkit::lakebase {
namespace {

using devkit::sdk::Error;
using nlohmann::json;
using Session = Poco::Data::Session;

constexpr auto kAcquireWait = std::chrono::seconds(10);
constexpr auto kHealthCacheFor = std::chrono::seconds(2);
// pg_advisory_xact_lock(kMigrationLockClass, fnv1a(schema)): one migrator per schema at a time.
constexpr int32_t kMigrationLockClass = 0x646b7374;  // "dkst"

// ---- Schema -------------------------------------------------------------------------------------

struct Migration {
  int version;
  const char* description;
  std::vector<const char*> statements;  // {s} is the quoted schema
};

// Append-only: a released migration never changes; a new version adds a new entry.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "projects, conversations, messages, runs, run events, archives, host state",
       {
           R"(CREATE TABLE IF NOT EXISTS {s}.projects (
                id TEXT COLLATE "C" PRIMARY KEY,
                owner TEXT COLLATE "C" NOT NULL,
                name TEXT NOT NULL,
                settings JSONB NOT NULL,
                created_us BIGINT NOT NULL,
                updated_us BIGINT NOT NULL))",
           R"(CREATE INDEX IF NOT EXISTS projects_owner_keyset
                ON {s}.projects (owner, updated_us DESC, id DESC))",
           R"(CREATE TABLE IF NOT EXISTS {s}.conversations (
                id TEXT COLLATE "C" PRIMARY KEY,
                owner TEXT COLLATE "C" NOT NULL,
                project_id TEXT COLLATE "C" NOT NULL
                  REFERENCES {s}.projects (id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                claude_session_id TEXT,
                created_us BIGINT NOT NULL,
                updated_us BIGINT NOT NULL))",
           R"(CREATE INDEX IF NOT EXISTS conversations_project_keyset
                ON {s}.conversations (project_id, owner, updated_us DESC, id DESC))",
           R"(CREATE TABLE IF NOT EXISTS {s}.messages (
                conversation_id TEXT COLLATE "C" NOT NULL
                  REFERENCES {s}.conversations (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                role TEXT NOT NULL,
                blocks JSONB NOT NULL,
                run_id TEXT COLLATE "C",
                created_us BIGINT NOT NULL,
                PRIMARY KEY (conversation_id, seq)))",
           R"(CREATE TABLE IF NOT EXISTS {s}.runs (
                id TEXT COLLATE "C" PRIMARY KEY,
                owner TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C" NOT NULL
                  REFERENCES {s}.conversations (id) ON DELETE CASCADE,
                status TEXT NOT NULL,
                started_us BIGINT NOT NULL,
                ended_us BIGINT,
                usage JSONB,
                cost_usd DOUBLE PRECISION,
                error JSONB))",
           R"(CREATE INDEX IF NOT EXISTS runs_conversation_keyset
                ON {s}.runs (conversation_id, owner, started_us DESC, id DESC))",
           R"(CREATE TABLE IF NOT EXISTS {s}.run_events (
                run_id TEXT COLLATE "C" NOT NULL REFERENCES {s}.runs (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                type TEXT NOT NULL,
                data JSONB NOT NULL,
                time_us BIGINT NOT NULL,
                PRIMARY KEY (run_id, seq)))",
           // One row per stored (or being stored) archive; archives points at the current one.
           R"(CREATE TABLE IF NOT EXISTS {s}.archive_blobs (
                id BIGSERIAL PRIMARY KEY,
                project_id TEXT COLLATE "C" NOT NULL
                  REFERENCES {s}.projects (id) ON DELETE CASCADE,
                size BIGINT NOT NULL DEFAULT 0,
                sha256 TEXT NOT NULL DEFAULT '',
                chunks INTEGER NOT NULL DEFAULT 0,
                created_us BIGINT NOT NULL DEFAULT 0))",
           R"(CREATE INDEX IF NOT EXISTS archive_blobs_project ON {s}.archive_blobs (project_id))",
           R"(CREATE TABLE IF NOT EXISTS {s}.archive_chunks (
                blob_id BIGINT NOT NULL REFERENCES {s}.archive_blobs (id) ON DELETE CASCADE,
                idx INTEGER NOT NULL,
                data BYTEA NOT NULL,
                PRIMARY KEY (blob_id, idx)))",
           // Archives are compressed already: store the chunks out of line, uncompressed.
           R"(ALTER TABLE {s}.archive_chunks ALTER COLUMN data SET STORAGE EXTERNAL)",
           R"(CREATE TABLE IF NOT EXISTS {s}.archives (
                project_id TEXT COLLATE "C" PRIMARY KEY
                  REFERENCES {s}.projects (id) ON DELETE CASCADE,
                blob_id BIGINT NOT NULL REFERENCES {s}.archive_blobs (id) ON DELETE CASCADE))",
           R"(CREATE TABLE IF NOT EXISTS {s}.host_state (
                key TEXT COLLATE "C" PRIMARY KEY,
                value JSONB NOT NULL,
                updated_us BIGINT NOT NULL))",
       }},
  };
  return kMigrations;
}

int latestVersion() { return migrations().back().version; }

int32_t fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash = (hash ^ c) * 16777619u;
  }
  return static_cast<int32_t>(hash);
}

// ---- Values -------------------------------------------------------------------------------------

std::string str(int64_t v) { return std::to_string(v); }

std::string str(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);  // round-trips every double
  return buffer;
}

Param jsonParam(const json& value) {
  if (value.is_null()) {
    return std::nullopt;
  }
  return value.dump();
}

const std::string& need(const std::optional<std::string>& value, const char* column) {
  if (!value) {
    throw Error(DK_ERR_INTERNAL, std::string("the database holds NULL in ") + column);
  }
  return *value;
}

int64_t toInt(const std::optional<std::string>& value, const char* column) {
  const std::string& text = need(value, column);
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error(DK_ERR_INTERNAL, std::string("the database holds a non-integer in ") + column);
  }
  return out;
}

json toJson(const std::optional<std::string>& value, const char* column) {
  if (!value) {
    return json(nullptr);
  }
  try {
    return json::parse(*value);
  } catch (const json::exception&) {
    throw Error(DK_ERR_INTERNAL, std::string("the database holds malformed JSON in ") + column);
  }
}

// Base64 as PostgreSQL's encode(..., 'base64') writes it: 76-character lines.
std::string decodeBase64(const std::string& text) {
  static const auto kTable = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : text) {
    const int8_t v = kTable[c];
    if (v < 0) {
      if (c == '=') break;
      continue;  // line breaks
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

// ---- Errors -------------------------------------------------------------------------------------

struct Failure {
  bool connectionLost = false;
  bool retryable = false;  // serialization failure or deadlock
  std::string sqlState;
  std::string message;
};

std::string sqlStateOf(const std::string& message) {
  // Poco's StatementException text carries " State: XXXXX ".
  const size_t pos = message.find("State: ");
  if (pos == std::string::npos || pos + 12 > message.size()) {
    return "";
  }
  const std::string state = message.substr(pos + 7, 5);
  return state == "N/A D" ? "" : state;
}

Failure classify(const std::exception& e, Session& session) {
  Failure f;
  if (const auto* pg = dynamic_cast<const PgError*>(&e)) {
    f.sqlState = pg->sqlState();
    f.message = pg->what();
  } else {
    f.message = errorText(e);
    f.sqlState = sqlStateOf(f.message);
  }
  bool connected = false;
  try {
    connected = session.isConnected();
  } catch (...) {
  }
  const std::string& s = f.sqlState;
  f.connectionLost = !connected || s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" ||
                     s == "57P03" ||
                     dynamic_cast<const Poco::Data::ConnectionFailedException*>(&e) ||
                     dynamic_cast<const Poco::Data::NotConnectedException*>(&e);
  f.retryable = s == "40001" || s == "40P01";
  return f;
}

Error toError(const std::string& op, const Failure& f, const Redactor& redact) {
  const std::string detail = redact(f.message);
  if (f.connectionLost) {
    return Error(DK_ERR_UNAVAILABLE, op + ": the database connection failed: " + detail);
  }
  const std::string& s = f.sqlState;
  if (s == "23503") {
    return Error(DK_ERR_NOT_FOUND, op + ": the object it belongs to no longer exists");
  }
  if (s == "23505") {
    return Error(DK_ERR_CONFLICT, op + ": " + detail);
  }
  if (s == "22P05" || s == "22021" || s == "54000") {
    // NUL characters (U+0000) cannot be stored by PostgreSQL, in text nor in JSONB.
    return Error(DK_ERR_INVALID_ARGUMENT, op + ": PostgreSQL cannot store this value: " + detail);
  }
  if (s.rfind("53", 0) == 0 || s == "57014" || s == "55P03") {
    return Error(DK_ERR_UNAVAILABLE, op + ": the database is overloaded: " + detail);
  }
  return Error(DK_ERR_INTERNAL, op + ": " + detail);
}

[[noreturn]] void notFound(const char* what, const std::string& id) {
  throw Error(DK_ERR_NOT_FOUND, std::string(what) + " " + id + " not found");
}

[[noreturn]] void conflict(const char* what, const std::string& id) {
  throw Error(DK_ERR_CONFLICT, std::string(what) + " " + id + " belongs to another owner");
}

// ---- Records ------------------------------------------------------------------------------------

// Columns of `{s}.projects p`. The conversation count is a correlated subquery over the index
// conversations_project_keyset (project_id, ...): one index range per project, also for a page of
// 1000.
constexpr const char* kProjectColumns =
    "p.id, p.owner, p.name, p.settings, p.created_us, p.updated_us, "
    "(SELECT COUNT(*) FROM {s}.conversations c WHERE c.project_id = p.id)";

devkit::storage::ProjectRecord toProject(const Row& r) {
  devkit::storage::ProjectRecord p;
  p.id = need(r[0], "projects.id");
  p.owner = need(r[1], "projects.owner");
  p.name = need(r[2], "projects.name");
  p.settings = toJson(r[3], "projects.settings");
  p.createdUs = toInt(r[4], "projects.created_us");
  p.updatedUs = toInt(r[5], "projects.updated_us");
  p.conversationCount = toInt(r[6], "projects.conversation_count");
  return p;
}

constexpr const char* kConversationColumns =
    "id, owner, project_id, title, claude_session_id, created_us, updated_us";

devkit::storage::ConversationRecord toConversation(const Row& r) {
  devkit::storage::ConversationRecord c;
  c.id = need(r[0], "conversations.id");
  c.owner = need(r[1], "conversations.owner");
  c.projectId = need(r[2], "conversations.project_id");
  c.title = need(r[3], "conversations.title");
  c.claudeSessionId = r[4];
  c.createdUs = toInt(r[5], "conversations.created_us");
  c.updatedUs = toInt(r[6], "conversations.updated_us");
  return c;
}

constexpr const char* kRunColumns =
    "id, owner, conversation_id, status, started_us, ended_us, usage, cost_usd, error";

devkit::storage::RunRecord toRun(const Row& r) {
  devkit::storage::RunRecord run;
  run.id = need(r[0], "runs.id");
  run.owner = need(r[1], "runs.owner");
  run.conversationId = need(r[2], "runs.conversation_id");
  run.status = need(r[3], "runs.status");
  run.startedUs = toInt(r[4], "runs.started_us");
  if (r[5]) run.endedUs = toInt(r[5], "runs.ended_us");
  run.usage = toJson(r[6], "runs.usage");
  if (r[7]) {
    try {
      run.costUsd = std::stod(*r[7]);
    } catch (const std::exception&) {
      throw Error(DK_ERR_INTERNAL, "the database holds a non-number in runs.cost_usd");
    }
  }
  run.error = toJson(r[8], "runs.error");
  return run;
}

}  // namespace

// ---- Life cycle ---------------------------------------------------------------------------------

PgBackend::PgBackend(const devkit::sdk::Host& host, const LakebaseConfig& config, Clock clock)
    : host_(host),
      config_(config),
      redactor_(std::make_shared<Redactor>()),
      quotedSchema_("\"" + config.schema + "\"") {
  // Reference-counted in Poco's SessionFactory; balanced in the destructor so that no connector
  // outlives the plugin.
  Poco::Data::PostgreSQL::Connector::registerConnector();
  try {
    credentials_ = std::make_unique<Credentials>(config_, host_, redactor_, std::move(clock));
    pool_ = std::make_unique<Pool>(*credentials_, host_, redactor_, config_.poolSize);
  } catch (...) {
    Poco::Data::PostgreSQL::Connector::unregisterConnector();
    throw;
  }
  const std::string where = credentials_->rotates()
                                ? std::string(config_.mode == CredentialMode::kInstance
                                                  ? "Lakebase instance " + config_.instanceName
                                                  : "Lakebase endpoint " + config_.endpoint)
                                : "PostgreSQL";
  try {
    ensureReady();
    host_.info("storage-lakebase: ready on " + where + " (schema " + config_.schema +
               ", schema version " + std::to_string(schemaVersion_.load()) + ")");
  } catch (const Error& e) {
    // Not fatal: the host shows "down" on /healthz and every call tries again.
    host_.error("storage-lakebase: " + where +
                " is not available yet: " + (*redactor_)(errorText(e)));
  }
}

PgBackend::~PgBackend() {
  pool_.reset();
  credentials_.reset();
  Poco::Data::PostgreSQL::Connector::unregisterConnector();
}

std::string PgBackend::sql(const char* text) const {
  std::string out(text);
  for (size_t pos; (pos = out.find("{s}")) != std::string::npos;) {
    out.replace(pos, 3, quotedSchema_);
  }
  return out;
}

template <class F>
auto PgBackend::run(const char* op, F&& fn, const std::atomic<bool>* noRetry) {
  ensureReady();
  for (int attempt = 0;; ++attempt) {
    Lease lease = pool_->acquire(kAcquireWait);
    try {
      return fn(lease.session());
    } catch (const Error&) {
      throw;  // the operation's own answer (NOT_FOUND, CONFLICT, CANCELLED, ...)
    } catch (const std::exception& e) {
      const Failure failure = classify(e, lease.session());
      if (failure.connectionLost) {
        lease.discard();
        pool_->dropIdle();  // a restarted server dropped all of them
      }
      const bool again = attempt == 0 && (failure.connectionLost || failure.retryable) &&
                         (noRetry == nullptr || !noRetry->load());
      if (again) {
        host_.warn(std::string("storage-lakebase: ") + op + " failed (" +
                   (*redactor_)(failure.message) + "); retrying once on a new connection");
        continue;
      }
      throw toError(op, failure, *redactor_);
    }
  }
}

void PgBackend::ensureReady() {
  if (ready_.load(std::memory_order_acquire)) {
    return;
  }
  const auto arrived = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(readyMutex_);
  if (ready_.load(std::memory_order_acquire)) {
    return;
  }
  // Another caller tried while this one waited: share its answer instead of trying again.
  if (lastReadyAttempt_ > arrived) {
    throw Error(DK_ERR_UNAVAILABLE, lastReadyError_);
  }
  try {
    for (int attempt = 0;; ++attempt) {
      Lease lease = pool_->acquire(kAcquireWait);
      try {
        schemaVersion_ = migrate(lease.session());
        break;
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        const Failure failure = classify(e, lease.session());
        if (failure.connectionLost) {
          lease.discard();
          pool_->dropIdle();
        }
        if (attempt == 0 && (failure.connectionLost || failure.retryable)) {
          continue;
        }
        throw Error(DK_ERR_UNAVAILABLE, toError("schema migration", failure, *redactor_).what());
      }
    }
  } catch (const Error& e) {
    lastReadyAttempt_ = std::chrono::steady_clock::now();
    lastReadyError_ = (*redactor_)(errorText(e));
    throw Error(DK_ERR_UNAVAILABLE, lastReadyError_);
  }
  ready_.store(true, std::memory_order_release);
}

int PgBackend::migrate(Session& session) {
  const int latest = latestVersion();
  // Fast path, no lock: a started schema is usually current.
  const auto exists = query(session, "SELECT to_regclass($1::text) IS NOT NULL",
                            {quotedSchema_ + ".schema_version"});
  if (!exists.empty() && exists[0][0] == std::string("t")) {
    const auto rows =
        query(session, sql("SELECT COALESCE(MAX(version), 0) FROM {s}.schema_version"));
    const int version = static_cast<int>(toInt(rows.at(0)[0], "schema_version.version"));
    if (version >= latest) {
      if (version > latest) {
        host_.warn("storage-lakebase: schema " + config_.schema + " is at version " +
                   std::to_string(version) + ", newer than this plugin's " +
                   std::to_string(latest) + "; a newer host migrated it");
      }
      return version;
    }
  }
  for (;;) {
    // One transaction per migration; the transaction-scoped advisory lock serialises hosts that
    // start together and is released by COMMIT, ROLLBACK or a dropped connection alike.
    Transaction tx(session);
    query(session, "SELECT pg_advisory_xact_lock($1::integer, $2::integer)",
          {std::to_string(kMigrationLockClass), std::to_string(fnv1a(config_.schema))});
    // CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database: ask first.
    if (query(session, "SELECT 1 FROM pg_namespace WHERE nspname = $1::text", {config_.schema})
            .empty()) {
      execute(session, sql("CREATE SCHEMA {s}"));
    }
    execute(session, sql(R"(CREATE TABLE IF NOT EXISTS {s}.schema_version (
                              version INTEGER PRIMARY KEY,
                              description TEXT NOT NULL,
                              applied_us BIGINT NOT NULL))"));
    const auto rows =
        query(session, sql("SELECT COALESCE(MAX(version), 0) FROM {s}.schema_version"));
    const int version = static_cast<int>(toInt(rows.at(0)[0], "schema_version.version"));
    if (version >= latest) {
      tx.commit();
      return version;
    }
    const Migration& next = migrations().at(static_cast<size_t>(version));
    for (const char* statement : next.statements) {
      execute(session, sql(statement));
    }
    execute(session,
            sql("INSERT INTO {s}.schema_version (version, description, applied_us) "
                "VALUES ($1::integer, $2::text, $3::bigint)"),
            {std::to_string(next.version), std::string(next.description),
             str(devkit::storage::nowUs())});
    tx.commit();
    host_.info("storage-lakebase: schema " + config_.schema + " migrated to version " +
               std::to_string(next.version) + " (" + next.description + ")");
  }
}

// ---- Health -------------------------------------------------------------------------------------

json PgBackend::health() {
  {
    std::lock_guard<std::mutex> lock(healthMutex_);
    if (!cachedHealth_.is_null() &&
        std::chrono::steady_clock::now() - cachedAt_ < kHealthCacheFor) {
      return cachedHealth_;
    }
  }
  std::unique_lock<std::mutex> probing(probeMutex_, std::try_to_lock);
  if (!probing.owns_lock()) {
    // Another thread is probing (perhaps waiting for connect_timeout): answer from the last one.
    std::lock_guard<std::mutex> lock(healthMutex_);
    if (!cachedHealth_.is_null()) {
      return cachedHealth_;
    }
    return json{{"status", "down"},
                {"reachable", false},
                {"schema_version", 0},
                {"detail", "the first health check is still running"}};
  }
  json answer = probe();
  answer["pool"] = pool_->stats();
  answer["credential"] = credentials_->describe();
  std::lock_guard<std::mutex> lock(healthMutex_);
  cachedHealth_ = answer;
  cachedAt_ = std::chrono::steady_clock::now();
  return answer;
}

json PgBackend::probe() {
  const auto down = [&](const std::string& detail) {
    return json{{"status", "down"},
                {"reachable", false},
                {"schema_version", schemaVersion_.load()},
                {"detail", (*redactor_)(detail)}};
  };
  try {
    ensureReady();
  } catch (const std::exception& e) {
    return down(errorText(e));
  }
  const std::string where = credentials_->where();
  // Two tries: the first may find a connection a restarted server dropped.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string failure;
    try {
      std::optional<Lease> lease = pool_->tryAcquire();
      if (!lease) {
        return json{
            {"status", "ok"},
            {"reachable", true},
            {"schema_version", schemaVersion_.load()},
            {"detail", "all connections are busy; " + where + ", schema " + config_.schema}};
      }
      try {
        simpleExec(lease->session(), "SELECT 1");
        return json{{"status", "ok"},
                    {"reachable", true},
                    {"schema_version", schemaVersion_.load()},
                    {"detail", where + ", schema " + config_.schema}};
      } catch (const std::exception& e) {
        lease->discard();
        failure = errorText(e);
      }
    } catch (const std::exception& e) {
      return down(errorText(e));
    }
    pool_->dropIdle();
    if (attempt == 1) {
      return down(failure);
    }
  }
  return down("unreachable");
}

// ---- Projects -----------------------------------------------------------------------------------

devkit::storage::ProjectRecord PgBackend::putProject(const ProjectRecord& p) {
  const auto rows = run("put_project", [&](Session& s) {
    // RETURNING the stored row with its count: a replace keeps the project's conversations.
    const std::string text = std::string(R"(
        INSERT INTO {s}.projects AS p (id, owner, name, settings, created_us, updated_us)
        VALUES ($1::text, $2::text, $3::text, $4::jsonb, $5::bigint, $6::bigint)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, settings = EXCLUDED.settings,
          created_us = EXCLUDED.created_us, updated_us = EXCLUDED.updated_us
        WHERE p.owner = EXCLUDED.owner
        RETURNING )") + kProjectColumns;
    return query(s, sql(text.c_str()),
                 {p.id, p.owner, p.name, p.settings.dump(), str(p.createdUs), str(p.updatedUs)});
  });
  if (rows.empty()) {
    conflict("project", p.id);
  }
  return toProject(rows[0]);
}

std::optional<devkit::storage::ProjectRecord> PgBackend::getProject(const std::string& owner,
                                                                    const std::string& id) {
  const auto rows = run("get_project", [&](Session& s) {
    return query(s,
                 sql((std::string("SELECT ") + kProjectColumns +
                      " FROM {s}.projects p WHERE p.id = $1::text AND p.owner = $2::text")
                         .c_str()),
                 {id, owner});
  });
  if (rows.empty()) {
    return std::nullopt;
  }
  return toProject(rows[0]);
}

std::vector<devkit::storage::ProjectRecord> PgBackend::listProjects(
    const std::string& owner, const std::optional<Keyset>& after, int limit) {
  std::string text =
      std::string("SELECT ") + kProjectColumns + " FROM {s}.projects p WHERE p.owner = $1::text";
  std::vector<Param> params = {owner};
  if (after) {
    text +=
        " AND (p.updated_us, p.id) < ($2::bigint, $3::text) ORDER BY p.updated_us DESC, "
        "p.id DESC LIMIT $4::bigint";
    params.insert(params.end(), {str(after->sortUs), after->id, str(int64_t{limit})});
  } else {
    text += " ORDER BY p.updated_us DESC, p.id DESC LIMIT $2::bigint";
    params.push_back(str(int64_t{limit}));
  }
  const auto rows =
      run("list_projects", [&](Session& s) { return query(s, sql(text.c_str()), params); });
  std::vector<ProjectRecord> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(toProject(r));
  return out;
}

bool PgBackend::deleteProject(const std::string& owner, const std::string& id) {
  return run("delete_project", [&](Session& s) {
    return execute(s, sql("DELETE FROM {s}.projects WHERE id = $1::text AND owner = $2::text"),
                   {id, owner}) > 0;
  });
}

// ---- Conversations ------------------------------------------------------------------------------

devkit::storage::ConversationRecord PgBackend::putConversation(const ConversationRecord& c) {
  const auto rows = run("put_conversation", [&](Session& s) {
    auto stored = query(s, sql(R"(
        INSERT INTO {s}.conversations AS c
          (id, owner, project_id, title, claude_session_id, created_us, updated_us)
        SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::bigint, $7::bigint
        WHERE EXISTS (SELECT 1 FROM {s}.projects WHERE id = $3::text AND owner = $2::text)
        ON CONFLICT (id) DO UPDATE SET project_id = EXCLUDED.project_id, title = EXCLUDED.title,
          claude_session_id = EXCLUDED.claude_session_id, created_us = EXCLUDED.created_us,
          updated_us = EXCLUDED.updated_us
        WHERE c.owner = EXCLUDED.owner
        RETURNING c.id)"),
                        {c.id, c.owner, c.projectId, c.title, c.claudeSessionId, str(c.createdUs),
                         str(c.updatedUs)});
    if (stored.empty()) {
      // Nothing written: the project is not the owner's, or the id is someone else's.
      if (query(s, sql("SELECT 1 FROM {s}.projects WHERE id = $1::text AND owner = $2::text"),
                {c.projectId, c.owner})
              .empty()) {
        notFound("project", c.projectId);
      }
      conflict("conversation", c.id);
    }
    return stored;
  });
  (void)rows;
  return c;
}

std::optional<devkit::storage::ConversationRecord> PgBackend::getConversation(
    const std::string& owner, const std::string& id) {
  const auto rows = run("get_conversation", [&](Session& s) {
    return query(s,
                 sql((std::string("SELECT ") + kConversationColumns +
                      " FROM {s}.conversations WHERE id = $1::text AND owner = $2::text")
                         .c_str()),
                 {id, owner});
  });
  if (rows.empty()) {
    return std::nullopt;
  }
  return toConversation(rows[0]);
}

std::vector<devkit::storage::ConversationRecord> PgBackend::listConversations(
    const std::string& owner, const std::string& projectId, const std::optional<Keyset>& after,
    int limit) {
  // One statement answers both "is the project theirs" (no row) and the page (the lateral rows;
  // one all-NULL row when the page is empty).
  std::string text =
      "SELECT c.id, c.owner, c.project_id, c.title, c.claude_session_id, c.created_us, "
      "c.updated_us FROM {s}.projects p LEFT JOIN LATERAL (SELECT * FROM {s}.conversations x "
      "WHERE x.project_id = p.id AND x.owner = $2::text";
  std::vector<Param> params = {projectId, owner};
  if (after) {
    text +=
        " AND (x.updated_us, x.id) < ($3::bigint, $4::text) "
        "ORDER BY x.updated_us DESC, x.id DESC LIMIT $5::bigint";
    params.insert(params.end(), {str(after->sortUs), after->id, str(int64_t{limit})});
  } else {
    text += " ORDER BY x.updated_us DESC, x.id DESC LIMIT $3::bigint";
    params.push_back(str(int64_t{limit}));
  }
  text +=
      ") c ON TRUE WHERE p.id = $1::text AND p.owner = $2::text "
      "ORDER BY c.updated_us DESC, c.id DESC";
  const auto rows =
      run("list_conversations", [&](Session& s) { return query(s, sql(text.c_str()), params); });
  if (rows.empty()) {
    notFound("project", projectId);
  }
  std::vector<ConversationRecord> out;
  for (const Row& r : rows) {
    if (r[0]) out.push_back(toConversation(r));
  }
  return out;
}

bool PgBackend::deleteConversation(const std::string& owner, const std::string& id) {
  return run("delete_conversation", [&](Session& s) {
    return execute(s, sql("DELETE FROM {s}.conversations WHERE id = $1::text AND owner = $2::text"),
                   {id, owner}) > 0;
  });
}

// ---- Messages -----------------------------------------------------------------------------------

int PgBackend::appendMessages(const std::string& owner, const std::string& conversationId,
                              const std::vector<MessageRecord>& messages) {
  // The last message of a seq wins, as if they were applied one by one (one INSERT ... ON
  // CONFLICT DO UPDATE may not touch a row twice).
  std::map<int64_t, const MessageRecord*> bySeq;
  for (const MessageRecord& m : messages) bySeq[m.seq] = &m;
  json batch = json::array();
  for (const auto& [seq, m] : bySeq) {
    batch.push_back({{"seq", seq},
                     {"role", m->role},
                     {"blocks", m->blocks},
                     {"run_id", m->runId ? json(*m->runId) : json(nullptr)},
                     {"created_us", m->createdUs}});
  }
  const auto rows = run("append_messages", [&](Session& s) {
    return query(s, sql(R"(
        WITH conv AS (SELECT id FROM {s}.conversations WHERE id = $1::text AND owner = $2::text),
        ins AS (
          INSERT INTO {s}.messages AS m (conversation_id, seq, role, blocks, run_id, created_us)
          SELECT conv.id, (e->>'seq')::bigint, e->>'role', e->'blocks', e->>'run_id',
                 (e->>'created_us')::bigint
          FROM conv, jsonb_array_elements($3::jsonb) AS e
          ON CONFLICT (conversation_id, seq) DO UPDATE SET role = EXCLUDED.role,
            blocks = EXCLUDED.blocks, run_id = EXCLUDED.run_id, created_us = EXCLUDED.created_us
          RETURNING 1)
        SELECT (SELECT count(*) FROM conv), (SELECT count(*) FROM ins))"),
                 {conversationId, owner, batch.dump()});
  });
  if (rows.empty() || toInt(rows[0][0], "count") == 0) {
    notFound("conversation", conversationId);
  }
  return static_cast<int>(messages.size());
}

std::vector<devkit::storage::MessageRecord> PgBackend::listMessages(
    const std::string& owner, const std::string& conversationId, int64_t afterSeq, int limit) {
  const auto rows = run("list_messages", [&](Session& s) {
    return query(s, sql(R"(
        SELECT m.seq, m.role, m.blocks, m.run_id, m.created_us
        FROM {s}.conversations c LEFT JOIN LATERAL (
          SELECT * FROM {s}.messages x WHERE x.conversation_id = c.id AND x.seq > $3::bigint
          ORDER BY x.seq LIMIT $4::bigint) m ON TRUE
        WHERE c.id = $1::text AND c.owner = $2::text
        ORDER BY m.seq)"),
                 {conversationId, owner, str(afterSeq), str(int64_t{limit})});
  });
  if (rows.empty()) {
    notFound("conversation", conversationId);
  }
  std::vector<MessageRecord> out;
  for (const Row& r : rows) {
    if (!r[0]) continue;
    MessageRecord m;
    m.conversationId = conversationId;
    m.seq = toInt(r[0], "messages.seq");
    m.role = need(r[1], "messages.role");
    m.blocks = toJson(r[2], "messages.blocks");
    m.runId = r[3];
    m.createdUs = toInt(r[4], "messages.created_us");
    out.push_back(std::move(m));
  }
  return out;
}

// ---- Runs ---------------------------------------------------------------------------------------

devkit::storage::RunRecord PgBackend::putRun(const RunRecord& r) {
  run("put_run", [&](Session& s) {
    const auto stored =
        query(s, sql(R"(
        INSERT INTO {s}.runs AS r
          (id, owner, conversation_id, status, started_us, ended_us, usage, cost_usd, error)
        SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::jsonb,
               $8::float8, $9::jsonb
        WHERE EXISTS (SELECT 1 FROM {s}.conversations WHERE id = $3::text AND owner = $2::text)
        ON CONFLICT (id) DO UPDATE SET conversation_id = EXCLUDED.conversation_id,
          status = EXCLUDED.status, started_us = EXCLUDED.started_us,
          ended_us = EXCLUDED.ended_us, usage = EXCLUDED.usage, cost_usd = EXCLUDED.cost_usd,
          error = EXCLUDED.error
        WHERE r.owner = EXCLUDED.owner
        RETURNING r.id)"),
              {r.id, r.owner, r.conversationId, r.status, str(r.startedUs),
               r.endedUs ? Param(str(*r.endedUs)) : std::nullopt, jsonParam(r.usage),
               r.costUsd ? Param(str(*r.costUsd)) : std::nullopt, jsonParam(r.error)});
    if (stored.empty()) {
      if (query(s, sql("SELECT 1 FROM {s}.conversations WHERE id = $1::text AND owner = $2::text"),
                {r.conversationId, r.owner})
              .empty()) {
        notFound("conversation", r.conversationId);
      }
      conflict("run", r.id);
    }
    return true;
  });
  return r;
}

std::optional<devkit::storage::RunRecord> PgBackend::getRun(const std::string& owner,
                                                            const std::string& id) {
  const auto rows = run("get_run", [&](Session& s) {
    return query(s,
                 sql((std::string("SELECT ") + kRunColumns +
                      " FROM {s}.runs WHERE id = $1::text AND owner = $2::text")
                         .c_str()),
                 {id, owner});
  });
  if (rows.empty()) {
    return std::nullopt;
  }
  return toRun(rows[0]);
}

std::vector<devkit::storage::RunRecord> PgBackend::listRuns(const std::string& owner,
                                                            const std::string& conversationId,
                                                            const std::optional<Keyset>& after,
                                                            int limit) {
  std::string text =
      "SELECT r.id, r.owner, r.conversation_id, r.status, r.started_us, r.ended_us, r.usage, "
      "r.cost_usd, r.error FROM {s}.conversations c LEFT JOIN LATERAL (SELECT * FROM {s}.runs x "
      "WHERE x.conversation_id = c.id AND x.owner = $2::text";
  std::vector<Param> params = {conversationId, owner};
  if (after) {
    text +=
        " AND (x.started_us, x.id) < ($3::bigint, $4::text) "
        "ORDER BY x.started_us DESC, x.id DESC LIMIT $5::bigint";
    params.insert(params.end(), {str(after->sortUs), after->id, str(int64_t{limit})});
  } else {
    text += " ORDER BY x.started_us DESC, x.id DESC LIMIT $3::bigint";
    params.push_back(str(int64_t{limit}));
  }
  text +=
      ") r ON TRUE WHERE c.id = $1::text AND c.owner = $2::text "
      "ORDER BY r.started_us DESC, r.id DESC";
  const auto rows =
      run("list_runs", [&](Session& s) { return query(s, sql(text.c_str()), params); });
  if (rows.empty()) {
    notFound("conversation", conversationId);
  }
  std::vector<RunRecord> out;
  for (const Row& r : rows) {
    if (r[0]) out.push_back(toRun(r));
  }
  return out;
}

// ---- Run events ---------------------------------------------------------------------------------

int PgBackend::appendRunEvents(const std::string& owner, const std::string& runId,
                               const std::vector<RunEventRecord>& events) {
  // The first event of a seq wins (an existing seq is kept), as if applied one by one.
  std::map<int64_t, const RunEventRecord*> bySeq;
  for (const RunEventRecord& e : events) bySeq.emplace(e.seq, &e);
  json batch = json::array();
  for (const auto& [seq, e] : bySeq) {
    batch.push_back({{"seq", seq}, {"type", e->type}, {"data", e->data}, {"time_us", e->timeUs}});
  }
  const auto rows = run("append_run_events", [&](Session& s) {
    return query(s, sql(R"(
        WITH r AS (SELECT id FROM {s}.runs WHERE id = $1::text AND owner = $2::text),
        ins AS (
          INSERT INTO {s}.run_events (run_id, seq, type, data, time_us)
          SELECT r.id, (e->>'seq')::bigint, e->>'type', e->'data', (e->>'time_us')::bigint
          FROM r, jsonb_array_elements($3::jsonb) AS e
          ON CONFLICT (run_id, seq) DO NOTHING
          RETURNING 1)
        SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM ins))"),
                 {runId, owner, batch.dump()});
  });
  if (rows.empty() || toInt(rows[0][0], "count") == 0) {
    notFound("run", runId);
  }
  return static_cast<int>(toInt(rows[0][1], "count"));
}

std::vector<devkit::storage::RunEventRecord> PgBackend::listRunEvents(const std::string& owner,
                                                                      const std::string& runId,
                                                                      int64_t afterSeq, int limit) {
  const auto rows = run("list_run_events", [&](Session& s) {
    return query(s, sql(R"(
        SELECT e.seq, e.type, e.data, e.time_us
        FROM {s}.runs r LEFT JOIN LATERAL (
          SELECT * FROM {s}.run_events x WHERE x.run_id = r.id AND x.seq > $3::bigint
          ORDER BY x.seq LIMIT $4::bigint) e ON TRUE
        WHERE r.id = $1::text AND r.owner = $2::text
        ORDER BY e.seq)"),
                 {runId, owner, str(afterSeq), str(int64_t{limit})});
  });
  if (rows.empty()) {
    notFound("run", runId);
  }
  std::vector<RunEventRecord> out;
  for (const Row& r : rows) {
    if (!r[0]) continue;
    RunEventRecord e;
    e.runId = runId;
    e.seq = toInt(r[0], "run_events.seq");
    e.type = need(r[1], "run_events.type");
    e.data = toJson(r[2], "run_events.data");
    e.timeUs = toInt(r[3], "run_events.time_us");
    out.push_back(std::move(e));
  }
  return out;
}

// ---- Archives -----------------------------------------------------------------------------------

devkit::storage::ArchiveInfo PgBackend::putArchive(const std::string& owner,
                                                   const std::string& projectId,
                                                   const devkit::sdk::Source& data) {
  // Once a byte was read, the source cannot be replayed: no retry after that.
  std::atomic<bool> consumed{false};
  return run(
      "put_archive",
      [&](Session& s) {
        Transaction tx(s);
        // The new blob; the project must be the owner's (and stays, by the foreign key's lock).
        const auto created = query(s, sql(R"(
            INSERT INTO {s}.archive_blobs (project_id)
            SELECT id FROM {s}.projects WHERE id = $1::text AND owner = $2::text
            RETURNING id)"),
                                   {projectId, owner});
        if (created.empty()) {
          notFound("project", projectId);
        }
        std::string blobId = need(created[0][0], "archive_blobs.id");
        // One INSERT per chunk: Poco cannot bind a batch, and the chunks must not sit in memory
        // together. A new Statement each time: re-executing a Poco 1.11 PostgreSQL statement
        // frees its previous result twice when the new execution fails (StatementExecutor keeps
        // the pointer clearResults() freed).
        const std::string insertSql =
            sql("INSERT INTO {s}.archive_chunks (blob_id, idx, data) "
                "VALUES ($1::bigint, $2::integer, $3)");
        Poco::Data::BLOB chunk;
        devkit::storage::Sha256 hasher;
        std::string buffer(kChunkBytes, '\0');
        int64_t size = 0;
        int chunks = 0;
        for (bool end = false; !end;) {
          size_t filled = 0;
          while (filled < buffer.size()) {
            consumed = true;
            const size_t n = data.read(buffer.data() + filled, buffer.size() - filled);
            if (n == 0) {
              end = true;
              break;
            }
            filled += n;
          }
          if (filled == 0) {
            break;
          }
          hasher.update(buffer.data(), filled);
          chunk.assignRaw(reinterpret_cast<const unsigned char*>(buffer.data()), filled);
          std::string index = std::to_string(chunks);
          Poco::Data::Statement insert(s);
          insert << insertSql, Poco::Data::Keywords::use(blobId), Poco::Data::Keywords::use(index),
              Poco::Data::Keywords::use(chunk);
          insert.execute();
          size += static_cast<int64_t>(filled);
          ++chunks;
        }
        ArchiveInfo info{true, size, hasher.hexDigest(), devkit::storage::nowUs()};
        execute(s,
                sql("UPDATE {s}.archive_blobs SET size = $2::bigint, sha256 = $3::text, "
                    "chunks = $4::integer, created_us = $5::bigint WHERE id = $1::bigint"),
                {blobId, str(size), info.sha256, std::to_string(chunks), str(info.createdUs)});
        execute(s,
                sql("INSERT INTO {s}.archives (project_id, blob_id) VALUES ($1::text, $2::bigint) "
                    "ON CONFLICT (project_id) DO UPDATE SET blob_id = EXCLUDED.blob_id"),
                {projectId, blobId});
        // The previous archive (and any blob a crashed put left) goes with this commit.
        execute(s,
                sql("DELETE FROM {s}.archive_blobs WHERE project_id = $1::text AND id <> "
                    "$2::bigint"),
                {projectId, blobId});
        tx.commit();
        return info;
      },
      &consumed);
}

void PgBackend::getArchive(const std::string& owner, const std::string& projectId,
                           const devkit::sdk::Sink& data) {
  std::atomic<bool> wrote{false};
  run(
      "get_archive",
      [&](Session& s) {
        // One snapshot for all chunks: a concurrent put cannot swap the archive mid-stream.
        Transaction tx(s);
        simpleExec(s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        const auto blob = query(s, sql(R"(
            SELECT b.id, b.chunks FROM {s}.archives a
            JOIN {s}.projects p ON p.id = a.project_id
            JOIN {s}.archive_blobs b ON b.id = a.blob_id
            WHERE a.project_id = $1::text AND p.owner = $2::text)"),
                                {projectId, owner});
        if (blob.empty()) {
          throw Error(DK_ERR_NOT_FOUND, "project " + projectId + " has no archive");
        }
        const std::string blobId = need(blob[0][0], "archive_blobs.id");
        const int64_t chunks = toInt(blob[0][1], "archive_blobs.chunks");
        const std::string chunkSql =
            sql("SELECT encode(data, 'base64') FROM {s}.archive_chunks "
                "WHERE blob_id = $1::bigint AND idx = $2::integer");
        for (int64_t i = 0; i < chunks; ++i) {
          // One chunk per SELECT: Poco buffers a whole result set.
          const auto rows = query(s, chunkSql, {blobId, str(i)});
          if (rows.empty()) {
            throw Error(DK_ERR_INTERNAL,
                        "archive of project " + projectId + " misses chunk " + std::to_string(i));
          }
          const std::string bytes = decodeBase64(need(rows[0][0], "archive_chunks.data"));
          wrote = true;
          data.writeOrThrow(bytes);  // a refused write ends the get with DK_ERR_CANCELLED
        }
        tx.commit();
        return true;
      },
      &wrote);
}

devkit::storage::ArchiveInfo PgBackend::statArchive(const std::string& owner,
                                                    const std::string& projectId) {
  const auto rows = run("stat_archive", [&](Session& s) {
    return query(s, sql(R"(
        SELECT b.size, b.sha256, b.created_us FROM {s}.archives a
        JOIN {s}.projects p ON p.id = a.project_id
        JOIN {s}.archive_blobs b ON b.id = a.blob_id
        WHERE a.project_id = $1::text AND p.owner = $2::text)"),
                 {projectId, owner});
  });
  ArchiveInfo info;
  if (!rows.empty()) {
    info.exists = true;
    info.size = toInt(rows[0][0], "archive_blobs.size");
    info.sha256 = need(rows[0][1], "archive_blobs.sha256");
    info.createdUs = toInt(rows[0][2], "archive_blobs.created_us");
  }
  return info;
}

bool PgBackend::deleteArchive(const std::string& owner, const std::string& projectId) {
  return run("delete_archive", [&](Session& s) {
    // Deleting the blobs cascades to their chunks and to the archives row.
    return execute(s, sql(R"(
        DELETE FROM {s}.archive_blobs b USING {s}.archives a, {s}.projects p
        WHERE a.project_id = $1::text AND p.id = a.project_id AND p.owner = $2::text
          AND b.project_id = a.project_id)"),
                   {projectId, owner}) > 0;
  });
}

// ---- Host state ---------------------------------------------------------------------------------

void PgBackend::putState(const std::string& key, const json& value) {
  run("put_state", [&](Session& s) {
    return execute(s, sql(R"(
        INSERT INTO {s}.host_state (key, value, updated_us)
        VALUES ($1::text, $2::jsonb, $3::bigint)
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_us = EXCLUDED.updated_us)"),
                   {key, value.dump(), str(devkit::storage::nowUs())});
  });
}

std::optional<json> PgBackend::getState(const std::string& key) {
  const auto rows = run("get_state", [&](Session& s) {
    return query(s, sql("SELECT value FROM {s}.host_state WHERE key = $1::text"), {key});
  });
  if (rows.empty()) {
    return std::nullopt;
  }
  return toJson(rows[0][0], "host_state.value");
}

}  // namespace devkit::lakebase
