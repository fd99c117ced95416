#include "app/health.hpp"

#include <devkit/abi.h>

#include "plugins/plugin_loader.hpp"

namespace devkit::app {

nlohmann::json buildHealth(const plugins::PluginRegistry& registry, const char* version,
                           int64_t uptimeS, bool stopping) {
  nlohmann::json problems = nlohmann::json::array();
  nlohmann::json list = registry.health();
  for (const auto& p : list) {
    const std::string id = p["id"];
    if (p["state"] == "failed") {
      problems.push_back("plugin '" + id + "' failed to load: " + p.value("error", ""));
    }
    if (p.contains("health")) {
      for (const auto& [kind, h] : p["health"].items()) {
        if (h.value("status", "down") != "ok") {
          problems.push_back("plugin '" + id + "' " + kind + " is " + h.value("status", "down") +
                             (h.contains("detail") ? ": " + h.value("detail", "") : ""));
        }
      }
    }
  }

  nlohmann::json storage = {{"plugin", nullptr}, {"reachable", false}};
  if (const auto s = registry.storage()) {
    const nlohmann::json h = s->health();
    storage = {{"plugin", registry.storageId()},
               {"reachable", h.value("reachable", false)},
               {"status", h.value("status", "down")},
               {"detail", h.value("detail", "")}};
    if (!storage["reachable"].get<bool>()) {
      problems.push_back("storage '" + registry.storageId() + "' is not reachable");
    }
  } else {
    storage["detail"] = "no storage plugin is enabled";
    problems.push_back("no storage plugin is enabled");
  }

  const std::string status = stopping ? "stopping" : (problems.empty() ? "ok" : "degraded");
  return {{"status", status},
          {"version", version},
          {"abi", plugins::abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR)},
          {"uptime_s", uptimeS},
          {"plugins", std::move(list)},
          {"storage", std::move(storage)},
          {"problems", std::move(problems)}};
}

}  // namespace devkit::app
