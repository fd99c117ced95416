#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace devkit::runs {

/// An event type as stored: 1-64 bytes of [a-z_] (storage allows 64; the UI switches on them).
inline bool validEventType(const std::string& type) {
  if (type.empty() || type.size() > 64) return false;
  for (const char c : type) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

/// Removes U+0000 from every string (keys too) in a JSON value: PostgreSQL cannot store it
/// (docs/storage.md), and a conversation must read the same on either storage plugin. Tool output
/// is the usual source.
inline void stripNulCharacters(nlohmann::json& value) {
  auto clean = [](std::string& s) { std::erase(s, '\0'); };
  if (value.is_string()) {
    clean(value.get_ref<std::string&>());
  } else if (value.is_array()) {
    for (auto& item : value) stripNulCharacters(item);
  } else if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    bool renamed = false;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it.key().find('\0') != std::string::npos) renamed = true;
    }
    if (renamed) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        std::string key = it.key();
        clean(key);
        out[key] = std::move(it.value());
      }
      value = std::move(out);
    }
    for (auto& [key, item] : value.items()) stripNulCharacters(item);
  }
}

}  // namespace devkit::runs
