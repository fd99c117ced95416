#include "mcp/argument_check.hpp"

#include <algorithm>
#include <cstdint>

namespace devkit::mcp {

namespace {

using nlohmann::json;

bool hasType(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    // 2.0 is an integer in JSON Schema.
    return value.is_number_float() &&
           value.get<double>() == static_cast<double>(static_cast<int64_t>(value.get<double>()));
  }
  return true;  // an unknown type name is the schema's problem, not the caller's
}

std::string typeName(const json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

}  // namespace

namespace {

constexpr int kMaxRefDepth = 32;  // a $ref cycle in a provider's schema must not hang a call

std::string check(const json& schema, const json& value, const std::string& path, const json& root,
                  int depth) {
  if (!schema.is_object()) return "";
  if (const auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    // Local references only (#/$defs/x): a tool's schema is self-contained; others are skipped.
    const std::string& target = ref->get_ref<const std::string&>();
    if (target.rfind("#/", 0) == 0 && depth < kMaxRefDepth) {
      try {
        const json& resolved = root.at(json::json_pointer(target.substr(1)));
        if (std::string error = check(resolved, value, path, root, depth + 1); !error.empty()) {
          return error;
        }
      } catch (const json::exception&) {
        // A dangling reference is the schema's problem, not the caller's.
      }
    }
  }
  if (const auto it = schema.find("type"); it != schema.end()) {
    bool ok = false;
    std::string wanted;
    if (it->is_string()) {
      ok = hasType(value, it->get<std::string>());
      wanted = it->get<std::string>();
    } else if (it->is_array()) {
      for (const json& t : *it) {
        if (!t.is_string()) continue;
        ok = ok || hasType(value, t.get<std::string>());
        wanted += (wanted.empty() ? "" : " or ") + t.get<std::string>();
      }
    } else {
      ok = true;
    }
    if (!ok) return path + " must be " + wanted + ", not " + typeName(value);
  }
  if (const auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
    if (std::find(it->begin(), it->end(), value) == it->end()) {
      return path + " must be one of " + it->dump();
    }
  }
  if (const auto it = schema.find("const"); it != schema.end() && *it != value) {
    return path + " must be " + it->dump();
  }
  if (value.is_string()) {
    // Lengths count code points, as JSON Schema does.
    const auto& s = value.get_ref<const std::string&>();
    const auto length = static_cast<int64_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    if (schema.contains("minLength") && schema["minLength"].is_number() &&
        length < schema["minLength"].get<int64_t>()) {
      return path + " must be at least " + schema["minLength"].dump() + " characters long";
    }
    if (schema.contains("maxLength") && schema["maxLength"].is_number() &&
        length > schema["maxLength"].get<int64_t>()) {
      return path + " must be at most " + schema["maxLength"].dump() + " characters long";
    }
  }
  if (value.is_number()) {
    const double number = value.get<double>();
    if (schema.contains("minimum") && schema["minimum"].is_number() &&
        number < schema["minimum"].get<double>()) {
      return path + " must be at least " + schema["minimum"].dump();
    }
    if (schema.contains("maximum") && schema["maximum"].is_number() &&
        number > schema["maximum"].get<double>()) {
      return path + " must be at most " + schema["maximum"].dump();
    }
  }
  if (value.is_array()) {
    const auto size = static_cast<int64_t>(value.size());
    if (schema.contains("minItems") && schema["minItems"].is_number() &&
        size < schema["minItems"].get<int64_t>()) {
      return path + " must have at least " + schema["minItems"].dump() + " items";
    }
    if (schema.contains("maxItems") && schema["maxItems"].is_number() &&
        size > schema["maxItems"].get<int64_t>()) {
      return path + " must have at most " + schema["maxItems"].dump() + " items";
    }
    if (const auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string error =
            check(*items, value[i], path + "[" + std::to_string(i) + "]", root, depth);
        if (!error.empty()) return error;
      }
    }
  }
  if (value.is_object()) {
    if (const auto required = schema.find("required");
        required != schema.end() && required->is_array()) {
      for (const json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          return path + " is missing the required property '" + name.get<std::string>() + "'";
        }
      }
    }
    const json properties = schema.value("properties", json::object());
    const auto additional = schema.find("additionalProperties");
    for (const auto& [key, member] : value.items()) {
      const std::string memberPath = path + "." + key;
      if (properties.is_object() && properties.contains(key)) {
        std::string error = check(properties[key], member, memberPath, root, depth);
        if (!error.empty()) return error;
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          return path + " has an unknown property '" + key + "'";
        }
        std::string error = check(*additional, member, memberPath, root, depth);
        if (!error.empty()) return error;
      }
    }
  }
  return "";
}

}  // namespace

std::string checkArguments(const json& schema, const json& value, const std::string& path) {
  return check(schema, value, path, schema, 0);
}

}  // namespace devkit::mcp
