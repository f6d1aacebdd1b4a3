# Every dependency is a Debian 12 package installed by scripts/install-deps.sh.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options graph random)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(TBB REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)

# HDF5: pin the serial flavour. Debian's alternatives may point pkg-config and
# h5cc at an MPI build; FindHDF5 stays serial unless HDF5_PREFER_PARALLEL is on.
set(HDF5_PREFER_PARALLEL OFF)
find_package(HDF5 1.10 REQUIRED COMPONENTS C HL)
if(HDF5_IS_PARALLEL)
  message(FATAL_ERROR "genops-sim needs the serial HDF5 (libhdf5-dev), found a parallel one")
endif()
add_library(genops_hdf5 INTERFACE)
target_include_directories(genops_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(genops_hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES})
target_compile_definitions(genops_hdf5 INTERFACE ${HDF5_DEFINITIONS})

if(GENOPS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(GENOPS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# MPI is optional: with Debian's Open MPI (libopenmpi-dev) `sweep run --mpi` hands out points
# dynamically from rank 0; without it the option says how to get it.
find_package(MPI QUIET COMPONENTS C)
if(MPI_C_FOUND)
  message(STATUS "MPI found (${MPI_C_LIBRARY_VERSION_STRING}): sweep run --mpi enabled")
else()
  message(STATUS "MPI not found: sweep run --mpi disabled (install libopenmpi-dev)")
endif()
