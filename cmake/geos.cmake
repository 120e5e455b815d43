# GEOS (C API): geometry validity and MakeValid.
find_package(GEOS 3.11 CONFIG REQUIRED)
message(STATUS "GEOS ${GEOS_VERSION}")
