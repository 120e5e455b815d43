# PROJ: CRS definitions and coordinate transforms.
find_package(PROJ 9.1 CONFIG REQUIRED)
message(STATUS "PROJ ${PROJ_VERSION}")
