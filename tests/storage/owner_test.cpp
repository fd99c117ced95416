// Owner scoping: another owner's objects are invisible (DK_ERR_NOT_FOUND, exactly as if absent),
// cannot be changed, and their ids cannot be taken over (DK_ERR_CONFLICT).
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

struct OpRequest {
  std::string op;
  json request;
};

TEST_P(StorageConformance, AnotherOwnerCanNeitherSeeNorChangeAnything) {
  struct {
    std::string project, conversation, run;
  } d;
  d.project = putProject();
  d.conversation = putConversation(d.project);
  d.run = putRun(d.conversation);
  ok("append_messages", {{"owner", kOwner},
                         {"conversation_id", d.conversation},
                         {"messages", json::array({messageJson(0, "secret")})}});
  ok("append_run_events",
     {{"owner", kOwner}, {"run_id", d.run}, {"events", json::array({eventJson(0, "secret")})}});
  ASSERT_EQ(putArchiveBytes(d.project, "alice's archive").status(), DK_OK);
  // Mallory has data of her own, so her requests are not refused merely for owning nothing.
  const std::string malloryProject = putProject(kOtherOwner);
  const std::string malloryConversation = putConversation(malloryProject, kOtherOwner);

  // Everything alice has, read back through the ABI: compared before and after mallory's tries.
  const auto snapshot = [&] {
    return json{
        {"projects", ok("list_projects", {{"owner", kOwner}})},
        {"project", ok("get_project", {{"owner", kOwner}, {"id", d.project}})},
        {"conversations", ok("list_conversations", {{"owner", kOwner}, {"project_id", d.project}})},
        {"conversation", ok("get_conversation", {{"owner", kOwner}, {"id", d.conversation}})},
        {"messages", ok("list_messages", {{"owner", kOwner}, {"conversation_id", d.conversation}})},
        {"runs", ok("list_runs", {{"owner", kOwner}, {"conversation_id", d.conversation}})},
        {"run", ok("get_run", {{"owner", kOwner}, {"id", d.run}})},
        {"events", ok("list_run_events", {{"owner", kOwner}, {"run_id", d.run}})},
        {"archive_stat", ok("stat_archive", {{"owner", kOwner}, {"project_id", d.project}})},
        {"archive_sha256", sha256Hex(getArchiveBytes(d.project))},
    };
  };
  const json before = snapshot();

  const std::string m = kOtherOwner;
  const std::vector<OpRequest> notFound = {
      {"get_project", {{"owner", m}, {"id", d.project}}},
      {"delete_project", {{"owner", m}, {"id", d.project}}},
      {"list_conversations", {{"owner", m}, {"project_id", d.project}}},
      {"get_conversation", {{"owner", m}, {"id", d.conversation}}},
      {"delete_conversation", {{"owner", m}, {"id", d.conversation}}},
      {"list_messages", {{"owner", m}, {"conversation_id", d.conversation}}},
      {"append_messages",
       {{"owner", m},
        {"conversation_id", d.conversation},
        {"messages", json::array({messageJson(0, "overwritten"), messageJson(5, "added")})}}},
      {"list_runs", {{"owner", m}, {"conversation_id", d.conversation}}},
      {"get_run", {{"owner", m}, {"id", d.run}}},
      {"list_run_events", {{"owner", m}, {"run_id", d.run}}},
      {"append_run_events",
       {{"owner", m}, {"run_id", d.run}, {"events", json::array({eventJson(9, "injected")})}}},
      {"put_conversation", conversationJson(newId(), d.project, kBaseUs, m)},
      {"put_run", runJson(newId(), d.conversation, kBaseUs, m)},
      {"get_archive", {{"owner", m}, {"project_id", d.project}}},
  };
  for (const auto& [op, request] : notFound) expectStatus(op, request, DK_ERR_NOT_FOUND);
  const Reply put = putArchiveBytes(d.project, "mallory's archive", 4, m);
  EXPECT_EQ(put.status(), DK_ERR_NOT_FOUND) << put.describe();

  // stat/delete_archive answer for another owner's project exactly what they answer for a project
  // that does not exist (the contract allows NOT_FOUND or "none"; it must not tell them apart).
  for (const char* op : {"stat_archive", "delete_archive"}) {
    const Reply theirs = call(op, {{"owner", m}, {"project_id", d.project}});
    const Reply absent = call(op, {{"owner", m}, {"project_id", newId()}});
    EXPECT_EQ(theirs.status(), absent.status()) << theirs.describe() << " vs " << absent.describe();
    EXPECT_TRUE(theirs.status() == DK_ERR_NOT_FOUND || theirs.status() == DK_OK)
        << theirs.describe();
    if (theirs.status() == DK_OK && absent.status() == DK_OK) {
      EXPECT_EQ(theirs.body, absent.body);
      EXPECT_FALSE(theirs.body.value("exists", false)) << theirs.describe();
      EXPECT_FALSE(theirs.body.value("deleted", false)) << theirs.describe();
    }
  }

  // Mallory's own list shows only her project.
  const json page = ok("list_projects", {{"owner", m}});
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
  EXPECT_EQ(page["items"][0]["id"], malloryProject);

  // Taking over alice's ids is a conflict, for every kind of object with an owner.
  json project = projectJson(d.project, kBaseUs + 1, m);
  project["name"] = "hijacked";
  expectStatus("put_project", project, DK_ERR_CONFLICT);
  expectStatus("put_conversation", conversationJson(d.conversation, malloryProject, kBaseUs, m),
               DK_ERR_CONFLICT);
  expectStatus("put_run", runJson(d.run, malloryConversation, kBaseUs, m), DK_ERR_CONFLICT);

  const json after = snapshot();
  EXPECT_EQ(after, before) << "alice's data changed:\nbefore " << before.dump() << "\nafter  "
                           << after.dump();
  // And mallory did not gain anything either.
  EXPECT_EQ(
      ok("list_conversations", {{"owner", m}, {"project_id", malloryProject}})["items"].size(), 1u);
}

TEST_P(StorageConformance, EachOwnerListsOnlyTheirOwnProjects) {
  std::set<std::string> alice, mallory;
  for (int i = 0; i < 6; ++i) {
    alice.insert(putProject());
    mallory.insert(putProject(kOtherOwner));
  }
  for (const auto& [owner, ids] : {std::pair{kOwner, alice}, std::pair{kOtherOwner, mallory}}) {
    std::set<std::string> listed;
    for (const json& item : walkPages("list_projects", {{"owner", owner}}, 4)) {
      EXPECT_EQ(item["owner"], owner);
      listed.insert(item["id"].get<std::string>());
    }
    EXPECT_EQ(listed, ids) << owner;
  }
}

}  // namespace
}  // namespace devkit::storage_test
