#include "credentials.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <utility>

namespace devkit::lakebase {
namespace {

using devkit::sdk::Error;
using nlohmann::json;

constexpr int64_t kSecondUs = 1'000'000;
constexpr int64_t kMinuteUs = 60 * kSecondUs;
// Lakebase documents one hour; used when a response carries no expiry.
constexpr int64_t kDefaultTokenLifetimeUs = 60 * kMinuteUs;
// After a failed fetch: how long to keep using a still-valid token before trying again, and how
// long to answer from the last error when there is none (so a dead workspace is not hammered).
constexpr int64_t kRetryWithTokenUs = 5 * kSecondUs;
constexpr int64_t kRetryWithoutTokenUs = 1 * kSecondUs;
constexpr int64_t kForcedRotationGapUs = 30 * kSecondUs;

std::string base64(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);  // one line: it goes into an HTTP header
  encoder << text;
  encoder.close();
  return out.str();
}

std::string formatUs(int64_t us) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(us), Poco::DateTimeFormat::ISO8601_FORMAT);
}

std::string urlEncode(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

}  // namespace

Clock systemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

std::optional<int64_t> parseRfc3339Us(const std::string& text) {
  // Poco's parser is lenient (it accepts "soon"): check the shape first,
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
  const auto digits = [&](size_t from, size_t count) {
    for (size_t i = from; i < from + count; ++i) {
      if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    }
    return true;
  };
  const auto at = [&](size_t i, char c) { return i < text.size() && text[i] == c; };
  bool shape = digits(0, 4) && at(4, '-') && digits(5, 2) && at(7, '-') && digits(8, 2) &&
               (at(10, 'T') || at(10, 't')) && digits(11, 2) && at(13, ':') && digits(14, 2) &&
               at(16, ':') && digits(17, 2);
  size_t pos = 19;
  if (shape && at(pos, '.')) {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    shape = pos > start;
  }
  if (shape) {
    shape = ((at(pos, 'Z') || at(pos, 'z')) && pos + 1 == text.size()) ||
            ((at(pos, '+') || at(pos, '-')) && digits(pos + 1, 2) && at(pos + 3, ':') &&
             digits(pos + 4, 2) && pos + 6 == text.size());
  }
  if (!shape) {
    return std::nullopt;
  }
  Poco::DateTime dt;
  int tzd = 0;
  if (Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt, tzd) ||
      Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, text, dt, tzd)) {
    dt.makeUTC(tzd);
    return dt.timestamp().epochMicroseconds();
  }
  return std::nullopt;
}

Credentials::Credentials(const LakebaseConfig& config, devkit::sdk::Host host,
                         std::shared_ptr<Redactor> redactor, Clock clock)
    : config_(config),
      host_(host),
      redactor_(std::move(redactor)),
      clock_(std::move(clock)),
      http_(std::max(10, config.connectTimeoutS * 3)) {
  for (const std::string& secret : config_.secrets()) {
    redactor_->add(secret);
  }
  if (!config_.dsn.empty()) {
    params_ = ConnParams::fromDsn(config_.dsn);
    if (auto password = params_.get("password")) {
      redactor_->add(*password);
    }
  }
  // Explicit keys override the DSN.
  if (!config_.host.empty()) params_.set("host", config_.host);
  if (config_.port != 0) params_.set("port", std::to_string(config_.port));
  if (!config_.database.empty()) params_.set("dbname", config_.database);
  if (!config_.user.empty()) params_.set("user", config_.user);
  if (!config_.sslmode.empty()) params_.set("sslmode", config_.sslmode);
  params_.setDefault("connect_timeout", std::to_string(std::max(2, config_.connectTimeoutS)));
  params_.setDefault("application_name", config_.applicationName);
  // Notice a server that vanished without closing the socket (Poco's pool cannot).
  params_.setDefault("keepalives", "1");
  params_.setDefault("keepalives_idle", "30");
  params_.setDefault("keepalives_interval", "10");
  params_.setDefault("keepalives_count", "3");

  if (rotates()) {
    params_.erase("password");  // the token is the password
    params_.setDefault("dbname", "databricks_postgres");
    params_.setDefault("sslmode", "require");
    if (!params_.get("user") && !config_.clientId.empty()) {
      params_.set("user", config_.clientId);  // an App's Postgres role is its client id
    }
    if (!params_.get("user")) {
      throw Error(DK_ERR_INVALID_ARGUMENT,
                  "storage-lakebase: Lakebase needs the Postgres role: set \"user\" or PGUSER");
    }
    hostKnown_ = params_.get("host").has_value();
    if (!hostKnown_ && config_.mode == CredentialMode::kEndpoint) {
      throw Error(DK_ERR_INVALID_ARGUMENT,
                  "storage-lakebase: a Lakebase \"endpoint\" needs \"host\" (or PGHOST)");
    }
    const std::string sslmode = params_.get("sslmode").value_or("");
    if (sslmode == "disable" || sslmode == "allow" || sslmode == "prefer") {
      host_.warn("storage-lakebase: sslmode=" + sslmode +
                 " with a Lakebase token: the token may travel unencrypted");
    }
  } else {
    generation_ = 1;
  }
  params_.conninfo();  // throws now, at create, when Poco could not carry a value
}

ConnectTarget Credentials::targetLocked() const {
  ConnParams params = params_;
  if (rotates()) {
    params.set("password", token_);
  }
  ConnParams ping = params;
  ping.erase("password");
  return ConnectTarget{generation_, params.conninfo(), ping.conninfo(), params.describe()};
}

ConnectTarget Credentials::current() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!rotates()) {
    return targetLocked();
  }
  for (;;) {
    const int64_t now = clock_();
    const bool valid = !token_.empty() && now < usableUntilUs_;
    if (valid && now < rotateAtUs_) {
      return targetLocked();
    }
    if (fetching_) {
      if (valid) {
        return targetLocked();  // keep logging in with the old token meanwhile
      }
      fetched_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    if (now < nextAttemptUs_) {
      if (valid) {
        return targetLocked();
      }
      throw Error(DK_ERR_UNAVAILABLE, lastError_);
    }
    fetching_ = true;
    lock.unlock();
    Fetched fetched;
    std::string error;
    try {
      fetched = fetchLakebaseToken();
    } catch (const std::exception& e) {
      error = (*redactor_)(errorText(e));
    }
    lock.lock();
    fetching_ = false;
    fetched_.notify_all();
    const int64_t after = clock_();
    if (!error.empty()) {
      lastError_ = "could not get a Lakebase credential: " + error;
      nextAttemptUs_ = after + (valid ? kRetryWithTokenUs : kRetryWithoutTokenUs);
      host_.warn("storage-lakebase: " + lastError_);
      if (!token_.empty() && after < usableUntilUs_) {
        return targetLocked();
      }
      throw Error(DK_ERR_UNAVAILABLE, lastError_);
    }
    redactor_->add(fetched.token);
    token_ = std::move(fetched.token);
    expiresUs_ = fetched.expiresUs;
    const int64_t lifetime = std::max<int64_t>(expiresUs_ - after, 0);
    int64_t rotateIn = lifetime > 20 * kMinuteUs ? lifetime - 10 * kMinuteUs : lifetime / 2;
    if (config_.tokenRefreshS > 0) {
      rotateIn = std::min(rotateIn, config_.tokenRefreshS * kSecondUs);
    }
    rotateAtUs_ = after + rotateIn;
    usableUntilUs_ = expiresUs_ - std::min(30 * kSecondUs, lifetime / 10);
    nextAttemptUs_ = 0;
    lastError_.clear();
    ++generation_;
    ++fetches_;
    host_.info("storage-lakebase: got a Lakebase credential (generation " +
               std::to_string(generation_) + ", expires " + formatUs(expiresUs_) +
               ", next rotation in " + std::to_string(rotateIn / kSecondUs) + " s)");
  }
}

void Credentials::loginRefused(uint64_t generation) {
  if (!rotates()) {
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t now = clock_();
  if (generation == generation_ && now - lastForcedUs_ >= kForcedRotationGapUs) {
    lastForcedUs_ = now;
    rotateAtUs_ = now;
    host_.warn(
        "storage-lakebase: the database refused the Lakebase credential; fetching a new one");
  }
}

json Credentials::describe() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const char* kind = config_.mode == CredentialMode::kInstance   ? "lakebase-instance"
                     : config_.mode == CredentialMode::kEndpoint ? "lakebase-endpoint"
                                                                 : "static";
  json out = {{"credential", kind}, {"generation", generation_}, {"fetches", fetches_}};
  if (rotates()) {
    out["token_expires_us"] = expiresUs_;
    out["next_rotation_us"] = rotateAtUs_;
  }
  return out;
}

std::string Credentials::where() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return params_.describe();
}

int Credentials::fetches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

json Credentials::postJson(const std::string& path, const json& body, const std::string& bearer,
                           int& status) {
  const HttpResponse response =
      http_.send("POST", config_.databricksHost + path, {{"Authorization", "Bearer " + bearer}},
                 "application/json", body.dump());
  status = response.status;
  if (response.status < 200 || response.status >= 300) {
    return json{{"error", describeHttpError(response)}};
  }
  json parsed = json::parse(response.body, nullptr, false);
  if (!parsed.is_object()) {
    status = 502;
    return json{{"error", "POST " + path + " answered with something that is not a JSON object"}};
  }
  return parsed;
}

std::string Credentials::workspaceBearer(bool forceNew) {
  if (!config_.workspaceToken.empty()) {
    return config_.workspaceToken;
  }
  std::lock_guard<std::mutex> lock(workspaceMutex_);
  const int64_t now = clock_();
  if (!forceNew && !workspaceToken_.empty() && now < workspaceRefreshUs_) {
    return workspaceToken_;
  }
  // OAuth M2M (client credentials), databricks-api.md §1.2.
  const HttpResponse response = http_.send(
      "POST", config_.databricksHost + "/oidc/v1/token",
      {{"Authorization", "Basic " + base64(config_.clientId + ":" + config_.clientSecret)}},
      "application/x-www-form-urlencoded", "grant_type=client_credentials&scope=all-apis");
  if (response.status < 200 || response.status >= 300) {
    throw Error(DK_ERR_UNAVAILABLE, "the workspace refused the OAuth client credentials (" +
                                        describeHttpError(response) + ")");
  }
  const json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string()) {
    throw Error(DK_ERR_UNAVAILABLE, "the workspace's OAuth token answer has no access_token");
  }
  workspaceToken_ = body["access_token"].get<std::string>();
  redactor_->add(workspaceToken_);
  int64_t lifetime = kDefaultTokenLifetimeUs;
  if (body.contains("expires_in") && body["expires_in"].is_number()) {
    lifetime = static_cast<int64_t>(body["expires_in"].get<double>() * kSecondUs);
  }
  // The SDKs treat a token as expired 40 s early; short test tokens get half their lifetime.
  workspaceRefreshUs_ = now + (lifetime > 10 * kMinuteUs ? lifetime - 5 * kMinuteUs
                                                         : std::max<int64_t>(lifetime / 2, 0));
  host_.debug("storage-lakebase: got a workspace OAuth token for client " + config_.clientId);
  return workspaceToken_;
}

std::string Credentials::lookupInstanceHost(const std::string& bearer) {
  const std::string path = "/api/2.0/database/instances/" + urlEncode(config_.instanceName);
  const HttpResponse response = http_.send("GET", config_.databricksHost + path,
                                           {{"Authorization", "Bearer " + bearer}}, "", "");
  if (response.status < 200 || response.status >= 300) {
    throw Error(DK_ERR_UNAVAILABLE, "looking up Lakebase instance \"" + config_.instanceName +
                                        "\" failed (" + describeHttpError(response) + ")");
  }
  const json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("read_write_dns") ||
      !body["read_write_dns"].is_string() || body["read_write_dns"].get<std::string>().empty()) {
    throw Error(DK_ERR_UNAVAILABLE, "Lakebase instance \"" + config_.instanceName +
                                        "\" has no read_write_dns yet (is it running?)");
  }
  return body["read_write_dns"].get<std::string>();
}

Credentials::Fetched Credentials::fetchLakebaseToken() {
  for (int attempt = 0;; ++attempt) {
    const std::string bearer = workspaceBearer(attempt > 0);
    bool needHost = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      needHost = !hostKnown_;
    }
    if (needHost) {
      const std::string dns = lookupInstanceHost(bearer);
      std::lock_guard<std::mutex> lock(mutex_);
      params_.set("host", dns);
      hostKnown_ = true;
      host_.info("storage-lakebase: Lakebase instance \"" + config_.instanceName + "\" is at " +
                 dns);
    }
    json request;
    std::string path;
    if (config_.mode == CredentialMode::kInstance) {
      path = "/api/2.0/database/credentials";
      request = {{"instance_names", json::array({config_.instanceName})},
                 {"request_id", Poco::UUIDGenerator::defaultGenerator().createRandom().toString()}};
    } else {
      path = "/api/2.0/postgres/credentials";
      request = {{"endpoint", config_.endpoint}};
    }
    int status = 0;
    const json body = postJson(path, request, bearer, status);
    // An M2M access token may have been revoked or expired early: get a new one once.
    if (status == 401 && attempt == 0 && config_.workspaceToken.empty()) {
      continue;
    }
    if (status < 200 || status >= 300) {
      throw Error(DK_ERR_UNAVAILABLE,
                  "POST " + path + " failed (" + body.value("error", std::string()) + ")");
    }
    if (!body.contains("token") || !body["token"].is_string() ||
        body["token"].get<std::string>().empty()) {
      throw Error(DK_ERR_UNAVAILABLE, "POST " + path + " answered without a token");
    }
    Fetched fetched;
    fetched.token = body["token"].get<std::string>();
    const int64_t now = clock_();
    fetched.expiresUs = now + kDefaultTokenLifetimeUs;
    for (const char* key : {"expiration_time", "expire_time"}) {
      if (body.contains(key) && body[key].is_string()) {
        if (auto us = parseRfc3339Us(body[key].get<std::string>())) {
          fetched.expiresUs = *us;
        }
      }
    }
    if (fetched.expiresUs <= now) {
      throw Error(DK_ERR_UNAVAILABLE, "POST " + path + " answered with an expired token");
    }
    return fetched;
  }
}

}  // namespace devkit::lakebase
