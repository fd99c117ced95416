#include <algorithm>
#include <charconv>
#include <chrono>

#include "api/api.hpp"
#include "api/request_helpers.hpp"
#include "api/views.hpp"
#include "core/failure.hpp"
#include "http/event_stream.hpp"
#include "http/http_error.hpp"
#include "http/shutdown_signal.hpp"
#include "logging/logging.hpp"
#include "projects/project_files.hpp"

namespace devkit::api {
namespace {

using core::Failure;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 1000;
constexpr size_t kLiveBatch = 500;
constexpr int kStoredBatch = 1000;

/// Where a reader resumes: Last-Event-ID (what EventSource sends on reconnect), else ?after=,
/// else from the start (-1).
int64_t resumeAfter(const http::RequestContext& ctx) {
  if (ctx.request.has("Last-Event-ID")) {
    const std::string& text = ctx.request.get("Last-Event-ID");
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < -1) {
      throw Failure::invalid("Last-Event-ID", "Last-Event-ID must be an event id (an integer)");
    }
    return value;
  }
  return integerParam(ctx, "after", -1, -1);
}

/// Streams a run's events after `after` as Server-Sent Events: what storage holds first (a run
/// no longer in memory, or its oldest events), then the live tail until "done". Ends early when
/// the reader goes away or the server stops; the run goes on either way.
void streamRun(http::RequestContext& ctx, runs::RunService& service, const std::string& owner,
               const std::string& runId, const std::shared_ptr<runs::Run>& run, int64_t after) {
  http::EventStream out(ctx);
  const auto heartbeat = std::chrono::seconds(std::max(1, ctx.limits.heartbeatS));
  auto lastWrite = Clock::now();

  // Events from storage up to (not including) `until` (-1: all of them).
  auto replayStored = [&](int64_t until) {
    while (out.good()) {
      std::optional<int64_t> next;
      const auto events = service.storedEvents(owner, runId, after, kStoredBatch, next);
      for (const auto& e : events) {
        if (until >= 0 && e.seq >= until) return;
        if (!out.event(static_cast<uint64_t>(e.seq), e.type, e.data)) return;
        after = e.seq;
      }
      if (!next || events.empty()) return;
    }
  };

  try {
    if (!run) {
      replayStored(-1);
      return;
    }
    const auto slice = std::min<std::chrono::milliseconds>(heartbeat, std::chrono::seconds(1));
    while (out.good() && !ctx.shutdown.triggered()) {
      const auto batch = run->read(after, kLiveBatch, slice);
      if (batch.storedUntil) {
        replayStored(*batch.storedUntil);
        continue;
      }
      for (const auto& e : batch.events) {
        if (!out.event(static_cast<uint64_t>(e.seq), e.type, e.data)) return;
        after = e.seq;
        lastWrite = Clock::now();
      }
      if (batch.complete) return;
      if (Clock::now() - lastWrite >= heartbeat) {
        out.comment("heartbeat");
        lastWrite = Clock::now();
      }
    }
  } catch (const Failure& e) {
    // The headers are out: say why in a comment and end; the reader reconnects with its last id.
    logging::get("runs")->warn("run {}: event stream ended early: {}", runId, e.what());
    out.comment(std::string("stream interrupted: ") + e.what());
  }
}

json runView(json run, bool live) {
  const std::string id = run.value("id", "");
  json view = {{"id", id},
               {"conversation_id", run.value("conversation_id", "")},
               {"status", run.value("status", "")},
               {"live", live},
               {"started_at", nullptr},
               {"ended_at", nullptr},
               {"usage", run.value("usage", json())},
               {"cost_usd", run.value("cost_usd", json())},
               {"error", run.value("error", json())},
               {"events_url", "/api/agent/runs/" + id + "/events"}};
  for (const auto& [from, to] : {std::pair{"started_us", "started_at"}, {"ended_us", "ended_at"}}) {
    if (run.contains(from) && run[from].is_number_integer()) {
      view[to] = projects::files::isoTime(run[from].get<int64_t>());
    }
  }
  return view;
}

}  // namespace

void registerAgentRoutes(http::Router& router, ApiContext& api) {
  auto& service = api.agent;

  router.add("POST", "/api/agent/invoke", [&api, &service](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"project_id", "conversation_id", "message"});
    const auto run = service.invoke(user, body);
    ctx.response.set("X-Run-Id", run->info().id);
    ctx.response.set("X-Conversation-Id", run->info().conversationId);
    streamRun(ctx, service, user.email, run->info().id, run, -1);
  });

  router.add("GET", "/api/agent/runs/{id}", [&api, &service](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const std::string id = ctx.param("id");
    http::sendJson(ctx.response, 200,
                   runView(service.storedRun(user.email, id), service.isLive(id)));
  });

  router.add("GET", "/api/agent/runs/{id}/events", [&api, &service](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const std::string id = ctx.param("id");
    const int64_t after = resumeAfter(ctx);
    auto run = service.find(user.email, id);
    if (!run) service.storedRun(user.email, id);  // 404 before the stream starts
    streamRun(ctx, service, user.email, id, run, after);
  });

  router.add("POST", "/api/agent/runs/{id}/stop", [&api, &service](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    objectBody(ctx, std::initializer_list<const char*>{}, Body::kOptional);
    service.stop(user.email, ctx.param("id"));
    http::sendJson(ctx.response, 202, {{"run_id", ctx.param("id")}, {"status", "stopping"}});
  });

  router.add("POST", "/api/agent/runs/{id}/permissions/{request_id}",
             [&api, &service](http::RequestContext& ctx) {
               const auto user = api.identity.resolve(ctx.request);
               const json body = objectBody(ctx, {"decision", "remember"});
               const json decision = body.value("decision", json());
               if (!decision.is_string() || (decision != "allow" && decision != "deny")) {
                 throw Failure::invalid("decision", "\"decision\" must be \"allow\" or \"deny\"");
               }
               const json remember = body.value("remember", json(false));
               if (!remember.is_boolean()) {
                 throw Failure::invalid("remember", "\"remember\" must be a boolean");
               }
               service.answerPermission(user.email, ctx.param("id"), ctx.param("request_id"),
                                        decision.get<std::string>(), remember.get<bool>());
               http::sendJson(ctx.response, 200,
                              {{"request_id", ctx.param("request_id")},
                               {"decision", decision},
                               {"remember", remember}});
             });

  router.add("GET", "/api/conversations/{id}/runs", [&api, &service](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const int limit = limitParam(ctx, kDefaultPage, kMaxPage);
    store::Page page = service.listRuns(user.email, ctx.param("id"), limit, cursorParam(ctx));
    json out = json::array();
    for (json& run : page.items) {
      const bool live = service.isLive(run.value("id", ""));
      out.push_back(runView(std::move(run), live));
    }
    setNextPage(ctx, page.nextCursor, limit);
    http::sendJson(ctx.response, 200, out);
  });

  router.add("GET", "/api/projects/{id}/system-prompt",
             [&api, &service](http::RequestContext& ctx) {
               const auto user = api.identity.resolve(ctx.request);
               http::sendJson(ctx.response, 200,
                              {{"system_prompt", service.systemPrompt(user, ctx.param("id"))}});
             });
}

}  // namespace devkit::api
