// Unified auth (../shared/reference/databricks-api.md §1.4): explicit values, then DATABRICKS_*
// environment variables, then a config file profile, each filling only what is still unset;
// then exactly one method, pat or oauth-m2m.
#include "auth/unified_auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>
#include <vector>

#include "auth/config_file.hpp"

namespace devkit::databricks {

namespace {

constexpr const char* kSupportedAuthTypes = "pat, oauth-m2m";

/// One attribute of AuthAttributes with its names in the environment and in the config file.
struct AttributeSpec {
  std::string AuthAttributes::*member;
  const char* envVar;
  const char* fileKey;  // nullptr: not read from the file (profile, config_file)
};

const std::vector<AttributeSpec>& attributeSpecs() {
  static const std::vector<AttributeSpec> kSpecs = {
      {&AuthAttributes::host, "DATABRICKS_HOST", "host"},
      {&AuthAttributes::token, "DATABRICKS_TOKEN", "token"},
      {&AuthAttributes::clientId, "DATABRICKS_CLIENT_ID", "client_id"},
      {&AuthAttributes::clientSecret, "DATABRICKS_CLIENT_SECRET", "client_secret"},
      {&AuthAttributes::authType, "DATABRICKS_AUTH_TYPE", "auth_type"},
      {&AuthAttributes::profile, "DATABRICKS_CONFIG_PROFILE", nullptr},
      {&AuthAttributes::configFile, "DATABRICKS_CONFIG_FILE", nullptr},
      {&AuthAttributes::warehouseId, "DATABRICKS_WAREHOUSE_ID", "warehouse_id"},
      {&AuthAttributes::clusterId, "DATABRICKS_CLUSTER_ID", "cluster_id"},
  };
  return kSpecs;
}

/// Where each attribute came from ("config", "environment (DATABRICKS_TOKEN)", "profile X of
/// /path"), never the value.
class Sources {
 public:
  void set(const std::string AuthAttributes::*member, std::string where) {
    where_[offsetKey(member)] = std::move(where);
  }
  std::string of(const std::string AuthAttributes::*member) const {
    auto it = where_.find(offsetKey(member));
    return it == where_.end() ? std::string() : it->second;
  }

 private:
  // Member pointers are not ordered; key them by the attribute's name in the spec table.
  static std::string offsetKey(const std::string AuthAttributes::*member) {
    for (const auto& spec : attributeSpecs()) {
      if (spec.member == member) return spec.envVar;
    }
    return {};
  }
  std::map<std::string, std::string> where_;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// The "environment (DATABRICKS_X)" part of a source, shortened to "environment" for `origin`.
std::string sourceKind(const std::string& where) {
  const std::string env = "environment";
  return where.rfind(env, 0) == 0 ? env : where;
}

/// `origin`: the one source of every used attribute, or "host from A, token from B".
std::string describeOrigin(const std::vector<std::pair<const char*, std::string>>& used) {
  std::vector<std::string> kinds;
  for (const auto& [name, where] : used) {
    if (where.empty()) continue;
    std::string kind = sourceKind(where);
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  if (kinds.size() <= 1) return kinds.empty() ? std::string() : kinds.front();
  std::string out;
  for (const auto& [name, where] : used) {
    if (where.empty()) continue;
    if (!out.empty()) out += ", ";
    out += std::string(name) + " from " + sourceKind(where);
  }
  return out;
}

/// "~/x" -> "$HOME/x" (the Databricks CLI and SDKs expand it in DATABRICKS_CONFIG_FILE).
std::string expandHome(const std::string& path, const GetEnv& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    auto home = env("HOME");
    if (home && !home->empty()) return *home + path.substr(1);
  }
  return path;
}

bool isSet(const std::optional<std::string>& v) { return v.has_value() && !v->empty(); }

}  // namespace

GetEnv processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ResolvedAuth resolveAuth(const AuthAttributes& explicitValues, const GetEnv& env) {
  AuthAttributes a = explicitValues;
  Sources src;
  for (const auto& spec : attributeSpecs()) {
    if (!(a.*spec.member).empty()) src.set(spec.member, "config");
  }

  // 2. Environment: fills only what is still unset; an empty variable counts as unset.
  for (const auto& spec : attributeSpecs()) {
    if (!(a.*spec.member).empty()) continue;
    auto v = env ? env(spec.envVar) : std::nullopt;
    if (isSet(v)) {
      a.*spec.member = *v;
      src.set(spec.member, std::string("environment (") + spec.envVar + ")");
    }
  }

  // 3. Config file: only for a requested profile, or when neither a host nor any auth
  //    attribute is set yet (so DATABRICKS_HOST alone skips it, as the SDKs do).
  const bool anyAuth = !a.token.empty() || !a.clientId.empty() || !a.clientSecret.empty();
  if (!a.profile.empty() || (a.host.empty() && !anyAuth)) {
    std::string path = a.configFile;
    if (path.empty()) {
      auto home = env ? env("HOME") : std::nullopt;
      if (isSet(home)) path = *home + "/.databrickscfg";
    }
    path = expandHome(path, env);
    std::optional<ConfigFile> file;
    if (!path.empty()) file = readConfigFile(path);
    if (!a.profile.empty() && !file) {
      throw AuthConfigError(
          "profile '" + a.profile + "' (from " + src.of(&AuthAttributes::profile) +
          ") was requested but the config file " +
          (path.empty() ? std::string("~/.databrickscfg (HOME is not set)") : path) +
          " does not exist");
    }
    if (file) {
      std::string profile = a.profile;
      bool required = !profile.empty();
      std::string why;
      if (profile.empty()) {
        profile = file->value("__settings__", "default_profile");
        // A default_profile written in the file is a deliberate choice: naming a missing
        // section is a mistake worth reporting rather than silently using [DEFAULT].
        required = !profile.empty();
        why = " (default_profile in [__settings__])";
      }
      if (profile.empty()) profile = "DEFAULT";
      const ConfigFile::Section* section = file->section(profile);
      if (section == nullptr && required) {
        throw AuthConfigError("profile '" + profile + "'" + why + " not found in " + file->path);
      }
      if (section != nullptr) {
        const std::string where = "profile " + profile + " of " + file->path;
        for (const auto& spec : attributeSpecs()) {
          if (spec.fileKey == nullptr || !(a.*spec.member).empty()) continue;
          auto it = section->find(spec.fileKey);
          if (it != section->end() && !it->second.empty()) {
            a.*spec.member = it->second;
            src.set(spec.member, where);
          }
        }
      }
    }
  }

  ResolvedAuth r;
  r.host = normaliseHost(trimmed(a.host));
  r.warehouseId = a.warehouseId;
  r.clusterId = a.clusterId;

  auto from = [&](const std::string AuthAttributes::*m, const char* name) {
    return std::string(name) + " from " + src.of(m);
  };

  // 4. One method.
  const std::string authType = lower(trimmed(a.authType));
  const bool hasPat = !a.token.empty();
  const bool hasOAuth = !a.clientId.empty() || !a.clientSecret.empty();
  if (!authType.empty()) {
    const std::string forced =
        "auth_type '" + authType + "' (from " + src.of(&AuthAttributes::authType) + ")";
    if (authType == "pat") {
      if (!hasPat) {
        throw AuthConfigError(forced + " needs a token: set DATABRICKS_TOKEN or `token` in the " +
                              "profile");
      }
      r.method = "pat";
    } else if (authType == "oauth-m2m") {
      if (a.clientId.empty() || a.clientSecret.empty()) {
        throw AuthConfigError(
            forced +
            " needs a client id and secret: set DATABRICKS_CLIENT_ID and "
            "DATABRICKS_CLIENT_SECRET (or client_id/client_secret in the profile)");
      }
      r.method = "oauth-m2m";
    } else {
      throw AuthConfigError(forced + " is not supported; supported values: " + kSupportedAuthTypes);
    }
  } else if (hasPat && hasOAuth) {
    std::string detail = from(&AuthAttributes::token, "token");
    if (!a.clientId.empty()) detail += ", " + from(&AuthAttributes::clientId, "client_id");
    if (!a.clientSecret.empty()) {
      detail += ", " + from(&AuthAttributes::clientSecret, "client_secret");
    }
    throw AuthConfigError(
        "validate: more than one authorization method configured: oauth and pat (" + detail +
        "); remove one, or set DATABRICKS_AUTH_TYPE to pat or oauth-m2m");
  } else if (hasPat) {
    r.method = "pat";
  } else if (hasOAuth) {
    if (a.clientSecret.empty()) {
      throw AuthConfigError(from(&AuthAttributes::clientId, "client_id") +
                            " has no secret: set DATABRICKS_CLIENT_SECRET (or client_secret in "
                            "the profile) for OAuth M2M");
    }
    if (a.clientId.empty()) {
      throw AuthConfigError(from(&AuthAttributes::clientSecret, "client_secret") +
                            " has no client id: set DATABRICKS_CLIENT_ID (or client_id in the "
                            "profile) for OAuth M2M");
    }
    r.method = "oauth-m2m";
  }

  std::vector<std::pair<const char*, std::string>> used = {{"host", src.of(&AuthAttributes::host)}};
  if (r.method == "pat") {
    r.token = a.token;
    used.emplace_back("token", src.of(&AuthAttributes::token));
  } else if (r.method == "oauth-m2m") {
    r.clientId = a.clientId;
    r.clientSecret = a.clientSecret;
    used.emplace_back("client_id", src.of(&AuthAttributes::clientId));
    used.emplace_back("client_secret", src.of(&AuthAttributes::clientSecret));
  }
  if (!r.method.empty() && r.host.empty()) {
    throw AuthConfigError(
        "credentials for " + r.method + " are set (" + used.back().first + " from " +
        used.back().second +
        ") but no workspace host: set DATABRICKS_HOST (or `host` in the profile)");
  }
  if (!r.warehouseId.empty()) {
    used.emplace_back("warehouse_id", src.of(&AuthAttributes::warehouseId));
  }
  if (!r.clusterId.empty()) used.emplace_back("cluster_id", src.of(&AuthAttributes::clusterId));
  r.origin = describeOrigin(used);
  return r;
}

std::shared_ptr<TokenSource> tokenSourceFor(const ResolvedAuth& auth, const std::string& userAgent,
                                            std::chrono::seconds timeout) {
  if (auth.method == "pat") return staticToken(auth.token, "pat");
  if (auth.method == "oauth-m2m") {
    return oauthM2M(auth.host, auth.clientId, auth.clientSecret, userAgent, timeout);
  }
  if (auth.method.empty()) return nullptr;
  throw AuthConfigError("unsupported auth method '" + auth.method +
                        "'; supported values: " + kSupportedAuthTypes);
}

}  // namespace devkit::databricks
