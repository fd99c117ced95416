#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace devkit::logging {

enum class Format { kText, kJson };

/// Sets up the host's logging: one stderr sink shared by every logger, which redacts registered
/// secrets from each formatted line before it is written. Safe to call again (reconfigures the
/// level and format in place); the first call happens before the configuration is read so that
/// startup errors are logged too. THREADING: call from the main thread during startup.
void setup(std::string_view level, Format format);

/// A logger named `name` (e.g. "http", "plugin.mcp-databricks") on the shared sink; created on
/// first use. THREADING: thread-safe.
std::shared_ptr<spdlog::logger> get(const std::string& name);

/// Registers a secret value; from then on it is replaced by "***" wherever it would be logged.
/// Values shorter than 4 characters are ignored (too likely to appear by chance). THREADING: safe.
void addSecret(const std::string& value);

/// Replaces every registered secret in `text` (used by the sink; exposed for tests).
std::string redact(std::string text);

/// Routes Poco's own logging (Logger::root() and every logger created later) into spdlog.
void routePocoLogging();

/// Parses "trace".."off"; throws std::invalid_argument for anything else.
spdlog::level::level_enum parseLevel(std::string_view level);

}  // namespace devkit::logging
