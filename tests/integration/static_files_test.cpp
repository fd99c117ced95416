// Serving the built UI: content types, caching, ETag/304, SPA fallback, HEAD, and traversal.
#include <gtest/gtest.h>

#include <filesystem>

#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>

#include "test_support.hpp"

namespace devkit::testing {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("webroot/index.html", "<!doctype html><title>UI</title>");
    dir_.write("webroot/assets/app-3f2a.js", "console.log('ui')");
    dir_.write("webroot/style.css", "body{}");
    dir_.write("outside/secret.txt", "do not serve");
    std::filesystem::create_symlink(dir_.path() / "outside/secret.txt",
                                    dir_.path() / "webroot/leak.txt");
    std::filesystem::create_directory_symlink(dir_.path() / "outside",
                                              dir_.path() / "webroot/linkdir");
    host_ = std::make_unique<app::Host>(loadIni(dir_, hostIni(dir_)));
    host_->start();
    port_ = host_->port();
  }
  void TearDown() override { host_->stop(); }

  // Sends a raw request line, so paths reach the server exactly as written.
  std::string raw(const std::string& target) {
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<uint16_t>(port_)));
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    Poco::Net::SocketInputStream in(socket);
    std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<app::Host> host_;
  int port_ = 0;
};

TEST_F(StaticFilesTest, IndexWithTypeAndNoCache) {
  const HttpResult r = fetch(port_, "GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>UI</title>");
  EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  EXPECT_FALSE(r.header("Content-Security-Policy").empty());
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutable) {
  const HttpResult r = fetch(port_, "GET", "/assets/app-3f2a.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(fetch(port_, "GET", "/style.css").header("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, EtagGives304) {
  const HttpResult first = fetch(port_, "GET", "/style.css");
  const std::string etag = first.header("ETag");
  ASSERT_FALSE(etag.empty());
  const HttpResult second = fetch(port_, "GET", "/style.css", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
}

TEST_F(StaticFilesTest, SpaFallbackForClientRoutesOnly) {
  const HttpResult route = fetch(port_, "GET", "/projects/abc/conversations");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, "<!doctype html><title>UI</title>");
  const HttpResult missing = fetch(port_, "GET", "/assets/missing.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "not_found");
}

TEST_F(StaticFilesTest, HeadSendsHeadersOnly) {
  const HttpResult r = fetch(port_, "HEAD", "/style.css");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.response.getContentLength(), 6);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(StaticFilesTest, OtherMethodsAre405) {
  const HttpResult r = fetch(port_, "POST", "/style.css", "x", "text/plain");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
}

TEST_F(StaticFilesTest, TraversalAndSymlinksOutOfTheRootAreRefused) {
  for (const char* target :
       {"/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/assets/../../outside/secret.txt",
        "/leak.txt", "/linkdir/secret.txt", "/..%2f..%2fetc%2fpasswd"}) {
    const std::string response = raw(target);
    EXPECT_EQ(response.find("do not serve"), std::string::npos) << target;
    EXPECT_EQ(response.find("root:"), std::string::npos) << target;
    EXPECT_TRUE(response.rfind("HTTP/1.1 404", 0) == 0 || response.rfind("HTTP/1.1 400", 0) == 0)
        << target << ": " << response.substr(0, 40);
  }
}

TEST_F(StaticFilesTest, MissingUiIsExplained) {
  std::filesystem::remove(dir_.path() / "webroot/index.html");
  const HttpResult r = fetch(port_, "GET", "/some/route");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"]["code"], "ui_not_built");
}

}  // namespace
}  // namespace devkit::testing
