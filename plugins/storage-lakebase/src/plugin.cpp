// storage-lakebase: storage on PostgreSQL / Databricks Lakebase (docs/storage.md).
//
// The JSON side is storage-common's StorageAdapter; PgBackend (pg_backend.hpp) stores. The config
// is resolved at create: a config that says nothing about where the database is fails the create
// with DK_ERR_INVALID_ARGUMENT; a database that cannot be reached yet does not (the instance
// starts "down" and reconnects on later calls).
#include <devkit/sdk.hpp>
#include <devkit/storage/adapter.hpp>

#include <memory>
#include <string_view>

#include "config.hpp"
#include "pg_backend.hpp"

namespace {

class LakebaseStorage final : public devkit::storage::StorageAdapter {
 public:
  LakebaseStorage(const devkit::sdk::Host& host, std::string_view configJson)
      : StorageAdapter(std::make_unique<devkit::lakebase::PgBackend>(
            host, devkit::lakebase::parseConfig(configJson, devkit::lakebase::processEnv()))) {}
};

}  // namespace

DK_DEFINE_PLUGIN("storage-lakebase", "0.2.0", "PostgreSQL / Databricks Lakebase storage",
                 devkit::lakebase::kConfigSchema, LakebaseStorage)
