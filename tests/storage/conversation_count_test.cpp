// A project's `conversation_count` (docs/storage.md, objects): output only, 0 for a new project,
// following puts, moves and deletes of its conversations, in get_project, put_project and every
// list_projects page alike.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

/// The member as an integer; fails the test when it is missing or of another type.
int64_t countOf(const json& project) {
  const auto it = project.find("conversation_count");
  if (it == project.end() || !it->is_number_integer()) {
    ADD_FAILURE() << "no integer conversation_count in " << project.dump();
    return -1;
  }
  return it->get<int64_t>();
}

class ConversationCount : public StorageConformance {
 protected:
  int64_t getCount(const std::string& projectId) {
    return countOf(ok("get_project", {{"owner", kOwner}, {"id", projectId}}));
  }
  /// The count as list_projects shows it (one page of up to 1000).
  int64_t listedCount(const std::string& projectId) {
    const json page = ok("list_projects", {{"owner", kOwner}, {"limit", 1000}});
    for (const json& item : page["items"]) {
      if (item.value("id", "") == projectId) return countOf(item);
    }
    ADD_FAILURE() << "project " << projectId << " is not listed";
    return -1;
  }
  void expectCount(const std::string& projectId, int64_t expected) {
    EXPECT_EQ(getCount(projectId), expected) << "get_project of " << projectId;
    EXPECT_EQ(listedCount(projectId), expected) << "list_projects, project " << projectId;
  }
};

TEST_P(ConversationCount, IsZeroForANewProject) {
  const std::string id = newId();
  EXPECT_EQ(countOf(ok("put_project", projectJson(id))), 0);
  expectCount(id, 0);
  // Defaults only (no settings, no timestamps): the same.
  const std::string bare = newId();
  EXPECT_EQ(countOf(ok("put_project", {{"owner", kOwner}, {"id", bare}, {"name", "Bare"}})), 0);
  expectCount(bare, 0);
}

TEST_P(ConversationCount, GoesUpWithPutsAndDownWithDeletes) {
  const std::string projectId = putProject();
  std::vector<std::string> conversations;
  for (int i = 1; i <= 3; ++i) {
    conversations.push_back(putConversation(projectId));
    expectCount(projectId, i);
  }
  // Replacing a conversation is not another one.
  json replaced = conversationJson(conversations[0], projectId, kBaseUs + 5);
  replaced["title"] = "Renamed";
  ok("put_conversation", replaced);
  expectCount(projectId, 3);

  ok("delete_conversation", {{"owner", kOwner}, {"id", conversations[1]}});
  expectCount(projectId, 2);
  // A delete that finds nothing changes nothing.
  expectStatus("delete_conversation", {{"owner", kOwner}, {"id", conversations[1]}},
               DK_ERR_NOT_FOUND);
  expectCount(projectId, 2);
  ok("delete_conversation", {{"owner", kOwner}, {"id", conversations[0]}});
  ok("delete_conversation", {{"owner", kOwner}, {"id", conversations[2]}});
  expectCount(projectId, 0);
}

TEST_P(ConversationCount, PutProjectReturnsTheStoredCount) {
  const std::string projectId = newId();
  ok("put_project", projectJson(projectId, kBaseUs));
  putConversation(projectId);
  putConversation(projectId);
  // A replace keeps the conversations, and its answer says how many there are.
  json replace = projectJson(projectId, kBaseUs + 10);
  replace["name"] = "Replaced";
  const json stored = ok("put_project", replace);
  EXPECT_EQ(countOf(stored), 2) << stored.dump();
  EXPECT_TRUE(hasMembers(stored, replace));
  EXPECT_EQ(stored, ok("get_project", {{"owner", kOwner}, {"id", projectId}}));
}

TEST_P(ConversationCount, IsOutputOnlyAndIgnoredOnInput) {
  const std::string projectId = newId();
  json project = projectJson(projectId);
  project["conversation_count"] = 42;
  EXPECT_EQ(countOf(ok("put_project", project)), 0);
  expectCount(projectId, 0);
  putConversation(projectId);
  project["conversation_count"] = 0;
  EXPECT_EQ(countOf(ok("put_project", project)), 1);
  // Of any type: unknown-to-the-input members are ignored, not validated.
  project["conversation_count"] = "many";
  EXPECT_EQ(countOf(ok("put_project", project)), 1);
  project["conversation_count"] = nullptr;
  EXPECT_EQ(countOf(ok("put_project", project)), 1);
  expectCount(projectId, 1);
}

TEST_P(ConversationCount, CountsOnlyTheProjectsOwnConversations) {
  const std::string first = putProject();
  const std::string second = putProject();
  const std::string foreign = putProject(kOtherOwner);
  const std::string moving = putConversation(first);
  putConversation(first);
  putConversation(second);
  for (int i = 0; i < 4; ++i) putConversation(foreign, kOtherOwner);
  expectCount(first, 2);
  expectCount(second, 1);
  EXPECT_EQ(countOf(okOn(*storage_, "get_project", {{"owner", kOtherOwner}, {"id", foreign}})), 4);

  // A conversation put with another project_id moves: one less here, one more there.
  ok("put_conversation", conversationJson(moving, second, kBaseUs + 1));
  expectCount(first, 1);
  expectCount(second, 2);

  // Deleting a project takes its conversations; the others keep theirs.
  ok("delete_project", {{"owner", kOwner}, {"id", second}});
  expectCount(first, 1);
}

TEST_P(ConversationCount, IsRightOnEveryListPage) {
  // Projects with 0..kProjects-1 conversations, under tied and distinct updated_us.
  constexpr int kProjects = 9;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < kProjects; ++i) {
    const std::string projectId = newId();
    ok("put_project", projectJson(projectId, kBaseUs + (i / 2) * 1000));
    for (int c = 0; c < i; ++c) putConversation(projectId);
    expected[projectId] = i;
  }
  for (const int limit : {1, 2, 4, 8, 9, 1000}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    const std::vector<json> items = walkPages("list_projects", {{"owner", kOwner}}, limit);
    ASSERT_EQ(items.size(), expected.size());
    for (const json& item : items) {
      const std::string id = item.value("id", "");
      ASSERT_TRUE(expected.count(id)) << item.dump();
      EXPECT_EQ(countOf(item), expected[id]) << "project " << id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Plugins, ConversationCount, ::testing::Values("local", "lakebase"),
                         paramName);

}  // namespace
}  // namespace devkit::storage_test
