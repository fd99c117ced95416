#include "lakebase_test_support.hpp"

#include <libpq-fe.h>

#include <Poco/Base64Encoder.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace devkit::lakebase_test {
namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

std::string base64(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << text;
  encoder.close();
  return out.str();
}

std::string rfc3339(int64_t us) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(us),
                                         Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(FakeWorkspace& fake) : fake_(fake) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::ostringstream body;
    Poco::StreamCopier::copyStream(request.stream(), body);
    const FakeWorkspace::Reply reply =
        fake_.handle(request.getMethod(), request.getURI(), request.get("Authorization", ""),
                     request.getContentType(), body.str());
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    response.send() << reply.body;
  }

 private:
  FakeWorkspace& fake_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(FakeWorkspace& fake) : fake_(fake) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(fake_);
  }

 private:
  FakeWorkspace& fake_;
};

json errorBody(const std::string& code, const std::string& message) {
  return {{"error_code", code}, {"message", message}};
}

}  // namespace

std::string clusterDir() {
  const char* env = std::getenv("DEVKIT_TEST_PG_DIR");
  return env != nullptr && *env != '\0' ? env : DEVKIT_TEST_PG_DIR;
}

std::string clusterDsn() {
  const std::string dir = clusterDir();
  std::ifstream in(dir + "/dsn");
  std::stringstream text;
  text << in.rdbuf();
  const std::string dsn = trim(text.str());
  if (!in || dsn.empty()) {
    throw std::runtime_error("no PostgreSQL test cluster: " + dir +
                             "/dsn is missing (run through ctest, whose `pg` fixture starts it, "
                             "or scripts/pg-test-cluster.sh start " +
                             dir + ")");
  }
  return dsn;
}

int clusterPort() {
  const std::string dsn = clusterDsn();
  const size_t colon = dsn.rfind(':');
  const size_t slash = dsn.find('/', colon);
  return std::stoi(dsn.substr(colon + 1, slash - colon - 1));
}

void restartCluster() {
  const std::string line = std::string("bash '") + DEVKIT_PG_TEST_CLUSTER_SCRIPT + "' restart '" +
                           clusterDir() + "' 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) {
    throw std::runtime_error("cannot run " + line);
  }
  std::string output;
  std::array<char, 4096> buffer{};
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(line + " failed (" + std::to_string(status) + "):\n" + output);
  }
}

int openSocketCount() {
  int sockets = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    struct stat info {};
    // stat() follows the link to the open file; the iterator's own descriptor may be gone by then.
    if (::stat(entry.path().c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
      ++sockets;
    }
  }
  return sockets;
}

std::string uniqueName(const std::string& prefix) {
  static std::mt19937_64 random(std::random_device{}());
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::ostringstream out;
  out << prefix << "_" << std::hex << random();
  return out.str();
}

PgAdmin::PgAdmin() {
  conn_ = PQconnectdb(clusterDsn().c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string error = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw std::runtime_error("cannot connect to the test cluster: " + error);
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE chatter
}

PgAdmin::~PgAdmin() {
  if (conn_ != nullptr) {
    PQfinish(conn_);
  }
}

void PgAdmin::exec(const std::string& sql) { value(sql); }

std::optional<std::string> PgAdmin::value(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string error = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("admin SQL failed: " + error + " in: " + sql);
  }
  std::optional<std::string> out;
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0 && PQnfields(result) > 0 &&
      !PQgetisnull(result, 0, 0)) {
    out = std::string(PQgetvalue(result, 0, 0), static_cast<size_t>(PQgetlength(result, 0, 0)));
  }
  PQclear(result);
  return out;
}

lakebase::EnvLookup noEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

lakebase::EnvLookup envOf(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) {
      return std::nullopt;
    }
    return it->second;
  };
}

TestClock::TestClock()
    : now_(std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count()) {}

// ---- FakeWorkspace ------------------------------------------------------------------------------

FakeWorkspace::FakeWorkspace(const TestClock& clock) : clock_(clock) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(8);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  server_->start();
}

FakeWorkspace::~FakeWorkspace() { server_->stopAll(true); }

std::string FakeWorkspace::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeWorkspace::setClient(const std::string& id, const std::string& secret, int lifetimeS) {
  std::lock_guard<std::mutex> lock(mutex_);
  clientId_ = id;
  clientSecret_ = secret;
  accessLifetimeS_ = lifetimeS;
}

void FakeWorkspace::setPat(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  pat_ = token;
}

void FakeWorkspace::queueLakebaseToken(const std::string& token, int64_t lifetimeUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  lakebaseTokens_.emplace_back(token, lifetimeUs);
}

void FakeWorkspace::failCredentials(int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  failStatus_ = status;
}

void FakeWorkspace::revokeAccessTokens() {
  std::lock_guard<std::mutex> lock(mutex_);
  revokedUpTo_ = accessTokens_.size();
}

void FakeWorkspace::setInstance(const std::string& name, const std::string& readWriteDns) {
  std::lock_guard<std::mutex> lock(mutex_);
  instanceName_ = name;
  readWriteDns_ = readWriteDns;
}

int FakeWorkspace::calls(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = calls_.find(path);
  return it == calls_.end() ? 0 : it->second;
}

std::vector<json> FakeWorkspace::credentialRequests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return credentialRequests_;
}

std::vector<std::string> FakeWorkspace::credentialAuthorizations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return credentialAuthorizations_;
}

std::vector<std::string> FakeWorkspace::issuedAccessTokens() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return accessTokens_;
}

bool FakeWorkspace::bearerOk(const std::string& authorization) const {
  if (!pat_.empty() && authorization == "Bearer " + pat_) {
    return true;
  }
  for (size_t i = revokedUpTo_; i < accessTokens_.size(); ++i) {
    if (authorization == "Bearer " + accessTokens_[i]) {
      return true;
    }
  }
  return false;
}

FakeWorkspace::Reply FakeWorkspace::handle(const std::string& method, const std::string& path,
                                           const std::string& authorization,
                                           const std::string& contentType,
                                           const std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++calls_[path];
  if (method == "POST" && path == "/oidc/v1/token") {
    const bool ok = !clientId_.empty() &&
                    authorization == "Basic " + base64(clientId_ + ":" + clientSecret_) &&
                    contentType.find("application/x-www-form-urlencoded") == 0 &&
                    body.find("grant_type=client_credentials") != std::string::npos &&
                    body.find("scope=all-apis") != std::string::npos;
    if (!ok) {
      return {401, json{{"error", "invalid_client"},
                        {"error_description", "Client authentication failed"}}
                       .dump()};
    }
    accessTokens_.push_back("ws-access-" + std::to_string(accessTokens_.size() + 1));
    return {200, json{{"access_token", accessTokens_.back()},
                      {"token_type", "Bearer"},
                      {"expires_in", accessLifetimeS_},
                      {"scope", "all-apis"}}
                     .dump()};
  }
  if (path.rfind("/api/", 0) == 0 && !bearerOk(authorization)) {
    return {401, errorBody("UNAUTHENTICATED", "Invalid access token.").dump()};
  }
  if (method == "GET" && path == "/api/2.0/database/instances/" + instanceName_) {
    return {200, json{{"name", instanceName_},
                      {"read_write_dns", readWriteDns_},
                      {"state", "AVAILABLE"},
                      {"pg_version", "15"}}
                     .dump()};
  }
  const bool provisioned = method == "POST" && path == "/api/2.0/database/credentials";
  const bool autoscaling = method == "POST" && path == "/api/2.0/postgres/credentials";
  if (provisioned || autoscaling) {
    const json request = json::parse(body, nullptr, false);
    credentialRequests_.push_back(request);
    credentialAuthorizations_.push_back(authorization);
    if (failStatus_ != 0) {
      return {failStatus_, errorBody("TEMPORARILY_UNAVAILABLE", "try later").dump()};
    }
    if (provisioned && (!request.is_object() || !request.contains("instance_names") ||
                        request["instance_names"] != json::array({instanceName_}) ||
                        !request.contains("request_id") || !request["request_id"].is_string() ||
                        request["request_id"].get<std::string>().empty())) {
      return {400, errorBody("INVALID_PARAMETER_VALUE", "bad credential request").dump()};
    }
    if (autoscaling && (!request.is_object() || !request.contains("endpoint") ||
                        !request["endpoint"].is_string())) {
      return {400, errorBody("INVALID_PARAMETER_VALUE", "endpoint is required").dump()};
    }
    if (lakebaseTokens_.empty()) {
      return {500, errorBody("INTERNAL_ERROR", "the test queued no token").dump()};
    }
    const auto& [token, lifetime] =
        lakebaseTokens_[std::min(nextLakebase_, lakebaseTokens_.size() - 1)];
    ++nextLakebase_;
    const std::string expiry = rfc3339(clock_.now() + lifetime);
    json answer = {{"token", token}};
    answer[provisioned ? "expiration_time" : "expire_time"] = expiry;
    return {200, answer.dump()};
  }
  return {404, errorBody("ENDPOINT_NOT_FOUND", "no such endpoint: " + path).dump()};
}

// ---- TestSource ---------------------------------------------------------------------------------

TestSource::TestSource(std::string data, std::optional<size_t> failAfter)
    : data_(std::move(data)), failAfter_(failAfter) {
  source_.struct_size = sizeof(dk_source);
  source_.ctx = this;
  source_.read = [](void* ctx, char* buffer, size_t capacity) -> int64_t {
    auto* self = static_cast<TestSource*>(ctx);
    if (self->failAfter_ && self->pos_ >= *self->failAfter_) {
      return -1;
    }
    size_t n = std::min({capacity, size_t{300'000}, self->data_.size() - self->pos_});
    if (self->failAfter_) {
      n = std::min(n, *self->failAfter_ - self->pos_);
    }
    std::copy_n(self->data_.data() + self->pos_, n, buffer);
    self->pos_ += n;
    return static_cast<int64_t>(n);
  };
}

}  // namespace devkit::lakebase_test
