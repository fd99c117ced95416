#include "logging/logging.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace devkit::logging {
namespace {

TEST(Logging, RedactsRegisteredSecretsEverywhereInALine) {
  addSecret("dapi-1234567890abcdef");
  EXPECT_EQ(redact("token=dapi-1234567890abcdef and again dapi-1234567890abcdef."),
            "token=*** and again ***.");
  EXPECT_EQ(redact("nothing secret"), "nothing secret");
}

TEST(Logging, ShortValuesAreNotTreatedAsSecrets) {
  addSecret("ab");  // would redact half the log
  EXPECT_EQ(redact("a b ab"), "a b ab");
}

TEST(Logging, RedactionReachesTheSink) {
  setup("info", Format::kText);
  addSecret("pg-password-xyz");
  testing::internal::CaptureStderr();
  get("test")->warn("connecting with pg-password-xyz");
  get("test")->flush();
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("pg-password-xyz"), std::string::npos) << out;
  EXPECT_NE(out.find("connecting with ***"), std::string::npos) << out;
}

TEST(Logging, JsonLinesFormat) {
  setup("info", Format::kJson);
  testing::internal::CaptureStderr();
  get("json-test")->info("say \"hi\"\nnext");
  get("json-test")->flush();
  const std::string out = testing::internal::GetCapturedStderr();
  setup("info", Format::kText);
  const nlohmann::json line = nlohmann::json::parse(out);
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["logger"], "json-test");
  EXPECT_EQ(line["msg"], "say \"hi\"\nnext");
  EXPECT_TRUE(line["ts_us"].is_number_integer());
}

TEST(Logging, LevelsParse) {
  EXPECT_EQ(parseLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(parseLevel("off"), spdlog::level::off);
  EXPECT_THROW(parseLevel("verbose"), std::invalid_argument);
}

}  // namespace
}  // namespace devkit::logging
