#include "runs/run_service.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "core/clock.hpp"
#include "core/failure.hpp"
#include "logging/logging.hpp"
#include "runs/event_text.hpp"
#include "runs/system_prompt.hpp"

namespace devkit::runs {
namespace {

using core::Failure;
using core::FailureKind;
using core::StorageOp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kStoreBatch = 10000;  // append_run_events takes at most this many

std::string requiredString(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) {
    throw Failure::invalid(key, std::string("\"") + key + "\" is required (a string)");
  }
  return it->get<std::string>();
}

std::string validMessage(const json& body) {
  std::string message = requiredString(body, "message");
  if (message.size() > RunService::kMaxMessageBytes) {
    throw Failure(FailureKind::kTooLarge, "message_too_large",
                  "\"message\" is " + std::to_string(message.size()) + " bytes; at most " +
                      std::to_string(RunService::kMaxMessageBytes) + " are accepted",
                  "message");
  }
  if (message.find('\0') != std::string::npos) {
    throw Failure::invalid("message", "\"message\" must not contain NUL characters");
  }
  if (message.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Failure::invalid("message", "\"message\" must not be empty");
  }
  return message;
}

// The agent backend may start its error message with one of these codes and ": " (abi.h); the
// code then becomes the error event's code, so the UI can say what to configure.
std::pair<std::string, std::string> splitCode(const std::string& message) {
  static const std::set<std::string> kKnown = {"llm_not_configured", "cli_not_found",
                                               "run_in_progress"};
  static const std::regex kPrefix("^([a-z_]{3,40}): ([\\s\\S]*)$");
  std::smatch match;
  if (std::regex_match(message, match, kPrefix) && kKnown.count(match[1].str()) != 0) {
    return {match[1].str(), match[2].str()};
  }
  return {"agent_unavailable", message};
}

json storedEventJson(const RunEvent& event) {
  return {{"seq", event.seq},
          {"type", event.type},
          {"data", json::parse(event.data, nullptr, false)},
          {"time_us", event.timeUs}};
}

}  // namespace

RunService::RunService(store::Store& store, projects::ProjectService& projects,
                       conversations::ConversationService& conversations, LiveRuns& live,
                       McpTokens& tokens, std::shared_ptr<core::AgentBackend> agent,
                       Options options)
    : store_(store),
      projects_(projects),
      conversations_(conversations),
      live_(live),
      tokens_(tokens),
      agent_(std::move(agent)),
      options_(std::move(options)) {
  worker_ = std::thread([this] { worker(); });
}

RunService::~RunService() { shutdown(std::chrono::milliseconds(0)); }

// ---------------------------------------------------------------------------------------------
// Starting a turn

std::shared_ptr<Run> RunService::invoke(const identity::User& user, const json& body) {
  const std::string projectId = requiredString(body, "project_id");
  const std::string message = validMessage(body);
  std::string conversationId;
  if (body.contains("conversation_id") && !body["conversation_id"].is_null()) {
    conversationId = requiredString(body, "conversation_id");
  }
  if (!agent_) {
    throw Failure(FailureKind::kUnavailable, "agent_unavailable",
                  "no agent backend is enabled (set [plugin.agent-claude] enabled = yes)");
  }
  const auto turn = projects_.prepareTurn(user.email, projectId);

  json conversation;
  if (conversationId.empty()) {
    conversation = conversations_.create(user.email, projectId,
                                         conversations::ConversationService::titleFrom(message));
    conversationId = conversation["id"].get<std::string>();
  } else {
    conversation = conversations_.get(user.email, conversationId);
    if (conversation.value("project_id", "") != projectId) {
      throw Failure::invalid("conversation_id", "the conversation belongs to another project");
    }
  }

  const std::string runId = projects::newId();
  auto lease = live_.begin(runId, projectId, conversationId);
  if (!lease) {
    if (const auto active = live_.runOfConversation(conversationId)) {
      throw Failure(FailureKind::kConflict, "run_in_progress",
                    "a run is already in progress in this conversation (run " + *active +
                        "); stop it or wait for it to end");
    }
    throw Failure(FailureKind::kConflict, "deleting",
                  "the project or conversation is being deleted");
  }

  RunInfo info;
  info.id = runId;
  info.owner = user.email;
  info.projectId = projectId;
  info.conversationId = conversationId;
  info.userMessageSeq = lastMessageSeq(user.email, conversationId) + 1;
  info.assistantMessageSeq = info.userMessageSeq + 1;
  info.startedUs = core::nowUs();

  // The user's message and the run record first: the events that follow refer to them.
  store_.call(
      StorageOp::kAppendMessages,
      {{"owner", user.email},
       {"conversation_id", conversationId},
       {"messages", json::array({{{"seq", info.userMessageSeq},
                                  {"role", "user"},
                                  {"blocks", json::array({{{"type", "text"}, {"text", message}}})},
                                  {"run_id", runId},
                                  {"created_us", info.startedUs}}})}},
      "conversation");
  if (conversation.value("title", "") == conversations::ConversationService::kDefaultTitle &&
      info.userMessageSeq == 0) {
    conversations_.rename(user.email, conversationId,
                          conversations::ConversationService::titleFrom(message));
  }
  store_.call(StorageOp::kPutRun,
              {{"owner", user.email},
               {"id", runId},
               {"conversation_id", conversationId},
               {"status", "running"},
               {"started_us", info.startedUs}},
              "conversation");
  {
    std::lock_guard lock(mutex_);
    lastSeqHint_[conversationId] = info.assistantMessageSeq;
  }

  auto entry = std::make_shared<Entry>();
  entry->run = std::make_shared<Run>(info, options_.maxEventsInMemory);
  entry->lease = std::move(lease);
  entry->run->append("run_started", {{"run_id", runId},
                                     {"conversation_id", conversationId},
                                     {"project_id", projectId},
                                     {"user_message_seq", info.userMessageSeq}});
  {
    std::lock_guard lock(mutex_);
    entries_[runId] = entry;
  }
  tokens_.bind(
      {user.email, projectId, conversationId, runId, user.accessToken, turn.disabledTools});

  const json request = turnRequest(user, turn, conversation, info, message);
  std::weak_ptr<Entry> weak = entry;
  const core::CallOutcome started =
      agent_->startTurn(request.dump(), [this, weak](std::string_view event) {
        if (const auto e = weak.lock()) onAgentEvent(e, event);
        return true;
      });
  if (!started.ok()) {
    const auto [code, text] =
        splitCode(started.error.empty() ? "the agent did not start" : started.error);
    logging::get("runs")->warn("run {}: the agent backend did not start the turn: {}", runId, text);
    entry->run->append("error", {{"code", code}, {"message", text}, {"retryable", false}});
    std::lock_guard lock(mutex_);
    entry->doneStatus = "failed";
  }
  wake_.notify_all();
  return entry->run;
}

json RunService::turnRequest(const identity::User& user,
                             const projects::ProjectService::TurnContext& turn,
                             const json& conversation, const RunInfo& info,
                             const std::string& message) {
  json mcp = nullptr;
  json allowed = json::array();
  const std::string mcpUrl = currentMcpUrl();
  if (!mcpUrl.empty()) {
    mcp = {{"server", options_.mcpServer},
           {"url", mcpUrl},
           {"token", tokens_.tokenFor(info.conversationId)}};
    allowed.push_back("mcp__" + options_.mcpServer);
  }
  const json session = conversation.value("claude_session_id", json());
  return {
      {"run_id", info.id},
      {"conversation_id", info.conversationId},
      {"project_id", info.projectId},
      {"project_dir", turn.dir.string()},
      {"state_dir", turn.stateDir.string()},
      {"message", message},
      {"claude_session_id", session.is_string() ? session : json(nullptr)},
      {"system_prompt", promptFor(user, turn)},
      {"allowed_tools", allowed},
      {"mcp", mcp},
      {"model", ""},
      {"llm", {{"workspace_url", options_.workspaceUrl}, {"databricks_token", user.accessToken}}}};
}

std::string RunService::promptFor(const identity::User& user,
                                  const projects::ProjectService::TurnContext& turn) const {
  PromptContext context;
  context.workspaceUrl = options_.workspaceUrl;
  context.projectName = turn.project.value("name", "");
  context.userEmail = user.email;
  context.settings = turn.settings;
  for (const auto& skill : turn.enabledSkills) {
    context.skills.push_back({skill.name, skill.description});
  }
  if (!currentMcpUrl().empty()) context.mcpServer = options_.mcpServer;
  return buildSystemPrompt(context);
}

std::string RunService::systemPrompt(const identity::User& user, const std::string& projectId) {
  // Reading the prompt changes nothing: no skills sync (the turn does that).
  return promptFor(user, projects_.prepareTurn(user.email, projectId,
                                               projects::ProjectService::SkillsSync::kNo));
}

int64_t RunService::lastMessageSeq(const std::string& owner, const std::string& conversationId) {
  int64_t hint = -1;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = lastSeqHint_.find(conversationId); it != lastSeqHint_.end()) {
      hint = it->second;
    }
  }
  // From the hint on: usually one empty page. Another host may have added messages since.
  int64_t last = hint;
  int64_t after = hint;
  while (true) {
    auto page = conversations_.messages(owner, conversationId, after, 1000);
    for (const json& m : page.items) last = std::max(last, m.value("seq", int64_t{-1}));
    if (!page.nextAfterSeq) break;
    after = *page.nextAfterSeq;
  }
  return last;
}

// ---------------------------------------------------------------------------------------------
// Events from the agent (plugin threads; never block here)

void RunService::onAgentEvent(const std::shared_ptr<Entry>& entry, std::string_view text) {
  json event = json::parse(text, nullptr, false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
      !validEventType(event["type"].get<std::string>())) {
    logging::get("runs")->warn(
        "run {}: the agent wrote an event that is not a JSON object with a "
        "valid \"type\"; ignored",
        entry->run->info().id);
    return;
  }
  const std::string type = event["type"].get<std::string>();
  event.erase("type");
  stripNulCharacters(event);
  if (type == "done") {
    std::string status = event.value("status", "failed");
    if (status != "completed" && status != "cancelled") status = "failed";
    {
      std::lock_guard lock(mutex_);
      if (!entry->doneStatus) entry->doneStatus = status;
    }
    wake_.notify_all();
    return;
  }
  if (type == "run_started") return;  // the host's own event
  entry->run->append(type, event);
  if (type == "session") wake_.notify_all();  // saved on the conversation at once
}

// ---------------------------------------------------------------------------------------------
// The persistence thread

void RunService::worker() {
  while (true) {
    std::vector<std::shared_ptr<Entry>> snapshot;
    bool stopping;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.flushInterval);
      stopping = stopping_;
      for (const auto& [id, entry] : entries_) snapshot.push_back(entry);
    }
    for (const auto& entry : snapshot) persist(*entry);
    {
      std::lock_guard lock(mutex_);
      const auto now = Clock::now();
      std::erase_if(entries_, [&](const auto& item) {
        const Entry& e = *item.second;
        return e.published && e.recordsStored && e.run->fullyPersisted() &&
               (stopping || now - e.finishedAt >= options_.retainFinished);
      });
      if (stopping) return;
    }
  }
}

bool RunService::persist(Entry& entry) {
  Run& run = *entry.run;
  std::optional<std::string> done;
  {
    std::lock_guard lock(mutex_);
    done = entry.doneStatus;
  }
  try {
    storeEvents(run);
    if (const std::string session = run.takeSessionToSave(); !session.empty()) {
      try {
        conversations_.touch(run.info().owner, run.info().conversationId, session);
      } catch (...) {
        run.noteSession(session);  // retried next pass
        throw;
      }
    }
    if (done && !entry.recordsStored) {
      storeRecords(entry);
    } else if (!done && Clock::now() - entry.lastMessageSave >= options_.messageSaveInterval) {
      storeMessage(run);
      entry.lastMessageSave = Clock::now();
    }
    if (done && !entry.published) {
      publishDone(entry);
      storeEvents(run);  // "done" itself
    }
    return true;
  } catch (const std::exception& e) {
    const auto* failure = dynamic_cast<const Failure*>(&e);
    const bool transient = failure != nullptr && failure->kind() == FailureKind::kUnavailable;
    logging::get("runs")->warn("run {}: storing the run failed ({}): {}", run.info().id,
                               transient ? "will retry" : "giving up on this part", e.what());
    if (done && !entry.published) publishDone(entry);  // never keep readers waiting on storage
    if (!transient) {
      // A refusal that will not change (e.g. the conversation was deleted meanwhile): drop what
      // cannot be stored instead of retrying forever.
      {
        std::lock_guard lock(mutex_);
        entry.recordsStored = true;
      }
      for (auto events = run.unpersisted(kStoreBatch); !events.empty();
           events = run.unpersisted(kStoreBatch)) {
        run.markPersisted(events.back().seq);
      }
    }
    return false;
  }
}

void RunService::storeEvents(Run& run) {
  for (auto events = run.unpersisted(kStoreBatch); !events.empty();
       events = run.unpersisted(kStoreBatch)) {
    json items = json::array();
    for (const RunEvent& e : events) items.push_back(storedEventJson(e));
    store_.call(StorageOp::kAppendRunEvents,
                {{"owner", run.info().owner}, {"run_id", run.info().id}, {"events", items}}, "run");
    run.markPersisted(events.back().seq);
  }
}

void RunService::storeMessage(Run& run) {
  if (const auto blocks = run.takeMessageIfChanged()) storeAssistantMessage(run.info(), *blocks);
}

void RunService::storeAssistantMessage(const RunInfo& info, const json& blocks) {
  if (blocks.empty()) return;
  store_.call(StorageOp::kAppendMessages,
              {{"owner", info.owner},
               {"conversation_id", info.conversationId},
               {"messages", json::array({{{"seq", info.assistantMessageSeq},
                                          {"role", "assistant"},
                                          {"blocks", blocks},
                                          {"run_id", info.id},
                                          {"created_us", info.startedUs}}})}},
              "conversation");
}

void RunService::storeRecords(Entry& entry) {
  Run& run = *entry.run;
  const RunInfo& info = run.info();
  storeAssistantMessage(info, run.message());
  std::string status;
  {
    std::lock_guard lock(mutex_);
    status = entry.doneStatus.value_or("failed");
  }
  const json result = run.result();
  json record = {{"owner", info.owner},
                 {"id", info.id},
                 {"conversation_id", info.conversationId},
                 {"status", status},
                 {"started_us", info.startedUs},
                 {"ended_us", core::nowUs()},
                 {"usage", result.is_object() ? result.value("usage", json()) : json()},
                 {"cost_usd", result.is_object() ? result.value("cost_usd", json()) : json()},
                 // A completed turn has no error, even if it reported a passing one (a permission
                 // request that timed out, a stray line from the CLI).
                 {"error", status == "completed" ? json() : run.error()}};
  if (!record["cost_usd"].is_number()) record["cost_usd"] = nullptr;
  if (!record["usage"].is_object()) record["usage"] = nullptr;
  store_.call(StorageOp::kPutRun, record, "conversation");
  conversations_.touch(info.owner, info.conversationId);
  projects_.touched(info.owner, info.projectId);
  std::lock_guard lock(mutex_);
  entry.recordsStored = true;
}

void RunService::publishDone(Entry& entry) {
  const RunInfo& info = entry.run->info();
  tokens_.unbind(info.id);
  std::string status;
  {
    std::lock_guard lock(mutex_);
    status = entry.doneStatus.value_or("failed");
    auto& hint = lastSeqHint_[info.conversationId];
    hint = std::max(hint, info.assistantMessageSeq);
  }
  entry.lease.reset();  // the next turn may start as soon as "done" is seen
  {
    std::lock_guard lock(mutex_);
    entry.finishedAt = Clock::now();
    entry.published = true;
  }
  entry.run->finish(status);
}

// ---------------------------------------------------------------------------------------------
// Reading and controlling runs

std::shared_ptr<RunService::Entry> RunService::entryOf(const std::string& owner,
                                                       const std::string& runId) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(runId);
  if (it == entries_.end() || it->second->run->info().owner != owner) return nullptr;
  return it->second;
}

std::shared_ptr<Run> RunService::find(const std::string& owner, const std::string& runId) {
  const auto entry = entryOf(owner, runId);
  return entry ? entry->run : nullptr;
}

std::string RunService::currentMcpUrl() const {
  std::lock_guard lock(mutex_);
  return options_.mcpUrl;
}

void RunService::setMcpUrl(const std::string& url) {
  std::lock_guard lock(mutex_);
  options_.mcpUrl = url;
}

void RunService::noteToolProgress(const std::string& runId, json data) {
  appendToLive(runId, "tool_progress", std::move(data));
}

void RunService::noteToolCall(const std::string& runId, json data) {
  appendToLive(runId, "mcp_call", std::move(data));
}

void RunService::appendToLive(const std::string& runId, const char* type, json data) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(runId);
    if (it == entries_.end() || it->second->published) return;
    entry = it->second;
  }
  stripNulCharacters(data);
  entry->run->append(type, data);
}

bool RunService::isLive(const std::string& runId) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(runId);
  return it != entries_.end() && !it->second->published;
}

json RunService::storedRun(const std::string& owner, const std::string& runId) {
  if (!projects::ProjectPaths::validId(runId)) throw Failure::notFound("run");
  return store_.call(StorageOp::kGetRun, {{"owner", owner}, {"id", runId}}, "run");
}

std::vector<RunEvent> RunService::storedEvents(const std::string& owner, const std::string& runId,
                                               int64_t afterSeq, int limit,
                                               std::optional<int64_t>& next) {
  const json page = store_.call(
      StorageOp::kListRunEvents,
      {{"owner", owner}, {"run_id", runId}, {"after_seq", afterSeq}, {"limit", limit}}, "run");
  std::vector<RunEvent> out;
  for (const json& item : page.value("items", json::array())) {
    out.push_back({item.value("seq", int64_t{0}), item.value("type", ""),
                   item.value("data", json::object()).dump(), item.value("time_us", int64_t{0})});
  }
  next.reset();
  if (page.contains("next_after_seq") && page["next_after_seq"].is_number_integer()) {
    next = page["next_after_seq"].get<int64_t>();
  }
  return out;
}

void RunService::stop(const std::string& owner, const std::string& runId) {
  const auto entry = entryOf(owner, runId);
  if (!entry) {
    storedRun(owner, runId);  // 404 unless it is the owner's
    throw Failure(FailureKind::kConflict, "run_not_live", "the run is already over");
  }
  {
    std::lock_guard lock(mutex_);
    if (entry->published || entry->doneStatus) {
      throw Failure(FailureKind::kConflict, "run_not_live", "the run is already over");
    }
  }
  const core::CallOutcome outcome = agent_->sendInput(runId, json({{"type", "interrupt"}}).dump());
  if (outcome.status == DK_ERR_NOT_FOUND) {
    // The agent no longer knows the turn (it ended between our check and the call, or it lost
    // it): end it here so it does not stay live forever.
    std::lock_guard lock(mutex_);
    if (!entry->doneStatus) entry->doneStatus = "cancelled";
    wake_.notify_all();
    return;
  }
  if (!outcome.ok()) {
    throw Failure(FailureKind::kUnavailable, "agent_unavailable",
                  "the agent could not stop the run: " + outcome.error);
  }
}

void RunService::answerPermission(const std::string& owner, const std::string& runId,
                                  const std::string& requestId, const std::string& decision,
                                  bool remember) {
  const auto entry = entryOf(owner, runId);
  if (!entry || entry->published) {
    if (!entry) storedRun(owner, runId);
    throw Failure(FailureKind::kConflict, "run_not_live", "the run is already over");
  }
  const core::CallOutcome outcome = agent_->sendInput(runId, json({{"type", "permission"},
                                                                   {"request_id", requestId},
                                                                   {"decision", decision},
                                                                   {"remember", remember}})
                                                                 .dump());
  if (outcome.status == DK_ERR_NOT_FOUND) {
    throw Failure(FailureKind::kNotFound, "not_found",
                  "permission request not found or already answered");
  }
  if (outcome.status == DK_ERR_INVALID_ARGUMENT) {
    throw Failure::invalid("decision", outcome.error);
  }
  if (!outcome.ok()) {
    throw Failure(FailureKind::kUnavailable, "agent_unavailable",
                  "the agent could not take the answer: " + outcome.error);
  }
}

store::Page RunService::listRuns(const std::string& owner, const std::string& conversationId,
                                 int limit, const std::optional<std::string>& cursor) {
  conversations_.get(owner, conversationId);  // 404 for a missing or foreign conversation
  return store_.list(StorageOp::kListRuns,
                     {{"owner", owner}, {"conversation_id", conversationId}, {"limit", limit}},
                     cursor, "conversation");
}

json RunService::health() const {
  std::lock_guard lock(mutex_);
  int live = 0;
  int unsaved = 0;
  for (const auto& [id, entry] : entries_) {
    live += entry->published ? 0 : 1;
    unsaved += entry->recordsStored && entry->run->fullyPersisted() ? 0 : 1;
  }
  return {{"live", live}, {"held", entries_.size()}, {"unsaved", unsaved}};
}

// ---------------------------------------------------------------------------------------------
// Shutdown

void RunService::shutdown(std::chrono::milliseconds deadline) {
  {
    std::lock_guard lock(mutex_);
    if (!worker_.joinable()) return;
  }
  const auto until = Clock::now() + deadline;
  std::vector<std::shared_ptr<Entry>> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : entries_) {
      if (!entry->doneStatus && !entry->published) live.push_back(entry);
    }
  }
  for (const auto& entry : live) {
    if (agent_) agent_->sendInput(entry->run->info().id, json({{"type", "interrupt"}}).dump());
  }
  while (Clock::now() < until) {
    bool pending = false;
    {
      std::lock_guard lock(mutex_);
      for (const auto& entry : live) pending = pending || !entry->doneStatus;
    }
    if (!pending) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const auto& entry : live) {
    std::lock_guard lock(mutex_);
    if (entry->doneStatus) continue;
    entry->run->append("error", {{"code", "host_stopping"},
                                 {"message", "the host stopped during the turn"},
                                 {"retryable", true}});
    entry->doneStatus = "failed";
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

}  // namespace devkit::runs
