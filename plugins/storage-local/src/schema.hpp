// storage-local's versioned SQLite schema (docs/storage.md "Schema and migrations").
#pragma once

#include <Poco/Data/Session.h>

namespace devkit::storage::local {

/// The newest schema version this build knows.
int latestSchemaVersion();

/// Applies every migration newer than the database's version, each in its own BEGIN IMMEDIATE
/// transaction that re-reads the version first, so concurrent starts apply each one once and a
/// second start applies nothing. Returns the resulting version. Throws devkit::sdk::Error
/// (DK_ERR_INVALID_ARGUMENT) for a database written by a newer build.
int migrate(Poco::Data::Session& session);

/// The version recorded in schema_version (0 for a database without one).
int currentSchemaVersion(Poco::Data::Session& session);

}  // namespace devkit::storage::local
