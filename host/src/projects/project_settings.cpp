#include "projects/project_settings.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/failure.hpp"
#include "core/text.hpp"
#include "identity/identity.hpp"

namespace devkit::projects::settings {
namespace {

using core::Failure;
using nlohmann::json;

const std::set<std::string> kMembers = {"catalog",    "schema",     "warehouse_id",
                                        "serverless", "cluster_id", "workspace_folder"};

bool hasControl(const std::string& s) { return core::hasControlCharacters(s); }

// Unity Catalog names: any Unicode but no '.', ' ', '/', control characters (they need quoting
// everywhere and break three-level names); 255 bytes at most.
std::string ucName(const json& v, const std::string& field) {
  if (!v.is_string()) throw Failure::invalid(field, "\"" + field + "\" must be a string");
  const std::string s = v.get<std::string>();
  if (s.empty() || s.size() > 255) {
    throw Failure::invalid(field, "\"" + field + "\" must be 1-255 bytes");
  }
  if (hasControl(s) || s.find_first_of(". /`") != std::string::npos) {
    throw Failure::invalid(
        field, "\"" + field + "\" must not contain '.', ' ', '/', '`' or control characters");
  }
  return s;
}

// Warehouse and cluster ids: "abcdef1234567890", "0123-456789-abcdefgh".
json resourceId(const json& v, const std::string& field) {
  if (v.is_null()) return nullptr;
  if (!v.is_string()) throw Failure::invalid(field, "\"" + field + "\" must be a string or null");
  const std::string s = v.get<std::string>();
  const bool ok = !s.empty() && s.size() <= 100 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!ok) {
    throw Failure::invalid(field, "\"" + field + "\" must be 1-100 letters, digits, '-' or '_'");
  }
  return s;
}

std::string workspaceFolder(const json& v) {
  const std::string field = "workspace_folder";
  if (!v.is_string()) throw Failure::invalid(field, "\"workspace_folder\" must be a string");
  const std::string s = v.get<std::string>();
  if (s.empty() || s.size() > 1024 || s.front() != '/' || hasControl(s)) {
    throw Failure::invalid(field,
                           "\"workspace_folder\" must be an absolute workspace path of at most "
                           "1024 bytes, e.g. /Workspace/Users/you@example.com/project");
  }
  if (s.find("/../") != std::string::npos || s.ends_with("/..") ||
      s.find("/./") != std::string::npos) {
    throw Failure::invalid(field, "\"workspace_folder\" must not contain '.' or '..' segments");
  }
  return s.size() > 1 && s.back() == '/' ? s.substr(0, s.size() - 1) : s;
}

}  // namespace

std::string sanitiseIdentifier(const std::string& text, size_t max) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > max) out.resize(max);
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out.front()))) out = "p_" + out;
  return out;
}

json defaults(const std::string& email, const std::string& projectName,
              const std::string& catalog) {
  std::string user = sanitiseIdentifier(identity::localPart(email), 40);
  if (user.empty()) user = "user";
  std::string project = sanitiseIdentifier(projectName, 60);
  if (project.empty()) project = "project";
  return {{"catalog", catalog},
          {"schema", user + "_" + project},
          {"warehouse_id", nullptr},
          {"serverless", true},
          {"cluster_id", nullptr},
          {"workspace_folder", "/Workspace/Users/" + email + "/ai_dev_kit/" + project}};
}

json validate(const json& body, const json& base) {
  for (const auto& [key, _] : body.items()) {
    if (kMembers.count(key) == 0) {
      throw Failure::invalid(key, "unknown setting \"" + key +
                                      "\" (known: catalog, schema, warehouse_id, serverless, "
                                      "cluster_id, workspace_folder)");
    }
  }
  json out = base;
  if (body.contains("catalog")) out["catalog"] = ucName(body["catalog"], "catalog");
  if (body.contains("schema")) out["schema"] = ucName(body["schema"], "schema");
  if (body.contains("warehouse_id")) {
    out["warehouse_id"] = resourceId(body["warehouse_id"], "warehouse_id");
  }
  if (body.contains("workspace_folder")) {
    out["workspace_folder"] = workspaceFolder(body["workspace_folder"]);
  }
  const json cluster =
      body.contains("cluster_id") ? resourceId(body["cluster_id"], "cluster_id") : json(nullptr);
  if (body.contains("serverless") && !body["serverless"].is_boolean()) {
    throw Failure::invalid("serverless", "\"serverless\" must be true or false");
  }
  const bool serverless = body.value("serverless", cluster.is_null());
  if (serverless && !cluster.is_null()) {
    throw Failure::invalid("cluster_id",
                           "\"cluster_id\" must be null when \"serverless\" is true (choose one)");
  }
  if (!serverless && cluster.is_null()) {
    throw Failure::invalid("cluster_id", "\"cluster_id\" is required when \"serverless\" is false");
  }
  out["serverless"] = serverless;
  out["cluster_id"] = cluster;
  return out;
}

bool complete(const json& stored) {
  if (!stored.is_object()) return false;
  return std::all_of(kMembers.begin(), kMembers.end(),
                     [&](const std::string& key) { return stored.contains(key); });
}

json view(const json& stored, const json& base) {
  json out = base;
  if (!stored.is_object()) return out;
  for (const std::string& key : kMembers) {
    if (stored.contains(key)) out[key] = stored[key];
  }
  return out;
}

}  // namespace devkit::projects::settings
