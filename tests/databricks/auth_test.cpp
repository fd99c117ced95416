// Unified auth of mcp-databricks: the config file reader, the precedence explicit > environment >
// profile, the choice of one method, and OAuth M2M against the fake Databricks server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../unit/test_files.hpp"
#include "auth/config_file.hpp"
#include "auth/unified_auth.hpp"
#include "fake_databricks.hpp"

namespace devkit::databricks {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

/// A GetEnv over a map: the tests never read the process environment.
GetEnv envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

using devkit::testing::TempDir;  // stands in for $HOME

template <typename F>
std::string authErrorOf(F&& f) {
  try {
    f();
  } catch (const AuthConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no AuthConfigError";
  return {};
}

constexpr const char* kCfg = R"(; a comment
# another comment
[DEFAULT]
host  = https://default.cloud.databricks.com/
token = dapi-default

[my-sp]
host          = adb-123.4.azuredatabricks.net   ; inline comment
client_id     = sp-id
client_secret = sp-file-secret
warehouse_id  = wh-file

[pat-ws]
host = https://pat.cloud.databricks.com:443
token = dapi-pat-ws
cluster_id = c-file
)";

// ---------------------------------------------------------------------------------------------
// The config file reader

TEST(AuthConfigFile, ParsesSectionsKeysAndComments) {
  ConfigFile f = parseConfigFile(
      "\xEF\xBB\xBF; top comment\r\n[__settings__]\r\ndefault_profile = prod # why\r\n"
      "[prod]\n  HOST = https://p.example.com\n# c\ntoken: dapi#1\nempty =\n"
      "quoted = \"a b\"\n[prod]\ntoken = dapi-2\n",
      "/x/cfg");
  EXPECT_EQ(f.path, "/x/cfg");
  EXPECT_EQ(f.value("__settings__", "default_profile"), "prod");
  EXPECT_EQ(f.value("prod", "host"), "https://p.example.com");  // keys lower-cased
  EXPECT_EQ(f.value("prod", "token"), "dapi-2");                // last wins, sections merge
  EXPECT_EQ(f.value("prod", "empty"), "");
  EXPECT_EQ(f.value("prod", "quoted"), "a b");
  EXPECT_EQ(f.section("missing"), nullptr);
  EXPECT_EQ(f.value("missing", "host"), "");
  ASSERT_NE(f.section("prod"), nullptr);
  EXPECT_EQ(f.section("prod")->size(), 4u);
}

TEST(AuthConfigFile, HashInsideAValueIsKept) {
  ConfigFile f = parseConfigFile("[a]\ntoken = ab#cd;ef\n", "f");
  EXPECT_EQ(f.value("a", "token"), "ab#cd;ef");
}

TEST(AuthConfigFile, SectionNamesAreCaseSensitiveAndDefaultIsNotInherited) {
  ConfigFile f = parseConfigFile("[DEFAULT]\ntoken = t\n[Prod]\nhost = h\n", "f");
  EXPECT_EQ(f.section("prod"), nullptr);
  EXPECT_EQ(f.value("Prod", "host"), "h");
  EXPECT_EQ(f.value("Prod", "token"), "");
}

TEST(AuthConfigFile, MalformedLinesAreErrorsWithoutEchoingTheLine) {
  std::string msg =
      authErrorOf([] { parseConfigFile("[a]\nhost = h\ndapi-secret-on-its-own\n", "/c"); });
  EXPECT_THAT(msg, HasSubstr("line 3"));
  EXPECT_THAT(msg, HasSubstr("/c"));
  EXPECT_THAT(msg, Not(HasSubstr("dapi-secret")));
  EXPECT_THAT(authErrorOf([] { parseConfigFile("host = h\n", "/c"); }), HasSubstr("section"));
  EXPECT_THAT(authErrorOf([] { parseConfigFile("[broken\n", "/c"); }), HasSubstr("line 1"));
}

TEST(AuthConfigFile, MissingFileIsNullopt) {
  TempDir dir;
  EXPECT_FALSE(readConfigFile(dir.path().string() + "/nope").has_value());
  auto f = readConfigFile(dir.write("cfg", "[x]\nhost = h\n"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->value("x", "host"), "h");
}

// ---------------------------------------------------------------------------------------------
// Precedence and profiles

TEST(AuthResolve, NothingConfiguredIsNoMethodNotAnError) {
  ResolvedAuth r = resolveAuth({}, envOf({}));
  EXPECT_EQ(r.method, "");
  EXPECT_EQ(r.host, "");
  EXPECT_EQ(r.token, "");
  EXPECT_EQ(r.origin, "");
  // No HOME and no DATABRICKS_CONFIG_FILE: there is no default file to read; a null GetEnv too.
  EXPECT_EQ(resolveAuth({}, nullptr).method, "");
}

TEST(AuthResolve, EnvironmentPatAndHostNormalised) {
  ResolvedAuth r = resolveAuth({}, envOf({{"DATABRICKS_HOST", "dbc-1.cloud.databricks.com/"},
                                          {"DATABRICKS_TOKEN", "dapi-env"},
                                          {"DATABRICKS_WAREHOUSE_ID", "wh-env"},
                                          {"DATABRICKS_CLUSTER_ID", "c-env"}}));
  EXPECT_EQ(r.method, "pat");
  EXPECT_EQ(r.host, "https://dbc-1.cloud.databricks.com");
  EXPECT_EQ(r.token, "dapi-env");
  EXPECT_EQ(r.warehouseId, "wh-env");
  EXPECT_EQ(r.clusterId, "c-env");
  EXPECT_EQ(r.origin, "environment");
  EXPECT_THAT(r.origin, Not(HasSubstr("dapi")));
}

TEST(AuthResolve, ExplicitBeatsEnvironmentAttributeByAttribute) {
  AuthAttributes explicitValues;
  explicitValues.host = "https://explicit.example.com:443";
  explicitValues.warehouseId = "wh-explicit";
  ResolvedAuth r = resolveAuth(explicitValues, envOf({{"DATABRICKS_HOST", "env.example.com"},
                                                      {"DATABRICKS_TOKEN", "dapi-env"},
                                                      {"DATABRICKS_WAREHOUSE_ID", "wh-env"}}));
  EXPECT_EQ(r.host, "https://explicit.example.com");
  EXPECT_EQ(r.warehouseId, "wh-explicit");
  EXPECT_EQ(r.method, "pat");
  EXPECT_EQ(r.token, "dapi-env");  // unset explicitly: the environment fills it
  EXPECT_THAT(r.origin, HasSubstr("host from config"));
  EXPECT_THAT(r.origin, HasSubstr("token from environment"));
}

TEST(AuthResolve, EmptyEnvironmentVariableCountsAsUnset) {
  AuthAttributes explicitValues;
  explicitValues.host = "h.example.com";
  ResolvedAuth r =
      resolveAuth(explicitValues, envOf({{"DATABRICKS_TOKEN", ""}, {"DATABRICKS_HOST", "x"}}));
  EXPECT_EQ(r.method, "");
  EXPECT_EQ(r.host, "https://h.example.com");
}

TEST(AuthResolve, DefaultProfileReadWhenNothingElseIsSet) {
  TempDir home;
  home.write(".databrickscfg", kCfg);
  ResolvedAuth r = resolveAuth({}, envOf({{"HOME", home.path().string()}}));
  EXPECT_EQ(r.method, "pat");
  EXPECT_EQ(r.host, "https://default.cloud.databricks.com");
  EXPECT_EQ(r.token, "dapi-default");
  EXPECT_EQ(r.origin, "profile DEFAULT of " + home.path().string() + "/.databrickscfg");
}

TEST(AuthResolve, HostAloneSkipsTheFile) {
  TempDir home;
  home.write(".databrickscfg", kCfg);
  ResolvedAuth r = resolveAuth(
      {}, envOf({{"HOME", home.path().string()}, {"DATABRICKS_HOST", "only.example.com"}}));
  EXPECT_EQ(r.host, "https://only.example.com");
  EXPECT_EQ(r.method, "");  // the DEFAULT token was not read
  EXPECT_EQ(r.token, "");
}

TEST(AuthResolve, AuthAttributeAloneSkipsTheFile) {
  TempDir home;
  home.write(".databrickscfg", kCfg);
  // A token with no host and no profile: the file is not read, so the host stays missing.
  std::string msg = authErrorOf([&] {
    resolveAuth({}, envOf({{"HOME", home.path().string()}, {"DATABRICKS_TOKEN", "dapi-secret-x"}}));
  });
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_HOST"));
  EXPECT_THAT(msg, Not(HasSubstr("dapi-secret-x")));
}

TEST(AuthResolve, NonAuthAttributesDoNotSkipTheFile) {
  TempDir home;
  home.write(".databrickscfg", kCfg);
  ResolvedAuth r = resolveAuth(
      {}, envOf({{"HOME", home.path().string()}, {"DATABRICKS_WAREHOUSE_ID", "wh-env"}}));
  EXPECT_EQ(r.method, "pat");
  EXPECT_EQ(r.token, "dapi-default");
  EXPECT_EQ(r.warehouseId, "wh-env");
}

TEST(AuthResolve, RequestedProfileIsReadEvenWithHostSetAndFillsOnlyUnset) {
  TempDir home;
  std::string cfg = home.write("cfg", kCfg);
  ResolvedAuth r = resolveAuth({}, envOf({{"DATABRICKS_CONFIG_FILE", cfg},
                                          {"DATABRICKS_CONFIG_PROFILE", "my-sp"},
                                          {"DATABRICKS_HOST", "env.example.com"},
                                          {"DATABRICKS_WAREHOUSE_ID", "wh-env"}}));
  EXPECT_EQ(r.method, "oauth-m2m");
  EXPECT_EQ(r.host, "https://env.example.com");  // the environment wins over the file
  EXPECT_EQ(r.clientId, "sp-id");
  EXPECT_EQ(r.clientSecret, "sp-file-secret");
  EXPECT_EQ(r.warehouseId, "wh-env");
  EXPECT_THAT(r.origin, HasSubstr("host from environment"));
  EXPECT_THAT(r.origin, HasSubstr("client_id from profile my-sp of " + cfg));
  EXPECT_THAT(r.origin, Not(HasSubstr("sp-file-secret")));
}

TEST(AuthResolve, ExplicitProfileBeatsEnvironmentProfile) {
  TempDir home;
  std::string cfg = home.write("cfg", kCfg);
  AuthAttributes explicitValues;
  explicitValues.profile = "pat-ws";
  ResolvedAuth r =
      resolveAuth(explicitValues,
                  envOf({{"DATABRICKS_CONFIG_FILE", cfg}, {"DATABRICKS_CONFIG_PROFILE", "my-sp"}}));
  EXPECT_EQ(r.method, "pat");
  EXPECT_EQ(r.host, "https://pat.cloud.databricks.com");
  EXPECT_EQ(r.token, "dapi-pat-ws");
  EXPECT_EQ(r.clusterId, "c-file");
  EXPECT_EQ(r.origin, "profile pat-ws of " + cfg);
}

TEST(AuthResolve, SettingsDefaultProfileBeatsDefaultSection) {
  TempDir home;
  home.write(".databrickscfg", std::string("[__settings__]\ndefault_profile = pat-ws\n") + kCfg);
  ResolvedAuth r = resolveAuth({}, envOf({{"HOME", home.path().string()}}));
  EXPECT_EQ(r.token, "dapi-pat-ws");
  EXPECT_EQ(r.host, "https://pat.cloud.databricks.com");
}

TEST(AuthResolve, SettingsDefaultProfileNamingAMissingSectionIsAnError) {
  TempDir home;
  std::string cfg =
      home.write(".databrickscfg", std::string("[__settings__]\ndefault_profile = gone\n") + kCfg);
  std::string msg = authErrorOf([&] { resolveAuth({}, envOf({{"HOME", home.path().string()}})); });
  EXPECT_THAT(msg, HasSubstr("profile 'gone'"));
  EXPECT_THAT(msg, HasSubstr(cfg));
}

TEST(AuthResolve, MissingExplicitProfileIsAnError) {
  TempDir home;
  std::string cfg = home.write(".databrickscfg", kCfg);
  AuthAttributes explicitValues;
  explicitValues.profile = "nope";
  std::string msg = authErrorOf([&] {
    resolveAuth(explicitValues, envOf({{"HOME", home.path().string()}}));
  });
  EXPECT_EQ(msg, "profile 'nope' not found in " + cfg);
}

TEST(AuthResolve, MissingDefaultProfileIsFine) {
  TempDir home;
  home.write(".databrickscfg", "[other]\nhost = o.example.com\ntoken = dapi-o\n");
  ResolvedAuth r = resolveAuth({}, envOf({{"HOME", home.path().string()}}));
  EXPECT_EQ(r.method, "");
  EXPECT_EQ(r.host, "");
}

TEST(AuthResolve, MissingFileIsFineUnlessAProfileWasRequested) {
  TempDir home;  // no .databrickscfg in it
  EXPECT_EQ(resolveAuth({}, envOf({{"HOME", home.path().string()}})).method, "");
  std::string missing = home.path().string() + "/missing.cfg";
  std::string msg = authErrorOf([&] {
    resolveAuth(
        {}, envOf({{"DATABRICKS_CONFIG_FILE", missing}, {"DATABRICKS_CONFIG_PROFILE", "prod"}}));
  });
  EXPECT_THAT(msg, HasSubstr(missing));
  EXPECT_THAT(msg, HasSubstr("'prod'"));
}

TEST(AuthResolve, ConfigFileTildeExpandsToHome) {
  TempDir home;
  home.write("custom.cfg", "[DEFAULT]\nhost = t.example.com\ntoken = dapi-t\n");
  ResolvedAuth r = resolveAuth(
      {}, envOf({{"HOME", home.path().string()}, {"DATABRICKS_CONFIG_FILE", "~/custom.cfg"}}));
  EXPECT_EQ(r.host, "https://t.example.com");
  EXPECT_EQ(r.token, "dapi-t");
}

// ---------------------------------------------------------------------------------------------
// One method

TEST(AuthMethod, TokenAndClientIdIsMoreThanOneMethod) {
  TempDir home;
  std::string cfg = home.write("cfg", kCfg);
  AuthAttributes explicitValues;
  explicitValues.clientId = "cid";
  std::string msg = authErrorOf([&] {
    resolveAuth(explicitValues, envOf({{"DATABRICKS_HOST", "h.example.com"},
                                       {"DATABRICKS_TOKEN", "dapi-secret-1"},
                                       {"DATABRICKS_CLIENT_SECRET", "cs-secret-2"}}));
  });
  EXPECT_EQ(msg.rfind("validate: more than one authorization method configured: oauth and pat", 0),
            0u)
      << msg;
  EXPECT_THAT(msg, HasSubstr("token from environment (DATABRICKS_TOKEN)"));
  EXPECT_THAT(msg, HasSubstr("client_id from config"));
  EXPECT_THAT(msg, Not(HasSubstr("dapi-secret-1")));
  EXPECT_THAT(msg, Not(HasSubstr("cs-secret-2")));

  // The same when the two come from env and a profile.
  std::string msg2 = authErrorOf([&] {
    resolveAuth({}, envOf({{"DATABRICKS_CONFIG_FILE", cfg},
                           {"DATABRICKS_CONFIG_PROFILE", "my-sp"},
                           {"DATABRICKS_TOKEN", "dapi-secret-1"}}));
  });
  EXPECT_THAT(msg2, HasSubstr("more than one authorization method configured: oauth and pat"));
  EXPECT_THAT(msg2, HasSubstr("client_id from profile my-sp of " + cfg));
  EXPECT_THAT(msg2, Not(HasSubstr("sp-file-secret")));
}

TEST(AuthMethod, AuthTypeForcesOneMethod) {
  std::map<std::string, std::string> both = {{"DATABRICKS_HOST", "h.example.com"},
                                             {"DATABRICKS_TOKEN", "dapi-1"},
                                             {"DATABRICKS_CLIENT_ID", "cid"},
                                             {"DATABRICKS_CLIENT_SECRET", "cs"}};
  auto pat = both;
  pat["DATABRICKS_AUTH_TYPE"] = "pat";
  ResolvedAuth r = resolveAuth({}, envOf(pat));
  EXPECT_EQ(r.method, "pat");
  EXPECT_EQ(r.token, "dapi-1");
  EXPECT_EQ(r.clientId, "");
  EXPECT_EQ(r.clientSecret, "");

  AuthAttributes explicitValues;
  explicitValues.authType = "oauth-m2m";
  r = resolveAuth(explicitValues, envOf(both));
  EXPECT_EQ(r.method, "oauth-m2m");
  EXPECT_EQ(r.clientId, "cid");
  EXPECT_EQ(r.clientSecret, "cs");
  EXPECT_EQ(r.token, "");
}

TEST(AuthMethod, AuthTypeWithoutItsAttributesIsAnError) {
  std::string msg = authErrorOf([] {
    resolveAuth({}, envOf({{"DATABRICKS_HOST", "h"},
                           {"DATABRICKS_AUTH_TYPE", "pat"},
                           {"DATABRICKS_CLIENT_ID", "cid"},
                           {"DATABRICKS_CLIENT_SECRET", "cs"}}));
  });
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_TOKEN"));
  msg = authErrorOf([] {
    resolveAuth({}, envOf({{"DATABRICKS_HOST", "h"},
                           {"DATABRICKS_AUTH_TYPE", "oauth-m2m"},
                           {"DATABRICKS_CLIENT_ID", "cid"}}));
  });
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_CLIENT_SECRET"));
}

TEST(AuthMethod, UnsupportedAuthTypeListsSupportedValues) {
  std::string msg = authErrorOf([] {
    resolveAuth({}, envOf({{"DATABRICKS_HOST", "h"},
                           {"DATABRICKS_TOKEN", "t"},
                           {"DATABRICKS_AUTH_TYPE", "azure-cli"}}));
  });
  EXPECT_THAT(msg, HasSubstr("'azure-cli'"));
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_AUTH_TYPE"));
  EXPECT_THAT(msg, HasSubstr("pat, oauth-m2m"));
}

TEST(AuthMethod, AppServicePrincipalEnvironmentIsOAuthM2M) {
  // What a Databricks App gets (reference §8.2): host without a scheme plus the app's SP.
  ResolvedAuth r = resolveAuth({}, envOf({{"DATABRICKS_HOST", "adb-1.2.azuredatabricks.net"},
                                          {"DATABRICKS_CLIENT_ID", "app-sp"},
                                          {"DATABRICKS_CLIENT_SECRET", "app-secret"},
                                          {"DATABRICKS_APP_NAME", "devkit"}}));
  EXPECT_EQ(r.method, "oauth-m2m");
  EXPECT_EQ(r.host, "https://adb-1.2.azuredatabricks.net");
  EXPECT_EQ(r.clientId, "app-sp");
  EXPECT_EQ(r.clientSecret, "app-secret");
  EXPECT_EQ(r.origin, "environment");
}

TEST(AuthMethod, ClientIdWithoutSecretNamesTheVariable) {
  std::string msg = authErrorOf([] {
    resolveAuth({}, envOf({{"DATABRICKS_HOST", "h"}, {"DATABRICKS_CLIENT_ID", "c"}}));
  });
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_CLIENT_SECRET"));
  msg = authErrorOf([] {
    resolveAuth({}, envOf({{"DATABRICKS_HOST", "h"}, {"DATABRICKS_CLIENT_SECRET", "s3cr3t"}}));
  });
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_CLIENT_ID"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cr3t")));
}

TEST(AuthMethod, SecretWithoutHostNamesDatabricksHost) {
  std::string msg = authErrorOf([] {
    resolveAuth(
        {}, envOf({{"DATABRICKS_CLIENT_ID", "c"}, {"DATABRICKS_CLIENT_SECRET", "zz-secret-77"}}));
  });
  EXPECT_THAT(msg, HasSubstr("DATABRICKS_HOST"));
  EXPECT_THAT(msg, Not(HasSubstr("zz-secret-77")));
}

TEST(AuthMethod, TokenSourceForEachMethod) {
  ResolvedAuth none;
  EXPECT_EQ(tokenSourceFor(none, "ua", std::chrono::seconds(5)), nullptr);

  ResolvedAuth pat;
  pat.host = "https://h.example.com";
  pat.method = "pat";
  pat.token = "dapi-x";
  auto ts = tokenSourceFor(pat, "ua", std::chrono::seconds(5));
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->kind(), "pat");
  EXPECT_EQ(ts->token(), "dapi-x");

  ResolvedAuth m2m;
  m2m.host = "https://h.example.com";
  m2m.method = "oauth-m2m";
  m2m.clientId = "c";
  m2m.clientSecret = "s";
  ts = tokenSourceFor(m2m, "ua", std::chrono::seconds(5));
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->kind(), "oauth-m2m");  // no network until token() is called
}

// ---------------------------------------------------------------------------------------------
// OAuth M2M against the fake workspace (client "sp-client" / "sp-secret")

using testing::FakeDatabricks;

/// A steady clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<long long>> seconds = std::make_shared<std::atomic<long long>>(0);
  std::chrono::steady_clock::time_point base = std::chrono::steady_clock::now();
  std::function<std::chrono::steady_clock::time_point()> fn() const {
    return [s = seconds, b = base] { return b + std::chrono::seconds(s->load()); };
  }
  void advance(long long s) { *seconds += s; }
};

class AuthM2M : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }
  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }
  /// The recorded calls to the token endpoint.
  static std::vector<nlohmann::json> tokenCalls() {
    std::vector<nlohmann::json> out;
    for (const auto& c : fake().calls()) {
      if (c.value("path", "") == "/oidc/v1/token") out.push_back(c);
    }
    return out;
  }
};

TEST_F(AuthM2M, FetchesOnceWithBasicAuthAndCaches) {
  auto ts =
      oauthM2M(fake().url(), "sp-client", "sp-secret", "devkit-test/1", std::chrono::seconds(10));
  EXPECT_EQ(ts->kind(), "oauth-m2m");
  const std::string first = ts->token();
  EXPECT_THAT(first, ::testing::StartsWith("oauth-"));
  EXPECT_EQ(ts->token(), first);
  EXPECT_EQ(ts->token(), first);

  auto calls = tokenCalls();
  ASSERT_EQ(calls.size(), 1u);
  const auto& c = calls[0];
  EXPECT_EQ(c["method"], "POST");
  EXPECT_EQ(c["content_type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(c["body"],
            (nlohmann::json{{"grant_type", "client_credentials"}, {"scope", "all-apis"}}));
  // No bearer, no client_id in the form: the fake got "sp-client" from the Basic header.
  EXPECT_TRUE(c["token"].is_null());
  EXPECT_EQ(c["identity"], "sp-client");
  EXPECT_EQ(c["user_agent"], "devkit-test/1");
}

TEST_F(AuthM2M, TheTokenAuthenticatesRestCalls) {
  auto ts =
      oauthM2M(fake().url(), "sp-client", "sp-secret", "devkit-test/1", std::chrono::seconds(10));
  ClientOptions options;
  options.host = fake().url();
  options.auth = ts;
  options.timeout = std::chrono::seconds(10);
  RestClient client(options);
  auto me = client.get("/api/2.0/preview/scim/v2/Me");
  EXPECT_EQ(me.value("userName", ""), "sp-client");
  client.get("/api/2.0/preview/scim/v2/Me");
  EXPECT_EQ(tokenCalls().size(), 1u);  // the second call reused the cached token
}

TEST_F(AuthM2M, ConcurrentCallersShareOneFetch) {
  auto ts = oauthM2M(fake().url(), "sp-client", "sp-secret", "ua", std::chrono::seconds(10));
  std::vector<std::string> tokens(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tokens.size(); ++i) {
    threads.emplace_back([&, i] { tokens[i] = ts->token(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& t : tokens) EXPECT_EQ(t, tokens[0]);
  EXPECT_EQ(tokenCalls().size(), 1u);
}

TEST_F(AuthM2M, RefreshesFortySecondsBeforeExpiry) {
  fake().oauth({{"expires_in", 100}});
  ManualClock clock;
  auto ts =
      oauthM2M(fake().url(), "sp-client", "sp-secret", "ua", std::chrono::seconds(10), clock.fn());
  const std::string first = ts->token();
  clock.advance(59);  // 41 s left: still good
  EXPECT_EQ(ts->token(), first);
  EXPECT_EQ(tokenCalls().size(), 1u);
  clock.advance(1);  // 40 s left: treated as expired
  const std::string second = ts->token();
  EXPECT_NE(second, first);
  EXPECT_EQ(tokenCalls().size(), 2u);
  clock.advance(59);
  EXPECT_EQ(ts->token(), second);
  EXPECT_EQ(tokenCalls().size(), 2u);
}

TEST_F(AuthM2M, InvalidateFetchesANewToken) {
  auto ts = oauthM2M(fake().url(), "sp-client", "sp-secret", "ua", std::chrono::seconds(10));
  const std::string first = ts->token();
  ts->invalidate();
  EXPECT_NE(ts->token(), first);
  EXPECT_EQ(tokenCalls().size(), 2u);
}

TEST_F(AuthM2M, RefusedSecretIsAnApiErrorWithoutTheSecret) {
  auto ts = oauthM2M(fake().url(), "sp-client", "wrong-secret-123", "ua", std::chrono::seconds(10));
  try {
    ts->token();
    FAIL() << "no ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.errorCode(), "invalid_client");
    EXPECT_THAT(e.what(), HasSubstr("refused the service principal's credentials"));
    EXPECT_THAT(e.what(), HasSubstr("sp-client"));
    EXPECT_THAT(e.what(), Not(HasSubstr("wrong-secret-123")));
    EXPECT_THAT(e.message(), Not(HasSubstr("wrong-secret-123")));
    EXPECT_THAT(e.toolText(), Not(HasSubstr("wrong-secret-123")));
  }
  // Nothing was cached: the next call asks again.
  EXPECT_THROW(ts->token(), ApiError);
  EXPECT_EQ(tokenCalls().size(), 2u);
}

TEST_F(AuthM2M, ProfileFromConfigFileEndToEnd) {
  TempDir home;
  home.write(".databrickscfg",
             "[DEFAULT]\nhost = https://unused.example.com\ntoken = dapi-x\n"
             "[sp]\nhost = " +
                 fake().url() + "/\nclient_id = sp-client\nclient_secret = sp-secret\n");
  ResolvedAuth r =
      resolveAuth({}, envOf({{"HOME", home.path().string()}, {"DATABRICKS_CONFIG_PROFILE", "sp"}}));
  EXPECT_EQ(r.method, "oauth-m2m");
  EXPECT_EQ(r.host, fake().url());
  auto ts = tokenSourceFor(r, "ua", std::chrono::seconds(10));
  ASSERT_NE(ts, nullptr);
  ClientOptions options;
  options.host = r.host;
  options.auth = ts;
  RestClient client(options);
  EXPECT_EQ(client.get("/api/2.0/preview/scim/v2/Me").value("userName", ""), "sp-client");
}

}  // namespace
}  // namespace devkit::databricks
