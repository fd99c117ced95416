// The translator against stream-json lines as CLI 2.1.197 writes them (shapes recorded against
// the mock, trimmed to the members that matter): every event and member of docs/events.md.
#include "translator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace devkit::agent_claude {
namespace {

using nlohmann::json;

class TranslatorTest : public ::testing::Test {
 protected:
  // Feeds lines and collects every event; `done` keeps the last turn end seen.
  std::vector<json> feed(const std::vector<std::string>& lines, bool interrupted = false) {
    std::vector<json> events;
    for (const auto& line : lines) {
      Translation t = translator_.translate(json::parse(line), interrupted);
      if (t.init) init_ = t.init;
      if (t.done) done_ = t.done;
      for (auto& e : t.events) events.push_back(std::move(e));
    }
    return events;
  }
  static std::vector<json> ofType(const std::vector<json>& events, const std::string& type) {
    std::vector<json> out;
    for (const auto& e : events) {
      if (e["type"] == type) out.push_back(e);
    }
    return out;
  }

  Translator translator_;
  std::optional<InitInfo> init_;
  std::optional<std::string> done_;
};

const char* kInit =
    R"({"type":"system","subtype":"init","cwd":"/srv/p","session_id":"19f643ac-7b6e-4854-9bfc-c89e6b78defd","tools":["Read","Write"],"mcp_servers":[],"model":"claude-sonnet-4-5","permissionMode":"acceptEdits","claude_code_version":"2.1.197"})";

std::string streamEvent(const std::string& event) {
  return R"({"type":"stream_event","event":)" + event +
         R"(,"session_id":"s","parent_tool_use_id":null,"uuid":"u"})";
}

TEST_F(TranslatorTest, InitGivesTheSessionAndNoEvent) {
  const auto events = feed({kInit});
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(init_);
  EXPECT_EQ(init_->sessionId, "19f643ac-7b6e-4854-9bfc-c89e6b78defd");
  EXPECT_EQ(init_->model, "claude-sonnet-4-5");
  EXPECT_EQ(init_->version, "2.1.197");
}

TEST_F(TranslatorTest, StreamedTextBecomesDeltasThenTheCompleteBlock) {
  const auto events = feed({
      R"({"type":"system","subtype":"status","status":"requesting","uuid":"x","session_id":"s"})",
      streamEvent(
          R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[]}})"),
      streamEvent(
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"),
      streamEvent(
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})"),
      streamEvent(
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}})"),
      R"({"type":"assistant","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello there"}],"stop_reason":null},"parent_tool_use_id":null,"session_id":"s","uuid":"u"})",
      streamEvent(R"({"type":"content_block_stop","index":0})"),
      streamEvent(R"({"type":"message_stop"})"),
  });
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], json({{"type", "status"}, {"state", "requesting"}}));
  EXPECT_EQ(
      events[1],
      json({{"type", "text_delta"}, {"message_id", "msg_1"}, {"index", 0}, {"text", "Hello"}}));
  EXPECT_EQ(events[2]["text"], " there");
  EXPECT_EQ(
      events[3],
      json({{"type", "text"}, {"message_id", "msg_1"}, {"index", 0}, {"text", "Hello there"}}));
}

TEST_F(TranslatorTest, BlocksOfOneMessageShareItsIdAndGetTheirStreamIndex) {
  // Thinking at 0, text at 1, tool_use at 2: three assistant lines with one message.id.
  const auto events = feed({
      streamEvent(R"({"type":"message_start","message":{"id":"msg_7"}})"),
      streamEvent(
          R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking"}})"),
      streamEvent(
          R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}})"),
      streamEvent(
          R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}})"),
      R"({"type":"assistant","message":{"id":"msg_7","content":[{"type":"thinking","thinking":"Hmm","signature":"sig"}]}})",
      streamEvent(R"({"type":"content_block_stop","index":0})"),
      streamEvent(R"({"type":"content_block_start","index":1,"content_block":{"type":"text"}})"),
      streamEvent(
          R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Writing."}})"),
      R"({"type":"assistant","message":{"id":"msg_7","content":[{"type":"text","text":"Writing."}]}})",
      streamEvent(R"({"type":"content_block_stop","index":1})"),
      streamEvent(
          R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use"}})"),
      streamEvent(
          R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}})"),
      R"({"type":"assistant","message":{"id":"msg_7","content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"/p/a.txt","content":"hi"}}]}})",
      streamEvent(R"({"type":"content_block_stop","index":2})"),
  });
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0], json({{"type", "thinking_delta"},
                             {"message_id", "msg_7"},
                             {"index", 0},
                             {"thinking", "Hmm"}}));
  EXPECT_EQ(
      events[1],
      json({{"type", "thinking"}, {"message_id", "msg_7"}, {"index", 0}, {"thinking", "Hmm"}}));
  EXPECT_EQ(events[2]["type"], "text_delta");
  EXPECT_EQ(events[2]["index"], 1);
  EXPECT_EQ(events[3],
            json({{"type", "text"}, {"message_id", "msg_7"}, {"index", 1}, {"text", "Writing."}}));
  EXPECT_EQ(events[4], json({{"type", "tool_use"},
                             {"message_id", "msg_7"},
                             {"index", 2},
                             {"id", "toolu_1"},
                             {"name", "Write"},
                             {"input", {{"file_path", "/p/a.txt"}, {"content", "hi"}}}}));
}

TEST_F(TranslatorTest, WithoutPartialMessagesBlocksAreNumberedPerMessage) {
  const auto events = feed({
      R"({"type":"assistant","message":{"id":"msg_a","content":[{"type":"text","text":"one"}]}})",
      R"({"type":"assistant","message":{"id":"msg_a","content":[{"type":"tool_use","id":"t","name":"Read","input":{}}]}})",
      R"({"type":"assistant","message":{"id":"msg_b","content":[{"type":"text","text":"two"}]}})",
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["index"], 0);
  EXPECT_EQ(events[1]["index"], 1);
  EXPECT_EQ(events[1]["message_id"], "msg_a");
  EXPECT_EQ(events[2]["index"], 0);
  EXPECT_EQ(events[2]["message_id"], "msg_b");
}

TEST_F(TranslatorTest, McpToolUseCarriesItsDisplayName) {
  const auto events = feed({
      R"({"type":"assistant","message":{"id":"m","content":[{"type":"tool_use","id":"toolu_9","name":"mcp__databricks__execute_sql","input":{"sql":"select 1"}}]},"tool_use_meta":[{"id":"toolu_9","display_name":"Execute SQL","server_display_name":"devkit"}]})",
  });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["name"], "mcp__databricks__execute_sql");
  EXPECT_EQ(events[0]["display_name"], "Execute SQL");
}

TEST_F(TranslatorTest, TodoWriteAlsoGivesTheWholeTodoList) {
  const auto events = feed({
      R"({"type":"assistant","message":{"id":"m","content":[{"type":"tool_use","id":"t1","name":"TodoWrite","input":{"todos":[{"content":"Load data","status":"in_progress","activeForm":"Loading data"},{"content":"Check","status":"pending","activeForm":"Checking"}]}}]}})",
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "tool_use");
  EXPECT_EQ(events[1]["type"], "todos");
  ASSERT_EQ(events[1]["todos"].size(), 2u);
  EXPECT_EQ(
      events[1]["todos"][0],
      json({{"content", "Load data"}, {"status", "in_progress"}, {"activeForm", "Loading data"}}));
}

TEST_F(TranslatorTest, ToolResultsComeFromUserMessagesWithTheStructuredSidecar) {
  const auto events = feed({
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_3","type":"tool_result","content":"File created successfully at: /p/a.txt"}]},"tool_use_result":{"type":"create","filePath":"/p/a.txt"}})",
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_4","type":"tool_result","content":"{\"rows\":3}"}]},"tool_use_result":{"content":[{"type":"text","text":"3 rows"}],"structuredContent":{"rows":3}}})",
      R"({"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"warehouse not found","is_error":true,"tool_use_id":"toolu_5"}]},"tool_use_result":"Error: warehouse not found"})",
      R"({"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]}})",
      R"({"type":"user","message":{"role":"user","content":"replayed"},"isReplay":true})",
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], json({{"type", "tool_result"},
                             {"tool_use_id", "toolu_3"},
                             {"content", "File created successfully at: /p/a.txt"},
                             {"is_error", false}}));
  EXPECT_EQ(events[1]["structured_content"], json({{"rows", 3}}));
  EXPECT_EQ(events[2]["is_error"], true);
  EXPECT_FALSE(events[2].contains("structured_content"));
}

TEST_F(TranslatorTest, RetriesAndToolProgressBecomeStatusAndProgress) {
  const auto events = feed({
      R"({"type":"system","subtype":"api_retry","attempt":1,"max_retries":3,"retry_delay_ms":500,"error_status":529,"error":"overloaded"})",
      R"({"type":"system","subtype":"status","status":null})",
      R"({"type":"tool_progress","tool_use_id":"toolu_1","tool_name":"Bash","elapsed_time_seconds":12,"task_id":null})",
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], json({{"type", "status"},
                             {"state", "retrying"},
                             {"attempt", 1},
                             {"max_retries", 3},
                             {"retry_delay_ms", 500},
                             {"error_status", 529}}));
  EXPECT_EQ(events[1], json({{"type", "tool_progress"},
                             {"tool_use_id", "toolu_1"},
                             {"tool_name", "Bash"},
                             {"elapsed_s", 12}}));
}

std::string result(double totalCost, const std::string& extra = "") {
  return R"({"type":"result","subtype":"success","is_error":false,"api_error_status":null,"duration_ms":67,"duration_api_ms":23,"num_turns":1,"result":"Hello","stop_reason":"end_turn","session_id":"s","total_cost_usd":)" +
         std::to_string(totalCost) +
         R"(,"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":2,"output_tokens":5,"server_tool_use":{"web_search_requests":0}},"modelUsage":{},"permission_denials":[])" +
         extra + "}";
}

TEST_F(TranslatorTest, ResultReportsThisTurnsCostFromTheRunningTotal) {
  auto events = feed({result(0.000105)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "result");
  EXPECT_EQ(events[0]["subtype"], "success");
  EXPECT_EQ(events[0]["is_error"], false);
  EXPECT_EQ(events[0]["duration_ms"], 67);
  EXPECT_EQ(events[0]["duration_api_ms"], 23);
  EXPECT_EQ(events[0]["num_turns"], 1);
  EXPECT_EQ(events[0]["stop_reason"], "end_turn");
  EXPECT_EQ(events[0]["usage"], json({{"input_tokens", 10},
                                      {"output_tokens", 5},
                                      {"cache_creation_input_tokens", 0},
                                      {"cache_read_input_tokens", 2}}));
  EXPECT_NEAR(events[0]["cost_usd"].get<double>(), 0.000105, 1e-9);
  EXPECT_EQ(done_, "completed");

  translator_.beginTurn();
  events = feed({result(0.00021)});
  EXPECT_NEAR(events[0]["cost_usd"].get<double>(), 0.000105, 1e-9) << "not the cumulative total";
  EXPECT_NEAR(translator_.cumulativeCostUsd(), 0.00021, 1e-9);
}

const char* kSynthetic401 =
    R"({"type":"assistant","message":{"id":"2122afde","model":"<synthetic>","role":"assistant","stop_reason":"stop_sequence","type":"message","content":[{"type":"text","text":"Failed to authenticate. API Error: 401 invalid x-api-key"}]},"parent_tool_use_id":null,"session_id":"s","uuid":"u","error":"authentication_failed"})";

TEST_F(TranslatorTest, AnAuthenticationFailureIsOneErrorAndNoAssistantText) {
  const auto events = feed(
      {kSynthetic401,
       R"({"type":"result","subtype":"success","is_error":true,"api_error_status":401,"duration_ms":71,"num_turns":1,"result":"Failed to authenticate. API Error: 401 invalid x-api-key","stop_reason":"stop_sequence","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0}})"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], json({{"type", "error"},
                             {"code", "authentication_failed"},
                             {"message",
                              "The LLM endpoint refused the credentials: Failed to authenticate. "
                              "API Error: 401 invalid x-api-key"},
                             {"retryable", false}}));
  EXPECT_EQ(events[1]["type"], "result");
  EXPECT_EQ(events[1]["is_error"], true);
  EXPECT_EQ(done_, "failed");
}

TEST_F(TranslatorTest, TheHttpStatusDecidesTheErrorCode) {
  // 2.1.197 labels a 529 "server_error"; the status says what it really was.
  const auto events = feed(
      {R"({"type":"assistant","message":{"id":"x","model":"<synthetic>","content":[{"type":"text","text":"API Error: 529 Overloaded."}]},"error":"server_error"})",
       R"({"type":"result","subtype":"success","is_error":true,"api_error_status":529,"total_cost_usd":0})"});
  ASSERT_GE(events.size(), 1u);
  EXPECT_EQ(events[0]["code"], "overloaded");
  EXPECT_EQ(events[0]["retryable"], true);

  bool retryable = false;
  EXPECT_EQ(apiErrorCode(429, "rate_limit", retryable), "rate_limited");
  EXPECT_TRUE(retryable);
  EXPECT_EQ(apiErrorCode(403, "", retryable), "authentication_failed");
  EXPECT_FALSE(retryable);
  EXPECT_EQ(apiErrorCode(500, "server_error", retryable), "api_error");
  EXPECT_TRUE(retryable);
  EXPECT_EQ(apiErrorCode(400, "invalid_request", retryable), "api_error");
  EXPECT_FALSE(retryable);
  EXPECT_EQ(apiErrorCode(0, "model_not_found", retryable), "api_error");
}

TEST_F(TranslatorTest, TurnAndBudgetLimitsHaveTheirOwnCodes) {
  auto events = feed(
      {R"j({"type":"result","subtype":"error_max_turns","is_error":true,"errors":["Reached maximum number of turns (2)"],"total_cost_usd":0})j"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["code"], "max_turns");
  EXPECT_EQ(events[0]["message"], "Reached maximum number of turns (2)");
  EXPECT_EQ(done_, "failed");
  events = feed(
      {R"j({"type":"result","subtype":"error_max_budget_usd","is_error":true,"errors":["Reached maximum budget ($0.0004)"],"total_cost_usd":0})j"});
  EXPECT_EQ(events[0]["code"], "max_budget");
}

TEST_F(TranslatorTest, AnInterruptedTurnIsCancelledWithoutAnError) {
  const auto events = feed(
      {R"({"type":"assistant","message":{"id":"msg_8","content":[{"type":"text","text":"Hello"}]}})",
       R"({"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]}})",
       R"({"type":"result","subtype":"error_during_execution","duration_ms":69,"is_error":true,"num_turns":2,"stop_reason":null,"total_cost_usd":0,"usage":{"input_tokens":0},"terminal_reason":"aborted_streaming","errors":["[ede_diagnostic] aborted"]})"},
      /*interrupted=*/true);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "text");
  EXPECT_EQ(events[1]["type"], "result");
  EXPECT_EQ(events[1]["stop_reason"], nullptr);
  EXPECT_EQ(done_, "cancelled");
}

TEST_F(TranslatorTest, NullsAndOddTypesNeverThrow) {
  EXPECT_NO_THROW(feed({
      R"({"type":"result","subtype":"success","is_error":null,"duration_ms":null,"num_turns":"x","total_cost_usd":null,"usage":{"input_tokens":null}})",
      R"({"type":"assistant","message":null})",
      R"({"type":"assistant","message":{"id":null,"content":[null,{"type":"tool_use"}]}})",
      R"({"type":"user","message":{"content":[{"type":"tool_result","content":null}]},"tool_use_result":{"structuredContent":null}})",
      R"({"type":"stream_event","event":{"type":"content_block_delta","index":"a","delta":null}})",
      R"({"type":"rate_limit_event","rate_limit_info":{}})",
      R"({"type":"system","subtype":"api_retry","attempt":null})",
  }));
}

TEST(EventText, StripsNulCharactersEverywhere) {
  json event = {{"type", "text"},
                {"text", std::string("a\0b", 3)},
                {"input", {{std::string("k\0ey", 4), json::array({std::string("\0", 1)})}}}};
  const std::string text = eventText(event);
  EXPECT_EQ(text.find("\\u0000"), std::string::npos) << text;
  const json back = json::parse(text);
  EXPECT_EQ(back["text"], "ab");
  EXPECT_EQ(back["input"]["key"][0], "");
}

TEST(EventText, ReplacesInvalidUtf8InsteadOfThrowing) {
  const json event = {{"type", "text"}, {"text", std::string("ok \xff\xfe end")}};
  std::string text;
  ASSERT_NO_THROW(text = eventText(event));
  EXPECT_TRUE(json::accept(text));
}

}  // namespace
}  // namespace devkit::agent_claude
