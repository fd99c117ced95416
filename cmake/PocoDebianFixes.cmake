# Debian 12's PocoDataPostgreSQLTargets.cmake links against a `PostgreSQL::client` target that nothing
# defines (pocoproject/poco#3036), so find_package(Poco ... DataPostgreSQL) fails without this.
# libpq-dev is enough: CMake 3.25's FindPostgreSQL needs no server headers.
find_package(PostgreSQL REQUIRED)
if(NOT TARGET PostgreSQL::client)
  add_library(PostgreSQL::client INTERFACE IMPORTED)
  target_link_libraries(PostgreSQL::client INTERFACE PostgreSQL::PostgreSQL)
endif()
