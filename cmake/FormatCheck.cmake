# `cmake --build build --target format-check` fails when a C/C++ file differs from .clang-format;
# `--target format` rewrites them.
find_program(CLANG_FORMAT_EXE NAMES clang-format clang-format-14)
if(CLANG_FORMAT_EXE)
  file(GLOB_RECURSE DEVKIT_FORMAT_SOURCES CONFIGURE_DEPENDS
    "${CMAKE_SOURCE_DIR}/sdk/*.h" "${CMAKE_SOURCE_DIR}/sdk/*.hpp" "${CMAKE_SOURCE_DIR}/sdk/*.cpp"
    "${CMAKE_SOURCE_DIR}/host/*.h" "${CMAKE_SOURCE_DIR}/host/*.hpp" "${CMAKE_SOURCE_DIR}/host/*.cpp"
    "${CMAKE_SOURCE_DIR}/plugins/*.hpp" "${CMAKE_SOURCE_DIR}/plugins/*.cpp"
    "${CMAKE_SOURCE_DIR}/tests/*.hpp" "${CMAKE_SOURCE_DIR}/tests/*.cpp"
    "${CMAKE_SOURCE_DIR}/bench/*.cpp")
  list(FILTER DEVKIT_FORMAT_SOURCES EXCLUDE REGEX "/node_modules/")
  add_custom_target(format-check
    COMMAND "${CLANG_FORMAT_EXE}" --dry-run --Werror ${DEVKIT_FORMAT_SOURCES}
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
    COMMENT "Checking C++ formatting against .clang-format"
    VERBATIM)
  add_custom_target(format
    COMMAND "${CLANG_FORMAT_EXE}" -i ${DEVKIT_FORMAT_SOURCES}
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
    VERBATIM)
endif()
