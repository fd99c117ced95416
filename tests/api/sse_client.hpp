#pragma once

// A Server-Sent Events reader for the agent tests: one real HTTP connection, parsed line by line
// the way a browser's EventSource does (id / event / data fields, comments, blank line ends an
// event).

#include <chrono>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <nlohmann/json.hpp>

namespace devkit::testing {

struct SseEvent {
  int64_t id = -1;
  std::string type;
  nlohmann::json data;
};

class SseStream {
 public:
  /// Opens the stream (a POST with a JSON body when `body` is not null).
  SseStream(int port, const std::string& method, const std::string& path,
            const nlohmann::json& body, std::map<std::string, std::string> headers,
            int timeoutS = 60)
      : session_("127.0.0.1", static_cast<uint16_t>(port)) {
    session_.setTimeout(Poco::Timespan(timeoutS, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) request.set(k, v);
    const std::string text = body.is_null() ? std::string() : body.dump();
    if (!body.is_null()) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(text.size()));
    }
    session_.sendRequest(request) << text;
    in_ = &session_.receiveResponse(response_);
  }

  int status() const { return static_cast<int>(response_.getStatus()); }
  std::string header(const std::string& name) const { return response_.get(name, ""); }
  const Poco::Net::HTTPResponse& response() const { return response_; }

  /// The next event, or nullopt at the end of the stream. Comments are counted, not returned.
  std::optional<SseEvent> next() {
    SseEvent event;
    bool any = false;
    std::string data;
    std::string line;
    while (std::getline(*in_, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (!any) continue;
        event.data = nlohmann::json::parse(data, nullptr, false);
        events_.push_back(event);
        return event;
      }
      if (line[0] == ':') {
        ++comments_;
        continue;
      }
      any = true;
      const auto colon = line.find(':');
      const std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "id") event.id = std::stoll(value);
      if (field == "event") event.type = value;
      if (field == "data") data += (data.empty() ? "" : "\n") + value;
    }
    return std::nullopt;
  }

  /// Reads until an event of `type` (returned) or the end (nullopt).
  std::optional<SseEvent> until(const std::string& type) {
    while (auto e = next()) {
      if (e->type == type) return e;
    }
    return std::nullopt;
  }
  /// Reads to the end of the stream.
  void drain() {
    while (next()) {
    }
  }

  const std::vector<SseEvent>& events() const { return events_; }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(e.type);
    return out;
  }
  int comments() const { return comments_; }
  /// Drops the connection (a reader that goes away mid-run).
  void close() { session_.abort(); }

 private:
  Poco::Net::HTTPClientSession session_;
  Poco::Net::HTTPResponse response_;
  std::istream* in_ = nullptr;
  std::vector<SseEvent> events_;
  int comments_ = 0;
};

}  // namespace devkit::testing
