// The OpenAPI document (host/openapi/openapi.json, served at /api/openapi.json) against the host
// itself: it documents exactly the routes the router registers under /api and /healthz, so it
// cannot drift from the code, and every $ref in it resolves.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Poco/String.h>

#include "api_support.hpp"
#include "app/version.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

// The operation keys of an OpenAPI path item (the other keys are summary, parameters, ...).
const std::set<std::string> kOperations = {"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};

bool documentedPath(const std::string& pattern) {
  return pattern == "/healthz" || pattern == "/api" || pattern.rfind("/api/", 0) == 0;
}

// One message for every route the host registers under /api (or /healthz) that `doc` lacks, and
// for every operation of `doc` that the host does not register.
std::vector<std::string> driftBetween(
    const std::vector<std::pair<std::string, std::string>>& routes, const json& doc) {
  std::set<std::pair<std::string, std::string>> registered;  // (lower-case method, pattern)
  for (const auto& [method, pattern] : routes) {
    if (documentedPath(pattern)) registered.emplace(Poco::toLower(method), pattern);
  }
  std::set<std::pair<std::string, std::string>> documented;
  const json paths = doc.value("paths", json::object());
  for (const auto& [path, item] : paths.items()) {
    if (!item.is_object()) continue;
    for (const auto& [key, operation] : item.items()) {
      if (kOperations.count(key) != 0) documented.emplace(key, path);
    }
  }
  std::vector<std::string> problems;
  for (const auto& [method, path] : registered) {
    if (documented.count({method, path}) == 0) {
      problems.push_back("route " + Poco::toUpper(method) + " " + path +
                         " is registered by the host but missing from host/openapi/openapi.json "
                         "(add paths[\"" +
                         path + "\"]." + method + ")");
    }
  }
  for (const auto& [method, path] : documented) {
    if (registered.count({method, path}) == 0) {
      problems.push_back("host/openapi/openapi.json documents " + Poco::toUpper(method) + " " +
                         path + ", which the host does not register");
    }
  }
  return problems;
}

// Every {"$ref": "..."} in `node`, with the JSON pointer of the object holding it.
void collectRefs(const json& node, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        out.emplace_back(value.get<std::string>(), where.empty() ? "/" : where);
      }
      std::string escaped;
      for (char c : key) escaped += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
      collectRefs(value, where + "/" + escaped, out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      collectRefs(node[i], where + "/" + std::to_string(i), out);
    }
  }
}

// A parameter object, following one $ref into components.
json resolved(const json& doc, const json& node) {
  if (node.is_object() && node.contains("$ref") && node["$ref"].is_string()) {
    const std::string ref = node["$ref"];
    if (ref.rfind("#/", 0) != 0) return json();
    try {
      const json::json_pointer pointer(ref.substr(1));
      if (doc.contains(pointer)) return doc.at(pointer);
    } catch (const json::exception&) {
    }
    return json();
  }
  return node;
}

class OpenApi : public ApiTest {
 protected:
  void SetUp() override {
    startHost();
    // Public like /healthz: no identity header, even in databricks-apps mode.
    served_ = call("GET", "/api/openapi.json", nullptr, "");
    doc_ = json::parse(served_.body, nullptr, false);
  }

  HttpResult served_;
  json doc_;
};

TEST_F(OpenApi, IsServedAsAnOpenApi31Document) {
  ASSERT_EQ(served_.status, 200) << served_.body;
  EXPECT_EQ(served_.header("Content-Type").rfind("application/json", 0), 0u)
      << served_.header("Content-Type");
  ASSERT_TRUE(doc_.is_object()) << "/api/openapi.json is not a JSON object: " << served_.body;
  EXPECT_EQ(doc_.value("openapi", ""), "3.1.0");
  ASSERT_TRUE(doc_.contains("info") && doc_["info"].is_object());
  EXPECT_TRUE(doc_["info"].value("title", json()).is_string());
  EXPECT_EQ(doc_["info"].value("version", ""), kVersion)
      << "info.version of host/openapi/openapi.json must be the host's version";
  ASSERT_TRUE(doc_.contains("paths") && doc_["paths"].is_object());

  // The binary serves the file in the source tree, unchanged by the embedding.
  std::ifstream in(std::string(DEVKIT_SOURCE_DIR) + "/host/openapi/openapi.json");
  ASSERT_TRUE(in) << "cannot read host/openapi/openapi.json";
  std::stringstream source;
  source << in.rdbuf();
  EXPECT_EQ(json::parse(source.str(), nullptr, false), doc_)
      << "the served document differs from host/openapi/openapi.json: re-run cmake";
}

TEST_F(OpenApi, DocumentsExactlyTheRegisteredRoutes) {
  ASSERT_TRUE(doc_.is_object() && doc_.contains("paths")) << served_.body;
  const auto routes = host_->router().routes();
  ASSERT_GT(std::count_if(routes.begin(), routes.end(),
                          [](const auto& r) { return documentedPath(r.second); }),
            10)
      << "the router registered almost no /api routes";
  for (const std::string& problem : driftBetween(routes, doc_)) ADD_FAILURE() << problem;
}

// The check above must name what is wrong, in both directions.
TEST_F(OpenApi, TheDriftCheckNamesTheRouteThatIsMissing) {
  ASSERT_TRUE(doc_.is_object() && doc_.contains("paths")) << served_.body;
  auto routes = host_->router().routes();
  routes.emplace_back("POST", "/api/unlisted/{id}");
  routes.emplace_back("GET", "/not-api");  // outside /api: not the document's business
  json doc = doc_;
  doc["paths"]["/api/ghost"]["delete"] = {{"operationId", "ghost"}, {"responses", json::object()}};
  const std::vector<std::string> problems = driftBetween(routes, doc);
  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("POST /api/unlisted/{id} is registered"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("DELETE /api/ghost, which the host does not register"),
            std::string::npos)
      << problems[1];
}

TEST_F(OpenApi, EveryOperationIsComplete) {
  ASSERT_TRUE(doc_.is_object() && doc_.contains("paths")) << served_.body;
  const std::regex placeholder(R"(\{([^}]+)\})");
  std::set<std::string> operationIds;
  for (const auto& [path, item] : doc_["paths"].items()) {
    std::set<std::string> templated;
    for (std::sregex_iterator it(path.begin(), path.end(), placeholder), end; it != end; ++it) {
      templated.insert((*it)[1]);
    }
    for (const auto& [key, operation] : item.items()) {
      if (kOperations.count(key) == 0) continue;
      const std::string name = Poco::toUpper(key) + " " + path;
      const std::string id = operation.value("operationId", "");
      EXPECT_FALSE(id.empty()) << name << " has no operationId";
      EXPECT_TRUE(operationIds.insert(id).second) << name << ": duplicate operationId " << id;
      EXPECT_TRUE(operation.contains("responses") && !operation["responses"].empty())
          << name << " has no responses";
      // Every {name} of the path is declared as a path parameter (path item or operation).
      std::set<std::string> declared;
      for (const json* list : {&item, &operation}) {
        for (const json& p : list->value("parameters", json::array())) {
          const json param = resolved(doc_, p);
          if (param.value("in", "") == "path") declared.insert(param.value("name", ""));
        }
      }
      EXPECT_EQ(declared, templated) << name << ": path parameters do not match the template";
    }
  }
}

TEST_F(OpenApi, EveryRefResolvesToAComponent) {
  ASSERT_TRUE(doc_.is_object()) << served_.body;
  std::vector<std::pair<std::string, std::string>> refs;
  collectRefs(doc_, "", refs);
  ASSERT_FALSE(refs.empty()) << "the document uses no $ref (are components used at all?)";
  for (const auto& [ref, where] : refs) {
    if (ref.rfind("#/components/", 0) != 0) {
      ADD_FAILURE() << "$ref \"" << ref << "\" at " << where << " does not point into components";
      continue;
    }
    bool found = false;
    try {
      found = doc_.contains(json::json_pointer(ref.substr(1)));
    } catch (const json::exception&) {
    }
    EXPECT_TRUE(found) << "$ref \"" << ref << "\" at " << where << " names no component";
  }
}

}  // namespace
}  // namespace devkit::testing
