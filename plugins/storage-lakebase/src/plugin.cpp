// storage-lakebase: storage on PostgreSQL / Databricks Lakebase.
//
// This build is the plugin's skeleton: it loads, declares its kind, version and config schema, and
// every storage operation answers DK_ERR_UNSUPPORTED; issue #3 implements it.
#include <devkit/sdk.hpp>

#include <string>
#include <string_view>

namespace {

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "dsn": {"type": "string", "default": "", "secret": true,
            "description": "postgresql:// URL (LAKEBASE_PG_URL style); empty uses the PG* variables."},
    "schema": {"type": "string", "default": "devkit", "pattern": "^[a-z_][a-z0-9_]{0,62}$",
               "description": "PostgreSQL schema that holds the tables."},
    "instance_name": {"type": "string", "default": "",
                      "description": "Lakebase provisioned instance; its OAuth token is the password."},
    "endpoint": {"type": "string", "default": "",
                 "description": "Lakebase autoscaling endpoint name (instead of instance_name)."},
    "pool_size": {"type": "integer", "default": 8, "minimum": 1, "maximum": 256,
                  "description": "Connections kept open at most."}
  }
})";

class LakebaseStorage final : public devkit::sdk::Storage {
 public:
  LakebaseStorage(const devkit::sdk::Host& host, std::string_view /*configJson*/) : host_(host) {
    host_.debug("storage-lakebase loaded; storage operations are not implemented in this build");
  }
  std::string health() override {
    return R"({"status":"unimplemented","detail":"storage operations are not implemented yet","reachable":false,"schema_version":0})";
  }

 private:
  devkit::sdk::Host host_;
};

}  // namespace

DK_DEFINE_PLUGIN("storage-lakebase", "0.1.0", "PostgreSQL / Databricks Lakebase storage",
                 kConfigSchema, LakebaseStorage)
