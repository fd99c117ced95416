#include "claude_agent.hpp"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "process.hpp"
#include "turn_request.hpp"

namespace devkit::agent_claude {
namespace {

constexpr auto kExecutableRecheck = std::chrono::seconds(5);
constexpr const char* kInstallHint =
    " (install it with `npm ci --prefix plugins/agent-claude/cli` and rebuild, or set claude_path "
    "/ DEVKIT__PLUGIN__AGENT_CLAUDE__CLAUDE_PATH)";

nlohmann::json parseObject(std::string_view text, const char* what) {
  nlohmann::json j =
      text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw sdk::Error(DK_ERR_INVALID_ARGUMENT, std::string(what) + " is not a JSON object");
  }
  return j;
}

}  // namespace

ClaudeAgent::ClaudeAgent(const sdk::Host& host, std::string_view configJson)
    : ClaudeAgent(host, configJson, HostEnvironment::capture()) {}

ClaudeAgent::ClaudeAgent(const sdk::Host& host, std::string_view configJson, HostEnvironment env)
    : host_(host),
      config_(Config::parse(configJson, ::geteuid() == 0)),
      env_(std::move(env)),
      startupRoute_(resolveLlmRoute(config_, env_, "", "")),
      manager_(std::make_unique<SessionManager>(host_, config_)) {
  if (host_.logEnabled(sdk::LogLevel::kDebug)) {
    host_.debug("claude_path=" + config_.claudePath + " llm=" + config_.llm + " permission_mode=" +
                config_.permissionMode + " allow_bash=" + (config_.allowBash ? "yes" : "no"));
  }
}

ClaudeAgent::~ClaudeAgent() = default;

void ClaudeAgent::startTurn(std::string_view requestJson, sdk::Sink events) {
  const TurnRequest request = TurnRequest::parse(requestJson);
  std::string problem;
  const std::string exe = executable(problem);
  // The host reads a "<code>: " prefix of an UNAVAILABLE message as the run's error code.
  if (exe.empty()) throw sdk::Error(DK_ERR_UNAVAILABLE, "cli_not_found: " + problem + kInstallHint);
  const LlmRoute route =
      resolveLlmRoute(config_, env_, request.workspaceUrl, request.databricksToken);
  if (!route.ready()) throw sdk::Error(DK_ERR_UNAVAILABLE, "llm_not_configured: " + route.problem);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    lastRouteKind_ = route.kind;
  }

  std::error_code ec;
  if (!std::filesystem::is_directory(request.projectDir, ec)) {
    throw sdk::Error(DK_ERR_INVALID_ARGUMENT,
                     "start_turn: project_dir " + request.projectDir + " is not a directory");
  }
  std::filesystem::create_directories(std::filesystem::path(request.stateDir) / "claude", ec);
  if (ec) {
    throw sdk::Error(DK_ERR_UNAVAILABLE, "cannot create the CLI's state dir in " +
                                             request.stateDir + ": " + ec.message());
  }

  const auto makeSpec = [&](const std::string& resumeId) {
    return buildLaunchSpec(config_, env_, request, route, exe, resumeId);
  };
  const std::string fingerprint = sessionFingerprint(makeSpec(""));
  std::vector<std::string> secrets = {request.databricksToken, config_.anthropicApiKey,
                                      env_.get("ANTHROPIC_API_KEY"), env_.get("DATABRICKS_TOKEN")};
  if (request.mcp) secrets.push_back(request.mcp->token);
  manager_->startTurn(request, fingerprint, makeSpec, std::move(secrets), events);
}

void ClaudeAgent::sendInput(std::string_view runId, std::string_view inputJson) {
  const nlohmann::json input = parseObject(inputJson, "send_input");
  const std::string type =
      input.contains("type") && input["type"].is_string() ? input["type"].get<std::string>() : "";
  if (type == "interrupt") {
    manager_->interrupt(std::string(runId));
  } else if (type == "permission") {
    if (!input.contains("request_id") || !input["request_id"].is_string() ||
        !input.contains("decision") || !input["decision"].is_string()) {
      throw sdk::Error(DK_ERR_INVALID_ARGUMENT,
                       "send_input: a permission answer needs request_id and decision");
    }
    const bool remember = input.contains("remember") && input["remember"].is_boolean() &&
                          input["remember"].get<bool>();
    manager_->answerPermission(std::string(runId), input["request_id"].get<std::string>(),
                               input["decision"].get<std::string>(), remember);
  } else {
    throw sdk::Error(DK_ERR_INVALID_ARGUMENT, "send_input: unknown input type '" + type + "'");
  }
}

void ClaudeAgent::closeSessions(std::string_view optionsJson) {
  const nlohmann::json options = parseObject(optionsJson, "close_sessions");
  CloseFilter filter;
  if (options.contains("conversation_id")) {
    if (!options["conversation_id"].is_string()) {
      throw sdk::Error(DK_ERR_INVALID_ARGUMENT, "close_sessions: conversation_id is not a string");
    }
    filter.conversationId = options["conversation_id"].get<std::string>();
  }
  if (options.contains("idle_for_s")) {
    if (!options["idle_for_s"].is_number_integer() || options["idle_for_s"].get<int64_t>() < 0) {
      throw sdk::Error(DK_ERR_INVALID_ARGUMENT,
                       "close_sessions: idle_for_s is not a non-negative integer");
    }
    filter.idleForS =
        static_cast<int>(std::min<int64_t>(options["idle_for_s"].get<int64_t>(), int64_t{1} << 30));
  }
  manager_->close(filter);
}

std::string ClaudeAgent::health() {
  std::string problem;
  const std::string exe = executable(problem);
  std::string routeKind;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    routeKind = lastRouteKind_;
  }
  if (routeKind.empty()) routeKind = startupRoute_.ready() ? startupRoute_.kind : "none";

  nlohmann::json h;
  if (exe.empty()) {
    h["status"] = "down";
    h["detail"] = problem + kInstallHint;
  } else if (routeKind == "none") {
    h["status"] = "degraded";
    h["detail"] = startupRoute_.problem;
  } else {
    h["status"] = "ok";
    h["detail"] = "Claude Code CLI at " + exe + "; LLM via " + routeKind +
                  (startupRoute_.baseUrl.empty() ? "" : " (" + startupRoute_.baseUrl + ")");
  }
  h["sessions"] = manager_->sessionCount();
  h["live_turns"] = manager_->liveTurns();
  h["llm"] = routeKind;
  h["claude_path"] = exe.empty() ? config_.claudePath : exe;
  std::string version = manager_->claudeVersion();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (version.empty()) {
      version = claudeVersion_;
    } else {
      claudeVersion_ = version;
    }
  }
  if (!version.empty()) h["claude_version"] = version;
  return h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ClaudeAgent::executable(std::string& problem) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (executableCheckedAt_ == std::chrono::steady_clock::time_point{} ||
      now - executableCheckedAt_ >= kExecutableRecheck) {
    executableProblem_.clear();
    executable_ = resolveExecutable(config_.claudePath, env_.get("PATH"), executableProblem_);
    executableCheckedAt_ = now;
  }
  problem = executableProblem_;
  return executable_;
}

}  // namespace devkit::agent_claude
