#include "schema.hpp"

#include <devkit/sdk.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "connection_pool.hpp"
#include "devkit/storage/util.hpp"

namespace devkit::storage::local {
namespace {

using namespace Poco::Data::Keywords;  // NOLINT(build/namespaces): Poco's into/use/now DSL

struct Migration {
  int version;
  std::vector<const char*> statements;
};

// Append only: a released migration is never edited, a change is a new version. Timestamps are
// BIGINT microseconds, JSON is TEXT. Every user-owned table carries `owner` so that each query can
// be scoped by it; children cascade from their parents (docs/storage.md "delete_project").
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       {
           R"(CREATE TABLE projects (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                name TEXT NOT NULL,
                settings TEXT NOT NULL,
                created_us BIGINT NOT NULL,
                updated_us BIGINT NOT NULL))",
           // list_projects: owner's projects, newest updated_us first, ties by id.
           "CREATE INDEX projects_by_owner ON projects (owner, updated_us DESC, id DESC)",
           R"(CREATE TABLE conversations (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                claude_session_id TEXT,
                created_us BIGINT NOT NULL,
                updated_us BIGINT NOT NULL))",
           "CREATE INDEX conversations_by_project ON conversations "
           "(project_id, updated_us DESC, id DESC)",
           R"(CREATE TABLE messages (
                conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                role TEXT NOT NULL,
                blocks TEXT NOT NULL,
                run_id TEXT,
                created_us BIGINT NOT NULL,
                PRIMARY KEY (conversation_id, seq)) WITHOUT ROWID)",
           R"(CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                status TEXT NOT NULL,
                started_us BIGINT NOT NULL,
                ended_us BIGINT,
                usage TEXT,
                cost_usd REAL,
                error TEXT))",
           "CREATE INDEX runs_by_conversation ON runs (conversation_id, started_us DESC, id DESC)",
           R"(CREATE TABLE run_events (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                time_us BIGINT NOT NULL,
                PRIMARY KEY (run_id, seq)) WITHOUT ROWID)",
           // One archive per project; the bytes live in archive_dir/<project id>.archive.
           R"(CREATE TABLE archives (
                project_id TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
                size BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                created_us BIGINT NOT NULL))",
           R"(CREATE TABLE state (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_us BIGINT NOT NULL))",
       }},
  };
  return kMigrations;
}

void ensureVersionTable(Poco::Data::Session& session) {
  session << "CREATE TABLE IF NOT EXISTS schema_version ("
             "version INTEGER PRIMARY KEY, applied_us BIGINT NOT NULL)",
      now;
}

}  // namespace

int latestSchemaVersion() { return migrations().back().version; }

int currentSchemaVersion(Poco::Data::Session& session) {
  int64_t version = 0;
  session << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(version), now;
  return static_cast<int>(version);
}

int migrate(Poco::Data::Session& session) {
  {
    Transaction tx(session, Transaction::Mode::kWrite);
    ensureVersionTable(session);
    tx.commit();
  }
  for (const Migration& migration : migrations()) {
    Transaction tx(session, Transaction::Mode::kWrite);
    const int current = currentSchemaVersion(session);
    if (current >= migration.version) {
      continue;  // applied earlier, or by a concurrent start; the guard ends the transaction
    }
    for (const char* statement : migration.statements) {
      session << statement, now;
    }
    int version = migration.version;
    int64_t appliedUs = nowUs();
    session << "INSERT INTO schema_version (version, applied_us) VALUES (?, ?)", use(version),
        use(appliedUs), now;
    tx.commit();
  }
  const int version = currentSchemaVersion(session);
  if (version > latestSchemaVersion()) {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                             "the database has schema version " + std::to_string(version) +
                                 ", newer than this storage-local supports (" +
                                 std::to_string(latestSchemaVersion()) + ")");
  }
  return version;
}

}  // namespace devkit::storage::local
