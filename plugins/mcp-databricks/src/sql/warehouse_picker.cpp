#include "sql/warehouse_picker.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "tools/tool.hpp"

namespace devkit::databricks::sql {
namespace {

using json = nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int tierOf(const json& w) {
  const std::string state = w.value("state", "");
  const std::string name = lower(w.value("name", ""));
  const bool shared = name.find("shared") != std::string::npos;
  if (state == "RUNNING") {
    if (name == "shared endpoint" || name == "dbdemos-shared-endpoint") return 1;
    return shared ? 2 : 3;
  }
  if (state == "STARTING") return 4;
  if (state == "STOPPED") return shared ? 5 : 6;
  if (state == "STOPPING") return 7;
  return 8;  // unknown states last
}

}  // namespace

std::vector<json> rankWarehouses(const json& warehouses, const std::string& userName) {
  std::vector<json> out;
  if (!warehouses.is_array()) return out;
  for (const json& w : warehouses) {
    const std::string state = w.value("state", "");
    if (state == "DELETED" || state == "DELETING" || w.value("id", "").empty()) continue;
    out.push_back(w);
  }
  const std::string me = lower(userName);
  auto key = [&](const json& w) {
    const bool serverless = w.value("enable_serverless_compute", false);
    const bool mine = !me.empty() && lower(w.value("creator_name", "")) == me;
    return std::make_tuple(tierOf(w), serverless ? 0 : 1, mine ? 0 : 1, lower(w.value("name", "")),
                           w.value("id", ""));
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const json& a, const json& b) { return key(a) < key(b); });
  return out;
}

PickedWarehouse pickWarehouse(RestClient& client, const std::string& explicitId,
                              const std::string& configuredId, const std::string& userName) {
  if (!explicitId.empty()) return {explicitId, "", "argument"};
  if (!configuredId.empty()) return {configuredId, "", "settings"};
  try {
    const json def = client.get("/api/2.0/sql/warehouses/default");
    const std::string id = def.value("id", "");
    const std::string state = def.value("state", "");
    if (!id.empty() && state != "DELETED" && state != "DELETING") {
      return {id, def.value("name", ""), "workspace default"};
    }
  } catch (const ApiError& e) {
    // The alias is not rolled out everywhere: a 4xx means "no default", anything else is real.
    if (e.status() < 400 || e.status() >= 500) throw;
  }
  const json all = client.getAllPages("/api/2.0/sql/warehouses", {{"skip_cannot_use", "true"}},
                                      "warehouses", 1000);
  const std::vector<json> ranked = rankWarehouses(all, userName);
  if (ranked.empty()) {
    throw ToolFailure(
        "No SQL warehouse is available to you in this workspace. Create one (SQL > SQL "
        "Warehouses), ask for CAN USE on an existing one, or pass warehouse_id.");
  }
  const json& best = ranked.front();
  return {best.value("id", ""), best.value("name", ""),
          "best usable warehouse (" + best.value("state", "") + ")"};
}

}  // namespace devkit::databricks::sql
