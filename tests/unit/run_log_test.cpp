#include <gtest/gtest.h>

#include <thread>

#include "runs/event_text.hpp"
#include "runs/mcp_tokens.hpp"
#include "runs/run.hpp"

namespace devkit::runs {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Inside a TEST body "Run" names testing::Test::Run(); hence the alias.
using RunLog = Run;

RunInfo info() { return {"r1", "ana@example.com", "p1", "c1", 0, 1, 0}; }

TEST(RunLog, NumbersEventsAndReadsAfterAnId) {
  RunLog run(info(), 100);
  EXPECT_EQ(run.append("run_started", {{"run_id", "r1"}}), 0);
  EXPECT_EQ(run.append("text_delta", {{"text", "a"}}), 1);
  EXPECT_EQ(run.append("text_delta", {{"text", "b"}}), 2);
  const auto batch = run.read(0, 10, milliseconds(0));
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].seq, 1);
  EXPECT_EQ(batch.events[1].data, R"({"text":"b"})");
  EXPECT_FALSE(batch.complete);
  EXPECT_EQ(run.read(0, 1, milliseconds(0)).events.size(), 1u) << "max is honoured";
}

TEST(RunLog, FinishAppendsDoneOnceAndCompletesReaders) {
  RunLog run(info(), 100);
  run.append("text", {{"text", "x"}});
  run.finish("cancelled");
  run.finish("completed");  // ignored: a run ends once
  EXPECT_EQ(run.append("text", {{"text", "late"}}), -1);
  const auto batch = run.read(-1, 10, milliseconds(0));
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[1].type, "done");
  EXPECT_EQ(batch.events[1].data, R"({"status":"cancelled"})");
  EXPECT_TRUE(batch.complete);
  EXPECT_EQ(run.status(), "cancelled");
}

TEST(RunLog, AReaderWaitsForTheNextEvent) {
  RunLog run(info(), 100);
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    run.append("text_delta", {{"text", "late"}});
  });
  const auto batch = run.read(-1, 10, std::chrono::seconds(10));
  writer.join();
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].type, "text_delta");
}

TEST(RunLog, DropsOnlyStoredEventsBeyondItsBoundAndSendsReadersToStorage) {
  RunLog run(info(), 16);
  for (int i = 0; i < 40; ++i) run.append("text_delta", {{"text", std::to_string(i)}});
  // Nothing is stored yet: all 40 stay in memory.
  EXPECT_EQ(run.read(-1, 100, milliseconds(0)).events.size(), 40u);
  EXPECT_EQ(run.unpersisted(1000).size(), 40u);
  run.markPersisted(29);
  const auto batch = run.read(-1, 100, milliseconds(0));
  ASSERT_TRUE(batch.storedUntil.has_value());
  EXPECT_EQ(*batch.storedUntil, 24) << "40 events, 16 kept: 24..39";
  EXPECT_TRUE(batch.events.empty());
  const auto tail = run.read(23, 100, milliseconds(0));
  EXPECT_FALSE(tail.storedUntil.has_value());
  ASSERT_EQ(tail.events.size(), 16u);
  EXPECT_EQ(tail.events.front().seq, 24);
  EXPECT_EQ(run.unpersisted(1000).size(), 10u);
  EXPECT_FALSE(run.fullyPersisted());
  run.markPersisted(39);
  EXPECT_TRUE(run.fullyPersisted());
}

TEST(RunLog, RemembersSessionResultErrorAndBuildsTheMessage) {
  RunLog run(info(), 100);
  run.append("session", {{"claude_session_id", "sess-1"}});
  run.append("error", {{"code", "overloaded"}, {"message", "first"}});
  run.append("error", {{"code", "api_error"}, {"message", "second"}});
  run.append("result", {{"cost_usd", 0.5}});
  run.append("text", {{"message_id", "m"}, {"index", 0}, {"text", "hi"}});
  EXPECT_EQ(run.takeSessionToSave(), "sess-1");
  EXPECT_EQ(run.takeSessionToSave(), "") << "handed out once";
  EXPECT_EQ(run.error()["code"], "overloaded") << "the first error is the run's error";
  EXPECT_EQ(run.result()["cost_usd"], 0.5);
  const auto message = run.takeMessageIfChanged();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->size(), 3u) << message->dump();  // two error blocks and the text
  EXPECT_FALSE(run.takeMessageIfChanged().has_value());
}

TEST(EventText, ValidTypesAndNulStripping) {
  EXPECT_TRUE(validEventType("tool_result"));
  EXPECT_FALSE(validEventType(""));
  EXPECT_FALSE(validEventType("Text"));
  EXPECT_FALSE(validEventType("a-b"));
  EXPECT_FALSE(validEventType(std::string(65, 'a')));
  json value = {{"content", std::string("a\0b", 3)},
                {std::string("k\0ey", 4), json::array({std::string("\0", 1), 1})}};
  stripNulCharacters(value);
  EXPECT_EQ(value, json({{"content", "ab"}, {"key", json::array({"", 1})}}));
}

TEST(McpTokens, ATokenIsLiveOnlyWhileItsRunIs) {
  McpTokens tokens;
  const std::string token = tokens.tokenFor("c1");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(tokens.tokenFor("c1"), token) << "stable for a conversation (its warm CLI keeps it)";
  EXPECT_NE(tokens.tokenFor("c2"), token);
  EXPECT_FALSE(tokens.check(token).has_value()) << "no run yet";
  tokens.bind({"ana@example.com", "p1", "c1", "r1", "user-token", {"delete_pipeline"}});
  const auto binding = tokens.check(token);
  ASSERT_TRUE(binding.has_value());
  EXPECT_EQ(binding->runId, "r1");
  EXPECT_EQ(binding->owner, "ana@example.com");
  EXPECT_EQ(binding->databricksToken, "user-token");
  EXPECT_EQ(binding->disabledTools, std::set<std::string>{"delete_pipeline"});
  tokens.unbind("r1");
  EXPECT_FALSE(tokens.check(token).has_value()) << "dead when the run ends";
  EXPECT_FALSE(tokens.check("").has_value());
  tokens.bind({"ana@example.com", "p1", "c1", "r2", "", {}});
  EXPECT_EQ(tokens.check(token)->runId, "r2") << "the next run binds it afresh";
}

}  // namespace
}  // namespace devkit::runs
