#include "conninfo.hpp"

#include <libpq-fe.h>
#include <devkit/sdk.hpp>

#include <Poco/Exception.h>

#include <algorithm>
#include <memory>

namespace devkit::lakebase {

using devkit::sdk::Error;

ConnParams ConnParams::fromDsn(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
      reason.pop_back();
    }
    // libpq's reason names the offending part; it does not repeat the password.
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "storage-lakebase: the dsn is not a valid PostgreSQL "
                "connection string (" +
                    reason + ")");
  }
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(options, PQconninfoFree);
  ConnParams params;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') {
      params.items_.emplace_back(o->keyword, o->val);
    }
  }
  return params;
}

void ConnParams::set(const std::string& key, const std::string& value) {
  for (auto& [k, v] : items_) {
    if (k == key) {
      v = value;
      return;
    }
  }
  items_.emplace_back(key, value);
}

void ConnParams::setDefault(const std::string& key, const std::string& value) {
  if (!get(key)) {
    set(key, value);
  }
}

std::optional<std::string> ConnParams::get(const std::string& key) const {
  for (const auto& [k, v] : items_) {
    if (k == key && !v.empty()) {
      return v;
    }
  }
  return std::nullopt;
}

void ConnParams::erase(const std::string& key) {
  items_.erase(std::remove_if(items_.begin(), items_.end(),
                              [&](const auto& item) { return item.first == key; }),
               items_.end());
}

std::string ConnParams::conninfo() const {
  std::string out;
  for (const auto& [k, v] : items_) {
    if (v.empty()) {
      continue;
    }
    for (char c : v) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\'' || c == '\\') {
        throw Error(DK_ERR_INVALID_ARGUMENT,
                    "storage-lakebase: the connection parameter \"" + k +
                        "\" contains a space, quote or backslash, which Poco's PostgreSQL "
                        "connector cannot pass");
      }
    }
    if (!out.empty()) {
      out += ' ';
    }
    out += k + "=" + v;
  }
  return out;
}

std::string ConnParams::describe() const {
  std::string out = "postgresql://";
  if (auto user = get("user")) {
    out += *user + "@";
  }
  out += get("host").value_or(get("hostaddr").value_or("(libpq default host)"));
  if (auto port = get("port")) {
    out += ":" + *port;
  }
  out += "/" + get("dbname").value_or("");
  if (auto sslmode = get("sslmode")) {
    out += "?sslmode=" + *sslmode;
  }
  return out;
}

std::string errorText(const std::exception& e) {
  if (const auto* poco = dynamic_cast<const Poco::Exception*>(&e)) {
    return poco->displayText();
  }
  return e.what();
}

void Redactor::add(const std::string& secret) {
  if (secret.size() < 4) {
    return;  // too short to scrub without mangling ordinary text
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.push_back(secret);
  }
}

std::string Redactor::operator()(std::string text) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& secret : secrets_) {
      for (size_t pos; (pos = text.find(secret)) != std::string::npos;) {
        text.replace(pos, secret.size(), "***");
      }
    }
  }
  // Poco's NotConnectedException repeats the whole connection string.
  static constexpr std::string_view kKey = "password=";
  for (size_t pos = text.find(kKey); pos != std::string::npos; pos = text.find(kKey, pos + 1)) {
    const size_t start = pos + kKey.size();
    size_t end = start;
    while (end < text.size() && text[end] != ' ' && text[end] != '\n' && text[end] != '\t') {
      ++end;
    }
    text.replace(start, end - start, "***");
  }
  return text;
}

}  // namespace devkit::lakebase
