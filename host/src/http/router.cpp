#include "http/router.hpp"

#include <algorithm>

namespace devkit::http {

std::vector<std::string> Router::split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) {
      out.push_back(path.substr(start, end - start));
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{method, split(pattern), pattern, std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match result;
  const std::vector<std::string> parts = split(path);
  for (const Route& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string& seg = route.segments[i];
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        params[seg.substr(1, seg.size() - 2)] = parts[i];
      } else {
        ok = seg == parts[i];
      }
    }
    if (!ok) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      result.handler = &route.handler;
      result.params = std::move(params);
      return result;
    }
    for (const std::string& allowed : route.method == "GET"
                                          ? std::vector<std::string>{"GET", "HEAD"}
                                          : std::vector<std::string>{route.method}) {
      if (std::find(result.allowedMethods.begin(), result.allowedMethods.end(), allowed) ==
          result.allowedMethods.end()) {
        result.allowedMethods.push_back(allowed);
      }
    }
  }
  return result;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace devkit::http
