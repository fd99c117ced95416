#pragma once

#include <nlohmann/json.hpp>

namespace devkit::api {

// Storage objects (docs/storage.md) turned into the API's JSON (docs/api.md): ISO 8601 times
// instead of microseconds, "user_email" instead of "owner", and nothing the client must not see.

/// {id, name, user_email, created_at, updated_at, conversation_count, settings}
nlohmann::json projectView(const nlohmann::json& project, const nlohmann::json& settings);
/// {state, last_backup_at, size?, sha256?, error?} from BackupService status.
nlohmann::json backupView(const nlohmann::json& status);
/// {id, project_id, title, session_id, created_at, updated_at}
nlohmann::json conversationView(const nlohmann::json& conversation);
/// {seq, role, blocks, content (the text blocks joined), is_error, run_id, created_at}
nlohmann::json messageView(const nlohmann::json& message);

}  // namespace devkit::api
