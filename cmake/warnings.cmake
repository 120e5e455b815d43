# Project-wide warning flags, applied through an interface target so third-party code is unaffected.
add_library(nexusmap_warnings INTERFACE)
target_compile_options(nexusmap_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough)
if(NEXUSMAP_WERROR)
  target_compile_options(nexusmap_warnings INTERFACE -Werror)
endif()
if(NEXUSMAP_SANITIZE)
  # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex, std::function)
  # when sanitizer instrumentation changes inlining.
  target_compile_options(nexusmap_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
