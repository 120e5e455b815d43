# GDAL/OGR: raster and vector I/O, warping, rasterizing, COG.
find_package(GDAL 3.6 CONFIG REQUIRED)
message(STATUS "GDAL ${GDAL_VERSION}")
