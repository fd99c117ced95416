#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/request_context.hpp"

namespace devkit::http {

using Handler = std::function<void(RequestContext&)>;

/// Maps (method, path pattern) to handlers. Patterns are literal segments and {name} captures, e.g.
/// "/api/projects/{id}/files". A path that matches with another method gives 405 with Allow.
/// THREADING: add() during startup only; match() is thread-safe afterwards.
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowedMethods;  // when the path matched but the method did not
  };
  Match match(const std::string& method, const std::string& path) const;

  /// Every (method, pattern) registered, in registration order (for the OpenAPI coverage test).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string pattern;
    Handler handler;
  };
  static std::vector<std::string> split(const std::string& path);
  std::vector<Route> routes_;
};

}  // namespace devkit::http
