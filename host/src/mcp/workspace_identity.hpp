#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace devkit::mcp {

/// Checks a Databricks token against the workspace (GET /api/2.0/preview/scim/v2/Me), for MCP
/// clients outside the host ([mcp] external). Answers are cached by a SHA-256 of the token (the
/// token itself is never kept as a key nor logged): acceptances for `ttl`, refusals for 30 s, so
/// that a busy client costs the workspace one call per few minutes and a revoked token stops
/// working within `ttl`. Unavailable answers are not cached.
/// THREADING: thread-safe.
class WorkspaceIdentity {
 public:
  enum class Outcome { kAccepted, kRefused, kUnavailable };

  struct Result {
    Outcome outcome = Outcome::kUnavailable;
    std::string email;  // SCIM userName, when accepted
    std::string name;   // SCIM displayName, when accepted
  };

  explicit WorkspaceIdentity(std::string workspaceUrl,
                             std::chrono::seconds ttl = std::chrono::seconds(300));

  /// Who `token` is on the workspace: accepted (200), refused (401/403) or unavailable (anything
  /// else, including network errors).
  Result check(const std::string& token);

  static constexpr std::chrono::seconds kRefusalTtl{30};

 private:
  struct Entry {
    Result result;
    std::chrono::steady_clock::time_point expires;
  };

  Result ask(const std::string& token) const;

  std::string workspaceUrl_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> cache_;  // SHA-256 of the token (hex) -> answer
};

}  // namespace devkit::mcp
