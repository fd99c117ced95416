#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace devkit::projects {

/// A project's Databricks settings, the context the agent works in:
///   {"catalog": str, "schema": str, "warehouse_id": str|null, "serverless": bool,
///    "cluster_id": str|null, "workspace_folder": str}
/// Stored in the project's `settings` object beside "enabled_skills" (array of names, or null for
/// all), which has its own endpoint.
namespace settings {

/// The settings a new project starts with, derived from its owner and name: the configured
/// catalog, a schema "<email local part>_<project name>" (sanitised), no warehouse (the SQL tool
/// picks one), serverless compute, and /Workspace/Users/<email>/ai_dev_kit/<project name>.
nlohmann::json defaults(const std::string& email, const std::string& projectName,
                        const std::string& catalog);

/// Validates a PUT body and returns the normalised settings. Members left out take the value of
/// `defaults`; unknown members and wrong types are refused. Throws core::Failure (kInvalid, naming
/// the field).
nlohmann::json validate(const nlohmann::json& body, const nlohmann::json& defaults);

/// The settings members of a stored settings object (without enabled_skills), with defaults for
/// any a stored object lacks.
nlohmann::json view(const nlohmann::json& stored, const nlohmann::json& defaults);

/// Whether a stored settings object has every settings member (no defaults needed for view()).
bool complete(const nlohmann::json& stored);

/// Lower-case letters, digits and '_' only, no leading digit, at most `max` bytes: a name usable
/// unquoted in SQL and in a workspace path ("Ana.Lopez" -> "ana_lopez").
std::string sanitiseIdentifier(const std::string& text, size_t max = 60);

}  // namespace settings
}  // namespace devkit::projects
