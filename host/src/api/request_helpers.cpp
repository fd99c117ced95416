#include "api/request_helpers.hpp"

#include <Poco/URI.h>

#include <charconv>
#include <set>

#include "core/failure.hpp"

namespace devkit::api {

using core::Failure;

nlohmann::json objectBody(http::RequestContext& ctx, std::initializer_list<const char*> allowed,
                          Body presence) {
  if (presence == Body::kOptional && ctx.request.getContentLength() <= 0 &&
      !ctx.request.getChunkedTransferEncoding()) {
    return nlohmann::json::object();
  }
  nlohmann::json body = ctx.jsonBody();
  const std::set<std::string> known(allowed.begin(), allowed.end());
  for (const auto& [key, _] : body.items()) {
    if (known.count(key) == 0) {
      std::string list;
      for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      throw Failure::invalid(key, "unknown member \"" + key + "\" (expected: " + list + ")");
    }
  }
  return body;
}

int64_t integerParam(const http::RequestContext& ctx, const std::string& name, int64_t fallback,
                     int64_t min) {
  const auto text = ctx.query(name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min) {
    throw Failure::invalid(name, "\"" + name + "\" must be an integer >= " + std::to_string(min));
  }
  return value;
}

int limitParam(const http::RequestContext& ctx, int fallback, int max) {
  const int64_t value = integerParam(ctx, "limit", fallback, 1);
  if (value > max) {
    throw Failure::invalid("limit", "\"limit\" must be between 1 and " + std::to_string(max));
  }
  return static_cast<int>(value);
}

std::optional<std::string> cursorParam(const http::RequestContext& ctx) {
  auto cursor = ctx.query("cursor");
  if (!cursor || cursor->empty()) return std::nullopt;
  if (cursor->size() > 1024) {
    throw Failure::invalid("cursor", "\"cursor\" is not a cursor this list gave out");
  }
  return cursor;
}

void setNextPage(http::RequestContext& ctx, const std::optional<std::string>& cursor, int limit) {
  if (!cursor) return;
  std::string encoded;
  Poco::URI::encode(*cursor, "!#$&'()*+,/:;=?@[]", encoded);
  ctx.response.set("X-Next-Cursor", *cursor);
  ctx.response.set("Link", "<" + ctx.path + "?limit=" + std::to_string(limit) +
                               "&cursor=" + encoded + ">; rel=\"next\"");
}

}  // namespace devkit::api
