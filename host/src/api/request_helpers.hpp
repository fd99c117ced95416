#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "http/request_context.hpp"

namespace devkit::api {

/// Whether a request body may be left out.
enum class Body { kRequired, kOptional };

/// The JSON object body of a request whose members must all be in `allowed` (a typo is a 400
/// naming the member, not a silently ignored change). With Body::kOptional a request that sends no
/// body at all (no Content-Length, not chunked) counts as {}.
nlohmann::json objectBody(http::RequestContext& ctx, std::initializer_list<const char*> allowed,
                          Body body = Body::kRequired);

/// ?limit= as an integer in [1, max]; `fallback` when absent. 400 naming "limit" otherwise.
int limitParam(const http::RequestContext& ctx, int fallback, int max);
/// ?cursor= (opaque; at most 1024 bytes); nullopt when absent or empty.
std::optional<std::string> cursorParam(const http::RequestContext& ctx);
/// ?<name>= as a 64-bit integer >= min; `fallback` when absent.
int64_t integerParam(const http::RequestContext& ctx, const std::string& name, int64_t fallback,
                     int64_t min);

/// Paged lists answer with a JSON array (the shape the original API had) and, when there is a next
/// page, X-Next-Cursor and an RFC 8288 Link header (rel="next").
void setNextPage(http::RequestContext& ctx, const std::optional<std::string>& cursor, int limit);

}  // namespace devkit::api
