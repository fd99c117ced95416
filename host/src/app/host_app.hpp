#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Poco/Util/ServerApplication.h>

#include "app/host.hpp"

namespace devkit::app {

/// Exit code for configuration and plugin-loading failures (sysexits.h EX_CONFIG).
inline constexpr int kExitConfig = 78;

/// The devkit executable: Poco's ServerApplication (options, signals, --daemon) around Host.
/// Command line: --config FILE (-c), --check-config, --version, --help.
class HostApp final : public Poco::Util::ServerApplication {
 public:
  HostApp();

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  void initialize(Poco::Util::Application& self) override;
  void uninitialize() override;
  int main(const std::vector<std::string>& args) override;

 private:
  std::string findConfigFile() const;
  std::string homeDir() const;

  std::string configFile_;
  std::string startupError_;  // set by initialize(); main() then exits 78
  bool helpRequested_ = false;
  bool versionRequested_ = false;
  bool checkOnly_ = false;
  bool stdio_ = false;  // `devkit mcp --stdio`
  std::unique_ptr<Host> host_;
};

}  // namespace devkit::app
