#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "plugins/plugin_registry.hpp"

namespace devkit::app {

/// Builds the /healthz document:
///   {"status": "ok" | "degraded" | "stopping", "version", "abi", "uptime_s",
///    "plugins": [{id, state, required, version, kinds, health, error?}],
///    "storage": {"plugin", "reachable", "status", "detail"}, "problems": ["..."]}
/// "degraded" lists each reason in "problems": a plugin that failed to load (required = no), a
/// plugin whose health is not ok, storage not reachable. The host keeps serving in every case.
nlohmann::json buildHealth(const plugins::PluginRegistry& registry, const char* version,
                           int64_t uptimeS, bool stopping);

}  // namespace devkit::app
