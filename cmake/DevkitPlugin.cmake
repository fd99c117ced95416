# devkit_add_plugin(<name> SOURCES ... [LIBRARIES ...] [OUTPUT_DIR dir])
# A plugin is a MODULE library (dlopen-only), named <name>.so without the lib prefix, built with hidden
# visibility, every symbol resolved at link time (-Wl,--no-undefined: the host loads with RTLD_NOW),
# exporting exactly dk_plugin_entry (version script), and written into the build's one plugins dir.
set(DEVKIT_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/plugin.map")

function(devkit_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${DEVKIT_PLUGIN_OUTPUT_DIR}")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE devkit::sdk ${ARG_LIBRARIES})
  devkit_warnings(${name})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  target_link_options(${name} PRIVATE
    -Wl,--no-undefined
    -Wl,--exclude-libs,ALL
    "-Wl,--version-script=${DEVKIT_PLUGIN_VERSION_SCRIPT}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${DEVKIT_PLUGIN_VERSION_SCRIPT}")
  set_property(GLOBAL APPEND PROPERTY DEVKIT_PLUGINS ${name})
endfunction()
