#pragma once

#include <nlohmann/json.hpp>

namespace devkit::api {

// Storage objects (docs/storage.md) turned into the API's JSON (docs/api.md): ISO 8601 times
// instead of microseconds, "user_email" instead of "owner", and nothing the client must not see.

/// {id, name, user_email, created_at, updated_at, conversation_count, settings}
/// Takes its arguments by value: callers move the storage objects in (lists of 1,000 rows would
/// otherwise copy every string once more).
nlohmann::json projectView(nlohmann::json project, nlohmann::json settings);
/// {state, last_backup_at, size?, sha256?, error?} from BackupService status.
nlohmann::json backupView(const nlohmann::json& status);
/// {id, project_id, title, session_id, created_at, updated_at}
nlohmann::json conversationView(nlohmann::json conversation);
/// {seq, role, blocks, content (the text blocks joined), is_error, run_id, created_at}
nlohmann::json messageView(nlohmann::json message);

}  // namespace devkit::api
