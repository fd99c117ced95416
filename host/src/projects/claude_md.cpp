#include "projects/claude_md.hpp"

namespace devkit::projects {

std::string claudeMdTemplate(const std::string& projectName) {
  return "# " + projectName +
         "\n"
         "\n"
         "Notes the agent keeps for this project. Read them at the start of a task and keep them\n"
         "current: a later conversation starts from what is written here.\n"
         "\n"
         "## Configuration\n"
         "<!-- catalog, schema, SQL warehouse, compute and workspace folder in use -->\n"
         "\n"
         "## Databricks resources created\n"
         "### Tables and views\n"
         "### Volumes and files\n"
         "### Pipelines\n"
         "### Jobs\n"
         "### Other (dashboards, apps, endpoints)\n"
         "\n"
         "## Decisions and open points\n";
}

}  // namespace devkit::projects
