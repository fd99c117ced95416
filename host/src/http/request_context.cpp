#include "http/request_context.hpp"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MediaType.h>
#include <Poco/URI.h>

#include "http/http_error.hpp"

namespace devkit::http {

namespace {
// How far past the body limit a request is still read (and discarded) so its 413 arrives.
constexpr std::streamsize kMaxDrainBytes = 16 << 20;
}  // namespace

const std::string& RequestContext::body() {
  if (body_) {
    return *body_;
  }
  if (request.getChunkedTransferEncoding()) {
    response.setKeepAlive(false);
    bodyUnread = true;
    throw HttpError(411, "length_required",
                    "chunked request bodies are not accepted; send Content-Length");
  }
  const std::streamsize declared = request.getContentLength();
  if (declared > limits.maxBodyBytes) {
    response.setKeepAlive(false);  // the connection ends after this answer
    // A client that sends its whole body before reading (most do; only curl waits with
    // Expect: 100-continue) sees a connection reset instead of the 413 when we close with the body
    // unread. Reading a moderate excess costs little; an absurd one is not worth reading.
    if (declared - limits.maxBodyBytes <= kMaxDrainBytes) {
      request.stream().ignore(declared);
    } else {
      bodyUnread = true;
    }
    throw HttpError(413, "body_too_large",
                    "request body of " + std::to_string(declared) + " bytes exceeds the limit of " +
                        std::to_string(limits.maxBodyBytes) + " bytes");
  }
  std::string data;
  if (declared > 0) {
    data.resize(static_cast<size_t>(declared));
    std::istream& in = request.stream();
    in.read(data.data(), declared);
    if (in.gcount() != declared) {
      response.setKeepAlive(false);
      throw HttpError(400, "incomplete_body", "the request body ended before Content-Length");
    }
  }
  body_ = std::move(data);
  return *body_;
}

nlohmann::json RequestContext::jsonBody() {
  const std::string contentType = request.getContentType();
  bool isJson = false;
  try {
    // Media types compare case-insensitively, parameters (charset) aside (RFC 9110 §8.3.1).
    isJson = Poco::Net::MediaType(contentType).matches("application", "json");
  } catch (const Poco::Exception&) {
  }
  if (!isJson) {
    // Read (and bound) the body anyway so the connection stays usable.
    body();
    throw HttpError(415, "unsupported_media_type",
                    "expected Content-Type: application/json, got '" + contentType + "'");
  }
  const std::string& text = body();
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    throw HttpError(400, "invalid_json", "the request body is not valid JSON");
  }
  if (!parsed.is_object()) {
    throw HttpError(400, "invalid_json", "the request body must be a JSON object");
  }
  return parsed;
}

std::string RequestContext::param(const std::string& name) const {
  const auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::optional<std::string> RequestContext::query(const std::string& name) const {
  try {
    const Poco::URI uri(request.getURI());
    for (const auto& [key, value] : uri.getQueryParameters()) {
      if (key == name) return value;
    }
  } catch (const Poco::Exception&) {
    throw HttpError(400, "invalid_uri", "the request URI cannot be parsed");
  }
  return std::nullopt;
}

}  // namespace devkit::http
