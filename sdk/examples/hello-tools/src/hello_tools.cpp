// hello-tools: an example third-party tool provider with two small tools.
//
//   hello {name}      -> "Hello, <name>!" (the greeting word comes from the INI key `greeting`)
//   add   {a, b}      -> the sum, as text and as structuredContent {"sum": n}
//
// It shows the whole surface a tool author needs: the config schema, tool listing with inputSchema
// and annotations, argument parsing, a tool-level error (isError) versus a protocol error (thrown
// Error), logging through the host, and the cancellation flag.
#include <devkit/json.hpp>
#include <devkit/sdk.hpp>

#include <cmath>

#include <string>
#include <string_view>

namespace {

namespace json = devkit::sdk::json;
using devkit::sdk::Error;

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "greeting": {"type": "string", "default": "Hello", "minLength": 1, "maxLength": 40,
                 "description": "The word the hello tool greets with."}
  }
})";

constexpr const char* kTools = R"([
  {
    "name": "hello",
    "title": "Say hello",
    "description": "Greets someone by name. Use it to check that third-party tool plugins work.",
    "inputSchema": {
      "type": "object",
      "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200,
                              "description": "Who to greet."}},
      "required": ["name"],
      "additionalProperties": false
    },
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false}
  },
  {
    "name": "add",
    "title": "Add two numbers",
    "description": "Adds two numbers and returns the sum.",
    "inputSchema": {
      "type": "object",
      "properties": {"a": {"type": "number", "description": "First addend."},
                     "b": {"type": "number", "description": "Second addend."}},
      "required": ["a", "b"],
      "additionalProperties": false
    },
    "outputSchema": {
      "type": "object",
      "properties": {"sum": {"type": "number"}},
      "required": ["sum"]
    },
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false}
  }
])";

std::string textResult(const std::string& text, bool isError = false) {
  json::Object content{{"type", "text"}, {"text", text}};
  json::Object result{{"content", json::Array{json::Value(content)}}};
  if (isError) {
    result.emplace_back("isError", true);
  }
  return json::Value(result).dump();
}

class HelloTools final : public devkit::sdk::ToolProvider {
 public:
  HelloTools(const devkit::sdk::Host& host, std::string_view configJson) : host_(host) {
    const json::Value config = json::parse(configJson.empty() ? "{}" : configJson);
    if (const json::Value* g = config.find("greeting"); g != nullptr && g->isString()) {
      greeting_ = g->asString();
    }
    host_.info("hello-tools ready, greeting '" + greeting_ + "'");
  }

  std::string listTools() override { return kTools; }

  std::string callTool(const devkit::sdk::ToolCall& call) override {
    call.cancel.throwIfCancelled();
    json::Value args;
    try {
      args = json::parse(call.argumentsJson);
    } catch (const json::ParseError& e) {
      throw Error(DK_ERR_INVALID_ARGUMENT, std::string("arguments are not JSON: ") + e.what());
    }
    if (call.name == "hello") {
      const json::Value* name = args.find("name");
      if (name == nullptr || !name->isString() || name->asString().empty()) {
        throw Error(DK_ERR_INVALID_ARGUMENT, "hello needs a non-empty string 'name'");
      }
      return textResult(greeting_ + ", " + name->asString() + "!");
    }
    if (call.name == "add") {
      const json::Value* a = args.find("a");
      const json::Value* b = args.find("b");
      if (a == nullptr || b == nullptr || !a->isNumber() || !b->isNumber()) {
        throw Error(DK_ERR_INVALID_ARGUMENT, "add needs numbers 'a' and 'b'");
      }
      const double sum = a->asDouble() + b->asDouble();
      if (!std::isfinite(sum)) {
        // A tool-level failure: the model sees it and can correct itself.
        return textResult("The sum is not a finite number; use smaller addends.", true);
      }
      call.progress.write(R"({"progress":1,"total":1,"message":"added"})");
      json::Value sumValue =
          (a->isInt() && b->isInt()) ? json::Value(a->asInt() + b->asInt()) : json::Value(sum);
      json::Object structured{{"sum", sumValue}};
      json::Object content{{"type", "text"}, {"text", sumValue.dump()}};
      json::Object result{{"content", json::Array{json::Value(content)}},
                          {"structuredContent", json::Value(structured)}};
      return json::Value(result).dump();
    }
    throw Error(DK_ERR_NOT_FOUND, "unknown tool '" + std::string(call.name) + "'");
  }

 private:
  devkit::sdk::Host host_;
  std::string greeting_ = "Hello";
};

}  // namespace

DK_DEFINE_PLUGIN("hello-tools", "1.0.0", "Example third-party tool provider: hello and add",
                 kConfigSchema, HelloTools)
