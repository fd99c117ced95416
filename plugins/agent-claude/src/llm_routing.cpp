#include "llm_routing.hpp"

namespace devkit::agent_claude {
namespace {

constexpr const char* kKeyHint =
    "DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY or ANTHROPIC_API_KEY";

std::string apiKey(const Config& config, const HostEnvironment& env) {
  return config.anthropicApiKey.empty() ? env.get("ANTHROPIC_API_KEY") : config.anthropicApiKey;
}

LlmRoute databricks(const Config& config, const std::string& workspace, const std::string& token) {
  LlmRoute r;
  r.kind = "databricks";
  r.baseUrl = normalizeWorkspaceUrl(workspace) + "/serving-endpoints/anthropic";
  r.model = config.model.empty() ? kDefaultDatabricksModel : config.model;
  r.env = {
      {"ANTHROPIC_BASE_URL", r.baseUrl},
      {"ANTHROPIC_AUTH_TOKEN", token},
      {"ANTHROPIC_MODEL", r.model},
      // The CLI picks models by alias for side tasks (titles, summaries); every alias must name a
      // serving endpoint that exists, so all of them point at the chosen one.
      {"ANTHROPIC_DEFAULT_OPUS_MODEL", r.model},
      {"ANTHROPIC_DEFAULT_SONNET_MODEL", r.model},
      {"ANTHROPIC_DEFAULT_HAIKU_MODEL", r.model},
      {"ANTHROPIC_CUSTOM_HEADERS", "x-databricks-use-coding-agent-mode: true"},
      // Model Serving answers 400 "Extra inputs are not permitted" to experimental body fields.
      {"CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS", "1"},
  };
  return r;
}

LlmRoute none(std::string problem) {
  LlmRoute r;
  r.problem = std::move(problem);
  return r;
}

}  // namespace

std::string normalizeWorkspaceUrl(std::string url) {
  if (url.empty()) return url;
  if (!url.starts_with("https://") && !url.starts_with("http://")) url = "https://" + url;
  while (url.size() > 8 && url.back() == '/') url.pop_back();
  return url;
}

LlmRoute resolveLlmRoute(const Config& config, const HostEnvironment& env,
                         const std::string& workspaceUrl, const std::string& databricksToken) {
  const std::string workspace = workspaceUrl.empty() ? env.get("DATABRICKS_HOST") : workspaceUrl;
  const std::string token = databricksToken.empty() ? env.get("DATABRICKS_TOKEN") : databricksToken;
  const std::string key = apiKey(config, env);

  if (config.llm == "databricks") {
    if (workspace.empty()) {
      return none(
          "LLM not configured: llm = databricks needs a workspace URL; set DATABRICKS_HOST "
          "(or run as a Databricks App)");
    }
    if (token.empty()) {
      return none(
          "LLM not configured: llm = databricks needs a Databricks token; set DATABRICKS_TOKEN "
          "(or run as a Databricks App, which forwards the user's token)");
    }
    return databricks(config, workspace, token);
  }
  if (config.llm == "anthropic" || config.llm.starts_with("http")) {
    const bool url = config.llm != "anthropic";
    if (key.empty()) {
      return none("LLM not configured: llm = " + config.llm + " needs an Anthropic API key; set " +
                  kKeyHint);
    }
    LlmRoute r;
    r.kind = url ? "url" : "anthropic";
    r.model = config.model;
    if (url) {
      r.baseUrl = config.llm;
      r.env.emplace_back("ANTHROPIC_BASE_URL", r.baseUrl);
    }
    r.env.emplace_back("ANTHROPIC_API_KEY", key);
    return r;
  }
  // auto: Databricks first (the product's home), then Anthropic.
  if (!workspace.empty() && !token.empty()) return databricks(config, workspace, token);
  if (!key.empty()) {
    LlmRoute r;
    r.kind = "anthropic";
    r.model = config.model;
    r.env.emplace_back("ANTHROPIC_API_KEY", key);
    return r;
  }
  return none(
      "LLM not configured: set DATABRICKS_HOST and DATABRICKS_TOKEN for Databricks Model "
      "Serving, or an Anthropic API key in " +
      std::string(kKeyHint));
}

}  // namespace devkit::agent_claude
