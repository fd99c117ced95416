#!/usr/bin/env bash
# Builds sdk/examples/hello-tools the way a third party would: a copy of the example and of
# sdk/include in a fresh temp dir (so no other repository path can leak in), a fresh CMake build
# dir, strict warnings. Then checks that the result exports only dk_plugin_entry, that every SDK
# header compiles on its own (abi.h as C99), and that the SDK includes nothing but the C and C++
# standard libraries.
#
# Usage: build_hello_out_of_tree.sh <repo root>. CMAKE, CC, CXX, NM may name the tools to use.
set -euo pipefail

repo="$(cd "${1:?usage: $0 <repo root>}" && pwd)"
cmake_bin="${CMAKE:-cmake}"
cc="${CC:-cc}"
cxx="${CXX:-c++}"
nm_bin="${NM:-nm}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/devkit-hello-oot.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The SDK headers include nothing beyond the C and C++ standard libraries.
if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](Poco|boost|nlohmann|spdlog|fmt)/' \
    "$repo"/sdk/include/devkit/*.h* "$repo"/sdk/include/devkit/*/*.h*; then
  fail "sdk/include pulls in a third-party library (lines above)"
fi

# 2. Copies: the example with its sources, the SDK include dir, and nothing else.
mkdir -p "$work/src" "$work/sdk"
cp -R "$repo/sdk/examples/hello-tools" "$work/src/hello-tools"
cp -R "$repo/sdk/include" "$work/sdk/include"
include="$work/sdk/include"

# 3. Every header stands alone: abi.h as strict C99 and as C++, the others as C++20. Each is
#    included from a one-line translation unit, as a user would.
compile_alone() {  # <compiler> <language> <header relative to include/> <flags...>
  local compiler="$1" language="$2" header="$3"
  shift 3
  printf '#include <%s>\n' "$header" |
    "$compiler" "$@" -Wall -Wextra -Werror -fsyntax-only -I "$include" -x "$language" - ||
    fail "$header does not compile on its own"
}
compile_alone "$cc" c devkit/abi.h -std=c99 -pedantic-errors
for header in "$include"/devkit/*.h "$include"/devkit/*.hpp "$include"/devkit/*/*.hpp; do
  compile_alone "$cxx" c++ "${header#"$include"/}" -std=c++20
done

# 4. What the example really includes: no header from a third-party library on the system paths.
deps="$("$cxx" -std=c++20 -M -I "$include" "$work/src/hello-tools/src/hello_tools.cpp")"
if grep -E '/(Poco|boost|nlohmann|spdlog|fmt)/' <<<"$deps"; then
  fail "hello_tools.cpp reaches a third-party header (lines above)"
fi

# 5. Configure and build with a fresh build dir and strict warnings. (GCC 12 at -O3 reports a false
#    -Wmaybe-uninitialized inside std::variant's copy for json::Value; it is not about SDK code.)
"$cmake_bin" -S "$work/src/hello-tools" -B "$work/build" \
  -DDEVKIT_SDK_INCLUDE_DIR="$include" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror -Wno-maybe-uninitialized"
"$cmake_bin" --build "$work/build"

plugin="$work/build/hello-tools.so"
[[ -f "$plugin" ]] || fail "the build produced no $plugin"

# 6. Exactly one exported definition: the entry point.
symbols="$("$nm_bin" -D --defined-only "$plugin" | awk '{print $NF}')"
if [[ "$symbols" != "dk_plugin_entry" ]]; then
  printf 'exported symbols:\n%s\n' "$symbols" >&2
  fail "$plugin must export exactly dk_plugin_entry"
fi

echo "hello-tools builds out of tree against sdk/include alone and exports only dk_plugin_entry"
