# Generated version header: program version, git revision and compiler, recorded in every output.
find_package(Git QUIET)
set(NEXUSMAP_GIT_REVISION "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --abbrev=12
                  WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
                  OUTPUT_VARIABLE NEXUSMAP_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
set(NEXUSMAP_COMPILER "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
configure_file("${CMAKE_SOURCE_DIR}/cmake/version.hpp.in"
               "${CMAKE_BINARY_DIR}/generated/nexusmap/version.hpp" @ONLY)
add_library(nexusmap_version INTERFACE)
target_include_directories(nexusmap_version INTERFACE "${CMAKE_BINARY_DIR}/generated")
