// devkit: the Databricks AI Dev Kit host.
#include <csignal>
#include <iostream>

#include <Poco/Exception.h>

#include "app/host_app.hpp"
#include "logging/logging.hpp"

int main(int argc, char** argv) {
  // Block the termination signals before any thread exists: every thread inherits the mask, so only
  // ServerApplication::waitForTerminationRequest (sigwait) receives them and shutdown is graceful.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGQUIT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  devkit::logging::setup("info", devkit::logging::Format::kText);
  try {
    devkit::app::HostApp app;
    return app.run(argc, argv);
  } catch (const Poco::Exception& e) {
    devkit::logging::get("devkit")->error("{}", e.displayText());
    return Poco::Util::Application::EXIT_SOFTWARE;
  } catch (const std::exception& e) {
    devkit::logging::get("devkit")->error("{}", e.what());
    return Poco::Util::Application::EXIT_SOFTWARE;
  }
}
