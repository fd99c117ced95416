#pragma once

#include <chrono>
#include <cstdint>

namespace devkit::core {

/// Wall-clock time in microseconds since the Unix epoch: the unit of every stored timestamp.
inline int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace devkit::core
