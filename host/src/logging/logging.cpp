#include "logging/logging.hpp"

#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace devkit::logging {
namespace {

class SecretRegistry {
 public:
  void add(const std::string& value) {
    if (value.size() < 4) return;
    std::unique_lock lock(mutex_);
    for (const auto& s : secrets_) {
      if (s == value) return;
    }
    secrets_.push_back(value);
  }
  std::string apply(std::string text) const {
    std::shared_lock lock(mutex_);
    for (const auto& s : secrets_) {
      for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3)) {
        text.replace(pos, s.size(), "***");
      }
    }
    return text;
  }

 private:
  mutable std::shared_mutex mutex_;
  std::vector<std::string> secrets_;
};

SecretRegistry& secrets() {
  static SecretRegistry* registry = new SecretRegistry;  // never destroyed: loggers may run at exit
  return *registry;
}

// One JSON object per line: {"ts_us","level","logger","msg"}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
    nlohmann::json line = {
        {"ts_us", micros},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// stderr, with secrets redacted from the formatted line.
class RedactingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const std::string line = secrets().apply(std::string(formatted.data(), formatted.size()));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

std::shared_ptr<RedactingStderrSink>& sharedSink() {
  static auto* sink =
      new std::shared_ptr<RedactingStderrSink>(std::make_shared<RedactingStderrSink>());
  return *sink;
}

spdlog::level::level_enum& currentLevel() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

std::mutex& registryMutex() {
  static std::mutex m;
  return m;
}

// Poco::Channel that forwards to the "poco" spdlog logger.
class SpdlogChannel final : public Poco::Channel {
 public:
  void log(const Poco::Message& msg) override {
    static const auto logger = get("poco");
    spdlog::level::level_enum level = spdlog::level::info;
    switch (msg.getPriority()) {
      case Poco::Message::PRIO_FATAL:
      case Poco::Message::PRIO_CRITICAL:
      case Poco::Message::PRIO_ERROR:
        level = spdlog::level::err;
        break;
      case Poco::Message::PRIO_WARNING:
        level = spdlog::level::warn;
        break;
      case Poco::Message::PRIO_NOTICE:
      case Poco::Message::PRIO_INFORMATION:
        level = spdlog::level::info;
        break;
      case Poco::Message::PRIO_DEBUG:
        level = spdlog::level::debug;
        break;
      case Poco::Message::PRIO_TRACE:
        level = spdlog::level::trace;
        break;
    }
    logger->log(level, "{}: {}", msg.getSource(), msg.getText());
  }
};

}  // namespace

spdlog::level::level_enum parseLevel(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  if (level == "off") return spdlog::level::off;
  throw std::invalid_argument("unknown log level '" + std::string(level) + "'");
}

void setup(std::string_view level, Format format) {
  std::lock_guard lock(registryMutex());
  currentLevel() = parseLevel(level);
  if (format == Format::kJson) {
    sharedSink()->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sharedSink()->set_formatter(
        std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v"));
  }
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(currentLevel()); });
  if (!spdlog::get("devkit")) {
    auto logger = std::make_shared<spdlog::logger>("devkit", sharedSink());
    logger->set_level(currentLevel());
    spdlog::register_logger(logger);
    spdlog::set_default_logger(logger);
  }
}

std::shared_ptr<spdlog::logger> get(const std::string& name) {
  std::lock_guard lock(registryMutex());
  if (auto existing = spdlog::get(name)) {
    return existing;
  }
  auto logger = std::make_shared<spdlog::logger>(name, sharedSink());
  logger->set_level(currentLevel());
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

void addSecret(const std::string& value) { secrets().add(value); }

std::string redact(std::string text) { return secrets().apply(std::move(text)); }

void routePocoLogging() {
  Poco::AutoPtr<Poco::Channel> channel(new SpdlogChannel);
  Poco::Logger::setChannel("", channel);  // root and every logger that exists already
  Poco::Logger::setLevel("", Poco::Message::PRIO_INFORMATION);
}

}  // namespace devkit::logging
