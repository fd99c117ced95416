// Validation: a corpus of bad requests for every operation (malformed JSON, missing and mistyped
// members, out-of-range sizes, bad ids, negative seqs, unknown roles and statuses). Each must be
// DK_ERR_INVALID_ARGUMENT with a message naming the member, never a crash or DK_ERR_INTERNAL, and
// must leave the stored data as it was.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

struct BadCase {
  std::string op;
  std::string text;
  std::string member;  // the name the error must mention; empty for malformed JSON text
};

class Corpus {
 public:
  // `base` with `member` (top level) set to each of `values`.
  void set(const std::string& op, const json& base, const std::string& member,
           const std::vector<json>& values) {
    for (const json& value : values) {
      json request = base;
      request[member] = value;
      cases_.push_back({op, request.dump(), member});
    }
  }
  // `base` without `member`.
  void erase(const std::string& op, const json& base, const std::string& member) {
    json request = base;
    request.erase(member);
    cases_.push_back({op, request.dump(), member});
  }
  // `base` changed by `change`; the error must name `member`.
  void mutate(const std::string& op, const json& base, const std::string& member,
              const std::function<void(json&)>& change) {
    json request = base;
    change(request);
    cases_.push_back({op, request.dump(), member});
  }
  void text(const std::string& op, const std::string& text) { cases_.push_back({op, text, ""}); }
  const std::vector<BadCase>& cases() const { return cases_; }

 private:
  std::vector<BadCase> cases_;
};

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Values that are not a valid id: empty, path tricks, separators, too long, non-ASCII, other types.
std::vector<json> badIds() {
  return {"",
          "../x",
          "a/b",
          "a b",
          "a\\b",
          std::string("a\0b", 3),
          "a:b",
          "ü",
          "x\n",
          std::string(129, 'a'),
          5,
          nullptr,
          true,
          json::array({"a"}),
          json::object()};
}

std::vector<json> badOwners() {
  return {"",
          5,
          nullptr,
          false,
          json::array({kOwner}),
          json::object(),
          std::string(315, 'o') + "@x.com",  // 321 bytes
          "a\001b@example.com",
          "line\nbreak@example.com",
          "tab\t@example.com"};
}

std::vector<json> badTimes() { return {"1700000000000000", 1.5, true, json::object()}; }

TEST_P(StorageConformance, BadRequestsAreInvalidArgumentsNamingTheMember) {
  const std::string p = putProject();
  const std::string c = putConversation(p);
  const std::string r = putRun(c);
  ok("append_messages",
     {{"owner", kOwner}, {"conversation_id", c}, {"messages", json::array({messageJson(0, "m")})}});
  ok("append_run_events",
     {{"owner", kOwner}, {"run_id", r}, {"events", json::array({eventJson(0, "e")})}});
  ASSERT_EQ(putArchiveBytes(p, "archive").status(), DK_OK);

  const json putProjectBase = projectJson(newId());
  const json putConversationBase = conversationJson(newId(), p);
  const json putRunBase = runJson(newId(), c);
  const json appendMessagesBase = {{"owner", kOwner},
                                   {"conversation_id", c},
                                   {"messages", json::array({messageJson(7, "new")})}};
  const json appendEventsBase = {
      {"owner", kOwner}, {"run_id", r}, {"events", json::array({eventJson(7, "new")})}};
  struct Op {
    std::string name;
    json base;
  };
  const std::vector<Op> ownerOps = {
      {"put_project", putProjectBase},
      {"get_project", {{"owner", kOwner}, {"id", p}}},
      {"list_projects", {{"owner", kOwner}}},
      {"put_conversation", putConversationBase},
      {"get_conversation", {{"owner", kOwner}, {"id", c}}},
      {"list_conversations", {{"owner", kOwner}, {"project_id", p}}},
      {"append_messages", appendMessagesBase},
      {"list_messages", {{"owner", kOwner}, {"conversation_id", c}}},
      {"put_run", putRunBase},
      {"get_run", {{"owner", kOwner}, {"id", r}}},
      {"list_runs", {{"owner", kOwner}, {"conversation_id", c}}},
      {"append_run_events", appendEventsBase},
      {"list_run_events", {{"owner", kOwner}, {"run_id", r}}},
      {"put_archive", {{"owner", kOwner}, {"project_id", p}}},
      {"get_archive", {{"owner", kOwner}, {"project_id", p}}},
      {"stat_archive", {{"owner", kOwner}, {"project_id", p}}},
      {"delete_archive", {{"owner", kOwner}, {"project_id", p}}},
      // Deletes last: should one wrongly succeed, the damage shows in the final check only.
      {"delete_conversation", {{"owner", kOwner}, {"id", c}}},
      {"delete_project", {{"owner", kOwner}, {"id", p}}},
  };
  const std::vector<Op> stateOps = {{"put_state", {{"key", "corpus.key"}, {"value", 1}}},
                                    {"get_state", {{"key", "corpus.key"}}}};

  Corpus corpus;
  // Not a JSON object at all, or not JSON: every operation.
  for (const auto& ops : {ownerOps, stateOps}) {
    for (const Op& op : ops) {
      for (const std::string& text :
           {std::string(""), std::string(" "), std::string("{"), std::string("[]"),
            std::string("null"), std::string("42"), std::string("\"text\""),
            std::string("{\"owner\": }"), std::string("{\"owner\":\"a@b.c\",}"),
            std::string("{} {}"), std::string("{\"owner\":\"\xff\xfe@x\"}"),
            std::string("{'owner':'a@b.c'}"),
            op.base.dump().substr(0, op.base.dump().size() - 1)}) {
        corpus.text(op.name, text);
      }
    }
  }
  // The owner: missing, mistyped, empty, too long, with control characters.
  for (const Op& op : ownerOps) {
    corpus.erase(op.name, op.base, "owner");
    corpus.set(op.name, op.base, "owner", badOwners());
  }
  // Ids.
  for (const auto& [op, member] : std::vector<std::pair<std::string, std::string>>{
           {"put_project", "id"},
           {"get_project", "id"},
           {"delete_project", "id"},
           {"put_conversation", "id"},
           {"put_conversation", "project_id"},
           {"get_conversation", "id"},
           {"delete_conversation", "id"},
           {"list_conversations", "project_id"},
           {"append_messages", "conversation_id"},
           {"list_messages", "conversation_id"},
           {"put_run", "id"},
           {"put_run", "conversation_id"},
           {"get_run", "id"},
           {"list_runs", "conversation_id"},
           {"append_run_events", "run_id"},
           {"list_run_events", "run_id"},
           {"put_archive", "project_id"},
           {"get_archive", "project_id"},
           {"stat_archive", "project_id"},
           {"delete_archive", "project_id"},
       }) {
    json base;
    for (const Op& o : ownerOps) {
      if (o.name == op) base = o.base;
    }
    corpus.erase(op, base, member);
    corpus.set(op, base, member, badIds());
  }

  // Projects.
  corpus.erase("put_project", putProjectBase, "name");
  corpus.set("put_project", putProjectBase, "name",
             {"", std::string(201, 'n'), repeat("😀", 51), 5, nullptr, json::array()});
  corpus.set("put_project", putProjectBase, "settings", {json::array(), "{}", 5, true});
  corpus.set("put_project", putProjectBase, "created_us", badTimes());
  corpus.set("put_project", putProjectBase, "updated_us", badTimes());

  // Conversations.
  corpus.set("put_conversation", putConversationBase, "title",
             {std::string(501, 't'), repeat("漢", 167), 5, json::object()});
  corpus.set("put_conversation", putConversationBase, "claude_session_id",
             {5, json::object(), true});
  corpus.set("put_conversation", putConversationBase, "created_us", badTimes());
  corpus.set("put_conversation", putConversationBase, "updated_us", badTimes());

  // Messages.
  corpus.erase("append_messages", appendMessagesBase, "messages");
  corpus.set("append_messages", appendMessagesBase, "messages",
             {json::object(), "[]", 5, nullptr, json::array({5}), json::array({"m"})});
  corpus.mutate("append_messages", appendMessagesBase, "messages", [](json& request) {
    request["messages"] = json::array();
    for (int seq = 0; seq < 1001; ++seq) request["messages"].push_back(messageJson(seq, "m"));
  });
  const auto message = [&](const std::string& member, const std::vector<json>& values,
                           bool alsoErase) {
    for (const json& value : values) {
      corpus.mutate("append_messages", appendMessagesBase, member,
                    [&](json& request) { request["messages"][0][member] = value; });
    }
    if (alsoErase) {
      corpus.mutate("append_messages", appendMessagesBase, member,
                    [&](json& request) { request["messages"][0].erase(member); });
    }
  };
  message("seq", {-1, -1000, "1", 1.5, nullptr, true}, true);
  message("role", {"", "bot", "User", "tool", 5, nullptr}, true);
  message("blocks",
          {json::object(), "text", 5, nullptr, json::array({"text"}), json::array({5}),
           json::array({json::array()})},
          true);
  message("run_id", {"../x", "", 5, json::object()}, false);
  message("created_us", badTimes(), false);
  // A bad message after a good one: the whole call is refused (checked by the final snapshot).
  corpus.mutate("append_messages", appendMessagesBase, "role", [](json& request) {
    json bad = messageJson(8, "second");
    bad["role"] = "robot";
    request["messages"].push_back(bad);
  });

  // Runs.
  corpus.erase("put_run", putRunBase, "status");
  corpus.set("put_run", putRunBase, "status",
             {"", "done", "Running", "RUNNING", "succeeded", 5, nullptr});
  corpus.set("put_run", putRunBase, "started_us", badTimes());
  corpus.set("put_run", putRunBase, "ended_us", badTimes());
  corpus.set("put_run", putRunBase, "usage", {json::array(), "{}", 5, true});
  corpus.set("put_run", putRunBase, "cost_usd", {"0.5", json::object(), true});
  corpus.set("put_run", putRunBase, "error", {"boom", json::array(), 5, true});

  // Run events.
  corpus.erase("append_run_events", appendEventsBase, "events");
  corpus.set("append_run_events", appendEventsBase, "events",
             {json::object(), "[]", 5, nullptr, json::array({5})});
  corpus.mutate("append_run_events", appendEventsBase, "events", [](json& request) {
    request["events"] = json::array();
    for (int seq = 0; seq < 10001; ++seq) request["events"].push_back(eventJson(seq, seq));
  });
  const auto event = [&](const std::string& member, const std::vector<json>& values,
                         bool alsoErase) {
    for (const json& value : values) {
      corpus.mutate("append_run_events", appendEventsBase, member,
                    [&](json& request) { request["events"][0][member] = value; });
    }
    if (alsoErase) {
      corpus.mutate("append_run_events", appendEventsBase, member,
                    [&](json& request) { request["events"][0].erase(member); });
    }
  };
  event("seq", {-1, "1", 1.5, nullptr}, true);
  event("type", {"", std::string(65, 't'), 5, nullptr}, true);
  event("time_us", badTimes(), false);

  // Paging members.
  for (const Op& op : ownerOps) {
    if (op.name.rfind("list_", 0) != 0) continue;
    corpus.set(op.name, op.base, "limit", {0, -5, 100000, "10", 2.5});
    if (op.name == "list_messages" || op.name == "list_run_events") {
      corpus.set(op.name, op.base, "after_seq", {"3", 1.5, true, json::object()});
    } else {
      corpus.set(op.name, op.base, "cursor",
                 {5, true, json::object(), json::array(), "", "not a cursor", "%%%%",
                  std::string(5000, 'c'),
                  // Well-formed base64(url) of garbage: cursors are opaque, so a client that
                  // forges or corrupts one gets an input error, whatever the encoding.
                  "AAAA", "eDp5", "MTo", "OmE", "LTE6Li4veA", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OmE",
                  "MTcwMDAwMDAwMDAwMDAwMDp-"});
    }
  }

  // Host state.
  for (const Op& op : stateOps) {
    corpus.erase(op.name, op.base, "key");
    corpus.set(op.name, op.base, "key", {"", std::string(201, 'k'), 5, nullptr, json::array()});
  }
  corpus.erase("put_state", stateOps[0].base, "value");

  const auto snapshot = [&] {
    return json{
        {"projects", ok("list_projects", {{"owner", kOwner}})},
        {"conversations", ok("list_conversations", {{"owner", kOwner}, {"project_id", p}})},
        {"messages", ok("list_messages", {{"owner", kOwner}, {"conversation_id", c}})},
        {"runs", ok("list_runs", {{"owner", kOwner}, {"conversation_id", c}})},
        {"events", ok("list_run_events", {{"owner", kOwner}, {"run_id", r}})},
        {"archive", ok("stat_archive", {{"owner", kOwner}, {"project_id", p}})},
    };
  };
  const json before = snapshot();

  int failures = 0;
  for (const BadCase& bad : corpus.cases()) {
    const Reply reply = callText(bad.op, bad.text);
    const bool statusOk = reply.status() == DK_ERR_INVALID_ARGUMENT;
    const bool messageOk =
        !reply.outcome.error.empty() &&
        (bad.member.empty() || reply.outcome.error.find(bad.member) != std::string::npos);
    if (!statusOk || !messageOk) {
      ++failures;
      ADD_FAILURE() << "expected DK_ERR_INVALID_ARGUMENT"
                    << (bad.member.empty() ? "" : " naming \"" + bad.member + "\"") << ": "
                    << reply.describe();
    }
  }
  RecordProperty("bad_requests", static_cast<int>(corpus.cases().size()));
  EXPECT_EQ(failures, 0) << "of " << corpus.cases().size() << " bad requests";

  EXPECT_EQ(snapshot(), before) << "a refused request changed the stored data";
  expectStatus("get_state", {{"key", "corpus.key"}}, DK_ERR_NOT_FOUND);
  EXPECT_EQ(getArchiveBytes(p), "archive");
}

TEST_P(StorageConformance, InvalidUtf8AndLoneSurrogatesAreRefused) {
  const std::string id = newId();
  for (const std::string& name :
       {std::string("\"bad \xc3\x28 sequence\""), std::string("\"overlong \xc0\xaf\""),
        std::string("\"truncated \xf0\x9f\x98\""), std::string("\"\\ud800 lone surrogate\""),
        std::string("\"\\udc00 lone low surrogate\"")}) {
    const std::string text =
        R"({"owner":"alice@example.com","id":")" + id + R"(","name":)" + name + "}";
    const Reply reply = callText("put_project", text);
    EXPECT_EQ(reply.status(), DK_ERR_INVALID_ARGUMENT) << reply.describe();
  }
  expectStatus("get_project", {{"owner", kOwner}, {"id", id}}, DK_ERR_NOT_FOUND);
}

TEST_P(StorageConformance, DeeplyNestedJsonNeitherCrashesNorFailsInternally) {
  const std::string id = newId();
  const int depth = 1000;
  const std::string settings = std::string(depth, '[') + std::string(depth, ']');
  const std::string text = R"({"owner":"alice@example.com","id":")" + id +
                           R"(","name":"deep","settings":{"x":)" + settings + "}}";
  const Reply reply = callText("put_project", text);
  // Either stored faithfully or refused as input; a crash ends this process, INTERNAL is a bug.
  EXPECT_TRUE(reply.status() == DK_OK || reply.status() == DK_ERR_INVALID_ARGUMENT)
      << reply.describe();
  if (reply.status() == DK_OK) {
    const Reply got = call("get_project", {{"owner", kOwner}, {"id", id}});
    ASSERT_EQ(got.status(), DK_OK) << got.describe();
    EXPECT_EQ(got.body["settings"]["x"], json::parse(settings));
  }
}

}  // namespace
}  // namespace devkit::storage_test
