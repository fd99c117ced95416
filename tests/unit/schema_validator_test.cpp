#include "config/schema_validator.hpp"

#include <gtest/gtest.h>

#include "config/config_error.hpp"

namespace devkit::config {
namespace {

using nlohmann::json;

const Expander kIdentity = [](const std::string& s) { return s; };

RawSection section(std::initializer_list<std::pair<std::string, std::string>> values,
                   bool fromEnv = false) {
  RawSection out;
  for (const auto& [k, v] : values) {
    out[k] = RawValue{v, fromEnv ? "environment variable X" : "f.ini", fromEnv};
  }
  return out;
}

std::string errorOf(const json& schema, const RawSection& values) {
  try {
    validateSection("s", schema, values, "f.ini", kIdentity);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const json kSchema = json::parse(R"({"type":"object","properties":{
  "n": {"type":"integer","minimum":1,"maximum":10},
  "x": {"type":"number","minimum":0.5},
  "b": {"type":"boolean","default":false},
  "s": {"type":"string","minLength":2,"maxLength":4,"pattern":"^[a-z]+$"},
  "e": {"type":"string","enum":["red","green"],"default":"red"}
}, "required": ["n"]})");

TEST(SchemaValidator, ConvertsTypesAndFillsDefaults) {
  const ValidatedSection v = validateSection(
      "s", kSchema, section({{"n", " 7 "}, {"x", "1.5"}, {"s", "abc"}}), "f.ini", kIdentity);
  EXPECT_EQ(v.values["n"], 7);
  EXPECT_DOUBLE_EQ(v.values["x"].get<double>(), 1.5);
  EXPECT_EQ(v.values["s"], "abc");
  EXPECT_EQ(v.values["b"], false);
  EXPECT_EQ(v.values["e"], "red");
}

TEST(SchemaValidator, BooleanSpellings) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, bool>>{{"yes", true},
                                                                                {"TRUE", true},
                                                                                {"on", true},
                                                                                {"1", true},
                                                                                {"no", false},
                                                                                {"False", false},
                                                                                {"off", false},
                                                                                {"0", false}}) {
    const ValidatedSection v =
        validateSection("s", kSchema, section({{"n", "1"}, {"b", text}}), "f.ini", kIdentity);
    EXPECT_EQ(v.values["b"], expected) << text;
  }
}

TEST(SchemaValidator, EveryRuleHasAClearMessage) {
  EXPECT_NE(errorOf(kSchema, section({{"n", "1x"}})).find("[s] n: expected an integer, got '1x'"),
            std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "0"}})).find("must be at least 1"), std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "11"}})).find("must be at most 10"), std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "1"}, {"x", "abc"}})).find("expected a number"),
            std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "1"}, {"s", "a"}})).find("at least 2 characters"),
            std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "1"}, {"s", "abcde"}})).find("at most 4 characters"),
            std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "1"}, {"s", "AB"}})).find("must match ^[a-z]+$"),
            std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "1"}, {"e", "blue"}}))
                .find("must be one of: red, green; got 'blue'"),
            std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({})).find("f.ini: [s] n: is required"), std::string::npos);
  EXPECT_NE(errorOf(kSchema, section({{"n", "1"}, {"zzz", "1"}})).find("[s] zzz: unknown key"),
            std::string::npos);
}

TEST(SchemaValidator, AdditionalPropertiesPassThroughAsStrings) {
  const json open = json::parse(R"({"additionalProperties":true,"properties":{}})");
  const ValidatedSection v = validateSection("s", open, section({{"k", "v"}}), "f.ini", kIdentity);
  EXPECT_EQ(v.values["k"], "v");
}

TEST(SchemaValidator, IgnoredKeysAreSkipped) {
  const ValidatedSection v = validateSection(
      "s", kSchema, section({{"n", "2"}, {"enabled", "yes"}}), "f.ini", kIdentity, {"enabled"});
  EXPECT_FALSE(v.values.contains("enabled"));
}

TEST(SchemaValidator, SecretsOnlyFromEnvironmentAndCollected) {
  const json schema = json::parse(R"({"properties":{"token":{"type":"string","secret":true}}})");
  EXPECT_NE(errorOf(schema, section({{"token", "abcd1234"}})).find("is a secret"),
            std::string::npos);
  const ValidatedSection v =
      validateSection("s", schema, section({{"token", "ab${cd}"}}, true), "f.ini", kIdentity);
  EXPECT_EQ(v.values["token"], "ab${cd}");  // taken literally, not expanded
  ASSERT_EQ(v.secrets.size(), 1u);
  EXPECT_EQ(v.secrets[0], "ab${cd}");
}

TEST(SchemaValidator, UnresolvedReferenceInADefaultIsReported) {
  const json schema =
      json::parse(R"({"properties":{"p":{"type":"string","default":"${nope}/x"}}})");
  EXPECT_NE(errorOf(schema, section({}))
                .find("[s] p: the schema's default '${nope}/x' has an "
                      "unresolved reference"),
            std::string::npos);
}

TEST(SchemaValidator, CheckSchemaRejectsWhatItCannotValidate) {
  EXPECT_EQ(checkSchema(json()), "");
  EXPECT_EQ(checkSchema(kSchema), "");
  EXPECT_NE(checkSchema(json::array()), "");
  EXPECT_NE(checkSchema(json::parse(R"({"type":"array"})")), "");
  EXPECT_NE(
      checkSchema(json::parse(R"({"properties":{"a":{"type":"object"}}})")).find("type 'object'"),
      std::string::npos);
  EXPECT_NE(checkSchema(json::parse(R"({"properties":{"a":{"type":"string","pattern":"("}}})"))
                .find("invalid pattern"),
            std::string::npos);
  EXPECT_NE(checkSchema(json::parse(R"({"properties":{"a":{"minimum":"x"}}})")), "");
}

}  // namespace
}  // namespace devkit::config
