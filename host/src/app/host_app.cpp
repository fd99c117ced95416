#include "app/host_app.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <spdlog/spdlog.h>
#include "app/version.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "logging/logging.hpp"
#include "mcp/stdio_transport.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::app {

namespace fs = std::filesystem;

HostApp::HostApp() {
  setUnixOptions(true);
  // Application's constructor points every Poco logger at a ConsoleChannel; send them to spdlog.
  logging::routePocoLogging();
}

void HostApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Poco::Util::Option("config", "c",
                                       "the INI file (default: $DEVKIT_CONFIG, "
                                       "./etc/devkit.ini, <home>/etc/devkit.ini)")
                        .required(false)
                        .repeatable(false)
                        .argument("FILE"));
  options.addOption(
      Poco::Util::Option("check-config", "", "validate the configuration and plugins, then exit")
          .required(false)
          .repeatable(false));
  options.addOption(Poco::Util::Option("stdio", "",
                                       "with the command mcp: serve the tools over MCP on "
                                       "stdin/stdout instead of starting the web server")
                        .required(false)
                        .repeatable(false));
  options.addOption(Poco::Util::Option("version", "", "print the version and exit")
                        .required(false)
                        .repeatable(false));
  options.addOption(Poco::Util::Option("help", "h", "print this help and exit")
                        .required(false)
                        .repeatable(false));
}

void HostApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "config") {
    configFile_ = value;
  } else if (name == "stdio") {
    stdio_ = true;
  } else if (name == "check-config") {
    checkOnly_ = true;
  } else if (name == "version") {
    versionRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  }
}

std::string HostApp::homeDir() const {
  // application.dir is the executable's directory (bin/); home is the one above it, where the build
  // (and an install) keep plugins/, webroot/ and skills/.
  const fs::path bin(config().getString("application.dir", "./"));
  return fs::weakly_canonical(bin / "..").string();
}

std::string HostApp::findConfigFile() const {
  if (!configFile_.empty()) {
    return configFile_;
  }
  if (const char* env = std::getenv("DEVKIT_CONFIG"); env != nullptr && *env != '\0') {
    return env;
  }
  for (const fs::path& candidate :
       {fs::path("etc/devkit.ini"), fs::path(homeDir()) / "etc/devkit.ini"}) {
    if (fs::is_regular_file(candidate)) {
      return candidate.string();
    }
  }
  return "etc/devkit.ini";  // reported as missing by the loader, naming the path
}

void HostApp::initialize(Poco::Util::Application& self) {
  ServerApplication::initialize(self);
  if (helpRequested_ || versionRequested_) {
    return;
  }
  const auto log = logging::get("devkit");
  try {
    config::LoadOptions options;
    options.file = findConfigFile();
    options.environment = config::processEnvironment();
    options.home = homeDir();
    options.version = kVersion;
    config::HostConfig cfg = config::loadConfig(options);
    logging::setup(cfg.logging.level,
                   cfg.logging.format == "json" ? logging::Format::kJson : logging::Format::kText);
    for (const std::string& secret : cfg.secrets) {
      logging::addSecret(secret);
    }
    host_ = std::make_unique<Host>(std::move(cfg));
    // A failed start prints only its one error line; a good one says what it is running with.
    std::string loaded;
    for (const auto& record : host_->plugins().plugins()) {
      if (record.state == plugins::PluginState::kLoaded) {
        loaded += (loaded.empty() ? "" : ", ") + record.id + " " + record.library->version;
      }
    }
    log->info("devkit {}: config {}, data {}, plugins: {}", kVersion, host_->config().file,
              host_->config().dataDir, loaded.empty() ? "none" : loaded);
  } catch (const config::ConfigError& e) {
    startupError_ = e.what();
  } catch (const plugins::PluginError& e) {
    startupError_ = e.what();
  }
  if (!startupError_.empty()) {
    // Exactly one line, then main() returns 78. Throwing instead would make Poco's
    // Application::run log the same text a second time.
    log->error("{}", startupError_);
  }
}

void HostApp::uninitialize() {
  if (host_ && !host_->stop()) {
    // Workers are stuck past the deadline: leave now rather than destroy what they use.
    logging::get("devkit")->error("forced exit after the shutdown deadline");
    spdlog::shutdown();
    std::_Exit(EXIT_SOFTWARE);  // not a clean stop: say so to the supervisor
  }
  host_.reset();
  ServerApplication::uninitialize();
}

int HostApp::main(const std::vector<std::string>& args) {
  if (helpRequested_) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[--config FILE] [--check-config] | mcp --stdio [--config FILE]");
    help.setHeader("Databricks AI Dev Kit host " + std::string(kVersion) +
                   ": serves the web UI and API, loads plugins from [plugins] dir.");
    help.format(std::cout);
    return EXIT_OK;
  }
  if (versionRequested_) {
    std::cout << "devkit " << kVersion << " (plugin ABI "
              << plugins::abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR) << ")\n";
    return EXIT_OK;
  }
  const bool mcpCommand = args.size() == 1 && args[0] == "mcp";
  if (!args.empty() && !mcpCommand) {
    std::cerr << "devkit: unknown command '" << args[0] << "' (try --help)\n";
    return EXIT_USAGE;
  }
  if (mcpCommand != stdio_) {
    std::cerr << "devkit: the MCP server runs as `devkit mcp --stdio`\n";
    return EXIT_USAGE;
  }
  if (!startupError_.empty()) {
    return kExitConfig;
  }
  const auto log = logging::get("devkit");
  if (stdio_ && !checkOnly_) {
    // The local user, no auth: whoever can start the process owns it.
    mcp::CallContext context;
    context.userEmail = host_->config().auth.devUserEmail;
    context.userName = host_->config().auth.devUserName.empty()
                           ? context.userEmail.substr(0, context.userEmail.find('@'))
                           : host_->config().auth.devUserName;
    log->info("serving {} tools over MCP on stdio", host_->mcpServer().toolCount());
    mcp::runStdio(host_->mcpServer(), context, std::cin, std::cout);
    return EXIT_OK;
  }
  if (checkOnly_) {
    log->info("configuration and plugins OK");
    return EXIT_OK;
  }
  try {
    host_->start();
  } catch (const Poco::Exception& e) {
    log->error("cannot listen on {}:{}: {}", host_->config().server.host,
               host_->config().server.port, e.displayText());
    return EXIT_UNAVAILABLE;
  } catch (const std::exception& e) {
    log->error("cannot listen on {}:{}: {}", host_->config().server.host,
               host_->config().server.port, e.what());
    return EXIT_UNAVAILABLE;
  }
  const std::string shownHost =
      host_->config().server.host == "0.0.0.0" ? "localhost" : host_->config().server.host;
  log->info("listening on http://{}:{}", shownHost, host_->port());
  waitForTerminationRequest();
  log->info("shutting down");
  return EXIT_OK;
}

}  // namespace devkit::app
