// mock-anthropic: the scripted Anthropic Messages API mock as a process, for end-to-end tests that
// run outside a GoogleTest binary (a browser driving the host, which runs the real Claude Code
// CLI).
//
//   mock-anthropic [--port N] [--scenario FILE]
//
// Prints "port=<n>" on stdout once listening, logs one line per request to stderr, and runs until
// SIGINT or SIGTERM. Control routes (GET /_mock/requests, POST /_mock/scenario|push|release) let
// the test change the script and release holds; see tests/support/README.md.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "mock_anthropic.hpp"

namespace {

int usage(const std::string& problem) {
  std::cerr << "mock-anthropic: " << problem
            << "\nusage: mock-anthropic [--port N] [--scenario FILE]\n";
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  using devkit::testing::MockAnthropic;
  uint16_t port = 0;
  nlohmann::json scenario = nlohmann::json::object();
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if ((arg == "--port" || arg == "--scenario") && i + 1 >= argc) {
        return usage(arg + " needs a value");
      }
      if (arg == "--port") {
        const long value = std::stol(argv[++i]);
        if (value < 0 || value > 65535) return usage("port out of range");
        port = static_cast<uint16_t>(value);
      } else if (arg == "--scenario") {
        scenario = devkit::testing::loadScenarioFile(argv[++i]);
      } else if (arg == "--help" || arg == "-h") {
        usage("help");
        return 0;
      } else {
        return usage("unknown argument " + arg);
      }
    }
  } catch (const std::exception& e) {
    return usage(e.what());
  }

  // Block the stop signals before the server threads start, so only sigwait below sees them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  try {
    MockAnthropic mock(scenario, port);
    mock.setListener([](const devkit::testing::RecordedRequest& request) {
      std::string line = "mock-anthropic: #" + std::to_string(request.seq) + " " + request.method +
                         " " + request.target + " " + toString(request.kind);
      if (request.kind == devkit::testing::RequestKind::kMain) {
        line += request.scriptIndex >= 0 ? " script=" + std::to_string(request.scriptIndex)
                                         : " script=none";
      }
      if (request.body.is_object() && request.body.contains("model")) {
        line += " model=" + request.body["model"].dump();
      }
      std::cerr << line + "\n" << std::flush;
    });
    std::cout << "port=" << mock.port() << std::endl;
    int signal = 0;
    sigwait(&stopSignals, &signal);
    std::cerr << "mock-anthropic: stopping\n";
  } catch (const std::exception& e) {
    std::cerr << "mock-anthropic: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
