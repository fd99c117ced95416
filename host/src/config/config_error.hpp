#pragma once

#include <stdexcept>
#include <string>

namespace devkit::config {

/// A configuration problem found at startup. what() is one line that names where the value came
/// from (the INI file or the environment variable), the section and key, and the reason; the host
/// prints it and exits with 78 (EX_CONFIG).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& origin, const std::string& section, const std::string& key,
              const std::string& reason)
      : std::runtime_error(format(origin, section, key, reason)) {}

 private:
  static std::string format(const std::string& origin, const std::string& section,
                            const std::string& key, const std::string& reason) {
    std::string out = origin.empty() ? std::string("configuration") : origin;
    out += ": ";
    if (!section.empty()) {
      out += "[" + section + "]";
      if (!key.empty()) {
        out += " " + key;
      }
      out += ": ";
    }
    return out + reason;
  }
};

}  // namespace devkit::config
