#include "runs/system_prompt.hpp"

#include <sstream>

namespace devkit::runs {
namespace {

using nlohmann::json;

std::string text(const json& settings, const char* key) {
  const auto it = settings.find(key);
  return it != settings.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string buildSystemPrompt(const PromptContext& c) {
  const std::string catalog = text(c.settings, "catalog");
  const std::string schema = text(c.settings, "schema");
  const std::string warehouse = text(c.settings, "warehouse_id");
  const std::string cluster = text(c.settings, "cluster_id");
  const std::string folder = text(c.settings, "workspace_folder");
  const bool serverless = c.settings.value("serverless", true);
  const std::string ws = c.workspaceUrl.empty() ? "<workspace URL>" : c.workspaceUrl;

  std::ostringstream out;
  out << "You are a Databricks data engineering agent working in the project \"" << c.projectName
      << "\" for " << c.userEmail
      << ". You build and run things on the user's Databricks workspace: SQL, Lakeflow Spark "
         "Declarative Pipelines, jobs, files and Python, and you write the project's code in the "
         "current directory, which is the project's folder.\n\n";

  out << "## Databricks context\n";
  out << "- Workspace: " << (c.workspaceUrl.empty() ? "not configured" : c.workspaceUrl) << "\n";
  out << "- Default catalog and schema: `" << catalog << "`.`" << schema
      << "` (use three-level names catalog.schema.object; create the schema if it is missing)\n";
  out << "- SQL warehouse: "
      << (warehouse.empty() ? "none chosen; the SQL tools pick a running warehouse"
                            : "`" + warehouse + "`")
      << "\n";
  out << "- Compute for Python: "
      << (serverless || cluster.empty() ? std::string("serverless")
                                        : "the cluster `" + cluster + "`")
      << "\n";
  out << "- Workspace folder for uploaded code and notebooks: `" << folder << "`\n\n";

  out << "## Tools\n";
  if (c.mcpServer.empty()) {
    out << "No Databricks tools are available in this session: write the code and explain how to "
           "run it.\n\n";
  } else {
    out << "The Databricks tools are named `mcp__" << c.mcpServer << "__<tool>` (for example `mcp__"
        << c.mcpServer
        << "__execute_sql`). Prefer them to writing scripts that call the REST API. Read a "
           "tool's result before the next step, and when a call fails, read the error and fix "
           "the cause instead of repeating it.\n\n";
  }

  if (!c.skills.empty()) {
    out << "## Skills\n"
           "These skills are installed in .claude/skills. Load the matching skill with the Skill "
           "tool before you start work in its area:\n";
    for (const auto& skill : c.skills) {
      out << "- `" << skill.name << "`: " << skill.description << "\n";
    }
    out << "\n";
  }

  out << "## Links for the user\n"
         "When you create or change a resource, give the user a link to it:\n"
      << "- table or view: " << ws << "/explore/data/<catalog>/<schema>/<table>\n"
      << "- volume: " << ws << "/explore/data/volumes/<catalog>/<schema>/<volume>\n"
      << "- pipeline: " << ws << "/pipelines/<pipeline_id>\n"
      << "- job: " << ws << "/jobs/<job_id> (a run: " << ws << "/jobs/<job_id>/runs/<run_id>)\n"
      << "- notebook or file: " << ws << "/#workspace<path>\n"
      << "- SQL warehouse: " << ws << "/sql/warehouses/<warehouse_id>\n\n";

  out << "## Project notes\n"
         "Keep CLAUDE.md in the project folder up to date: after you create or change tables, "
         "volumes, pipelines, jobs or workspace files, record their names, ids and links there, "
         "so that the next conversation knows what exists.\n";
  return out.str();
}

}  // namespace devkit::runs
