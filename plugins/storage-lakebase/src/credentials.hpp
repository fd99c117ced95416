// Where and as whom to log in: the connection parameters, and for Databricks Lakebase the
// short-lived OAuth token that serves as the password, fetched and rotated here.
//
// Lakebase checks a token only at login, so an open connection outlives its token; what must be
// fresh is the password of each NEW connection. Every fetched token therefore starts a new
// "generation": the pool opens new connections with the newest generation and retires connections
// of older ones as they come back, which is a new pool per token without cutting off a connection
// in use. A token is rotated well before it expires (10 minutes before, or after half its lifetime
// when it is short); while one thread fetches, the others keep using the previous token as long as
// it is still valid.
#pragma once

#include <devkit/sdk.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "conninfo.hpp"
#include "http.hpp"

namespace devkit::lakebase {

/// Microseconds since the Unix epoch; injectable so tests can move time forward.
using Clock = std::function<int64_t()>;
Clock systemClock();

/// What a new connection needs.
struct ConnectTarget {
  uint64_t generation = 0;
  std::string conninfo;      // carries the password: never log it
  std::string pingConninfo;  // the same without the password: PQping needs no login
  std::string description;   // postgresql://user@host:port/db?sslmode=..., for logs
};

class Credentials {
 public:
  /// Builds the connection parameters from the config. Throws devkit::sdk::Error
  /// (DK_ERR_INVALID_ARGUMENT) when they are unusable; contacts nothing.
  Credentials(const LakebaseConfig& config, devkit::sdk::Host host,
              std::shared_ptr<Redactor> redactor, Clock clock = systemClock());
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;

  /// The target for a new connection, fetching or rotating the Lakebase token when due. Throws
  /// DK_ERR_UNAVAILABLE when no usable credential can be had. THREADING: thread-safe.
  ConnectTarget current();
  /// A login with this generation's password was refused: rotate early (at most every 30 s).
  void loginRefused(uint64_t generation);

  bool rotates() const { return config_.mode != CredentialMode::kStatic; }
  /// postgresql://user@host:port/db?sslmode=... without contacting anything.
  std::string where() const;
  /// For health and tests: {"credential", "generation", "token_expires_us", "next_rotation_us",
  /// "fetches"}; never a secret.
  nlohmann::json describe() const;
  /// How many Lakebase tokens were fetched so far.
  int fetches() const;

 private:
  struct Fetched {
    std::string token;
    int64_t expiresUs = 0;
  };
  Fetched fetchLakebaseToken();
  std::string workspaceBearer(bool forceNew);
  std::string lookupInstanceHost(const std::string& bearer);
  nlohmann::json postJson(const std::string& path, const nlohmann::json& body,
                          const std::string& bearer, int& status);
  ConnectTarget targetLocked() const;

  LakebaseConfig config_;
  devkit::sdk::Host host_;
  std::shared_ptr<Redactor> redactor_;
  Clock clock_;
  HttpClient http_;

  mutable std::mutex mutex_;
  std::condition_variable fetched_;
  ConnParams params_;  // without the Lakebase token
  bool hostKnown_ = true;
  uint64_t generation_ = 0;
  std::string token_;
  int64_t expiresUs_ = 0;
  int64_t rotateAtUs_ = 0;
  int64_t usableUntilUs_ = 0;
  int64_t nextAttemptUs_ = 0;
  int64_t lastForcedUs_ = 0;
  bool fetching_ = false;
  std::string lastError_;
  int fetches_ = 0;

  // The workspace token (OAuth M2M access token, or the configured static token).
  std::mutex workspaceMutex_;
  std::string workspaceToken_;
  int64_t workspaceRefreshUs_ = 0;
};

/// Parses an RFC 3339 time ("2025-01-01T12:00:00.5Z", "+02:00" offsets) to epoch microseconds.
std::optional<int64_t> parseRfc3339Us(const std::string& text);

}  // namespace devkit::lakebase
