#include "projects/project_files.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/failure.hpp"
#include "test_files.hpp"

namespace devkit::projects::files {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class ResolveInside : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "project";
    fs::create_directories(root_ / "src");
    std::ofstream(root_ / "src/a.py") << "x";
    dir_.write("outside.txt", "secret");
  }
  core::FailureKind kindOf(const std::string& relative) {
    try {
      resolveInside(root_, relative, "path");
    } catch (const core::Failure& f) {
      return f.kind();
    }
    ADD_FAILURE() << "accepted " << relative;
    return core::FailureKind::kInternal;
  }
  TempDir dir_;
  fs::path root_;
};

TEST_F(ResolveInside, AcceptsPathsInsideAndNormalises) {
  const fs::path canonical = fs::canonical(root_ / "src/a.py");
  EXPECT_EQ(resolveInside(root_, "src/a.py", "path"), canonical);
  EXPECT_EQ(resolveInside(root_, "./src//a.py", "path"), canonical);
  EXPECT_EQ(resolveInside(root_, "", "path"), fs::canonical(root_));
}

TEST_F(ResolveInside, RefusesEveryWayOut) {
  fs::create_symlink(dir_.path() / "outside.txt", root_ / "out-link");
  fs::create_symlink(dir_.path(), root_ / "out-dir");
  fs::create_symlink(dir_.path() / "missing", root_ / "dangling-out");
  for (const std::string& p :
       std::vector<std::string>{"..", "../outside.txt", "src/../../outside.txt", "/etc/passwd",
                                "out-link", "out-dir/outside.txt", "dangling-out",
                                std::string("a\0b", 3), "a\nb", std::string(5000, 'a')}) {
    EXPECT_EQ(kindOf(p), core::FailureKind::kInvalid) << p;
  }
  EXPECT_EQ(kindOf("missing.txt"), core::FailureKind::kNotFound);
}

TEST(ProjectFiles, IsoTimeIsUtcWithMilliseconds) {
  EXPECT_EQ(isoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(isoTime(1795000000123456), "2026-11-18T11:06:40.123Z");
}

TEST(ProjectFiles, ContentTypeByExtensionThenBySniffing) {
  TempDir dir;
  EXPECT_EQ(contentTypeFor(dir.write("q.SQL", "SELECT 1")), "application/sql; charset=utf-8");
  EXPECT_EQ(contentTypeFor(dir.write("n.ipynb", "{}")), "application/x-ipynb+json; charset=utf-8");
  EXPECT_EQ(contentTypeFor(dir.write("Makefile", "all:\n\techo é\n")), "text/plain; charset=utf-8");
  EXPECT_EQ(contentTypeFor(dir.write("blob", std::string("\x89PNG\x00\x01", 6))),
            "application/octet-stream");
  EXPECT_EQ(contentTypeFor(dir.write("latin1", "caf\xe9 au lait")), "application/octet-stream");
}

}  // namespace
}  // namespace devkit::projects::files
