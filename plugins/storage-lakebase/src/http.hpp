// A minimal blocking HTTP(S) client for the workspace's OAuth and Lakebase credential endpoints:
// Poco::Net HTTPSClientSession for https (system CAs, certificate and host name checked) and
// HTTPClientSession for http (the tests' in-process fake server).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/Context.h>

namespace devkit::lakebase {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(int timeoutS = 30);

  /// Sends one request to `url` (absolute http:// or https://). Throws devkit::sdk::Error
  /// (DK_ERR_UNAVAILABLE) when no response arrives; any HTTP status is returned.
  /// `headers` may carry credentials: they are never logged or put into errors.
  HttpResponse send(const std::string& method, const std::string& url,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& contentType, const std::string& body);

 private:
  int timeoutS_;
  Poco::Net::Context::Ptr tls_;  // created on first https use
};

/// "<status> <error_code>: <message>" from a Databricks error body (or its first 200 bytes).
std::string describeHttpError(const HttpResponse& response);

}  // namespace devkit::lakebase
