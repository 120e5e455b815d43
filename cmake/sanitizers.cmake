# AddressSanitizer + UndefinedBehaviorSanitizer for the CI sanitizer pass.
# -O1 -g1 (added after the build type's flags, so they win): the optimisation level the sanitizer
# documentation recommends and line tables for the reports — and a third of the compile time of
# -O2 -g on the heavily inlined search templates, which keeps CI well inside its budget.
if(NEXUSMAP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
endif()
