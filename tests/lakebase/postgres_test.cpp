// PostgreSQL specifics of storage-lakebase that the conformance suite does not look at: where the
// tables are, migrations that run once, how archives are stored (1 MiB chunk rows, one SELECT per
// chunk, no orphans after a failed put) and recovery from connections the server terminated.
#include <devkit/sdk.hpp>
#include <devkit/testing/fake_host.hpp>

#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "devkit/storage/util.hpp"
#include "lakebase_test_support.hpp"
#include "pg_backend.hpp"

namespace devkit::lakebase_test {
namespace {

using lakebase::PgBackend;
using ::testing::HasSubstr;

constexpr const char* kOwner = "owner@example.com";

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

class LakebasePostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = uniqueName("lb_pg");
    appName_ = uniqueName("lbtest");
    backend_ = make();
  }
  void TearDown() override {
    backend_.reset();
    admin_.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  std::unique_ptr<PgBackend> make() {
    // application_name in the DSN marks this test's connections (pg_stat_activity).
    const json config = {{"dsn", clusterDsn() + "?application_name=" + appName_},
                         {"schema", schema_},
                         {"pool_size", 4}};
    return std::make_unique<PgBackend>(devkit::sdk::Host(host_.api()),
                                       lakebase::parseConfig(config.dump(), noEnv()));
  }

  std::string putProject() {
    devkit::storage::ProjectRecord p;
    p.id = uniqueName("p");
    p.owner = kOwner;
    p.name = "project";
    backend_->putProject(p);
    return p.id;
  }

  std::string count(const std::string& sqlWithSchema) {
    std::string sql = sqlWithSchema;
    for (size_t pos; (pos = sql.find("{s}")) != std::string::npos;) sql.replace(pos, 3, schema_);
    return admin_.value(sql).value_or("NULL");
  }

  devkit::storage::ArchiveInfo put(const std::string& projectId, const std::string& data) {
    TestSource source(data);
    return backend_->putArchive(kOwner, projectId, devkit::sdk::Source(source.get()));
  }

  devkit::testing::FakeHost host_;
  PgAdmin admin_;
  std::string schema_, appName_;
  std::unique_ptr<PgBackend> backend_;
};

TEST_F(LakebasePostgres, TablesLiveInTheConfiguredSchemaAndMigrateOnce) {
  EXPECT_EQ(backend_->health().value("schema_version", 0), 1);
  for (const char* table :
       {"projects", "conversations", "messages", "runs", "run_events", "archive_blobs",
        "archive_chunks", "archives", "host_state", "schema_version"}) {
    EXPECT_EQ(count("SELECT to_regclass('{s}." + std::string(table) + "') IS NOT NULL"), "t")
        << table;
  }
  EXPECT_EQ(count("SELECT count(*) FROM {s}.schema_version"), "1");
  // Another host on the same schema applies nothing.
  auto second = make();
  EXPECT_EQ(second->health().value("schema_version", 0), 1);
  EXPECT_EQ(count("SELECT count(*) FROM {s}.schema_version"), "1");
  // JSON is JSONB, timestamps are BIGINT microseconds, ids sort bytewise.
  EXPECT_EQ(count("SELECT data_type FROM information_schema.columns WHERE table_schema = '{s}' "
                  "AND table_name = 'projects' AND column_name = 'settings'"),
            "jsonb");
  EXPECT_EQ(count("SELECT data_type FROM information_schema.columns WHERE table_schema = '{s}' "
                  "AND table_name = 'projects' AND column_name = 'updated_us'"),
            "bigint");
  EXPECT_EQ(count("SELECT collation_name FROM information_schema.columns WHERE table_schema = "
                  "'{s}' AND table_name = 'projects' AND column_name = 'id'"),
            "C");
}

TEST_F(LakebasePostgres, ArchivesAreMiBChunksReadOneByOne) {
  const std::string projectId = putProject();
  const std::string data = randomBytes(2 * PgBackend::kChunkBytes + 12345, 7);
  const auto info = put(projectId, data);
  EXPECT_EQ(info.size, static_cast<int64_t>(data.size()));
  EXPECT_EQ(info.sha256, devkit::storage::sha256Hex(data));
  EXPECT_EQ(count("SELECT count(*) FROM {s}.archive_chunks"), "3");
  EXPECT_EQ(count("SELECT max(octet_length(data)) FROM {s}.archive_chunks"),
            std::to_string(PgBackend::kChunkBytes));
  devkit::testing::CollectingSink sink;
  backend_->getArchive(kOwner, projectId, devkit::sdk::Sink(sink.get()));
  EXPECT_EQ(sink.writes(), 3u);
  EXPECT_TRUE(sink.text() == data);
}

TEST_F(LakebasePostgres, AFailedPutLeavesThePreviousArchiveAndNoOrphans) {
  const std::string projectId = putProject();
  const std::string first = randomBytes(PgBackend::kChunkBytes + 100, 1);
  const auto before = put(projectId, first);
  // The second upload breaks after two and a half chunks.
  TestSource broken(randomBytes(4 * PgBackend::kChunkBytes, 2), 5 * PgBackend::kChunkBytes / 2);
  try {
    backend_->putArchive(kOwner, projectId, devkit::sdk::Source(broken.get()));
    ADD_FAILURE() << "the broken put succeeded";
  } catch (const devkit::sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_UNAVAILABLE) << e.what();
  }
  const auto after = backend_->statArchive(kOwner, projectId);
  EXPECT_EQ(after.sha256, before.sha256);
  EXPECT_EQ(after.createdUs, before.createdUs);
  devkit::testing::CollectingSink sink;
  backend_->getArchive(kOwner, projectId, devkit::sdk::Sink(sink.get()));
  EXPECT_TRUE(sink.text() == first);
  EXPECT_EQ(count("SELECT count(*) FROM {s}.archive_blobs"), "1");
  EXPECT_EQ(count("SELECT count(*) FROM {s}.archive_chunks"), "2");
  // A replacing put removes the old chunks in the same transaction.
  put(projectId, "small");
  EXPECT_EQ(count("SELECT count(*) FROM {s}.archive_blobs"), "1");
  EXPECT_EQ(count("SELECT count(*) FROM {s}.archive_chunks"), "1");
  // Deleting the project takes the archive with it.
  EXPECT_TRUE(backend_->deleteProject(kOwner, projectId));
  EXPECT_EQ(count("SELECT count(*) FROM {s}.archive_chunks"), "0");
}

TEST_F(LakebasePostgres, RetriesOnceAfterTheServerTerminatedItsConnections) {
  const std::string projectId = putProject();
  // Fill the pool with open connections.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) backend_->getProject(kOwner, projectId);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_NE(
      count("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + appName_ + "'"),
      "0");
  admin_.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
              appName_ + "'");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(backend_->getProject(kOwner, projectId).has_value());
    backend_->putState("k", i);
  }
  EXPECT_TRUE(host_.logged("retrying once on a new connection"));
  EXPECT_EQ(backend_->health().value("status", ""), "ok");
}

TEST_F(LakebasePostgres, HealthIsCachedBriefly) {
  const json first = backend_->health();
  EXPECT_EQ(first.value("status", ""), "ok") << first.dump();
  EXPECT_EQ(first.value("reachable", false), true);
  EXPECT_THAT(first.value("detail", ""), HasSubstr("schema " + schema_));
  EXPECT_TRUE(first.contains("pool"));
  // Within the cache window the answer is the cached one.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(backend_->health(), first);
}

TEST_F(LakebasePostgres, StringsWithNulAreRefusedClearly) {
  devkit::storage::ProjectRecord p;
  p.id = "nul";
  p.owner = kOwner;
  p.name = std::string("a\0b", 3);
  try {
    backend_->putProject(p);
    ADD_FAILURE() << "stored a NUL";
  } catch (const devkit::sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_INVALID_ARGUMENT) << e.what();
  }
}

}  // namespace
}  // namespace devkit::lakebase_test
