#pragma once

#include <string_view>

namespace devkit::core {

/// True when UTF-8 text holds a control character: C0 (U+0000-U+001F), DEL, or C1
/// (U+0080-U+009F, e.g. U+009B, a terminal's escape introducer). Names and titles refuse them: they
/// garble logs and terminals and are never meant in a name.
inline bool hasControlCharacters(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return true;
    }
  }
  return false;
}

}  // namespace devkit::core
