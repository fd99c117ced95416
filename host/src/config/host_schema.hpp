#pragma once

#include <nlohmann/json.hpp>

namespace devkit::config {

/// JSON Schemas of the host's own INI sections ([server], [logging], [data], [plugins]) and of the
/// keys the host consumes in every [plugin.<id>] section. Same subset as plugin schemas.
const nlohmann::json& hostSectionSchemas();
const nlohmann::json& pluginCommonSchema();

}  // namespace devkit::config
