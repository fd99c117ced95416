// The REST client and the error parser on their own: every error body shape of
// databricks-api.md §1.5, the retry rules of §1.6 (429/503 always, lost connections only for
// idempotent requests, 500 never, the budget), pagination through an empty page, host
// normalisation, path encoding, cancellation and presigned downloads. Against the fake workspace.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>

#include <devkit/testing/fake_host.hpp>

#include "client/api_error.hpp"
#include "client/rest_client.hpp"
#include "fake_databricks.hpp"

namespace devkit::databricks {
namespace {

using nlohmann::json;
using testing::FakeDatabricks;

TEST(ClientErrors, TheStandardBodyWithDetails) {
  const ApiError e =
      parseApiError(404, "Not Found", "application/json",
                    R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Path (/x) doesn't exist.",
          "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"FILES_GONE"},
                     {"@type":"type.googleapis.com/google.rpc.RequestInfo","request_id":"req-9"}]})");
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(e.errorCode(), "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(e.message(), "Path (/x) doesn't exist.");
  EXPECT_EQ(e.reason(), "FILES_GONE");
  EXPECT_EQ(e.requestId(), "req-9");
  EXPECT_TRUE(e.notFound());
  EXPECT_NE(e.toolText().find("list the objects first"), std::string::npos) << e.toolText();
  EXPECT_NE(e.toolText().find("req-9"), std::string::npos);
}

TEST(ClientErrors, EveryOtherShape) {
  const ApiError api12 = parseApiError(400, "Bad Request", "application/json",
                                       R"({"error":"ClusterNotReadyException: not ready"})");
  EXPECT_EQ(api12.errorCode(), "BAD_REQUEST");
  EXPECT_EQ(api12.message(), "ClusterNotReadyException: not ready");

  const ApiError scim = parseApiError(
      401, "Unauthorized", "application/scim+json",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Bad token","status":"401"})");
  EXPECT_EQ(scim.errorCode(), "SCIM_401");
  EXPECT_EQ(scim.message(), "Bad token");
  EXPECT_NE(scim.toolText().find("sign in again"), std::string::npos);

  const ApiError oauth = parseApiError(
      401, "Unauthorized", "application/json",
      R"({"error":"invalid_client","error_description":"Client authentication failed"})");
  EXPECT_EQ(oauth.errorCode(), "invalid_client");
  EXPECT_EQ(oauth.message(), "Client authentication failed");

  const ApiError plain =
      parseApiError(400, "Bad Request", "text/plain", "INVALID_STATE: cluster is terminating");
  EXPECT_EQ(plain.errorCode(), "INVALID_STATE");
  EXPECT_EQ(plain.message(), "cluster is terminating");

  const ApiError html =
      parseApiError(502, "Bad Gateway", "text/html",
                    "<html><body><h1>Oops</h1><pre>upstream died</pre></body></html>");
  EXPECT_EQ(html.errorCode(), "INTERNAL_ERROR");
  EXPECT_EQ(html.message(), "upstream died");
  EXPECT_NE(html.toolText().find("retry later"), std::string::npos);

  const ApiError empty = parseApiError(404, "Not Found", "", "");
  EXPECT_EQ(empty.errorCode(), "NOT_FOUND");
  EXPECT_EQ(empty.message(), "Not Found");

  const ApiError tooMany = parseApiError(429, "Too Many Requests", "", "");
  EXPECT_EQ(tooMany.errorCode(), "TOO_MANY_REQUESTS");
  EXPECT_NE(tooMany.toolText().find("rate-limiting"), std::string::npos);
}

TEST(ClientErrors, TheDoesNotExistQuirksAndConflicts) {
  // clusters/get, jobs/get and runs/get answer an unknown id with 400 (§1.5).
  EXPECT_TRUE(
      parseApiError(
          400, "", "application/json",
          R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster x does not exist"})")
          .notFound());
  EXPECT_FALSE(parseApiError(400, "", "application/json",
                             R"({"error_code":"INVALID_PARAMETER_VALUE","message":"bad size"})")
                   .notFound());
  EXPECT_TRUE(
      parseApiError(
          400, "", "application/json",
          R"({"error_code":"RESOURCE_ALREADY_EXISTS","message":"Node named 'x' already exists"})")
          .alreadyExists());
  EXPECT_TRUE(parseApiError(404, "", "", R"({"error_code":"TABLE_DOES_NOT_EXIST","message":"t"})")
                  .notFound());
}

TEST(ClientHost, NormalisationAndPathEncoding) {
  EXPECT_EQ(normaliseHost("adb-1.2.azuredatabricks.net"), "https://adb-1.2.azuredatabricks.net");
  EXPECT_EQ(normaliseHost("https://dbc-1.cloud.databricks.com:443/"),
            "https://dbc-1.cloud.databricks.com");
  EXPECT_EQ(normaliseHost("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(normaliseHost("  "), "");
  EXPECT_EQ(encodePath("/Volumes/main/raw/my file#1.csv"), "/Volumes/main/raw/my%20file%231.csv");
  EXPECT_EQ(encodePath("/Users/a@b.com/x"), "/Users/a%40b.com/x");
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }
  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }

  RestClient client(std::chrono::seconds timeout = std::chrono::seconds(10),
                    std::chrono::seconds budget = std::chrono::seconds(20),
                    const dk_cancel* cancel = nullptr) {
    ClientOptions options;
    options.host = fake().url();
    options.auth = staticToken("dapi-alice", "pat");
    options.timeout = timeout;
    options.retryBudget = budget;
    options.userAgent = "devkit-test/1.0";
    options.cancel = devkit::sdk::CancelToken(cancel);
    return RestClient(std::move(options));
  }

  int callsTo(const std::string& method, const std::string& path) {
    int n = 0;
    for (const auto& c : fake().calls()) {
      if (c["method"] == method && c["path"] == path) ++n;
    }
    return n;
  }
};

TEST_F(ClientTest, TooManyRequestsIsRetriedAfterRetryAfterEvenForAPost) {
  fake().fault({{"method", "POST"},
                {"path", "/api/2.0/sql/statements"},
                {"status", 429},
                {"retry_after", "1"},
                {"count", 1}});
  const auto started = std::chrono::steady_clock::now();
  const json r = client().post("/api/2.0/sql/statements",
                               {{"statement", "SELECT 1"}, {"warehouse_id", "wh-shared"}});
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_EQ(r["status"]["state"], "SUCCEEDED") << r.dump();
  EXPECT_EQ(callsTo("POST", "/api/2.0/sql/statements"), 2);
  const json first = fake().calls()[0];
  EXPECT_EQ(first["token"], "dapi-alice");
  EXPECT_EQ(first["user_agent"], "devkit-test/1.0");
}

// A gateway page with a "try again" message proves nothing about a POST: never sent twice.
TEST_F(ClientTest, ATransientMessageRetriesAGetButNeverAPost) {
  const json fault = {{"status", 502},
                      {"body",
                       "<html><body><pre>Unexpected error, please try again later</pre>"
                       "</body></html>"},
                      {"count", 1}};
  json post = fault;
  post["method"] = "POST";
  post["path"] = "/api/2.0/sql/statements";
  fake().fault(post);
  EXPECT_THROW(client().post("/api/2.0/sql/statements",
                             {{"statement", "SELECT 1"}, {"warehouse_id", "wh-shared"}}),
               ApiError);
  EXPECT_EQ(callsTo("POST", "/api/2.0/sql/statements"), 1);

  json get = fault;
  get["method"] = "GET";
  get["path"] = "/api/2.0/sql/warehouses";
  fake().fault(get);
  EXPECT_TRUE(client().get("/api/2.0/sql/warehouses").contains("warehouses"));
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/warehouses"), 2);
}

TEST_F(ClientTest, AServerErrorIsNotRetried) {
  fake().fault(
      {{"method", "GET"}, {"path", "/api/2.0/sql/warehouses"}, {"status", 500}, {"count", 1}});
  try {
    client().get("/api/2.0/sql/warehouses");
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 500);
  }
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/warehouses"), 1);
}

TEST_F(ClientTest, ATimedOutPostIsNeverSentTwiceButAGetIs) {
  fake().fault({{"method", "POST"},
                {"path", "/api/2.0/sql/statements"},
                {"delay_ms", 2500},
                {"pass", true},
                {"count", 1}});
  try {
    client(std::chrono::seconds(1))
        .post("/api/2.0/sql/statements",
              {{"statement", "SELECT 1"}, {"warehouse_id", "wh-shared"}});
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.errorCode(), "TIMEOUT");
    EXPECT_NE(e.message().find("may or may not have been carried out"), std::string::npos)
        << e.message();
  }
  EXPECT_EQ(callsTo("POST", "/api/2.0/sql/statements"), 1);

  fake().fault({{"method", "GET"},
                {"path", "/api/2.0/sql/warehouses"},
                {"delay_ms", 2500},
                {"pass", true},
                {"count", 1}});
  const json list = client(std::chrono::seconds(1)).get("/api/2.0/sql/warehouses");
  EXPECT_TRUE(list.contains("warehouses"));
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/warehouses"), 2);
}

TEST_F(ClientTest, TheRetryBudgetEndsTheRetries) {
  fake().fault({{"method", "GET"},
                {"path", "/api/2.0/sql/warehouses"},
                {"status", 503},
                {"retry_after", "1"},
                {"count", 100}});
  try {
    client(std::chrono::seconds(10), std::chrono::seconds(3)).get("/api/2.0/sql/warehouses");
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_NE(e.message().find("gave up after"), std::string::npos) << e.message();
  }
  const int calls = callsTo("GET", "/api/2.0/sql/warehouses");
  EXPECT_GE(calls, 2);
  EXPECT_LE(calls, 4);
}

TEST_F(ClientTest, PagesAreFollowedThroughAnEmptyPageThatCarriesAToken) {
  RestClient c = client();
  const json catalogs =
      c.getAllPages("/api/2.1/unity-catalog/catalogs", {{"max_results", "1"}}, "catalogs");
  std::set<std::string> names;
  for (const auto& catalog : catalogs) names.insert(catalog["name"].get<std::string>());
  EXPECT_TRUE(names.count("main") && names.count("samples") && names.count("system"))
      << catalogs.dump();
  // The fake puts one empty page in the listing: more calls than catalogs.
  EXPECT_GT(callsTo("GET", "/api/2.1/unity-catalog/catalogs"), static_cast<int>(names.size()));

  bool truncated = false;
  const json first = c.getAllPages("/api/2.1/unity-catalog/catalogs", {{"max_results", "1"}},
                                   "catalogs", 1, &truncated);
  EXPECT_EQ(first.size(), 1u);
  EXPECT_TRUE(truncated);
}

TEST_F(ClientTest, ACancelledCallSendsNothing) {
  ::devkit::testing::CancelFlag flag;
  flag.cancel();
  try {
    client(std::chrono::seconds(10), std::chrono::seconds(20), flag.get())
        .get("/api/2.0/sql/warehouses");
    FAIL() << "no error";
  } catch (const devkit::sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_CANCELLED);
  }
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/warehouses"), 0);
}

TEST_F(ClientTest, AnUnreachableWorkspaceIsAClearError) {
  ClientOptions options;
  options.host = "http://127.0.0.1:1";  // nothing listens there
  options.auth = staticToken("dapi-alice", "pat");
  options.retryBudget = std::chrono::seconds(0);
  try {
    RestClient(std::move(options)).get("/api/2.0/sql/warehouses");
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_EQ(e.errorCode(), "NETWORK_ERROR");
    EXPECT_NE(e.toolText().find("could not be reached"), std::string::npos) << e.toolText();
    EXPECT_EQ(e.toolText().find("dapi-alice"), std::string::npos);
  }
}

TEST_F(ClientTest, ADownloadCarriesNoWorkspaceToken) {
  RestClient c = client();
  const json statement = c.post("/api/2.0/sql/statements", {{"statement", "SELECT 1"},
                                                            {"warehouse_id", "wh-shared"},
                                                            {"disposition", "EXTERNAL_LINKS"}});
  const json link = statement["result"]["external_links"][0];
  std::vector<std::pair<std::string, std::string>> headers;
  const json linkHeaders = link.contains("http_headers") ? link["http_headers"] : json::object();
  for (const auto& [name, value] : linkHeaders.items()) {
    headers.emplace_back(name, value.get<std::string>());
  }
  std::string body;
  const int status = c.download(link["external_link"], headers, [&](const char* data, size_t n) {
    body.append(data, n);
    return true;
  });
  EXPECT_EQ(status, 200);
  EXPECT_EQ(json::parse(body), json::array({json::array({"1"})}));
  // Without the link's own headers the storage refuses it, and the error says so.
  EXPECT_THROW(c.download(link["external_link"], {}, [](const char*, size_t) { return true; }),
               ApiError);
}

}  // namespace
}  // namespace devkit::databricks
