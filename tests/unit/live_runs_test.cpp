#include "runs/live_runs.hpp"

#include <gtest/gtest.h>

namespace devkit::runs {
namespace {

TEST(LiveRuns, OneRunPerConversationAndReleasedWithTheLease) {
  LiveRuns runs;
  auto first = runs.begin("r1", "p1", "c1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(runs.begin("r2", "p1", "c1"), nullptr);  // the conversation is busy
  auto other = runs.begin("r3", "p1", "c2");         // another conversation of the project is not
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(runs.runOfConversation("c1"), "r1");
  EXPECT_TRUE(runs.projectBusy("p1"));
  first.reset();
  EXPECT_EQ(runs.runOfConversation("c1"), std::nullopt);
  EXPECT_TRUE(runs.projectBusy("p1"));
  other.reset();
  EXPECT_FALSE(runs.projectBusy("p1"));
  EXPECT_EQ(runs.size(), 0u);
}

TEST(LiveRuns, DeletesAndRunsExcludeEachOther) {
  LiveRuns runs;
  {
    auto lease = runs.begin("r1", "p1", "c1");
    EXPECT_EQ(runs.beginProjectDelete("p1"), nullptr);
    EXPECT_EQ(runs.beginConversationDelete("c1"), nullptr);
    EXPECT_NE(runs.beginConversationDelete("c2"), nullptr);
  }
  auto deleting = runs.beginProjectDelete("p1");
  ASSERT_NE(deleting, nullptr);
  EXPECT_EQ(runs.begin("r2", "p1", "c9"), nullptr);  // no run starts in a project being deleted
  EXPECT_EQ(runs.beginProjectDelete("p1"), nullptr);
  deleting.reset();
  EXPECT_NE(runs.begin("r2", "p1", "c9"), nullptr);
}

}  // namespace
}  // namespace devkit::runs
