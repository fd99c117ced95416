#include "plugins/host_api.hpp"

#include "logging/logging.hpp"

namespace devkit::plugins {
namespace {

spdlog::level::level_enum toSpdlog(dk_log_level level) {
  switch (level) {
    case DK_LOG_TRACE:
      return spdlog::level::trace;
    case DK_LOG_DEBUG:
      return spdlog::level::debug;
    case DK_LOG_INFO:
      return spdlog::level::info;
    case DK_LOG_WARN:
      return spdlog::level::warn;
    case DK_LOG_ERROR:
      return spdlog::level::err;
    default:
      return spdlog::level::warn;  // an invalid level still gets written, visibly
  }
}

}  // namespace

PluginHostApi::PluginHostApi(const std::string& pluginId, std::string hostVersion)
    : logger_(logging::get("plugin." + pluginId)), hostVersion_(std::move(hostVersion)) {
  api_.struct_size = sizeof(dk_host_api);
  api_.abi_major = DK_ABI_MAJOR;
  api_.abi_minor = DK_ABI_MINOR;
  api_.host_ctx = this;
  api_.host_version = dk_str{hostVersion_.c_str(), hostVersion_.size()};
  api_.log_enabled = [](void* ctx, dk_log_level level) -> int {
    return static_cast<PluginHostApi*>(ctx)->logger_->should_log(toSpdlog(level)) ? 1 : 0;
  };
  api_.log = [](void* ctx, dk_log_level level, dk_str message) {
    try {
      auto* self = static_cast<PluginHostApi*>(ctx);
      if (message.ptr == nullptr) {
        return;
      }
      std::string_view text(message.ptr, std::min(message.len, kMaxMessageBytes));
      self->logger_->log(toSpdlog(level), "{}{}", text,
                         message.len > kMaxMessageBytes ? " [truncated]" : "");
    } catch (...) {
      // Logging must never throw into a plugin.
    }
  };
}

}  // namespace devkit::plugins
