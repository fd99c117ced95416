#include "runs/message_builder.hpp"

#include <gtest/gtest.h>

namespace devkit::runs {
namespace {

using nlohmann::json;

TEST(MessageBuilder, JoinsDeltasAndTheCompleteBlockReplacesThem) {
  MessageBuilder b;
  EXPECT_TRUE(b.apply("text_delta", {{"message_id", "m1"}, {"index", 0}, {"text", "Hel"}}));
  EXPECT_TRUE(b.apply("text_delta", {{"message_id", "m1"}, {"index", 0}, {"text", "lo"}}));
  ASSERT_EQ(b.blocks().size(), 1u);
  EXPECT_EQ(b.blocks()[0], json({{"type", "text"}, {"text", "Hello"}}));
  EXPECT_TRUE(b.apply("text", {{"message_id", "m1"}, {"index", 0}, {"text", "Hello!"}}));
  ASSERT_EQ(b.blocks().size(), 1u) << b.blocks().dump();
  EXPECT_EQ(b.blocks()[0]["text"], "Hello!");
}

TEST(MessageBuilder, BlocksOfOneMessageShareItsIdAndKeepTheirOrder) {
  // The CLI writes a thinking, a text and a tool_use block of one message as three lines with the
  // same message id; a second model message (after the tool result) has its own id.
  MessageBuilder b;
  b.apply("thinking_delta", {{"message_id", "m1"}, {"index", 0}, {"thinking", "plan"}});
  b.apply("thinking", {{"message_id", "m1"}, {"index", 0}, {"thinking", "plan it"}});
  b.apply("text", {{"message_id", "m1"}, {"index", 1}, {"text", "Writing the file."}});
  b.apply("tool_use", {{"message_id", "m1"},
                       {"index", 2},
                       {"id", "toolu_1"},
                       {"name", "Write"},
                       {"input", {{"file_path", "a.sql"}}}});
  b.apply("tool_result", {{"tool_use_id", "toolu_1"}, {"content", "ok"}, {"is_error", false}});
  b.apply("text", {{"message_id", "m2"}, {"index", 0}, {"text", "Done."}});
  const json& blocks = b.blocks();
  ASSERT_EQ(blocks.size(), 5u) << blocks.dump();
  EXPECT_EQ(blocks[0], json({{"type", "thinking"}, {"thinking", "plan it"}}));
  EXPECT_EQ(blocks[1]["text"], "Writing the file.");
  EXPECT_EQ(blocks[2]["type"], "tool_use");
  EXPECT_EQ(blocks[2]["input"]["file_path"], "a.sql");
  EXPECT_EQ(blocks[3], json({{"type", "tool_result"},
                             {"tool_use_id", "toolu_1"},
                             {"content", "ok"},
                             {"is_error", false}}));
  EXPECT_EQ(blocks[4]["text"], "Done.");
}

TEST(MessageBuilder, ARepeatedToolUseUpdatesInPlaceAndErrorsBecomeBlocks) {
  MessageBuilder b;
  b.apply("tool_use", {{"id", "t"}, {"name", "Read"}, {"input", json::object()}});
  b.apply("tool_use", {{"id", "t"}, {"name", "Read"}, {"input", {{"file_path", "x"}}}});
  b.apply("error", {{"code", "overloaded"}, {"message", "try later"}});
  ASSERT_EQ(b.blocks().size(), 2u);
  EXPECT_EQ(b.blocks()[0]["input"]["file_path"], "x");
  EXPECT_EQ(b.blocks()[1],
            json({{"type", "error"}, {"code", "overloaded"}, {"message", "try later"}}));
}

TEST(MessageBuilder, IgnoresEventsThatAreNotContent) {
  MessageBuilder b;
  EXPECT_FALSE(b.apply("session", {{"claude_session_id", "s"}}));
  EXPECT_FALSE(b.apply("result", {{"cost_usd", 0.1}}));
  EXPECT_FALSE(b.apply("text_delta", {{"text", ""}}));
  EXPECT_FALSE(b.apply("text", "not an object"));
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace devkit::runs
