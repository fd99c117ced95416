#include "http.hpp"

#include <devkit/sdk.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

namespace devkit::lakebase {

using devkit::sdk::Error;

HttpClient::HttpClient(int timeoutS) : timeoutS_(timeoutS) {}

HttpResponse HttpClient::send(const std::string& method, const std::string& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& contentType, const std::string& body) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "storage-lakebase: invalid workspace URL");
  }
  const std::string target =
      uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort()) + uri.getPath();
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      if (tls_.isNull()) {
        // Verify the server's certificate against the system CAs (and its name, which
        // HTTPSClientSession checks).
        tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                      Poco::Net::Context::VERIFY_RELAXED, 9, true);
      }
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls_);
    } else if (uri.getScheme() == "http") {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    } else {
      throw Error(DK_ERR_INVALID_ARGUMENT,
                  "storage-lakebase: the workspace URL must be http:// or https://");
    }
    session->setTimeout(Poco::Timespan(timeoutS_, 0));
    Poco::Net::HTTPRequest request(method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "devkit-storage-lakebase/0.1.0");
    request.set("Accept", "application/json");
    for (const auto& [name, value] : headers) {
      request.set(name, value);
    }
    if (!body.empty() || method == Poco::Net::HTTPRequest::HTTP_POST) {
      request.setContentType(contentType);
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& out = session->sendRequest(request);
    out << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    HttpResponse result;
    result.status = static_cast<int>(response.getStatus());
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    result.body = text.str();
    return result;
  } catch (const Error&) {
    throw;
  } catch (const Poco::Exception& e) {
    // Poco's texts name the host and the failure, never the headers.
    throw Error(DK_ERR_UNAVAILABLE, method + " " + target + " failed: " + e.displayText());
  } catch (const std::exception& e) {
    throw Error(DK_ERR_UNAVAILABLE, method + " " + target + " failed: " + e.what());
  }
}

std::string describeHttpError(const HttpResponse& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    const auto text = [&](const char* key) -> std::string {
      const auto it = body.find(key);
      return it != body.end() && it->is_string() ? it->get<std::string>() : "";
    };
    std::string code = text("error_code");
    std::string message = text("message");
    if (code.empty()) {
      code = text("error");  // OAuth: {"error", "error_description"}
      message = text("error_description");
    }
    if (!code.empty()) {
      out += " " + code;
    }
    if (!message.empty()) {
      out += ": " + message;
    }
    return out;
  }
  if (!response.body.empty()) {
    out += ": " + response.body.substr(0, 200);
  }
  return out;
}

}  // namespace devkit::lakebase
