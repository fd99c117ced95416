#include "runs/mcp_tokens.hpp"

#include <array>
#include <random>

namespace devkit::runs {
namespace {

std::string randomToken() {
  std::random_device device;  // /dev/urandom on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    const uint32_t word = device();
    for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHex[(word >> shift) & 0xf]);
  }
  return out;
}

}  // namespace

std::string McpTokens::tokenFor(const std::string& conversationId) {
  std::lock_guard lock(mutex_);
  auto& token = tokens_[conversationId];
  if (token.empty()) token = randomToken();
  return token;
}

void McpTokens::bind(const RunBinding& binding) {
  const std::string token = tokenFor(binding.conversationId);
  std::lock_guard lock(mutex_);
  live_[token] = binding;
}

void McpTokens::unbind(const std::string& runId) {
  std::lock_guard lock(mutex_);
  std::erase_if(live_, [&](const auto& entry) { return entry.second.runId == runId; });
}

std::optional<RunBinding> McpTokens::check(std::string_view token) const {
  std::lock_guard lock(mutex_);
  const auto it = live_.find(token);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

bool McpTokens::issued(std::string_view token) const {
  std::lock_guard lock(mutex_);
  for (const auto& [_, minted] : tokens_) {
    if (minted == token) return true;
  }
  return false;
}

}  // namespace devkit::runs
