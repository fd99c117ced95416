// Helpers for storage-lakebase's tests: the PostgreSQL test cluster (tests/pg), an admin connection
// to it, a clock the tests move, and a fake Databricks workspace (OAuth M2M + Lakebase credential
// endpoints) served in-process on 127.0.0.1.
#pragma once

#include <devkit/abi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "credentials.hpp"

typedef struct pg_conn PGconn;

namespace Poco::Net {
class HTTPServer;
}  // namespace Poco::Net

namespace devkit::lakebase_test {

using nlohmann::json;

/// The directory of tests/pg's cluster: DEVKIT_TEST_PG_DIR, overridable by that environment
/// variable.
std::string clusterDir();
/// The DSN the cluster wrote there. Throws when the cluster is not running: a missing server
/// fails, never skips.
std::string clusterDsn();
/// Its port.
int clusterPort();
/// Restarts the cluster (scripts/pg-test-cluster.sh restart: same port, same data), which drops
/// every connection to it; throws with the script's output when it fails.
void restartCluster();

/// How many of this process's file descriptors are sockets (/proc/self/fd).
int openSocketCount();

/// A random lower-case name with a prefix, usable as a schema or role name.
std::string uniqueName(const std::string& prefix);

/// A superuser connection to the cluster over plain libpq.
class PgAdmin {
 public:
  PgAdmin();
  ~PgAdmin();
  PgAdmin(const PgAdmin&) = delete;
  PgAdmin& operator=(const PgAdmin&) = delete;
  /// Runs SQL (simple protocol); throws with the server's message on failure.
  void exec(const std::string& sql);
  /// The first column of the first row, or nullopt when there is none (or it is NULL).
  std::optional<std::string> value(const std::string& sql);

 private:
  PGconn* conn_ = nullptr;
};

/// An environment with nothing in it, so the machine's PG* or DATABRICKS_* never leak into a test.
lakebase::EnvLookup noEnv();
/// An environment made of `values`.
lakebase::EnvLookup envOf(std::map<std::string, std::string> values);

/// Epoch microseconds that only move when the test says so.
class TestClock {
 public:
  TestClock();
  int64_t now() const { return now_.load(); }
  void advanceSeconds(double seconds) { now_ += static_cast<int64_t>(seconds * 1e6); }
  lakebase::Clock fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<int64_t> now_;
};

/// A fake Databricks workspace: POST /oidc/v1/token (client credentials, Basic auth), POST
/// /api/2.0/database/credentials, POST /api/2.0/postgres/credentials and GET
/// /api/2.0/database/instances/<name>, with the checks and answer shapes of
/// databricks-api.md §1.2 and §10. THREADING: thread-safe.
class FakeWorkspace {
 public:
  explicit FakeWorkspace(const TestClock& clock);
  ~FakeWorkspace();
  FakeWorkspace(const FakeWorkspace&) = delete;
  FakeWorkspace& operator=(const FakeWorkspace&) = delete;

  std::string url() const;

  /// The service principal /oidc/v1/token accepts, and the lifetime of what it issues.
  void setClient(const std::string& id, const std::string& secret, int accessTokenLifetimeS = 3600);
  /// A personal access token the API accepts as Bearer.
  void setPat(const std::string& token);
  /// The next Lakebase tokens to hand out, in order; the last one repeats.
  void queueLakebaseToken(const std::string& token, int64_t lifetimeUs);
  /// Makes the credential endpoints answer `status` (0: normally).
  void failCredentials(int status);
  /// Every access token issued so far stops being accepted (as if expired early).
  void revokeAccessTokens();
  void setInstance(const std::string& name, const std::string& readWriteDns);

  int calls(const std::string& path) const;
  /// The JSON bodies of the credential requests, in order.
  std::vector<json> credentialRequests() const;
  /// The Authorization headers of the credential requests, in order.
  std::vector<std::string> credentialAuthorizations() const;
  /// Every access token issued by /oidc/v1/token.
  std::vector<std::string> issuedAccessTokens() const;

  struct Reply {
    int status = 200;
    std::string body;
  };
  Reply handle(const std::string& method, const std::string& path, const std::string& authorization,
               const std::string& contentType, const std::string& body);

 private:
  bool bearerOk(const std::string& authorization) const;

  const TestClock& clock_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::string clientId_, clientSecret_;
  int accessLifetimeS_ = 3600;
  std::string pat_;
  std::vector<std::string> accessTokens_;
  size_t revokedUpTo_ = 0;
  std::vector<std::pair<std::string, int64_t>> lakebaseTokens_;
  size_t nextLakebase_ = 0;
  int failStatus_ = 0;
  std::string instanceName_ = "inst-1", readWriteDns_ = "127.0.0.1";
  std::map<std::string, int> calls_;
  std::vector<json> credentialRequests_;
  std::vector<std::string> credentialAuthorizations_;
};

/// A dk_source that yields `data` in pieces, then fails (read returns -1) once `failAfter` bytes
/// were read, when set.
class TestSource {
 public:
  explicit TestSource(std::string data, std::optional<size_t> failAfter = std::nullopt);
  const dk_source* get() const { return &source_; }

 private:
  dk_source source_{};
  std::string data_;
  std::optional<size_t> failAfter_;
  size_t pos_ = 0;
};

}  // namespace devkit::lakebase_test
