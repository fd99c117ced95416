// libpq connection parameters as Poco's PostgreSQL connector needs them, and log redaction.
//
// Poco 1.11's SessionImpl::open splits its connection string on spaces and '=' itself (no quoting)
// and cannot take a postgresql:// URL, so a DSN is parsed with libpq's PQconninfoParse (URLs,
// percent-encoding, key=value strings) and rebuilt as plain `key=value` pairs.
#pragma once

#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace devkit::lakebase {

class ConnParams {
 public:
  /// Parses a postgresql:// URL or a key=value string. Throws devkit::sdk::Error
  /// (DK_ERR_INVALID_ARGUMENT) with a message that never contains the DSN itself.
  static ConnParams fromDsn(const std::string& dsn);

  void set(const std::string& key, const std::string& value);
  void setDefault(const std::string& key, const std::string& value);
  std::optional<std::string> get(const std::string& key) const;
  void erase(const std::string& key);

  /// "key=value key=value" for Poco. Throws DK_ERR_INVALID_ARGUMENT when a value holds whitespace,
  /// a quote or a backslash, which Poco's parser cannot carry (the value is not echoed).
  std::string conninfo() const;
  /// postgresql://user@host:port/dbname?sslmode=... for logs and health: never the password.
  std::string describe() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// Scrubs secrets from text before it reaches a log line or an error message: every registered
/// value, and any `password=...` a libpq or Poco message repeats. THREADING: thread-safe.
/// The text of an exception; for a Poco::Exception its displayText(), since its what() is only
/// the exception's name ("Connection attempt failed").
std::string errorText(const std::exception& e);

class Redactor {
 public:
  void add(const std::string& secret);
  std::string operator()(std::string text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;
};

}  // namespace devkit::lakebase
