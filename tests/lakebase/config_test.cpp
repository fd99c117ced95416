// storage-lakebase without a server: which config wins over which environment variable, what
// fails the create, how a DSN becomes Poco's connection string, what is scrubbed from logs, and
// that an unreachable server makes a "down" instance rather than a failed or blocked create.
#include <devkit/sdk.hpp>
#include <devkit/testing/fake_host.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config.hpp"
#include "conninfo.hpp"
#include "credentials.hpp"
#include "lakebase_test_support.hpp"
#include "pg_backend.hpp"

extern "C" const dk_plugin_descriptor* dk_plugin_entry(const dk_host_api* host);

namespace devkit::lakebase_test {
namespace {

using lakebase::CredentialMode;
using lakebase::parseConfig;
using ::testing::HasSubstr;
using ::testing::Not;

// The status and message parseConfig (or anything else) throws.
template <class F>
std::pair<dk_status, std::string> failure(F&& f) {
  try {
    f();
  } catch (const devkit::sdk::Error& e) {
    return {e.status(), e.what()};
  }
  return {DK_OK, ""};
}

TEST(LakebaseOffline, NothingConfiguredFailsTheCreateWithAClearMessage) {
  const auto [status, message] = failure([] { parseConfig("{}", noEnv()); });
  EXPECT_EQ(status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(message, HasSubstr("no database configured"));
  EXPECT_THAT(message, HasSubstr("LAKEBASE_PG_URL"));
}

TEST(LakebaseOffline, TheFactoryRefusesTheSchemaDefaults) {
  // What the host does with an empty [plugin.storage-lakebase] section and no PG* variables.
  for (const char* var : {"LAKEBASE_PG_URL", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE"}) {
    ::unsetenv(var);
  }
  devkit::testing::FakeHost host;
  const dk_plugin_descriptor* d = dk_plugin_entry(host.api());
  ASSERT_NE(d, nullptr);
  const json schema = json::parse(d->config_schema_json);
  json config = json::object();
  for (const auto& [key, property] : schema["properties"].items())
    config[key] = property["default"];
  EXPECT_THROW(
      {
        try {
          devkit::testing::InstanceHandle<dk_storage_vtbl>::create(d->create_storage,
                                                                   config.dump());
        } catch (const std::runtime_error& e) {
          EXPECT_THAT(e.what(), HasSubstr("status " + std::to_string(DK_ERR_INVALID_ARGUMENT)));
          EXPECT_THAT(e.what(), HasSubstr("no database configured"));
          throw;
        }
      },
      std::runtime_error);
}

TEST(LakebaseOffline, SchemaDeclaresEverySecret) {
  const json schema = json::parse(lakebase::kConfigSchema);
  for (const char* key : {"dsn", "client_secret", "token"}) {
    EXPECT_EQ(schema["properties"][key].value("secret", false), true) << key;
  }
  for (const char* key :
       {"schema", "instance_name", "endpoint", "pool_size", "host", "port", "database", "user",
        "sslmode", "databricks_host", "client_id", "token_refresh_s", "connect_timeout_s"}) {
    EXPECT_TRUE(schema["properties"].contains(key)) << key;
    EXPECT_FALSE(schema["properties"][key].value("secret", false)) << key;
  }
}

TEST(LakebaseOffline, DsnComesFromTheKeyThenLakebasePgUrl) {
  EXPECT_EQ(parseConfig(R"({"dsn":"postgresql://a@h/db"})", envOf({{"LAKEBASE_PG_URL", "x"}})).dsn,
            "postgresql://a@h/db");
  EXPECT_EQ(parseConfig(R"({"dsn":""})", envOf({{"LAKEBASE_PG_URL", "postgresql://b@h/db"}})).dsn,
            "postgresql://b@h/db");
}

TEST(LakebaseOffline, PgVariablesStandInForTheKeysOnlyWithoutADsn) {
  const auto env = envOf({{"PGHOST", "envhost"},
                          {"PGPORT", "6543"},
                          {"PGDATABASE", "envdb"},
                          {"PGUSER", "envuser"},
                          {"PGSSLMODE", "verify-full"}});
  const auto plain = parseConfig("{}", env);
  EXPECT_EQ(plain.host, "envhost");
  EXPECT_EQ(plain.port, 6543);
  EXPECT_EQ(plain.database, "envdb");
  EXPECT_EQ(plain.user, "envuser");
  EXPECT_EQ(plain.sslmode, "verify-full");
  const auto keys = parseConfig(R"({"host":"keyhost","user":"keyuser"})", env);
  EXPECT_EQ(keys.host, "keyhost");
  EXPECT_EQ(keys.user, "keyuser");
  const auto withDsn = parseConfig(R"({"dsn":"postgresql://d@dsnhost/x"})", env);
  EXPECT_EQ(withDsn.host, "");
  EXPECT_EQ(withDsn.user, "");
  EXPECT_EQ(withDsn.port, 0);
}

TEST(LakebaseOffline, LakebaseNeedsAWorkspaceAndAnIdentity) {
  EXPECT_THAT(failure([] { parseConfig(R"({"instance_name":"i","host":"h"})", noEnv()); }).second,
              HasSubstr("databricks_host"));
  EXPECT_THAT(failure([] {
                parseConfig(R"({"instance_name":"i","host":"h","databricks_host":"w"})", noEnv());
              }).second,
              HasSubstr("client_id"));
  EXPECT_THAT(failure([] {
                parseConfig(R"({"instance_name":"i","endpoint":"e","databricks_host":"w"})",
                            noEnv());
              }).second,
              HasSubstr("not both"));
  EXPECT_THAT(failure([] {
                parseConfig(R"({"endpoint":"projects/p","databricks_host":"w","token":"t"})",
                            noEnv());
              }).second,
              HasSubstr("needs \"host\""));
}

TEST(LakebaseOffline, WorkspaceIdentityPrecedence) {
  const auto env = envOf({{"DATABRICKS_HOST", "adb-1.azuredatabricks.net/"},
                          {"DATABRICKS_TOKEN", "env-pat"},
                          {"DATABRICKS_CLIENT_ID", "env-id"},
                          {"DATABRICKS_CLIENT_SECRET", "env-secret"}});
  const auto fromEnv = parseConfig(R"({"instance_name":"i"})", env);
  EXPECT_EQ(fromEnv.mode, CredentialMode::kInstance);
  EXPECT_EQ(fromEnv.databricksHost, "https://adb-1.azuredatabricks.net");
  EXPECT_EQ(fromEnv.workspaceToken, "env-pat");  // a token first, as the SDKs' chain does
  EXPECT_EQ(fromEnv.clientId, "");
  const auto keys =
      parseConfig(R"({"instance_name":"i","client_id":"k-id","client_secret":"k-s"})", env);
  EXPECT_EQ(keys.workspaceToken, "");  // explicit keys are not mixed with the environment's
  EXPECT_EQ(keys.clientId, "k-id");
  EXPECT_EQ(keys.clientSecret, "k-s");
  const auto m2m = parseConfig(R"({"endpoint":"e","host":"h"})",
                               envOf({{"DATABRICKS_HOST", "https://w:443"},
                                      {"DATABRICKS_CLIENT_ID", "env-id"},
                                      {"DATABRICKS_CLIENT_SECRET", "env-secret"}}));
  EXPECT_EQ(m2m.mode, CredentialMode::kEndpoint);
  EXPECT_EQ(m2m.databricksHost, "https://w");
  EXPECT_EQ(m2m.clientId, "env-id");
  EXPECT_EQ(m2m.secrets(), (std::vector<std::string>{"env-secret"}));
}

TEST(LakebaseOffline, SchemaNameIsChecked) {
  EXPECT_EQ(failure([] { parseConfig(R"({"host":"h","schema":"Bad-Name"})", noEnv()); }).first,
            DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(failure([] { parseConfig(R"({"host":"h","schema":"x\"; DROP"})", noEnv()); }).first,
            DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(parseConfig(R"({"host":"h","schema":"tenant_7"})", noEnv()).schema, "tenant_7");
}

TEST(LakebaseOffline, WorkspaceHostIsNormalised) {
  EXPECT_EQ(lakebase::normaliseWorkspaceHost("dbc-1.cloud.databricks.com"),
            "https://dbc-1.cloud.databricks.com");
  EXPECT_EQ(lakebase::normaliseWorkspaceHost("https://dbc-1.cloud.databricks.com:443/"),
            "https://dbc-1.cloud.databricks.com");
  EXPECT_EQ(lakebase::normaliseWorkspaceHost("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
}

TEST(LakebaseOffline, DsnBecomesPlainKeyValuePairs) {
  auto params = lakebase::ConnParams::fromDsn(
      "postgresql://app%40corp:s%3Dcret@db.example.com:6432/prod?sslmode=require");
  EXPECT_EQ(params.get("user"), "app@corp");
  EXPECT_EQ(params.get("password"), "s=cret");
  EXPECT_EQ(params.get("host"), "db.example.com");
  EXPECT_EQ(params.get("port"), "6432");
  EXPECT_EQ(params.get("dbname"), "prod");
  EXPECT_EQ(params.get("sslmode"), "require");
  const std::string conninfo = params.conninfo();
  EXPECT_THAT(conninfo, HasSubstr("password=s=cret"));
  EXPECT_THAT(conninfo, Not(HasSubstr("postgresql://")));
  EXPECT_EQ(params.describe(), "postgresql://app@corp@db.example.com:6432/prod?sslmode=require");

  EXPECT_EQ(failure([] { lakebase::ConnParams::fromDsn("postgresql://[broken"); }).first,
            DK_ERR_INVALID_ARGUMENT);
  // Poco's connector splits on spaces: refuse rather than connect with half a password.
  auto spaced = lakebase::ConnParams::fromDsn("postgresql://u:two%20words@h/db");
  const auto [status, message] = failure([&] { spaced.conninfo(); });
  EXPECT_EQ(status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(message, HasSubstr("\"password\""));
  EXPECT_THAT(message, Not(HasSubstr("two words")));
}

TEST(LakebaseOffline, StaticTargetKeepsTheDsnAndAddsTimeouts) {
  devkit::testing::FakeHost host;
  auto redactor = std::make_shared<lakebase::Redactor>();
  const auto config = parseConfig(
      R"({"dsn":"postgresql://u:pw-secret@h:5433/d","connect_timeout_s":7,"port":5999})", noEnv());
  lakebase::Credentials credentials(config, devkit::sdk::Host(host.api()), redactor);
  const auto target = credentials.current();
  EXPECT_EQ(target.generation, 1u);
  EXPECT_THAT(target.conninfo, HasSubstr("port=5999"));  // a key overrides the DSN
  EXPECT_THAT(target.conninfo, HasSubstr("connect_timeout=7"));
  EXPECT_THAT(target.conninfo, HasSubstr("password=pw-secret"));
  EXPECT_THAT(target.conninfo, HasSubstr("application_name=devkit"));
  EXPECT_THAT(target.description, Not(HasSubstr("pw-secret")));
  EXPECT_EQ((*redactor)("login for pw-secret failed"), "login for *** failed");
}

TEST(LakebaseOffline, LakebaseTargetDefaults) {
  devkit::testing::FakeHost host;
  const auto config =
      parseConfig(R"({"instance_name":"i","host":"h","databricks_host":"http://127.0.0.1:1",
                      "client_id":"sp-uuid","client_secret":"s3cret"})",
                  noEnv());
  lakebase::Credentials credentials(config, devkit::sdk::Host(host.api()),
                                    std::make_shared<lakebase::Redactor>());
  EXPECT_TRUE(credentials.rotates());
  // Nothing is fetched at construction.
  EXPECT_EQ(credentials.fetches(), 0);
  EXPECT_EQ(credentials.where(), "postgresql://sp-uuid@h/databricks_postgres?sslmode=require");
}

TEST(LakebaseOffline, RedactorScrubsSecretsAndPasswordAssignments) {
  lakebase::Redactor redact;
  redact.add("tok-123456");
  EXPECT_EQ(redact("bad token tok-123456 here"), "bad token *** here");
  EXPECT_EQ(redact("Not connected: host=h password=abc def user=u"),
            "Not connected: host=h password=*** def user=u");
}

TEST(LakebaseOffline, ParsesRfc3339) {
  EXPECT_EQ(lakebase::parseRfc3339Us("2025-01-01T00:00:00Z"), 1735689600000000);
  EXPECT_EQ(lakebase::parseRfc3339Us("2025-01-01T00:00:00.5Z"), 1735689600500000);
  EXPECT_EQ(lakebase::parseRfc3339Us("2025-01-01T02:00:00+02:00"), 1735689600000000);
  EXPECT_EQ(lakebase::parseRfc3339Us("soon"), std::nullopt);
}

TEST(LakebaseOffline, AnUnreachableServerStartsDownWithoutBlocking) {
  devkit::testing::FakeHost host;
  // Port 1 on loopback: refused at once.
  const auto config = parseConfig(
      R"({"dsn":"postgresql://devkit@127.0.0.1:1/devkit","connect_timeout_s":2})", noEnv());
  const auto start = std::chrono::steady_clock::now();
  lakebase::PgBackend backend(devkit::sdk::Host(host.api()), config);
  const json health = backend.health();
  EXPECT_EQ(health.value("status", ""), "down") << health.dump();
  EXPECT_EQ(health.value("reachable", true), false) << health.dump();
  EXPECT_EQ(health.value("schema_version", -1), 0) << health.dump();
  EXPECT_THAT(health.value("detail", ""), HasSubstr("127.0.0.1:1")) << health.dump();
  const auto [status, message] = failure([&] { backend.putState("k", 1); });
  EXPECT_EQ(status, DK_ERR_UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(host.logged("is not available yet"));
}

}  // namespace
}  // namespace devkit::lakebase_test
