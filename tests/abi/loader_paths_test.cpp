// The loader's file checks, which need no fixture of their own: a copy of good-counter placed where
// (or how) a plugin must not be.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi_test_support.hpp"
#include "plugins/proxies.hpp"

namespace devkit::abi_test {
namespace {

namespace fs = std::filesystem;
using plugins::loadPlugin;
using plugins::PluginError;
using plugins::UnloadPolicy;
using ::testing::HasSubstr;

constexpr const char* kId = "good-counter";

class LoaderPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(pluginDir());
    fs::copy_file(pluginFile(kFixtureDir, kId), pluginDir() / "good-counter.so");
  }
  fs::path pluginDir() const { return temp_.path() / "plugins"; }

  std::string errorOf(const std::string& dir, const std::string& file) const {
    try {
      loadPlugin(dir, kId, file, kHostVersion, UnloadPolicy::kOnRelease);
    } catch (const PluginError& e) {
      return e.what();
    }
    ADD_FAILURE() << file << " was loaded, but must be refused";
    return "";
  }

  TempDir temp_;
};

TEST_F(LoaderPaths, CopyInsideThePluginDirLoadsByRelativeAndAbsolutePath) {
  for (const std::string& file :
       {std::string("good-counter.so"), (pluginDir() / "good-counter.so").string()}) {
    const auto lib = loadPlugin(pluginDir(), kId, file, kHostVersion, UnloadPolicy::kOnRelease);
    EXPECT_TRUE(
        plugins::createToolProvider(lib, "{}")->callTool({"count", "{}", "{}", {}, nullptr}).ok());
  }
}

TEST_F(LoaderPaths, MissingFileIsRefused) {
  EXPECT_THAT(errorOf(pluginDir(), "absent.so"), HasSubstr("no such file"));
}

TEST_F(LoaderPaths, MissingPluginDirIsRefused) {
  EXPECT_THAT(errorOf((temp_.path() / "nowhere").string(), "good-counter.so"),
              HasSubstr("does not exist"));
}

TEST_F(LoaderPaths, FileOutsideThePluginDirIsRefused) {
  fs::copy_file(pluginFile(kFixtureDir, kId), temp_.path() / "outside.so");
  EXPECT_THAT(errorOf(pluginDir(), "../outside.so"), HasSubstr("outside the plugin dir"));
  EXPECT_THAT(errorOf(pluginDir(), (temp_.path() / "outside.so").string()),
              HasSubstr("outside the plugin dir"));
}

TEST_F(LoaderPaths, SymlinkLeavingThePluginDirIsRefused) {
  fs::copy_file(pluginFile(kFixtureDir, kId), temp_.path() / "outside.so");
  fs::create_symlink(temp_.path() / "outside.so", pluginDir() / "link.so");
  EXPECT_THAT(errorOf(pluginDir(), "link.so"), HasSubstr("outside the plugin dir"));
}

TEST_F(LoaderPaths, DirectoryIsRefused) {
  fs::create_directory(pluginDir() / "dir.so");
  EXPECT_THAT(errorOf(pluginDir(), "dir.so"), HasSubstr("not a regular file"));
}

TEST_F(LoaderPaths, WorldWritableFileIsRefused) {
  fs::permissions(pluginDir() / "good-counter.so", fs::perms::others_write, fs::perm_options::add);
  EXPECT_THAT(errorOf(pluginDir(), "good-counter.so"), HasSubstr("world-writable"));
}

TEST_F(LoaderPaths, FileOfAnotherUserIsRefused) {
  const uid_t other = ::geteuid() == 0 ? 65534 : 0;
  if (::chown((pluginDir() / "good-counter.so").c_str(), other, static_cast<gid_t>(-1)) != 0) {
    GTEST_SKIP() << "cannot give a file to another user here (not root)";
  }
  EXPECT_THAT(errorOf(pluginDir(), "good-counter.so"), HasSubstr("owned by another user"));
}

}  // namespace
}  // namespace devkit::abi_test
