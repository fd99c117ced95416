// Choosing the SQL warehouse when the caller names none (databricks-api.md §2.3): the configured
// one, else the workspace default (GET /api/2.0/sql/warehouses/default; a 4xx means "no default
// here", a 5xx is an error), else the best of the warehouses the caller can use, ranked like the
// ai-dev-kit's get_best_warehouse.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/rest_client.hpp"

namespace devkit::databricks::sql {

struct PickedWarehouse {
  std::string id;
  std::string name;
  std::string how;  // "argument", "settings", "workspace default", "best usable: RUNNING ..."
};

/// Ranks warehouses (EndpointInfo JSON) best first, dropping DELETED/DELETING:
///   1. RUNNING named "Shared endpoint" / "dbdemos-shared-endpoint"; 2. RUNNING with "shared" in
///   the name; 3. any RUNNING; 4. STARTING; 5. STOPPED with "shared"; 6. any STOPPED;
///   7. STOPPING. Within a tier: serverless first, then the caller's own (creator_name ==
///   `userName`), then by name (case-insensitive).
std::vector<nlohmann::json> rankWarehouses(const nlohmann::json& warehouses,
                                           const std::string& userName = "");

/// The warehouse to use: `explicitId` if set, else `configuredId`, else the workspace default,
/// else the best usable one (skip_cannot_use=true). Throws ToolFailure when there is none.
PickedWarehouse pickWarehouse(RestClient& client, const std::string& explicitId,
                              const std::string& configuredId, const std::string& userName = "");

}  // namespace devkit::databricks::sql
