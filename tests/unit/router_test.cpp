#include "http/router.hpp"

#include <gtest/gtest.h>

#include "http/static_files.hpp"

namespace devkit::http {
namespace {

TEST(Router, MatchesLiteralAndCapturedSegments) {
  Router r;
  int hit = 0;
  r.add("GET", "/api/projects", [&](RequestContext&) { hit = 1; });
  r.add("GET", "/api/projects/{id}/files", [&](RequestContext&) { hit = 2; });
  Router::Match m = r.match("GET", "/api/projects/p-1/files");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params["id"], "p-1");
  EXPECT_NE(r.match("GET", "/api/projects/").handler, nullptr);  // trailing slash tolerated
  EXPECT_EQ(r.match("GET", "/api/projects/p-1").handler, nullptr);
  EXPECT_EQ(r.match("GET", "/api/projects/p-1/files/x").handler, nullptr);
}

TEST(Router, ReportsAllowedMethodsForA405) {
  Router r;
  r.add("GET", "/api/x/{id}", [](RequestContext&) {});
  r.add("DELETE", "/api/x/{id}", [](RequestContext&) {});
  const Router::Match m = r.match("POST", "/api/x/1");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowedMethods, (std::vector<std::string>{"GET", "HEAD", "DELETE"}));
  EXPECT_TRUE(r.match("POST", "/api/y").allowedMethods.empty());
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  r.add("GET", "/healthz", [](RequestContext&) {});
  EXPECT_NE(r.match("HEAD", "/healthz").handler, nullptr);
}

TEST(StaticFiles, MimeTypes) {
  EXPECT_EQ(mimeTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("app.3f2a.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("font.woff2"), "font/woff2");
  EXPECT_EQ(mimeTypeFor("icon.svg"), "image/svg+xml");
  EXPECT_EQ(mimeTypeFor("blob.bin"), "application/octet-stream");
  EXPECT_EQ(mimeTypeFor("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace devkit::http
