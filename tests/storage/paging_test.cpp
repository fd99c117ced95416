// Ordering and paging: keyset pages of projects, conversations and runs (newest first, ties by id
// descending), walked with several page sizes; seq pages of messages and run events; limits.
#include <algorithm>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr int kItems = 25;
constexpr int kPageSizes[] = {1, 2, 7, 24, 25, 26, 1000};

std::vector<std::string> idsOf(const std::vector<json>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.value("id", std::string("<no id>")));
  return ids;
}

std::vector<int64_t> seqsOf(const std::vector<json>& items) {
  std::vector<int64_t> seqs;
  for (const auto& item : items) seqs.push_back(item.value("seq", int64_t{-100}));
  return seqs;
}

// (time, id) pairs in the contract's order: time descending, then id descending (bytewise).
std::vector<std::string> expectedOrder(std::vector<std::pair<int64_t, std::string>> keys) {
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  std::vector<std::string> ids;
  for (const auto& key : keys) ids.push_back(key.second);
  return ids;
}

// Timestamps with ties in groups of three, handed out in a shuffled order so that insertion order
// cannot stand in for the sort.
std::vector<int64_t> shuffledTimes(int n) {
  std::vector<int64_t> times;
  for (int i = 0; i < n; ++i) times.push_back(kBaseUs + (i / 3) * 1000);
  std::shuffle(times.begin(), times.end(), std::mt19937(42));
  return times;
}

// Walks with every page size; each walk must return exactly `expected`, once each.
void expectEveryPageSizeYields(const std::function<std::vector<json>(int)>& walk,
                               const std::vector<std::string>& expected) {
  for (const int limit : kPageSizes) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    const std::vector<std::string> ids = idsOf(walk(limit));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size())
        << "duplicates across pages";
    EXPECT_THAT(ids, ElementsAreArray(expected));
  }
}

TEST_P(StorageConformance, ProjectsAreNewestFirstAndPageWithoutGapsOrDuplicates) {
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const int64_t time : shuffledTimes(kItems)) {
    const std::string id = newId();
    ok("put_project", projectJson(id, time));
    keys.emplace_back(time, id);
  }
  ok("put_project", projectJson(newId(), kBaseUs + 5000, kOtherOwner));  // not in alice's pages
  const std::vector<std::string> expected = expectedOrder(keys);
  expectEveryPageSizeYields(
      [&](int limit) {
        return walkPages("list_projects", {{"owner", kOwner}}, limit);
      },
      expected);

  // Default limit (100) and an explicit null cursor: one page.
  const json page = ok("list_projects", {{"owner", kOwner}, {"cursor", nullptr}});
  EXPECT_THAT(idsOf(page["items"].get<std::vector<json>>()), ElementsAreArray(expected));
  EXPECT_TRUE(page["next_cursor"].is_null()) << page.dump();
}

TEST_P(StorageConformance, ConversationsAreNewestFirstAndPage) {
  const std::string projectId = putProject();
  const std::string otherProject = putProject();
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const int64_t time : shuffledTimes(kItems)) {
    const std::string id = newId();
    ok("put_conversation", conversationJson(id, projectId, time));
    keys.emplace_back(time, id);
  }
  for (int i = 0; i < 3; ++i) ok("put_conversation", conversationJson(newId(), otherProject));
  expectEveryPageSizeYields(
      [&](int limit) {
        return walkPages("list_conversations", {{"owner", kOwner}, {"project_id", projectId}},
                         limit);
      },
      expectedOrder(keys));
}

TEST_P(StorageConformance, RunsAreNewestStartedFirstAndPage) {
  const std::string conversationId = putConversation(putProject());
  const std::string otherConversation = putConversation(putProject());
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const int64_t time : shuffledTimes(kItems)) {
    const std::string id = newId();
    ok("put_run", runJson(id, conversationId, time));
    keys.emplace_back(time, id);
  }
  for (int i = 0; i < 3; ++i) ok("put_run", runJson(newId(), otherConversation));
  expectEveryPageSizeYields(
      [&](int limit) {
        return walkPages("list_runs", {{"owner", kOwner}, {"conversation_id", conversationId}},
                         limit);
      },
      expectedOrder(keys));
}

TEST_P(StorageConformance, ReplacingAProjectMovesItInTheOrder) {
  const std::string a = newId(), b = newId();
  ok("put_project", projectJson(a, kBaseUs + 1));
  ok("put_project", projectJson(b, kBaseUs + 2));
  EXPECT_THAT(idsOf(walkPages("list_projects", {{"owner", kOwner}}, 10)), ElementsAreArray({b, a}));
  ok("put_project", projectJson(a, kBaseUs + 3));
  EXPECT_THAT(idsOf(walkPages("list_projects", {{"owner", kOwner}}, 10)), ElementsAreArray({a, b}));
}

TEST_P(StorageConformance, TiesAreOrderedByIdBytesDescending) {
  // Ids of every allowed character class with one timestamp: the order is by bytes ("z" > "a" >
  // "_" > "Z" > "A" > "9" > "." > "-"), the same in both plugins whatever the database's locale.
  const std::vector<std::string> ids = {"a",  "Z9", "B", "-x", "_y", ".z",
                                        "z0", "A",  "9", "ab", "aB"};
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const std::string& id : ids) {
    ok("put_project", projectJson(id, kBaseUs));
    keys.emplace_back(kBaseUs, id);
  }
  const std::vector<std::string> expected = expectedOrder(keys);
  for (const int limit : {1, 3, 100}) {
    EXPECT_THAT(idsOf(walkPages("list_projects", {{"owner", kOwner}}, limit)),
                ElementsAreArray(expected))
        << "limit " << limit;
  }
}

TEST_P(StorageConformance, ExtremeTimestampsOrderAndPage) {
  const std::vector<int64_t> times = {0, 1, kBaseUs, std::numeric_limits<int64_t>::max(),
                                      std::numeric_limits<int64_t>::max() - 1};
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const int64_t time : times) {
    const std::string id = newId();
    json project = projectJson(id, time);
    project["created_us"] = time;
    EXPECT_TRUE(hasMembers(ok("put_project", project), project));
    keys.emplace_back(time, id);
  }
  const std::vector<std::string> expected = expectedOrder(keys);
  for (const int limit : {1, 2, 100}) {
    EXPECT_THAT(idsOf(walkPages("list_projects", {{"owner", kOwner}}, limit)),
                ElementsAreArray(expected))
        << "limit " << limit;
  }
}

TEST_P(StorageConformance, DefaultPageSizeIs100) {
  for (int i = 0; i < 105; ++i) ok("put_project", projectJson(newId(), kBaseUs + i));
  const json first = ok("list_projects", {{"owner", kOwner}});
  EXPECT_EQ(first["items"].size(), 100u);
  ASSERT_TRUE(first["next_cursor"].is_string()) << first.dump().substr(0, 200);
  const json second = ok("list_projects", {{"owner", kOwner}, {"cursor", first["next_cursor"]}});
  EXPECT_EQ(second["items"].size(), 5u);
  EXPECT_TRUE(second["next_cursor"].is_null());
}

TEST_P(StorageConformance, PagesAreStableWhenItemsAreInsertedBetweenPages) {
  std::set<std::string> originals;
  for (const int64_t time : shuffledTimes(20)) {
    const std::string id = newId();
    ok("put_project", projectJson(id, time));
    originals.insert(id);
  }
  std::vector<std::string> seen;
  json cursor = nullptr;
  int page = 0;
  do {
    json request = {{"owner", kOwner}, {"limit", 4}};
    if (!cursor.is_null()) request["cursor"] = cursor;
    const json body = ok("list_projects", request);
    for (const auto& item : body["items"]) seen.push_back(item["id"]);
    cursor = body["next_cursor"];
    // Between pages: newer items (ahead of the cursor), older ones (behind it) and ties with
    // the timestamps the walk is in the middle of.
    ok("put_project", projectJson(newId(), kBaseUs + 1'000'000 + page));
    ok("put_project", projectJson(newId(), kBaseUs - 1'000'000 - page));
    ok("put_project", projectJson(newId(), kBaseUs + (page % 7) * 1000));
    ASSERT_LT(++page, 100) << "the walk does not end";
  } while (!cursor.is_null());

  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size())
      << "an item was returned twice";
  for (const std::string& id : originals) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), id), 1) << "skipped " << id;
  }
}

TEST_P(StorageConformance, MessagesPageBySeq) {
  const std::string conversationId = putConversation(putProject());
  // Seqs with gaps, appended out of order in several calls.
  std::vector<int64_t> seqs;
  for (int i = 0; i < kItems; ++i) seqs.push_back(i * 3 + i % 2);
  std::vector<int64_t> shuffled = seqs;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  for (size_t start = 0; start < shuffled.size(); start += 6) {
    json messages = json::array();
    for (size_t i = start; i < std::min(start + 6, shuffled.size()); ++i) {
      messages.push_back(messageJson(shuffled[i], "m" + std::to_string(shuffled[i])));
    }
    ok("append_messages",
       {{"owner", kOwner}, {"conversation_id", conversationId}, {"messages", messages}});
  }
  const json base = {{"owner", kOwner}, {"conversation_id", conversationId}};
  for (const int limit : kPageSizes) {
    EXPECT_THAT(seqsOf(walkSeq("list_messages", base, limit)), ElementsAreArray(seqs))
        << "limit " << limit;
  }

  json from = base;
  from["after_seq"] = seqs[10];
  const json page = ok("list_messages", from);
  EXPECT_THAT(seqsOf(page["items"].get<std::vector<json>>()),
              ElementsAreArray(seqs.begin() + 11, seqs.end()));
  EXPECT_TRUE(page["next_after_seq"].is_null()) << page.dump();
  from["after_seq"] = seqs.back();
  EXPECT_EQ(ok("list_messages", from),
            json({{"items", json::array()}, {"next_after_seq", nullptr}}));
  from["after_seq"] = -1;
  EXPECT_EQ(ok("list_messages", from)["items"].size(), seqs.size());
}

TEST_P(StorageConformance, RunEventsPageBySeq) {
  const std::string runId = putRun(putConversation(putProject()));
  std::vector<int64_t> seqs;
  json events = json::array();
  for (int i = kItems - 1; i >= 0; --i) {
    seqs.insert(seqs.begin(), i * 2);
    events.push_back(eventJson(i * 2, i));
  }
  ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", events}});
  const json base = {{"owner", kOwner}, {"run_id", runId}};
  for (const int limit : kPageSizes) {
    EXPECT_THAT(seqsOf(walkSeq("list_run_events", base, limit)), ElementsAreArray(seqs))
        << "limit " << limit;
  }
  json from = base;
  from["after_seq"] = 9;  // between 8 and 10
  EXPECT_EQ(ok("list_run_events", from)["items"][0]["seq"], 10);
}

TEST_P(StorageConformance, SeqPagesHaveTheirDefaultLimits) {
  const std::string conversationId = putConversation(putProject());
  json messages = json::array();
  for (int seq = 0; seq < 150; ++seq) messages.push_back(messageJson(seq, "m"));
  ok("append_messages",
     {{"owner", kOwner}, {"conversation_id", conversationId}, {"messages", messages}});
  const json page = ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}});
  EXPECT_EQ(page["items"].size(), 100u);
  EXPECT_EQ(page["next_after_seq"], 99);

  const std::string runId = putRun(conversationId);
  json events = json::array();
  for (int seq = 0; seq < 1200; ++seq) events.push_back(eventJson(seq, seq));
  ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", events}});
  const json eventPage = ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}});
  EXPECT_EQ(eventPage["items"].size(), 1000u);
  EXPECT_EQ(eventPage["next_after_seq"], 999);
}

TEST_P(StorageConformance, LimitsOutOfRangeAreInvalid) {
  const std::string projectId = putProject();
  const std::string conversationId = putConversation(projectId);
  const std::string runId = putRun(conversationId);
  struct Case {
    std::string op;
    json base;
    int max;
  };
  const std::vector<Case> cases = {
      {"list_projects", {{"owner", kOwner}}, 1000},
      {"list_conversations", {{"owner", kOwner}, {"project_id", projectId}}, 1000},
      {"list_runs", {{"owner", kOwner}, {"conversation_id", conversationId}}, 1000},
      {"list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}}, 1000},
      {"list_run_events", {{"owner", kOwner}, {"run_id", runId}}, 10000},
  };
  for (const Case& c : cases) {
    for (const json& limit : {json(0), json(-1), json(c.max + 1), json(int64_t{1} << 40),
                              json("10"), json(1.5), json(true), json::array({1})}) {
      json request = c.base;
      request["limit"] = limit;
      const Reply reply = expectStatus(c.op, request, DK_ERR_INVALID_ARGUMENT);
      EXPECT_THAT(reply.outcome.error, HasSubstr("limit")) << reply.describe();
    }
    for (const int limit : {1, c.max}) {
      json request = c.base;
      request["limit"] = limit;
      ok(c.op, request);
    }
  }
}

}  // namespace
}  // namespace devkit::storage_test
