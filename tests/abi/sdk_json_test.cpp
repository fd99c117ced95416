// devkit/json.hpp, the SDK's dependency-free JSON reader and writer: strict RFC 8259 parsing,
// \u escapes including surrogate pairs, a nesting limit, int64 versus double numbers, and dump()
// output that nlohmann (the host's parser) reads back to the same value.
#include <devkit/json.hpp>

#include <cstdint>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace devkit::abi_test {
namespace {

namespace json = sdk::json;
using ::testing::HasSubstr;

// The ParseError message of `text`, or "" when it parsed.
std::string parseError(const std::string& text) {
  try {
    json::parse(text);
  } catch (const json::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(SdkJson, ParsesEveryKindOfValue) {
  const json::Value v = json::parse(
      R"( {"n":null,"t":true,"f":false,"i":-12,"d":2.5,"s":"x","a":[1,[]],"o":{"k":{}}} )");
  ASSERT_TRUE(v.isObject());
  EXPECT_TRUE(v.find("n")->isNull());
  EXPECT_TRUE(v.find("t")->asBool());
  EXPECT_FALSE(v.find("f")->asBool());
  EXPECT_EQ(v.find("i")->asInt(), -12);
  EXPECT_DOUBLE_EQ(v.find("d")->asDouble(), 2.5);
  EXPECT_EQ(v.find("s")->asString(), "x");
  ASSERT_EQ(v.find("a")->asArray().size(), 2u);
  EXPECT_TRUE(v.find("a")->asArray()[1].isArray());
  EXPECT_TRUE(v.find("o")->find("k")->isObject());
  EXPECT_EQ(v.find("absent"), nullptr);
  EXPECT_EQ(json::parse("[1]").find("x"), nullptr);  // find on a non-object
}

TEST(SdkJson, KeepsKeyOrder) {
  EXPECT_EQ(json::parse(R"({"z":1,"a":2,"m":3})").dump(), R"({"z":1,"a":2,"m":3})");
}

TEST(SdkJson, RejectsInvalidDocuments) {
  for (const char* bad : {"",
                          " ",
                          "{",
                          "[1,]",
                          R"({"a":1,})",
                          "{'a':1}",
                          R"({"a" 1})",
                          R"({a:1})",
                          "01",
                          "1.",
                          ".5",
                          "-",
                          "1e",
                          "+1",
                          "tru",
                          "nul",
                          "[1 2]",
                          "\"unterminated",
                          "\"tab\there\"",
                          R"("\x")",
                          "// comment\n1",
                          "1 2",
                          "NaN",
                          "Infinity"}) {
    EXPECT_NE(parseError(bad), "") << "accepted: " << bad;
  }
}

TEST(SdkJson, ParseErrorsCarryTheOffset) {
  try {
    json::parse(R"({"a":1,})");
    FAIL() << "accepted a trailing comma";
  } catch (const json::ParseError& e) {
    EXPECT_EQ(e.offset(), 7u);
    EXPECT_THAT(e.what(), HasSubstr("at offset 7"));
  }
}

TEST(SdkJson, DecodesEscapes) {
  EXPECT_EQ(json::parse(R"("\"\\\/\b\f\n\r\t")").asString(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(json::parse(R"("\u0041\u00e9\u20AC")").asString(), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(json::parse(R"("\u0000")").asString(), std::string(1, '\0'));
  // U+1F600 as a surrogate pair becomes one four-byte UTF-8 sequence.
  EXPECT_EQ(json::parse(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(json::parse(R"("\uDBFF\uDFFF")").asString(), "\xF4\x8F\xBF\xBF");  // U+10FFFF
  // Raw UTF-8 passes through untouched.
  EXPECT_EQ(json::parse("\"caf\xC3\xA9\"").asString(), "caf\xC3\xA9");
}

TEST(SdkJson, RejectsBrokenSurrogatesAndEscapes) {
  EXPECT_THAT(parseError(R"("\ud83d")"), HasSubstr("lone high surrogate"));
  EXPECT_THAT(parseError(R"("\ud83dx")"), HasSubstr("lone high surrogate"));
  EXPECT_THAT(parseError(R"("\ud83d\u0041")"), HasSubstr("bad low surrogate"));
  EXPECT_THAT(parseError(R"("\ude00")"), HasSubstr("lone low surrogate"));
  EXPECT_THAT(parseError(R"("\u12")"), HasSubstr("\\u escape"));
  EXPECT_THAT(parseError(R"("\u12g4")"), HasSubstr("bad hex digit"));
}

TEST(SdkJson, LimitsNestingDepthWithoutOverflowingTheStack) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_EQ(parseError(nested(100)), "");
  EXPECT_THAT(parseError(nested(1000)), HasSubstr("nesting too deep"));
  EXPECT_THAT(parseError(std::string(100000, '[')), HasSubstr("nesting too deep"));
  std::string objects;
  for (int i = 0; i < 1000; ++i) objects += R"({"a":)";
  EXPECT_THAT(parseError(objects), HasSubstr("nesting too deep"));
}

TEST(SdkJson, IntegersStayIntegersAndEverythingElseIsDouble) {
  EXPECT_TRUE(json::parse("0").isInt());
  EXPECT_TRUE(json::parse("-7").isInt());
  EXPECT_EQ(json::parse("123456789012345678").asInt(), 123456789012345678);
  EXPECT_TRUE(json::parse("1.0").isNumber());
  EXPECT_FALSE(json::parse("1.0").isInt());
  EXPECT_FALSE(json::parse("1e2").isInt());
  EXPECT_DOUBLE_EQ(json::parse("1e2").asDouble(), 100.0);
  EXPECT_DOUBLE_EQ(json::parse("-2.5E-3").asDouble(), -0.0025);
  EXPECT_EQ(json::parse("1e2").asInt(), 100);  // a whole double converts
  EXPECT_THROW(json::parse("1.5").asInt(), std::runtime_error);
  EXPECT_DOUBLE_EQ(json::parse("3").asDouble(), 3.0);
  // Too many digits for the int64 fast path: still a number, as a double.
  EXPECT_DOUBLE_EQ(json::parse("12345678901234567890").asDouble(), 12345678901234567890.0);
}

// Huge exponents are refused as malformed input (not a stray std::out_of_range that a plugin would
// report as an internal error); tiny ones read as zero; subnormals keep their value.
TEST(SdkJson, NumbersOutOfRange) {
  for (const char* text : {"1e999", "-1e999", "[1, 2e400]"}) {
    EXPECT_THROW(json::parse(text), json::ParseError) << text;
  }
  EXPECT_EQ(json::parse("1e-400").asDouble(), 0.0);
  EXPECT_GT(json::parse("4.9e-324").asDouble(), 0.0);
  EXPECT_DOUBLE_EQ(json::parse("1e-310").asDouble(), 1e-310);
}

TEST(SdkJson, IntegersUseTheWholeInt64Range) {
  EXPECT_EQ(json::parse("-123456789012345678").asInt(), -123456789012345678);
  EXPECT_EQ(json::parse("9223372036854775807").asInt(), INT64_MAX);
  EXPECT_EQ(json::parse("-9223372036854775808").asInt(), INT64_MIN);
  EXPECT_TRUE(json::parse("9223372036854775808").isNumber());  // beyond int64: a double
  EXPECT_FALSE(json::parse("9223372036854775808").isInt());
}

TEST(SdkJson, DoublesRoundTrip) {
  for (double d : {0.1, 1.0 / 3.0, 1e-310, 6.02214076e23, -2.5}) {
    EXPECT_EQ(json::parse(json::Value(d).dump()).asDouble(), d);
  }
}

TEST(SdkJson, TypeMismatchesThrow) {
  EXPECT_THROW(json::parse("1").asString(), std::runtime_error);
  EXPECT_THROW(json::parse("\"1\"").asDouble(), std::runtime_error);
  EXPECT_THROW(json::parse("{}").asArray(), std::runtime_error);
  EXPECT_THROW(json::parse("null").asBool(), std::runtime_error);
}

TEST(SdkJson, DumpsCompactEscapedJson) {
  const json::Value v(json::Object{
      {"s", "quote\" backslash\\ newline\n tab\t bell\x07 del\x7f"},
      {"u", "caf\xC3\xA9"},
      {"a", json::Array{1, 2.5, true, nullptr, "x"}},
      {"nan", std::nan("")},
  });
  EXPECT_EQ(v.dump(),
            "{\"s\":\"quote\\\" backslash\\\\ newline\\n tab\\t bell\\u0007 del\x7f\","
            "\"u\":\"caf\xC3\xA9\",\"a\":[1,2.5,true,null,\"x\"],\"nan\":null}");
}

TEST(SdkJson, DumpIsReadBackIdenticallyByTheHostsParser) {
  const std::string text =
      R"({"name":"Ada \"the\" first","emoji":"\ud83d\ude00","ctl":"\u0001\u001f","n":-42,)"
      R"("d":0.1,"big":1.7976931348623157e308,"tiny":2.2250738585072014e-308,"nested":[{"a":[]}]})";
  const std::string dumped = json::parse(text).dump();
  const nlohmann::json host = nlohmann::json::parse(dumped);
  EXPECT_EQ(host, nlohmann::json::parse(text));
  EXPECT_EQ(json::parse(dumped).dump(), dumped);  // a fixed point after one round
}

}  // namespace
}  // namespace devkit::abi_test
