# Our own code builds with -Wall -Wextra -Werror; third-party headers come in as SYSTEM includes (the
# imported targets of Poco, Boost, spdlog and nlohmann are SYSTEM by default in CMake), so their
# warnings never fail our build.
function(devkit_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
