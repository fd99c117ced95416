// The Lakebase credential flow end to end: a fake workspace hands out OAuth tokens, and the test
// cluster checks them, because each test logs in as a role that only accepts its password over
// scram (member of devkit_password_auth, see scripts/pg-test-cluster.sh) and whose password is
// the token the fake hands out. A connection therefore works only if the plugin used the right
// token as the password, at the right time.
#include <devkit/sdk.hpp>
#include <devkit/testing/fake_host.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lakebase_test_support.hpp"
#include "pg_backend.hpp"
#include "pool.hpp"

namespace devkit::lakebase_test {
namespace {

using lakebase::PgBackend;
using ::testing::HasSubstr;

constexpr int64_t kMinuteUs = 60'000'000;
constexpr const char* kClientId = "sp-client-id";
constexpr const char* kClientSecret = "sp-client-secret-value";

class LakebaseCredentials : public ::testing::Test {
 protected:
  void SetUp() override {
    role_ = uniqueName("lb_role");
    schema_ = uniqueName("lb_cred");
    token1_ = uniqueName("tok1");
    token2_ = uniqueName("tok2");
    admin_.exec(
        "DO $$ BEGIN CREATE ROLE devkit_password_auth NOLOGIN; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
    admin_.exec("CREATE ROLE " + role_ + " LOGIN PASSWORD '" + token1_ +
                "' IN ROLE devkit_password_auth");
    admin_.exec("GRANT CREATE ON DATABASE postgres TO " + role_);
    fake_.setClient(kClientId, kClientSecret);
  }

  void TearDown() override {
    backend_.reset();
    try {
      admin_.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" +
                  role_ + "'");
      admin_.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      admin_.exec("DROP OWNED BY " + role_);
      admin_.exec("DROP ROLE IF EXISTS " + role_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup: " << e.what();
    }
    // No secret ever reaches a log line.
    std::vector<std::string> secrets = {token1_, token2_, kClientSecret};
    for (const std::string& t : fake_.issuedAccessTokens()) secrets.push_back(t);
    for (const auto& line : host_.lines()) {
      for (const std::string& secret : secrets) {
        EXPECT_THAT(line.message, ::testing::Not(HasSubstr(secret))) << "a log line leaks it";
      }
    }
  }

  // A provisioned-instance config that logs in as role_ on the test cluster.
  json config() const {
    return {{"instance_name", "inst-1"}, {"databricks_host", fake_.url()},
            {"client_id", kClientId},    {"client_secret", kClientSecret},
            {"host", "127.0.0.1"},       {"port", clusterPort()},
            {"database", "postgres"},    {"user", role_},
            {"sslmode", "disable"},  // the test cluster has no TLS
            {"schema", schema_},         {"pool_size", 4},
            {"connect_timeout_s", 2}};
  }

  PgBackend& start(const json& cfg) {
    backend_ = std::make_unique<PgBackend>(devkit::sdk::Host(host_.api()),
                                           lakebase::parseConfig(cfg.dump(), noEnv()), clock_.fn());
    return *backend_;
  }

  // Whom the plugin's connections are logged in as.
  std::string currentUser() {
    lakebase::Lease lease = backend_->pool().acquire(std::chrono::seconds(5));
    return lakebase::query(lease.session(), "SELECT current_user").at(0).at(0).value_or("");
  }

  void putAndGetProject(const std::string& id) {
    devkit::storage::ProjectRecord p;
    p.id = id;
    p.owner = "a@example.com";
    p.name = "n";
    backend_->putProject(p);
    ASSERT_TRUE(backend_->getProject("a@example.com", id).has_value());
  }

  devkit::testing::FakeHost host_;
  TestClock clock_;
  FakeWorkspace fake_{clock_};
  PgAdmin admin_;
  std::string role_, schema_, token1_, token2_;
  std::unique_ptr<PgBackend> backend_;
};

TEST_F(LakebaseCredentials, M2MTokenThenCredentialThenLoginWithIt) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  PgBackend& backend = start(config());
  const json health = backend.health();
  EXPECT_EQ(health.value("status", ""), "ok") << health.dump();
  EXPECT_EQ(health.value("schema_version", 0), 1) << health.dump();
  EXPECT_EQ(health["credential"].value("credential", ""), "lakebase-instance") << health.dump();
  EXPECT_EQ(currentUser(), role_);
  putAndGetProject("p1");

  EXPECT_EQ(fake_.calls("/oidc/v1/token"), 1);
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 1);
  const auto requests = fake_.credentialRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["instance_names"], json::array({"inst-1"}));
  EXPECT_EQ(requests[0]["request_id"].get<std::string>().size(), 36u);  // a UUID
  EXPECT_EQ(fake_.credentialAuthorizations()[0], "Bearer " + fake_.issuedAccessTokens().at(0));
  // The tables are in the configured schema, owned by the Lakebase role.
  EXPECT_EQ(admin_.value("SELECT tableowner FROM pg_tables WHERE schemaname = '" + schema_ +
                         "' AND tablename = 'projects'"),
            role_);
}

TEST_F(LakebaseCredentials, AStaticWorkspaceTokenSkipsOAuth) {
  fake_.setPat("dapi-test-pat-0123");
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  json cfg = config();
  cfg.erase("client_id");
  cfg.erase("client_secret");
  cfg["token"] = "dapi-test-pat-0123";
  start(cfg);
  EXPECT_EQ(currentUser(), role_);
  EXPECT_EQ(fake_.calls("/oidc/v1/token"), 0);
  EXPECT_EQ(fake_.credentialAuthorizations().at(0), "Bearer dapi-test-pat-0123");
  for (const auto& line : host_.lines()) {
    EXPECT_THAT(line.message, ::testing::Not(HasSubstr("dapi-test-pat-0123")));
  }
}

TEST_F(LakebaseCredentials, AutoscalingEndpointUsesThePostgresApi) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  json cfg = config();
  cfg.erase("instance_name");
  cfg["endpoint"] = "projects/p1/branches/main/endpoints/ep1";
  start(cfg);
  EXPECT_EQ(currentUser(), role_);
  EXPECT_EQ(fake_.calls("/api/2.0/postgres/credentials"), 1);
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 0);
  EXPECT_EQ(fake_.credentialRequests().at(0),
            json({{"endpoint", "projects/p1/branches/main/endpoints/ep1"}}));
  // The autoscaling answer's expire_time was understood: the next rotation is ~50 min away.
  const json described = backend_->credentials().describe();
  EXPECT_NEAR(static_cast<double>(described["next_rotation_us"].get<int64_t>() - clock_.now()),
              50.0 * kMinuteUs, 1.0 * kMinuteUs);
}

TEST_F(LakebaseCredentials, TheInstanceHostIsLookedUpWhenNotConfigured) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  fake_.setInstance("inst-1", "127.0.0.1");
  json cfg = config();
  cfg.erase("host");
  start(cfg);
  EXPECT_EQ(currentUser(), role_);
  EXPECT_EQ(fake_.calls("/api/2.0/database/instances/inst-1"), 1);
  EXPECT_TRUE(host_.logged("is at 127.0.0.1"));
}

TEST_F(LakebaseCredentials, RotatesBeforeExpiryWhileConnectionsInUseFinish) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  fake_.queueLakebaseToken(token2_, 60 * kMinuteUs);
  PgBackend& backend = start(config());
  putAndGetProject("before");
  lakebase::Lease inUse = backend.pool().acquire(std::chrono::seconds(5));  // generation 1
  EXPECT_EQ(backend.credentials().describe()["generation"], 1);

  clock_.advanceSeconds(49 * 60);  // not yet: rotation is due 10 minutes before the expiry
  putAndGetProject("at-49-min");
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 1);

  // From now on only the second token logs in; the old one would be refused.
  admin_.exec("ALTER ROLE " + role_ + " PASSWORD '" + token2_ + "'");
  clock_.advanceSeconds(2 * 60);  // 51 minutes
  putAndGetProject("at-51-min");  // a new connection, with the new token
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 2);
  EXPECT_EQ(backend.credentials().describe()["generation"], 2);
  EXPECT_EQ(currentUser(), role_);

  // The connection opened with the first token still works: tokens are checked at login only.
  lakebase::simpleExec(inUse.session(), "SELECT 1");
  const int openBefore = backend.pool().stats()["open"];
  const int idleBefore = backend.pool().stats()["idle"];
  { lakebase::Lease done = std::move(inUse); }  // back to the pool: retired, not reused
  EXPECT_EQ(backend.pool().stats()["open"], openBefore - 1);
  EXPECT_EQ(backend.pool().stats()["idle"], idleBefore);
  EXPECT_EQ(backend.health().value("status", ""), "ok");
}

TEST_F(LakebaseCredentials, TokenRefreshSecondsShortensTheRotation) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  json cfg = config();
  cfg["token_refresh_s"] = 120;
  start(cfg);
  putAndGetProject("a");
  clock_.advanceSeconds(119);
  putAndGetProject("b");
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 1);
  clock_.advanceSeconds(2);
  putAndGetProject("c");
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 2);
}

TEST_F(LakebaseCredentials, ShortLivedTokensRotateAtHalfTheirLifetime) {
  fake_.queueLakebaseToken(token1_, 10'000'000);  // 10 s
  start(config());
  putAndGetProject("a");
  clock_.advanceSeconds(4);
  putAndGetProject("b");
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 1);
  clock_.advanceSeconds(2);
  putAndGetProject("c");
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 2);
}

TEST_F(LakebaseCredentials, AFailedRotationKeepsServingWithTheOldToken) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  PgBackend& backend = start(config());
  putAndGetProject("a");
  fake_.failCredentials(503);
  clock_.advanceSeconds(51 * 60);
  putAndGetProject("b");  // the rotation failed; the old token is still valid
  EXPECT_TRUE(host_.logged("could not get a Lakebase credential"));
  EXPECT_EQ(backend.credentials().describe()["generation"], 1);
  // Past the expiry no new login is possible, but open connections keep serving.
  clock_.advanceSeconds(10 * 60);
  putAndGetProject("c");
  // The workspace is back: the next call rotates.
  fake_.failCredentials(0);
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  clock_.advanceSeconds(10);
  putAndGetProject("d");
  EXPECT_EQ(backend.credentials().describe()["generation"], 2);
}

TEST_F(LakebaseCredentials, ARevokedWorkspaceTokenIsReplacedOnce) {
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  start(config());
  putAndGetProject("a");
  fake_.revokeAccessTokens();
  clock_.advanceSeconds(51 * 60);  // the cached M2M token is still "fresh" by its own clock
  putAndGetProject("b");
  EXPECT_EQ(fake_.calls("/oidc/v1/token"), 2);
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 3);  // 1, then a 401, then a retry
}

TEST_F(LakebaseCredentials, ATokenTheDatabaseRefusesIsReplaced) {
  fake_.queueLakebaseToken(uniqueName("wrong"), 60 * kMinuteUs);
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  start(config());  // starts down: its login was refused
  EXPECT_TRUE(host_.logged("password authentication failed for user \"" + role_ + "\""));
  EXPECT_TRUE(host_.logged("refused the Lakebase credential; fetching a new one"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the login backoff
  putAndGetProject("a");                                         // with the second token
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 2);
  EXPECT_EQ(currentUser(), role_);
  EXPECT_EQ(backend_->health().value("status", ""), "ok");
}

TEST_F(LakebaseCredentials, RefusedClientCredentialsAreDownNotFatal) {
  fake_.setClient(kClientId, "another-secret");
  fake_.queueLakebaseToken(token1_, 60 * kMinuteUs);
  PgBackend& backend = start(config());
  const json health = backend.health();
  EXPECT_EQ(health.value("status", ""), "down") << health.dump();
  EXPECT_THAT(health.value("detail", ""),
              HasSubstr("refused the OAuth client credentials (HTTP 401 invalid_client"));
  try {
    backend.getState("k");
    ADD_FAILURE() << "no error";
  } catch (const devkit::sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_UNAVAILABLE);
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr(kClientSecret)));
  }
  EXPECT_EQ(fake_.calls("/api/2.0/database/credentials"), 0);
}

}  // namespace
}  // namespace devkit::lakebase_test
