#include "identity/identity.hpp"

#include <algorithm>
#include <cctype>

#include <Poco/String.h>

#include "http/http_error.hpp"

namespace devkit::identity {
namespace {

constexpr size_t kMaxEmailBytes = 320;

// A forwarded identity is used as a storage owner key: printable, no spaces, bounded.
bool usable(const std::string& id) {
  return !id.empty() && id.size() <= kMaxEmailBytes &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > 0x20 && c != 0x7f; });
}

}  // namespace

std::string localPart(const std::string& email) {
  const auto at = email.find('@');
  return at == std::string::npos ? email : email.substr(0, at);
}

User Identity::resolve(const Poco::Net::HTTPServerRequest& request) const {
  User user;
  if (settings_.mode == config::AuthMode::kDev) {
    user.email = settings_.devUserEmail;
    user.displayName =
        settings_.devUserName.empty() ? localPart(user.email) : settings_.devUserName;
    return user;
  }
  for (const char* header : {"X-Forwarded-Email", "X-Forwarded-User"}) {
    const std::string value = Poco::toLower(Poco::trim(request.get(header, "")));
    if (value.empty()) continue;
    if (!usable(value)) {
      throw http::HttpError(401, "unauthenticated",
                            std::string(header) + " is not a usable identity");
    }
    user.email = value;
    break;
  }
  if (user.email.empty()) {
    throw http::HttpError(401, "unauthenticated",
                          "no signed-in user: requests must come through the Databricks Apps "
                          "proxy (X-Forwarded-Email or X-Forwarded-User)");
  }
  const std::string preferred = Poco::trim(request.get("X-Forwarded-Preferred-Username", ""));
  user.displayName =
      preferred.empty() || preferred.size() > 200 ? localPart(user.email) : preferred;
  user.accessToken = request.get("X-Forwarded-Access-Token", "");
  return user;
}

nlohmann::json Identity::describe(const User& user) const {
  return {
      {"email", user.email},
      {"display_name", user.displayName},
      {"workspace_url", settings_.workspaceUrl.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(settings_.workspaceUrl)},
      {"auth_mode", settings_.mode == config::AuthMode::kDev ? "dev" : "databricks-apps"}};
}

}  // namespace devkit::identity
