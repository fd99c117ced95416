#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/raw_config.hpp"

namespace devkit::config {

/// Expands ${name} references in a value (Poco's syntax); what is left unexpanded stays as
/// "${...}".
using Expander = std::function<std::string(const std::string&)>;

/// What validating one section produced.
struct ValidatedSection {
  nlohmann::json values = nlohmann::json::object();  // typed, defaults filled in
  std::vector<std::string> secrets;                  // values of keys marked "secret": true
};

/// Validates one INI section against a JSON Schema and converts the INI strings to the schema's
/// types.
///
/// The subset of JSON Schema understood (documented in docs/configuration.md): an object schema
/// with "properties", "required" and "additionalProperties"; per property "type" (string, integer,
/// number, boolean), "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "default",
/// "description", and the devkit keyword "secret": true (the value may only come from the
/// environment and is never logged). Booleans accept yes/no, true/false, on/off, 1/0.
///
/// `ignoredKeys` are consumed by the host itself (e.g. enabled, required, path) and skipped.
/// Throws ConfigError naming the value's origin, the section, the key and the reason.
ValidatedSection validateSection(const std::string& section, const nlohmann::json& schema,
                                 const RawSection& values, const std::string& fileOrigin,
                                 const Expander& expand,
                                 const std::set<std::string>& ignoredKeys = {});

/// Checks that `schema` is a schema this validator understands (used on plugin schemas, which come
/// from third parties); returns an empty string or the reason it is not.
std::string checkSchema(const nlohmann::json& schema);

}  // namespace devkit::config
