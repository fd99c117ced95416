#include "config/schema_validator.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <regex>

#include <Poco/String.h>

#include "config/config_error.hpp"
#include "config/env_overrides.hpp"

namespace devkit::config {
namespace {

using nlohmann::json;

const std::set<std::string> kKnownTypes = {"string", "integer", "number", "boolean"};

// Levenshtein distance, for "did you mean" hints on misspelt keys.
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(const std::string& key, const json& properties) {
  std::string best;
  size_t bestDistance = 3;  // only close matches are worth suggesting
  for (const auto& [name, _] : properties.items()) {
    const size_t d = editDistance(key, name);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best.empty() ? std::string() : "; did you mean '" + best + "'?";
}

// Converts `text` to the property's type; returns the reason on failure.
std::string convert(const std::string& text, const json& property, json& out) {
  const std::string type = property.value("type", "string");
  if (type == "string") {
    out = text;
    return "";
  }
  const std::string t = Poco::trim(text);
  if (type == "boolean") {
    const std::string v = Poco::toLower(t);
    if (v == "yes" || v == "true" || v == "on" || v == "1") {
      out = true;
    } else if (v == "no" || v == "false" || v == "off" || v == "0") {
      out = false;
    } else {
      return "expected a boolean (yes/no, true/false, on/off, 1/0), got '" + text + "'";
    }
    return "";
  }
  if (type == "integer") {
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
      return "expected an integer, got '" + text + "'";
    }
    out = v;
    return "";
  }
  // number
  double v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v)) {
    return "expected a number, got '" + text + "'";
  }
  out = v;
  return "";
}

// Checks enum / range / length / pattern; returns the reason on failure.
std::string checkConstraints(const json& value, const json& property) {
  if (property.contains("enum")) {
    const json& options = property["enum"];
    if (std::find(options.begin(), options.end(), value) == options.end()) {
      std::string list;
      for (const auto& o : options) {
        list += (list.empty() ? "" : ", ") + (o.is_string() ? o.get<std::string>() : o.dump());
      }
      return "must be one of: " + list + "; got " +
             (value.is_string() ? "'" + value.get<std::string>() + "'" : value.dump());
    }
  }
  if (value.is_number()) {
    const double v = value.get<double>();
    if (property.contains("minimum") && v < property["minimum"].get<double>()) {
      return "must be at least " + property["minimum"].dump() + ", got " + value.dump();
    }
    if (property.contains("maximum") && v > property["maximum"].get<double>()) {
      return "must be at most " + property["maximum"].dump() + ", got " + value.dump();
    }
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (property.contains("minLength") && s.size() < property["minLength"].get<size_t>()) {
      return s.empty() ? "must not be empty"
                       : "must be at least " + property["minLength"].dump() + " characters";
    }
    if (property.contains("maxLength") && s.size() > property["maxLength"].get<size_t>()) {
      return "must be at most " + property["maxLength"].dump() + " characters";
    }
    if (property.contains("pattern")) {
      const std::string pattern = property["pattern"].get<std::string>();
      if (!std::regex_search(s, std::regex(pattern, std::regex::ECMAScript))) {
        return "must match " + pattern + ", got '" + s + "'";
      }
    }
  }
  return "";
}

}  // namespace

std::string checkSchema(const json& schema) {
  if (schema.is_null()) {
    return "";
  }
  if (!schema.is_object()) {
    return "the config schema is not a JSON object";
  }
  if (schema.contains("type") && schema["type"] != "object") {
    return "the config schema's type must be \"object\"";
  }
  if (!schema.contains("properties")) {
    return "";
  }
  if (!schema["properties"].is_object()) {
    return "the config schema's \"properties\" is not an object";
  }
  for (const auto& [name, property] : schema["properties"].items()) {
    if (!property.is_object()) {
      return "property '" + name + "' is not an object";
    }
    const std::string type = property.value("type", "string");
    if (kKnownTypes.count(type) == 0) {
      return "property '" + name + "' has type '" + type +
             "'; INI values can only be string, integer, number or boolean";
    }
    if (property.contains("pattern")) {
      if (!property["pattern"].is_string()) return "property '" + name + "': pattern not a string";
      try {
        std::regex re(property["pattern"].get<std::string>(), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return "property '" + name + "' has an invalid pattern: " + e.what();
      }
    }
    for (const char* numeric : {"minimum", "maximum", "minLength", "maxLength"}) {
      if (property.contains(numeric) && !property[numeric].is_number()) {
        return "property '" + name + "': " + numeric + " is not a number";
      }
    }
    if (property.contains("enum") && !property["enum"].is_array()) {
      return "property '" + name + "': enum is not an array";
    }
  }
  if (schema.contains("required") && !schema["required"].is_array()) {
    return "the config schema's \"required\" is not an array";
  }
  return "";
}

ValidatedSection validateSection(const std::string& section, const json& schema,
                                 const RawSection& values, const std::string& fileOrigin,
                                 const Expander& expand, const std::set<std::string>& ignoredKeys) {
  ValidatedSection result;
  const json properties =
      schema.is_object() && schema.contains("properties") ? schema["properties"] : json::object();
  const bool additional = schema.is_object() && schema.value("additionalProperties", false);

  for (const auto& [key, raw] : values) {
    if (ignoredKeys.count(key) != 0) {
      continue;
    }
    if (!key.empty() && (key[0] == '#' || key[0] == '/')) {
      throw ConfigError(raw.origin, section, key,
                        "looks like a comment: the INI parser only accepts ';' comments");
    }
    if (!properties.contains(key)) {
      if (additional) {
        result.values[key] = raw.text;
        continue;
      }
      throw ConfigError(raw.origin, section, key, "unknown key" + suggestion(key, properties));
    }
    const json& property = properties[key];
    const bool secret = property.value("secret", false);
    if (secret && !raw.fromEnvironment) {
      throw ConfigError(
          raw.origin, section, key,
          "is a secret and may only come from the environment (" + envNameFor(section, key) + ")");
    }
    // Secrets are taken literally: a token may legitimately contain "${".
    const std::string text = secret ? raw.text : expand(raw.text);
    if (!secret && text.find("${") != std::string::npos) {
      throw ConfigError(
          raw.origin, section, key,
          "has an unresolved reference in '" + raw.text + "' (is the environment variable set?)");
    }
    json typed;
    std::string reason = convert(text, property, typed);
    if (reason.empty()) {
      reason = checkConstraints(typed, property);
    }
    if (!reason.empty()) {
      // Never echo a secret back, not even in an error.
      throw ConfigError(raw.origin, section, key, secret ? "invalid secret value" : reason);
    }
    if (secret && !text.empty()) {
      result.secrets.push_back(text);
    }
    result.values[key] = std::move(typed);
  }

  for (const auto& [name, property] : properties.items()) {
    if (result.values.contains(name) || !property.contains("default")) {
      continue;
    }
    json value = property["default"];
    if (value.is_string()) {
      value = expand(value.get<std::string>());
      if (value.get_ref<const std::string&>().find("${") != std::string::npos) {
        throw ConfigError(fileOrigin, section, name,
                          "the schema's default '" + property["default"].get<std::string>() +
                              "' has an unresolved reference; set the key explicitly");
      }
    }
    result.values[name] = std::move(value);
  }
  if (schema.is_object() && schema.contains("required")) {
    for (const auto& name : schema["required"]) {
      if (!result.values.contains(name.get<std::string>())) {
        throw ConfigError(fileOrigin, section, name.get<std::string>(),
                          "is required (set it in the file or as " +
                              envNameFor(section, name.get<std::string>()) + ")");
      }
    }
  }
  return result;
}

}  // namespace devkit::config
