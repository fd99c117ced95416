#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace devkit::mcp {

/// Checks tool arguments against the tool's inputSchema before the provider sees them (abi.h
/// promises providers validated arguments). The subset checked: type (also as a list), required,
/// properties, additionalProperties (false or a schema), items, enum, const, minLength,
/// maxLength, minimum, maximum, minItems, maxItems, and local $ref ("#/$defs/x", followed up to
/// 32 deep). Other keywords are accepted unchecked: the
/// provider still validates what it relies on. Returns "" or what is wrong, naming the path.
std::string checkArguments(const nlohmann::json& schema, const nlohmann::json& value,
                           const std::string& path = "arguments");

}  // namespace devkit::mcp
