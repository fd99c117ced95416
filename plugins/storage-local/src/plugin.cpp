// storage-local: the embedded default storage. Metadata (projects, conversations, messages, runs,
// run events, host state) in a SQLite database, project archives as files; the storage kind's JSON
// side is StorageAdapter's (plugins/storage-common), the storing is SqliteBackend's.
#include <devkit/sdk.hpp>

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "devkit/storage/adapter.hpp"
#include "sqlite_backend.hpp"

namespace {

using devkit::sdk::Error;

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "database": {"type": "string", "default": "${data.dir}/devkit.sqlite", "minLength": 1,
                 "description": "SQLite database file."},
    "archive_dir": {"type": "string", "default": "${data.dir}/archives", "minLength": 1,
                    "description": "Directory for project archives (backups)."},
    "busy_timeout_ms": {"type": "integer", "default": 5000, "minimum": 0, "maximum": 600000,
                        "description": "How long a writer waits for SQLite's lock."}
  }
})";

constexpr int kDefaultBusyTimeoutMs = 5000;
constexpr int kMaxBusyTimeoutMs = 600000;

std::string pathSetting(const nlohmann::json& config, const char* key) {
  const auto it = config.find(key);
  if (it == config.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw Error(DK_ERR_INVALID_ARGUMENT, std::string("\"") + key + "\" must be a non-empty path");
  }
  const std::string& path = it->get_ref<const std::string&>();
  // The host expands ${...}; a leftover one would create a directory literally named "${data.dir}".
  if (path.find("${") != std::string::npos) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                std::string("\"") + key + "\" holds an unexpanded variable: " + path);
  }
  return path;
}

devkit::storage::local::LocalConfig parseConfig(std::string_view configJson) {
  const nlohmann::json config = nlohmann::json::parse(configJson, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "the configuration is not a JSON object");
  }
  devkit::storage::local::LocalConfig out;
  out.database = pathSetting(config, "database");
  out.archiveDir = pathSetting(config, "archive_dir");
  out.busyTimeoutMs = kDefaultBusyTimeoutMs;
  if (const auto it = config.find("busy_timeout_ms"); it != config.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() > kMaxBusyTimeoutMs) {
      throw Error(DK_ERR_INVALID_ARGUMENT,
                  "\"busy_timeout_ms\" must be an integer from 0 to 600000");
    }
    out.busyTimeoutMs = it->get<int>();
  }
  return out;
}

class LocalStorage final : public devkit::storage::StorageAdapter {
 public:
  LocalStorage(const devkit::sdk::Host& host, std::string_view configJson)
      : StorageAdapter(std::make_unique<devkit::storage::local::SqliteBackend>(
            host, parseConfig(configJson))) {}
};

}  // namespace

DK_DEFINE_PLUGIN("storage-local", "0.1.0", "SQLite and local-disk storage (embedded default)",
                 kConfigSchema, LocalStorage)
