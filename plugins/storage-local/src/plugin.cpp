// storage-local: the embedded default storage (SQLite metadata + archive files under the data dir).
//
// This build is the plugin's skeleton: it loads, declares its kind, version and config schema, and
// every storage operation answers DK_ERR_UNSUPPORTED (the SDK's Storage defaults); /healthz shows
// the storage as not reachable until issue #3 implements it.
#include <devkit/sdk.hpp>

#include <string>
#include <string_view>

namespace {

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

class LocalStorage final : public devkit::sdk::Storage {
 public:
  LocalStorage(const devkit::sdk::Host& host, std::string_view /*configJson*/) : host_(host) {
    host_.debug("storage-local loaded; storage operations are not implemented in this build");
  }
  std::string health() override {
    return R"({"status":"unimplemented","detail":"storage operations are not implemented yet","reachable":false,"schema_version":0})";
  }

 private:
  devkit::sdk::Host host_;
};

}  // namespace

DK_DEFINE_PLUGIN("storage-local", "0.1.0", "SQLite and local-disk storage (embedded default)",
                 kConfigSchema, LocalStorage)
