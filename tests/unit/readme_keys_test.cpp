// The README's configuration table lists every key of every host section, so the documentation
// cannot fall behind the schema.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "config/host_schema.hpp"

namespace devkit::config {
namespace {

TEST(ReadmeKeys, EveryHostKeyIsDocumented) {
  std::ifstream readme(std::string(DEVKIT_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(readme) << "README.md not found";
  std::set<std::string> documented;
  const std::regex row(R"(^\| ([a-z_.&;<>]+) \| ([a-z_]+) \|)");
  std::string line;
  std::smatch m;
  while (std::getline(readme, line)) {
    if (std::regex_search(line, m, row)) documented.insert(m[1].str() + "." + m[2].str());
  }
  for (const auto& [section, schema] : hostSectionSchemas().items()) {
    for (const auto& [key, _] : schema["properties"].items()) {
      EXPECT_TRUE(documented.count(section + "." + key))
          << "[" << section << "] " << key << " is missing from README.md's key table";
    }
  }
}

}  // namespace
}  // namespace devkit::config
