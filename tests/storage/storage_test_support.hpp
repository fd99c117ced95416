// The storage conformance suite's fixture (docs/storage.md). Each test runs against both real
// storage plugins, loaded from the build's plugin dir through the host's loader and createStorage,
// and talks to them only through the JSON ABI, exactly as the host does.
#pragma once

#include <devkit/abi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <Poco/SHA2Engine.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../unit/test_files.hpp"
#include "core/plugin_interfaces.hpp"

// Lets GoogleTest print statuses by name in assertion failures.
void PrintTo(dk_status status, std::ostream* os);

namespace devkit::storage_test {

using nlohmann::json;

inline constexpr const char* kOwner = "alice@example.com";
inline constexpr const char* kOtherOwner = "mallory@example.com";
// A plausible "now" for explicit timestamps (2023-11-14), in microseconds.
inline constexpr int64_t kBaseUs = 1'700'000'000'000'000;

/// The result of one storage call: the request as sent, what came back, and the parsed output.
struct Reply {
  std::string op;
  std::string request;
  core::CallOutcome outcome;
  json body;  // discarded when the output is not JSON (or empty)

  dk_status status() const { return outcome.status; }
  /// One line for failure messages: op, request (shortened), status, error text and output.
  std::string describe() const;
};

/// Current time in microseconds since the Unix epoch.
int64_t nowUs();

/// "VmRSS" / "VmHWM" of /proc/self/status in bytes (0 when unreadable).
int64_t procStatusBytes(const char* field);

/// Samples this process's resident set size on a thread until stopped; the peak is the largest
/// sample. VmHWM cannot be reset, so a sampler is how one operation's peak is measured.
class RssSampler {
 public:
  RssSampler();
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  int64_t stop();  // returns the peak in bytes
  int64_t peak() const { return peak_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_{0};
  std::thread thread_;
};

/// A pseudo-random, incompressible byte stream of a given length, produced on demand (never held
/// in memory) with its SHA-256 computed on the way. Usable as the read callback of putArchive; it
/// varies the chunk lengths it returns so plugins must handle short reads.
class ByteGenerator {
 public:
  ByteGenerator(uint64_t seed, uint64_t total);
  int64_t read(char* buffer, size_t capacity);
  uint64_t produced() const { return produced_; }
  std::string sha256Hex();  // of the bytes produced so far; call once, at the end

 private:
  uint64_t state_;
  uint64_t total_;
  uint64_t produced_ = 0;
  uint64_t calls_ = 0;
  Poco::SHA2Engine sha_{Poco::SHA2Engine::SHA_256};
};

std::string sha256Hex(std::string_view data);

/// The parameter is the plugin's short name: "local" or "lakebase".
class StorageConformance : public ::testing::TestWithParam<std::string> {
 public:
  /// The directory of the PostgreSQL test cluster (holds `dsn`); see tests/pg.
  static std::string pgClusterDir();
  /// Calls `op` (its docs/storage.md name; put_archive reads nothing, get_archive discards) on
  /// `storage` with the request text.
  static Reply callOn(core::Storage& storage, const std::string& op, const std::string& text);
  /// Like callOn, but a status other than DK_OK throws (failing the test) with Reply::describe.
  static json okOn(core::Storage& storage, const std::string& op, const json& request);

 protected:
  void SetUp() override;
  void TearDown() override;

  bool isLakebase() const { return GetParam() == "lakebase"; }

  /// The config for a fresh database: a new SQLite file and archive dir in a temp dir (local), a
  /// new schema on the test cluster (lakebase). Built like the host does: every default of the
  /// plugin's config schema, then `overrides`; an override the schema does not declare fails.
  json freshConfig(const json& overrides = json::object());
  /// Another instance over the same database as storage_ (or `config`).
  std::shared_ptr<core::Storage> newInstance() const { return newInstance(config_); }
  std::shared_ptr<core::Storage> newInstance(const json& config) const;

  /// callOn(storage_, ...) with a JSON value or raw text.
  Reply call(const std::string& op, const json& request) const;
  Reply callText(const std::string& op, const std::string& text) const;
  /// okOn(storage_, ...).
  json ok(const std::string& op, const json& request) const;
  /// Calls and checks the status; returns the reply for further checks.
  Reply expectStatus(const std::string& op, const json& request, dk_status expected) const;

  /// A fresh valid id (UUID-like: lower-case hex and '-').
  std::string newId();

  // Valid objects (owner kOwner unless given), as the host would put them.
  json projectJson(const std::string& id, int64_t updatedUs = kBaseUs,
                   const std::string& owner = kOwner);
  json conversationJson(const std::string& id, const std::string& projectId,
                        int64_t updatedUs = kBaseUs, const std::string& owner = kOwner);
  json runJson(const std::string& id, const std::string& conversationId,
               int64_t startedUs = kBaseUs, const std::string& owner = kOwner);
  static json messageJson(int64_t seq, const std::string& text, const json& runId = nullptr);
  static json eventJson(int64_t seq, const json& data);

  // Put helpers: store and return the id.
  std::string putProject(const std::string& owner = kOwner);
  std::string putConversation(const std::string& projectId, const std::string& owner = kOwner);
  std::string putRun(const std::string& conversationId, const std::string& owner = kOwner);

  /// A project with something of every kind under it: one conversation with one message "kept",
  /// one run with one event "kept", and the archive "kept archive".
  struct Tree {
    std::string projectId;
    std::string conversationId;
    std::string runId;
  };
  Tree putTree();

  /// Walks every page of a keyset list (`request` without limit/cursor) with `limit`, checking
  /// the page shape on the way, and returns all items in order.
  std::vector<json> walkPages(const std::string& op, json request, int limit) const;
  /// Walks a seq-paged list (messages, run events) with `limit`; returns all items in order.
  std::vector<json> walkSeq(const std::string& op, json request, int limit) const;

  /// Stores `data` as the project's archive, handing it out in chunks of at most `chunk` bytes.
  Reply putArchiveBytes(const std::string& projectId, const std::string& data,
                        size_t chunk = 64 * 1024, const std::string& owner = kOwner) const;
  /// The project's archive bytes via get_archive (status in `reply`).
  std::string getArchiveBytes(const std::string& projectId, Reply* reply = nullptr,
                              const std::string& owner = kOwner) const;

  std::unique_ptr<testing::TempDir> dir_;
  json config_;
  std::shared_ptr<core::Storage> storage_;

 private:
  uint64_t idCounter_ = 0;
  uint64_t idSalt_ = 0;
  int configCounter_ = 0;
};

/// The PostgreSQL-only part of the suite (restarts of the server, several hosts starting at once),
/// instantiated for "lakebase" alone.
class PostgresConformance : public StorageConformance {};

/// Checks that every member of `expected` is in `actual` with an equal value.
::testing::AssertionResult hasMembers(const json& actual, const json& expected);

/// Short name of a test parameter for test names ("local", "lakebase").
std::string paramName(const ::testing::TestParamInfo<std::string>& info);

}  // namespace devkit::storage_test
