// A large SQL result through mcp-databricks: execute_sql of a 1,000,000-row statement that the
// fake workspace (tests/fixtures/fake-databricks; a real one is out of reach) serves through
// EXTERNAL_LINKS in 100,000-row chunks. Measures the time to the tool's answer, the plugin
// process's peak memory (ru_maxrss, before and after) and the saved file, and checks that the
// file holds every row. Usage: databricks_bench [rows] (default 1000000).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "../tests/databricks/fake_databricks.hpp"
#include "../tests/databricks/tool_harness.hpp"

namespace {

long peakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  using devkit::databricks::testing::FakeDatabricks;
  using devkit::databricks::testing::ToolHarness;
  const long rows = argc > 1 ? std::stol(argv[1]) : 1000000;
  const auto project = std::filesystem::temp_directory_path() / "devkit-databricks-bench";
  std::filesystem::remove_all(project);
  std::filesystem::create_directories(project);

  auto& fake = FakeDatabricks::shared();
  fake.reset();
  fake.scriptSql({{"match", "FROM bench\\.big"}, {"generate_rows", rows}});
  ToolHarness tools(fake.url(), {{"warehouse_id", "wh-shared"}, {"request_timeout_s", 300}});
  const long rssBefore = peakRssKb();
  const auto started = std::chrono::steady_clock::now();
  const auto result =
      tools.call("execute_sql", {{"query", "SELECT * FROM bench.big"}, {"row_limit", rows}},
                 ToolHarness::context("", project.string()));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const long rssAfter = peakRssKb();
  if (result.status != DK_OK || result.isError) {
    std::cerr << "execute_sql failed: " << result.error << result.text << "\n";
    return 1;
  }
  const std::string saved = result.structured.value("saved_to", "");
  long lines = 0;
  uintmax_t bytes = 0;
  if (!saved.empty()) {
    std::ifstream in(project / saved);
    std::string line;
    while (std::getline(in, line)) ++lines;
    bytes = std::filesystem::file_size(project / saved);
  }
  int statements = 0;
  for (const auto& c : fake.calls()) {
    if (c["method"] == "POST" && c["path"] == "/api/2.0/sql/statements") ++statements;
  }
  const size_t chunks = fake.downloads().size();
  std::printf(
      "rows %ld: answer in %.2f s (%.0f rows/s); %d statement(s), %zu external-link chunk(s); "
      "answer %zu chars; peak RSS %ld KiB before, %ld KiB after (+%ld KiB); saved %s: %ld "
      "lines, %.1f MiB\n",
      rows, seconds, static_cast<double>(rows) / seconds, statements, chunks,
      result.raw.dump().size(), rssBefore, rssAfter, rssAfter - rssBefore, saved.c_str(), lines,
      static_cast<double>(bytes) / (1024.0 * 1024.0));
  std::filesystem::remove_all(project);
  // Header line plus one line per row.
  return lines == rows + 1 ? 0 : 2;
}
