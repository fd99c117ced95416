// A table-driven corpus of bad input against every /api endpoint: malformed JSON, wrong content
// types, wrong member types, unknown and missing members, oversized and control-character names,
// bad ids, path traversal (also through symlinks), bad query parameters, wrong methods and unknown
// paths. Every case must be answered below 500 with the JSON error shape, must name the right code
// (and field), must not leak a file from outside the project, and must leave alice's data as it
// was. Unicode that must be accepted is in the same table, with an exact round trip.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include "api_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kJson = "application/json";
// The content of a file outside the project: no answer may ever contain it.
constexpr const char* kOutsideSecret = "OUTSIDE-SECRET-7f3a9c: must never be served";
constexpr const char* kOutsideName = "outside-only-file-name.txt";

struct Case {
  std::string name;  // shown in every failure message
  std::string method;
  std::string path;         // placeholders: {pid} {cid} {sid} {scid} {missing}
  std::string body;         // raw bytes, sent as is
  std::string contentType;  // empty: no Content-Type header
  int status = 0;
  std::string code;   // the error "code" expected (errors only)
  std::string field;  // the error "field" expected; empty: the answer must have none
  std::string user = kAlice;
  std::string allow;  // the Allow header expected (405 only)
  // Accepted cases: the member that must come back byte for byte, its value, and where to read
  // it again (empty: the Location header).
  std::string member;
  std::string value;
  std::string readBack;
  std::vector<std::string> absent;  // strings the answer must not contain (besides the secret)

  Case type(std::string t) const {
    Case c = *this;
    c.contentType = std::move(t);
    return c;
  }
  Case as(std::string u) const {
    Case c = *this;
    c.user = std::move(u);
    return c;
  }
  Case allows(std::string a) const {
    Case c = *this;
    c.allow = std::move(a);
    return c;
  }
  Case roundTrip(std::string m, std::string v, std::string from = "") const {
    Case c = *this;
    c.member = std::move(m);
    c.value = std::move(v);
    c.readBack = std::move(from);
    return c;
  }
  Case without(std::string s) const {
    Case c = *this;
    c.absent.push_back(std::move(s));
    return c;
  }
};

/// An error case with a JSON body (or none for GET/DELETE when `body` is empty).
Case bad(std::string name, std::string method, std::string path, std::string body, int status,
         std::string code, std::string field = "") {
  Case c;
  c.name = std::move(name);
  c.method = std::move(method);
  c.path = std::move(path);
  c.contentType = body.empty() && (c.method == "GET" || c.method == "DELETE") ? "" : kJson;
  c.body = std::move(body);
  c.status = status;
  c.code = std::move(code);
  c.field = std::move(field);
  return c;
}

/// A case that must succeed with `status`.
Case good(std::string name, std::string method, std::string path, std::string body, int status) {
  return bad(std::move(name), std::move(method), std::move(path), std::move(body), status, "");
}

/// {"<key>": <value as a JSON string>}
std::string member(const std::string& key, const std::string& value) {
  return json{{key, value}}.dump();
}

/// What the host answers to `c` when the client holds the body back and reads first (as curl does
/// with Expect: 100-continue): tells "the host refused and then reset the connection" apart from
/// "the host never answered".
std::string answerWithoutBody(int port, const Case& c, const std::string& path, size_t length) {
  try {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<uint16_t>(port)),
                   Poco::Timespan(5, 0));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string head = c.method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!c.user.empty()) head += "X-Forwarded-Email: " + c.user + "\r\n";
    if (!c.contentType.empty()) head += "Content-Type: " + c.contentType + "\r\n";
    head += "Content-Length: " + std::to_string(length) + "\r\n\r\n";
    socket.sendBytes(head.data(), static_cast<int>(head.size()));
    std::string out;
    char buffer[4096];
    for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) out.append(buffer, n);
    return out;
  } catch (const std::exception& e) {
    return std::string("(no answer either: ") + e.what() + ")";
  }
}

std::vector<Case> corpus() {
  const std::string P = "/api/projects";
  const std::string Pid = "/api/projects/{pid}";
  const std::string Cid = "/api/conversations/{cid}";
  const std::string MiB(1 << 20, 'a');
  const std::string nested = std::string(400000, '[') + std::string(400000, ']');
  std::vector<Case> cases = {
      // ---- Malformed JSON
      // ------------------------------------------------------------------------
      bad("truncated object", "POST", P, R"({"name": "x")", 400, "invalid_json"),
      bad("truncated string", "PATCH", Pid, R"({"name": "x)", 400, "invalid_json"),
      bad("trailing garbage", "PATCH", Pid, R"({"name": "renamed"} trailing)", 400, "invalid_json"),
      bad("two objects", "POST", P, R"({"name":"a"}{"name":"b"})", 400, "invalid_json"),
      bad("invalid UTF-8 byte in name", "POST", P, "{\"name\": \"ab\xff\xfe\"}", 400,
          "invalid_json"),
      bad("overlong UTF-8 in title", "PATCH", Cid, "{\"title\": \"\xc0\xaf\"}", 400,
          "invalid_json"),
      bad("truncated UTF-8 sequence", "PATCH", Pid, "{\"name\": \"\xe6\x95\"}", 400,
          "invalid_json"),
      bad("UTF-16 surrogate as UTF-8", "POST", Pid + "/conversations",
          "{\"title\": \"\xed\xa0\x80\"}", 400, "invalid_json"),
      bad("lone surrogate escape", "POST", P, R"({"name": "\ud800"})", 400, "invalid_json"),
      bad("raw NUL inside a string", "POST", P, std::string("{\"name\": \"a\0b\"}", 15), 400,
          "invalid_json"),
      bad("single quotes", "PUT", Pid + "/settings", "{'catalog': 'x'}", 400, "invalid_json"),
      bad("comment", "PUT", Pid + "/skills", R"({"enabled": null /* all */})", 400, "invalid_json"),
      bad("NaN", "POST", P, R"({"name": NaN})", 400, "invalid_json"),
      bad("JSON array instead of object", "PUT", Pid + "/settings", R"([{"catalog": "x"}])", 400,
          "invalid_json"),
      bad("JSON string instead of object", "PUT", Pid + "/skills", R"("enabled")", 400,
          "invalid_json"),
      bad("JSON number instead of object", "PATCH", Cid, "42", 400, "invalid_json"),
      bad("JSON null instead of object", "POST", Pid + "/conversations", "null", 400,
          "invalid_json"),
      bad("empty body", "POST", "/api/conversations", "", 400, "invalid_json"),
      bad("whitespace body", "PATCH", Pid, "  \r\n ", 400, "invalid_json"),
      // ---- Content-Type
      // --------------------------------------------------------------------------
      bad("text/plain", "POST", P, member("name", "x"), 415, "unsupported_media_type")
          .type("text/plain"),
      bad("form encoded", "PATCH", Pid, "name=renamed", 415, "unsupported_media_type")
          .type("application/x-www-form-urlencoded"),
      bad("no Content-Type", "PUT", Pid + "/settings", R"({"catalog":"x"})", 415,
          "unsupported_media_type")
          .type(""),
      bad("multipart", "PUT", Pid + "/skills", R"({"enabled":null})", 415, "unsupported_media_type")
          .type("multipart/form-data; boundary=x"),
      bad("text/json", "POST", "/api/conversations", R"({"project_id":"{pid}"})", 415,
          "unsupported_media_type")
          .type("text/json"),
      bad("JSON Patch media type is not JSON", "PATCH", Pid, member("name", "patched"), 415,
          "unsupported_media_type")
          .type("application/json-patch+json"),
      bad("made-up media type with a JSON prefix", "PATCH", Cid, member("title", "t"), 415,
          "unsupported_media_type")
          .type("application/jsonx"),
      // ---- Wrong member types
      // --------------------------------------------------------------------
      bad("name a number", "POST", P, R"({"name": 42})", 400, "invalid_field", "name"),
      bad("name null", "POST", P, R"({"name": null})", 400, "invalid_field", "name"),
      bad("name an array", "PATCH", Pid, R"({"name": ["x"]})", 400, "invalid_field", "name"),
      bad("name a bool", "PATCH", Pid, R"({"name": true})", 400, "invalid_field", "name"),
      bad("name deeply nested", "POST", P, "{\"name\": " + nested + "}", 400, "invalid_field",
          "name"),
      bad("project_id a number", "POST", "/api/conversations", R"({"project_id": 7})", 400,
          "invalid_field", "project_id"),
      bad("project_id null", "POST", "/api/conversations", R"({"project_id": null})", 400,
          "invalid_field", "project_id"),
      bad("title an object", "POST", "/api/conversations",
          R"({"project_id": "{pid}", "title": {"a": 1}})", 400, "invalid_field", "title"),
      bad("title a number", "POST", Pid + "/conversations", R"({"title": 3})", 400, "invalid_field",
          "title"),
      bad("title an object (rename)", "PATCH", Cid, R"({"title": {}})", 400, "invalid_field",
          "title"),
      bad("title null (rename)", "PATCH", Cid, R"({"title": null})", 400, "invalid_field", "title"),
      bad("catalog a number", "PUT", Pid + "/settings", R"({"catalog": 1})", 400, "invalid_field",
          "catalog"),
      bad("schema a bool", "PUT", Pid + "/settings", R"({"schema": false})", 400, "invalid_field",
          "schema"),
      bad("warehouse_id a number", "PUT", Pid + "/settings", R"({"warehouse_id": 12})", 400,
          "invalid_field", "warehouse_id"),
      bad("serverless a string", "PUT", Pid + "/settings", R"({"serverless": "true"})", 400,
          "invalid_field", "serverless"),
      bad("serverless null", "PUT", Pid + "/settings", R"({"serverless": null})", 400,
          "invalid_field", "serverless"),
      bad("cluster_id an array", "PUT", Pid + "/settings", R"({"cluster_id": ["c"]})", 400,
          "invalid_field", "cluster_id"),
      bad("workspace_folder an object", "PUT", Pid + "/settings",
          R"({"workspace_folder": {"p": "/x"}})", 400, "invalid_field", "workspace_folder"),
      bad("enabled a string", "PUT", Pid + "/skills", R"({"enabled": "jobs"})", 400,
          "invalid_field", "enabled"),
      bad("enabled items not strings", "PUT", Pid + "/skills", R"({"enabled": [1, 2]})", 400,
          "invalid_field", "enabled"),
      bad("enabled item null", "PUT", Pid + "/skills", R"({"enabled": ["jobs", null]})", 400,
          "invalid_field", "enabled"),
      bad("enabled an object", "PUT", Pid + "/skills", R"({"enabled": {"jobs": true}})", 400,
          "invalid_field", "enabled"),
      bad("enabled unknown skill", "PUT", Pid + "/skills", R"({"enabled": ["../../etc"]})", 400,
          "invalid_field", "enabled"),
      // ---- Unknown members
      // -----------------------------------------------------------------------
      bad("create with owner", "POST", P, R"({"name": "x", "owner": "bob@example.com"})", 400,
          "invalid_field", "owner"),
      bad("rename with id", "PATCH", Pid, R"({"name": "x", "id": "other"})", 400, "invalid_field",
          "id"),
      bad("unknown setting", "PUT", Pid + "/settings", R"({"colour": "blue"})", 400,
          "invalid_field", "colour"),
      bad("skills with all", "PUT", Pid + "/skills", R"({"enabled": null, "all": true})", 400,
          "invalid_field", "all"),
      bad("conversation with owner", "POST", "/api/conversations",
          R"({"project_id": "{pid}", "owner": "bob@example.com"})", 400, "invalid_field", "owner"),
      bad("project_id in a project's conversation", "POST", Pid + "/conversations",
          R"({"project_id": "{sid}"})", 400, "invalid_field", "project_id"),
      bad("rename conversation with project_id", "PATCH", Cid,
          R"({"title": "t", "project_id": "{sid}"})", 400, "invalid_field", "project_id"),
      // ---- Missing members
      // -----------------------------------------------------------------------
      bad("create without name", "POST", P, "{}", 400, "invalid_field", "name"),
      bad("rename without name", "PATCH", Pid, "{}", 400, "invalid_field", "name"),
      bad("conversation without project_id", "POST", "/api/conversations", R"({"title": "t"})", 400,
          "invalid_field", "project_id"),
      bad("rename conversation without title", "PATCH", Cid, "{}", 400, "invalid_field", "title"),
      bad("skills without enabled", "PUT", Pid + "/skills", "{}", 400, "invalid_field", "enabled"),
      bad("tools without disabled", "PUT", Pid + "/tools", "{}", 400, "invalid_field", "disabled"),
      bad("tools disabled a string", "PUT", Pid + "/tools", R"({"disabled": "fail"})", 400,
          "invalid_field", "disabled"),
      bad("tools disabled an unknown tool", "PUT", Pid + "/tools",
          R"({"disabled": ["no_such_tool"]})", 400, "invalid_field", "disabled"),
      bad("tools with an extra member", "PUT", Pid + "/tools", R"({"disabled": [], "all": true})",
          400, "invalid_field", "all"),
      bad("databricks schemas without a catalog", "GET", Pid + "/databricks/schemas", "", 400,
          "invalid_field", "catalog"),
      bad("databricks list of an unknown kind", "GET", Pid + "/databricks/tables", "", 404,
          "not_found"),
      bad("serverless false without a cluster", "PUT", Pid + "/settings",
          R"({"serverless": false})", 400, "invalid_field", "cluster_id"),
      // ---- Sizes
      // ---------------------------------------------------------------------------------
      bad("name of 201 bytes", "POST", P, member("name", std::string(201, 'n')), 400,
          "invalid_field", "name"),
      bad("name of 201 bytes in 67 CJK characters", "PATCH", Pid,
          member("name",
                 [] {
                   std::string s;
                   for (int i = 0; i < 67; ++i) s += "数";
                   return s;
                 }()),
          400, "invalid_field", "name"),
      bad("title of 501 bytes", "PATCH", Cid, member("title", std::string(501, 't')), 400,
          "invalid_field", "title"),
      bad("name of 1000000 bytes (under the body limit)", "POST", P,
          member("name", std::string(1000000, 'n')), 400, "invalid_field", "name"),
      bad("name of 1 MiB (over the body limit)", "POST", P, member("name", MiB), 413,
          "body_too_large"),
      bad("title of 1 MiB", "PATCH", Cid, member("title", MiB), 413, "body_too_large"),
      bad("settings of 1 MiB", "PUT", Pid + "/settings", member("catalog", MiB), 413,
          "body_too_large"),
      bad("catalog of 256 bytes", "PUT", Pid + "/settings",
          member("catalog", std::string(256, 'c')), 400, "invalid_field", "catalog"),
      // ---- Control characters
      // --------------------------------------------------------------------
      bad("U+0000 in name", "POST", P, R"({"name": "a\u0000b"})", 400, "invalid_field", "name"),
      bad("U+0000 alone as name", "PATCH", Pid, R"({"name": "\u0000"})", 400, "invalid_field",
          "name"),
      bad("newline inside name", "PATCH", Pid, R"({"name": "two\nlines"})", 400, "invalid_field",
          "name"),
      bad("tab inside name", "POST", P, R"({"name": "a\tb"})", 400, "invalid_field", "name"),
      bad("ESC in title", "PATCH", Cid, R"({"title": "\u001b[31mred"})", 400, "invalid_field",
          "title"),
      bad("DEL in title", "POST", Pid + "/conversations", R"({"title": "a\u007fb"})", 400,
          "invalid_field", "title"),
      bad("U+0000 in title", "POST", "/api/conversations",
          R"({"project_id": "{pid}", "title": "\u0000"})", 400, "invalid_field", "title"),
      bad("C1 control (CSI, U+009B) in name", "POST", P, R"({"name": "a\u009b31mb"})", 400,
          "invalid_field", "name"),
      bad("NEL (U+0085) in title", "PATCH", Cid, R"({"title": "a\u0085b"})", 400, "invalid_field",
          "title"),
      bad("whitespace-only name", "POST", P, R"({"name": " \t\r\n "})", 400, "invalid_field",
          "name"),
      bad("control character in catalog", "PUT", Pid + "/settings", R"({"catalog": "a\u0001"})",
          400, "invalid_field", "catalog"),
      bad("control character in workspace_folder", "PUT", Pid + "/settings",
          R"({"workspace_folder": "/Workspace/\u0000x"})", 400, "invalid_field",
          "workspace_folder"),
      // ---- Bad ids
      // -------------------------------------------------------------------------------
      bad("unknown project UUID", "GET", "/api/projects/{missing}", "", 404, "not_found"),
      bad("project id ..", "GET", "/api/projects/..", "", 404, "not_found"),
      bad("project id %2e%2e", "PATCH", "/api/projects/%2e%2e", member("name", "x"), 404,
          "not_found"),
      bad("very long project id", "DELETE", "/api/projects/" + std::string(3000, 'a'), "", 404,
          "not_found"),
      bad("project id of 129 valid characters", "GET", "/api/projects/" + std::string(129, 'b'), "",
          404, "not_found"),
      bad("project id with a space", "POST", "/api/projects/a%20b/backup", "", 404, "not_found")
          .type(""),
      bad("project id in CJK", "GET", "/api/projects/%E6%95%B0%E6%8D%AE/settings", "", 404,
          "not_found"),
      bad("unknown project settings", "PUT", "/api/projects/{missing}/settings", "{}", 404,
          "not_found"),
      bad("project id with an encoded slash", "GET", "/api/projects/..%2F..%2Fetc/skills", "", 404,
          "not_found"),
      bad("project id U+0000", "PUT", "/api/projects/%00/skills", R"({"enabled": null})", 404,
          "not_found"),
      bad("unknown project skills", "GET", "/api/projects/{missing}/skills", "", 404, "not_found"),
      bad("unknown project files", "GET", "/api/projects/{missing}/files", "", 404, "not_found"),
      bad("project id .%2e, file content", "GET", "/api/projects/.%2e/files/content?path=CLAUDE.md",
          "", 404, "not_found"),
      bad("unknown project conversations", "GET", "/api/projects/{missing}/conversations", "", 404,
          "not_found"),
      bad("new conversation in an unknown project", "POST", "/api/projects/{missing}/conversations",
          "{}", 404, "not_found"),
      bad("project_id of an unknown project", "POST", "/api/conversations",
          R"({"project_id": "{missing}"})", 404, "not_found"),
      bad("project_id ../../etc", "POST", "/api/conversations", R"({"project_id": "../../etc"})",
          404, "not_found"),
      bad("project_id empty", "POST", "/api/conversations", R"({"project_id": ""})", 404,
          "not_found"),
      bad("unknown conversation", "GET", "/api/conversations/{missing}", "", 404, "not_found"),
      bad("conversation id ..", "PATCH", "/api/conversations/..", member("title", "x"), 404,
          "not_found"),
      bad("conversation id %2e%2e", "DELETE", "/api/conversations/%2e%2e", "", 404, "not_found"),
      bad("a project id used as a conversation id", "GET", "/api/conversations/{pid}", "", 404,
          "not_found"),
      bad("a conversation id used as a project id", "DELETE", "/api/projects/{cid}", "", 404,
          "not_found"),
      bad("broken percent-encoding in the path", "GET", "/api/projects/%zz", "", 400,
          "invalid_uri"),
      // ---- Path traversal
      // ------------------------------------------------------------------------
      bad("tree ..", "GET", Pid + "/files?path=..", "", 400, "invalid_path", "path"),
      bad("tree ../..", "GET", Pid + "/files?path=../..", "", 400, "invalid_path", "path"),
      bad("content a/../../x", "GET", Pid + "/files/content?path=a/../../x", "", 400,
          "invalid_path", "path"),
      bad("content ./../secret", "GET", Pid + "/files/content?path=./../secret", "", 400,
          "invalid_path", "path"),
      bad("content /etc/passwd", "GET", Pid + "/files/content?path=/etc/passwd", "", 400,
          "invalid_path", "path"),
      bad("content /proc/self/environ", "GET", Pid + "/files/content?path=/proc/self/environ", "",
          400, "invalid_path", "path"),
      bad("content %2e%2e%2f", "GET",
          Pid + "/files/content?path=%2e%2e%2f%2e%2e%2f%2e%2e%2f" + kOutsideName, "", 400,
          "invalid_path", "path"),
      bad("tree %2e%2e%2f", "GET", Pid + "/files?path=%2e%2e%2f", "", 400, "invalid_path", "path"),
      bad("content through a symlink to a file outside", "GET",
          Pid + "/files/content?path=escape-link", "", 400, "invalid_path", "path"),
      bad("content through a nested symlink to a file outside", "GET",
          Pid + "/files/content?path=src/deep-link", "", 400, "invalid_path", "path"),
      bad("tree of a symlinked dir outside", "GET", Pid + "/files?path=escape-dir", "", 400,
          "invalid_path", "path")
          .without(kOutsideName),
      bad("content inside a symlinked dir outside", "GET",
          Pid + "/files/content?path=escape-dir/" + kOutsideName, "", 400, "invalid_path", "path"),
      bad("content of a dangling symlink outside", "GET", Pid + "/files/content?path=dangling-link",
          "", 400, "invalid_path", "path"),
      bad("content with NUL (%00)", "GET", Pid + "/files/content?path=CLAUDE.md%00.png", "", 400,
          "invalid_path", "path"),
      bad("tree with NUL (%00)", "GET", Pid + "/files?path=%00", "", 400, "invalid_path", "path"),
      bad("content path of 5000 bytes", "GET",
          Pid + "/files/content?path=" + std::string(5000, 'p'), "", 400, "invalid_path", "path"),
      bad("content with a backslash is a plain name", "GET",
          Pid + "/files/content?path=..%5C" + kOutsideName, "", 404, "not_found"),
      bad("content without path", "GET", Pid + "/files/content", "", 400, "invalid_field", "path"),
      bad("content with an empty path", "GET", Pid + "/files/content?path=", "", 400,
          "invalid_field", "path"),
      bad("content of a directory", "GET", Pid + "/files/content?path=.claude", "", 400,
          "not_a_file", "path"),
      bad("tree of a file", "GET", Pid + "/files?path=CLAUDE.md", "", 400, "not_a_directory",
          "path"),
      bad("content of a missing file", "GET", Pid + "/files/content?path=nope.txt", "", 404,
          "not_found"),
      good("tree does not follow symlinks out", "GET", Pid + "/files", "", 200)
          .without(kOutsideName),
      // ---- Query parameters
      // ----------------------------------------------------------------------
      bad("limit=0", "GET", P + "?limit=0", "", 400, "invalid_field", "limit"),
      bad("limit=-1", "GET", P + "?limit=-1", "", 400, "invalid_field", "limit"),
      bad("limit=abc", "GET", P + "?limit=abc", "", 400, "invalid_field", "limit"),
      bad("limit=100000", "GET", P + "?limit=100000", "", 400, "invalid_field", "limit"),
      bad("limit=1.5", "GET", P + "?limit=1.5", "", 400, "invalid_field", "limit"),
      bad("limit overflowing int64", "GET", P + "?limit=99999999999999999999", "", 400,
          "invalid_field", "limit"),
      bad("cursor=garbage", "GET", P + "?cursor=garbage", "", 400, "invalid_field", "cursor"),
      bad("cursor decoding to nonsense", "GET", P + "?cursor=eDp5", "", 400, "invalid_field",
          "cursor"),
      bad("cursor of 2000 bytes", "GET", P + "?cursor=" + std::string(2000, 'c'), "", 400,
          "invalid_field", "cursor"),
      bad("conversations limit=0", "GET", Pid + "/conversations?limit=0", "", 400, "invalid_field",
          "limit"),
      bad("conversations limit=abc", "GET", Pid + "/conversations?limit=abc", "", 400,
          "invalid_field", "limit"),
      bad("conversations cursor=garbage", "GET", Pid + "/conversations?cursor=garbage", "", 400,
          "invalid_field", "cursor"),
      bad("after_seq=x", "GET", Cid + "?after_seq=x", "", 400, "invalid_field", "after_seq"),
      bad("after_seq=-2", "GET", Cid + "?after_seq=-2", "", 400, "invalid_field", "after_seq"),
      bad("after_seq=1e3", "GET", Cid + "?after_seq=1e3", "", 400, "invalid_field", "after_seq"),
      bad("messages limit=100000", "GET", Cid + "?limit=100000", "", 400, "invalid_field", "limit"),
      bad("broken percent-encoding in the query", "GET", P + "?cursor=%zz", "", 400, "invalid_uri"),
      // ---- Methods
      // -------------------------------------------------------------------------------
      bad("DELETE the project list", "DELETE", P, "", 405, "method_not_allowed")
          .allows("GET, HEAD, POST"),
      bad("PUT a project", "PUT", Pid, member("name", "put"), 405, "method_not_allowed")
          .allows("GET, HEAD, PATCH, DELETE"),
      bad("GET a backup", "GET", Pid + "/backup", "", 405, "method_not_allowed").allows("POST"),
      bad("DELETE settings", "DELETE", Pid + "/settings", "", 405, "method_not_allowed")
          .allows("GET, HEAD, PUT"),
      bad("POST skills", "POST", Pid + "/skills", R"({"enabled": []})", 405, "method_not_allowed")
          .allows("GET, HEAD, PUT"),
      bad("POST files", "POST", Pid + "/files", "{}", 405, "method_not_allowed")
          .allows("GET, HEAD"),
      bad("DELETE a file", "DELETE", Pid + "/files/content?path=CLAUDE.md", "", 405,
          "method_not_allowed")
          .allows("GET, HEAD"),
      bad("PUT a project's conversations", "PUT", Pid + "/conversations", "{}", 405,
          "method_not_allowed")
          .allows("GET, HEAD, POST"),
      bad("GET the conversation list", "GET", "/api/conversations", "", 405, "method_not_allowed")
          .allows("POST"),
      bad("POST a conversation", "POST", Cid, member("title", "t"), 405, "method_not_allowed")
          .allows("GET, HEAD, PATCH, DELETE"),
      bad("POST the user", "POST", "/api/config/user", "{}", 405, "method_not_allowed")
          .allows("GET, HEAD"),
      bad("DELETE the OpenAPI document", "DELETE", "/api/openapi.json", "", 405,
          "method_not_allowed")
          .allows("GET, HEAD"),
      // ---- Unknown paths
      // -------------------------------------------------------------------------
      bad("unknown /api path", "GET", "/api/nope", "", 404, "not_found"),
      bad("/api itself", "GET", "/api", "", 404, "not_found"),
      bad("unknown project sub-resource", "POST", Pid + "/unknown", "{}", 404, "not_found"),
      bad("too deep under files/content", "GET", Pid + "/files/content/extra", "", 404,
          "not_found"),
      bad("messages as a sub-resource", "GET", Cid + "/messages", "", 404, "not_found"),
      // ---- Identity
      // ------------------------------------------------------------------------------
      bad("no identity", "GET", "/api/config/user", "", 401, "unauthenticated").as(""),
      bad("identity with a space", "GET", "/api/config/user", "", 401, "unauthenticated")
          .as("a b@example.com"),
      bad("identity of 321 bytes", "POST", P, member("name", "x"), 401, "unauthenticated")
          .as(std::string(309, 'x') + "@example.com"),
      good("the OpenAPI document stays public, query ignored", "GET",
           "/api/openapi.json?limit=abc&path=..", "", 200)
          .as(""),
      // ---- Accepted: unicode round trips exactly
      // -------------------------------------------------
      good("emoji name", "POST", P, member("name", "🚀 Launch 🛰️ pipeline"), 201)
          .roundTrip("name", "🚀 Launch 🛰️ pipeline"),
      good("ZWJ emoji name", "POST", P, member("name", "👩‍💻 data eng 🏳️‍🌈"), 201)
          .roundTrip("name", "👩‍💻 data eng 🏳️‍🌈"),
      good("CJK name", "POST", P, member("name", "数据管道 データ 데이터"), 201)
          .roundTrip("name", "数据管道 データ 데이터"),
      good("RTL name", "POST", P, member("name", "مشروع البيانات ‏פרויקט"),
           201)
          .roundTrip("name", "مشروع البيانات ‏פרויקט"),
      good("combining marks stay decomposed", "POST", P,
           member("name", "Cafe\u0301 n\u0303 a\u0308\u0301"), 201)
          .roundTrip("name", "Cafe\u0301 n\u0303 a\u0308\u0301"),
      good("name of exactly 200 bytes of CJK", "POST", P,
           member("name",
                  [] {
                    std::string s = "ab";
                    for (int i = 0; i < 66; ++i) s += "数";
                    return s;
                  }()),
           201)
          .roundTrip("name",
                     [] {
                       std::string s = "ab";
                       for (int i = 0; i < 66; ++i) s += "数";
                       return s;
                     }()),
      good("escaped unicode in JSON", "POST", P, R"({"name": "\u00e9t\u00e9 \ud83d\ude80"})", 201)
          .roundTrip("name", "été 🚀"),
      good("charset parameter on the Content-Type", "POST", P, member("name", "with charset"), 201)
          .type("application/json; charset=utf-8")
          .roundTrip("name", "with charset"),
      good("media type in upper case", "POST", P, member("name", "upper case type"), 201)
          .type("Application/JSON")
          .roundTrip("name", "upper case type"),
      good("CJK conversation title", "POST", "/api/projects/{sid}/conversations",
           member("title", "会话 🚀 セッション"), 201)
          .roundTrip("title", "会话 🚀 セッション"),
      good("RTL conversation title", "POST", "/api/conversations",
           json{{"project_id", "{sid}"}, {"title", "שיחה עם הסוכן"}}.dump(), 201)
          .roundTrip("title", "שיחה עם הסוכן"),
      good("combining-mark rename", "PATCH", "/api/conversations/{scid}",
           member("title", "re\u0301sume\u0301 ✔"), 200)
          .roundTrip("title", "re\u0301sume\u0301 ✔", "/api/conversations/{scid}"),
      good("unicode catalog and schema", "PUT", "/api/projects/{sid}/settings",
           json{{"catalog", "katalog_ü"}, {"schema", "数据_层"}}.dump(), 200)
          .roundTrip("schema", "数据_层", "/api/projects/{sid}/settings"),
      // ---- Agent runs (this host has no agent backend: every refusal comes before that)
      // -------------------------------------------------------------------------------
      bad("invoke without message", "POST", "/api/agent/invoke", R"({"project_id": "{pid}"})", 400,
          "invalid_field", "message"),
      bad("invoke without project", "POST", "/api/agent/invoke", member("message", "hi"), 400,
          "invalid_field", "project_id"),
      bad("invoke message a number", "POST", "/api/agent/invoke",
          R"({"project_id": "{pid}", "message": 7})", 400, "invalid_field", "message"),
      bad("invoke blank message", "POST", "/api/agent/invoke",
          R"({"project_id": "{pid}", "message": " \n\t "})", 400, "invalid_field", "message"),
      bad("invoke message with U+0000", "POST", "/api/agent/invoke",
          R"({"project_id": "{pid}", "message": "a\u0000b"})", 400, "invalid_field", "message"),
      bad("invoke unknown member", "POST", "/api/agent/invoke",
          R"({"project_id": "{pid}", "message": "hi", "model": "opus"})", 400, "invalid_field",
          "model"),
      bad("invoke conversation_id a number", "POST", "/api/agent/invoke",
          R"({"project_id": "{pid}", "message": "hi", "conversation_id": 5})", 400, "invalid_field",
          "conversation_id"),
      bad("invoke as form data", "POST", "/api/agent/invoke", "message=hi", 415,
          "unsupported_media_type")
          .type("application/x-www-form-urlencoded"),
      bad("invoke truncated JSON", "POST", "/api/agent/invoke", R"({"project_id": ")", 400,
          "invalid_json"),
      bad("unknown run", "GET", "/api/agent/runs/{missing}", "", 404, "not_found"),
      bad("run id ..", "GET", "/api/agent/runs/../events", "", 404, "not_found"),
      bad("run events after=abc", "GET", "/api/agent/runs/{missing}/events?after=abc", "", 400,
          "invalid_field", "after"),
      bad("run events of an unknown run", "GET", "/api/agent/runs/{missing}/events", "", 404,
          "not_found"),
      bad("stop an unknown run", "POST", "/api/agent/runs/{missing}/stop", "", 404, "not_found")
          .type(""),
      bad("stop with a body that is not an object", "POST", "/api/agent/runs/{missing}/stop", "[]",
          400, "invalid_json"),
      bad("permission decision maybe", "POST", "/api/agent/runs/{missing}/permissions/r1",
          member("decision", "maybe"), 400, "invalid_field", "decision"),
      bad("permission remember a string", "POST", "/api/agent/runs/{missing}/permissions/r1",
          R"({"decision": "allow", "remember": "yes"})", 400, "invalid_field", "remember"),
      bad("permission for an unknown run", "POST", "/api/agent/runs/{missing}/permissions/r1",
          member("decision", "deny"), 404, "not_found"),
      bad("runs limit 0", "GET", "/api/conversations/{cid}/runs?limit=0", "", 400, "invalid_field",
          "limit"),
      bad("runs of an unknown conversation", "GET", "/api/conversations/{missing}/runs", "", 404,
          "not_found"),
      bad("system prompt of an unknown project", "GET", "/api/projects/{missing}/system-prompt", "",
          404, "not_found"),
      bad("skills reload of an unknown project", "POST", "/api/projects/{missing}/skills/reload",
          "", 404, "not_found")
          .type(""),
      bad("tools of an unknown project", "GET", "/api/projects/{missing}/tools", "", 404,
          "not_found"),
      bad("databricks lists of an unknown project", "GET",
          "/api/projects/{missing}/databricks/catalogs", "", 404, "not_found"),
  };
  return cases;
}

class BadInput : public ApiTest {
 protected:
  void SetUp() override {
    startHost("[backup]\ninterval_s = 86400\n");  // no pass changes the backup state meanwhile
    pid_ = createProject("alice's project")["id"];
    cid_ = createConversation(pid_)["id"];
    ASSERT_EQ(call("PUT", "/api/projects/" + pid_ + "/settings",
                   {{"catalog", "dev"}, {"schema", "bronze"}})
                  .status,
              200);
    ASSERT_EQ(call("PUT", "/api/projects/" + pid_ + "/skills", {{"enabled", {"jobs"}}}).status,
              200);
    sid_ = createProject("scratch")["id"];
    scid_ = createConversation(sid_)["id"];

    // Outside the project: a secret file and a directory holding one.
    outside_ = dir_.path() / "outside";
    fs::create_directories(outside_ / "dir");
    std::ofstream(outside_ / kOutsideName) << kOutsideSecret;
    std::ofstream(outside_ / "dir" / kOutsideName) << kOutsideSecret;
    const fs::path project = projectDir(pid_);
    fs::create_directories(project / "src");
    std::ofstream(project / "src" / "etl.py") << "print('etl')\n";
    fs::create_symlink(outside_ / kOutsideName, project / "escape-link");
    fs::create_symlink(outside_ / kOutsideName, project / "src" / "deep-link");
    fs::create_directory_symlink(outside_ / "dir", project / "escape-dir");
    fs::create_symlink(outside_ / "nothing-here", project / "dangling-link");
  }

  json getJson(const std::string& path) {
    const HttpResult r = call("GET", path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // Everything of alice's a refused request could have changed.
  json snapshot() {
    const std::string p = "/api/projects/" + pid_;
    json ids = json::array();
    for (const json& project : getJson("/api/projects?limit=1000")) ids.push_back(project["id"]);
    return {{"project", getJson(p)},
            {"settings", getJson(p + "/settings")},
            {"skills", getJson(p + "/skills")},
            {"tools", getJson(p + "/tools")},
            {"files", getJson(p + "/files")},
            {"conversations", getJson(p + "/conversations")},
            {"conversation", getJson("/api/conversations/" + cid_)},
            {"project_ids", ids}};
  }

  std::string expand(const std::string& s) const {
    std::string out = replaceAll(s, "{pid}", pid_);
    out = replaceAll(out, "{cid}", cid_);
    out = replaceAll(out, "{sid}", sid_);
    out = replaceAll(out, "{scid}", scid_);
    return replaceAll(out, "{missing}", kMissing);
  }

  // The JSON error shape, code, field and Allow of a refused case (ASSERTs end only this check).
  void checkError(const Case& c, const HttpResult& r) {
    const std::string shown = r.body.substr(0, 500);
    const json doc = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(doc.is_object() && doc.size() == 1 && doc.contains("error") &&
                doc["error"].is_object())
        << "[" << c.name << "] not the JSON error shape: " << shown;
    const json& error = doc["error"];
    EXPECT_TRUE(error.contains("code") && error["code"].is_string()) << "[" << c.name << "]";
    EXPECT_TRUE(error.contains("message") && error["message"].is_string() &&
                !error["message"].get<std::string>().empty())
        << "[" << c.name << "]";
    EXPECT_EQ(error.value("code", ""), c.code) << "[" << c.name << "] " << shown;
    EXPECT_EQ(error.value("field", ""), c.field) << "[" << c.name << "] " << shown;
    EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u)
        << "[" << c.name << "] " << r.header("Content-Type");
    if (!c.allow.empty() || r.status == 405) {
      EXPECT_EQ(r.header("Allow"), c.allow) << "[" << c.name << "]";
    }
  }

  // An accepted case: the member comes back byte for byte, in the answer and when read again.
  void checkRoundTrip(const Case& c, const HttpResult& r) {
    const json doc = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << "[" << c.name << "] " << r.body.substr(0, 500);
    EXPECT_EQ(doc.value(c.member, json()), json(c.value)) << "[" << c.name << "] " << r.body;
    const std::string from = c.readBack.empty() ? r.header("Location") : expand(c.readBack);
    ASSERT_FALSE(from.empty()) << "[" << c.name << "] no Location";
    const json again = getJson(from);
    ASSERT_TRUE(again.is_object()) << "[" << c.name << "] read back from " << from;
    EXPECT_EQ(again.value(c.member, json()), json(c.value))
        << "[" << c.name << "] read back from " << from;
  }

  static constexpr const char* kMissing = "0b7e6a52-3c1d-4f0e-9a8b-123456789abc";
  std::string pid_, cid_, sid_, scid_;
  fs::path outside_;
};

TEST_F(BadInput, CorpusIsRefusedCleanlyAndChangesNothing) {
  const std::vector<Case> cases = corpus();
  EXPECT_GE(cases.size(), 60u);

  // Every registered /api route is exercised by at least one case.
  for (const auto& [method, pattern] : host_->router().routes()) {
    if (pattern.rfind("/api/", 0) != 0) continue;
    const bool covered = std::any_of(cases.begin(), cases.end(), [&](const Case& c) {
      return c.method == method && patternMatches(pattern, c.path);
    });
    EXPECT_TRUE(covered) << "no bad-input case for " << method << " " << pattern;
  }

  json before = snapshot();
  for (const Case& c : cases) {
    const std::string path = expand(c.path);
    const std::string body = expand(c.body);
    SCOPED_TRACE("case \"" + c.name + "\": " + c.method + " " + path.substr(0, 200));
    HttpResult r;
    try {
      r = callRaw(c.method, path, body, c.contentType, c.user);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "[" << c.name << "] the request failed on the wire: " << e.what()
                    << "\nWith the body held back the host answers:\n"
                    << answerWithoutBody(port_, c, path, body.size());
      continue;
    }
    const std::string shown = r.body.substr(0, 500);
    EXPECT_LT(r.status, 500) << "[" << c.name << "] " << shown;
    EXPECT_EQ(r.status, c.status) << "[" << c.name << "] " << shown;
    EXPECT_EQ(r.body.find(kOutsideSecret), std::string::npos)
        << "[" << c.name << "] served a file from outside the project";
    for (const std::string& s : c.absent) {
      EXPECT_EQ(r.body.find(s), std::string::npos) << "[" << c.name << "] answer contains " << s;
    }

    if (c.status >= 400) {
      checkError(c, r);
    } else if (r.status == c.status && !c.member.empty()) {
      checkRoundTrip(c, r);
    }

    // Nothing of alice's changed (an accepted create adds a project to her list, nothing else).
    json after = snapshot();
    if (c.status < 300) {
      before["project_ids"] = after["project_ids"];
    }
    EXPECT_EQ(after, before) << "[" << c.name
                             << "] changed alice's data: " << json::diff(before, after).dump();
    before = std::move(after);
  }

  // The outside files are still there, and the host is still healthy.
  std::ifstream secret(outside_ / kOutsideName);
  std::string text((std::istreambuf_iterator<char>(secret)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, kOutsideSecret);
  const HttpResult health = call("GET", "/healthz", nullptr, "");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(call("GET", "/api/projects/" + pid_).status, 200);
}

}  // namespace
}  // namespace devkit::testing
