# One packaging test step, run as `cmake -DSETTINGS=<settings.cmake> -DSTEP=<step> -P steps.cmake`
# (see package_tests.cmake). Every command is echoed with its output; any failure is fatal,
# which makes the ctest test fail.
cmake_minimum_required(VERSION 3.25)
include(${SETTINGS})

# run executes a command and stops with an error unless it exits 0.
function(run)
  execute_process(COMMAND ${ARGN} COMMAND_ECHO STDOUT RESULT_VARIABLE rc TIMEOUT 1100)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}")
  endif()
endfunction()

# configure_build_run configures the consumer in source into build, builds it with -j2 and
# runs the programs it makes (consumer, and consumer_testing for nethttp::testing).
function(configure_build_run source build)
  set(args -G ${GENERATOR} -S ${source} -B ${build}
           -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
           -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
           "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_C_FLAGS=${EXTRA_FLAGS}"
           "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_SHARED_LINKER_FLAGS=${EXTRA_FLAGS}"
           ${ARGN})
  run(${CMAKE_COMMAND} ${args})
  run(${CMAKE_COMMAND} --build ${build} -j2)
  run(${build}/consumer)
  if(EXISTS ${build}/consumer_testing)  # the llhttp_clash consumer has none
    run(${build}/consumer_testing)
  endif()
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${PREFIX})
  run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${PREFIX})
  set(expected
      include/nethttp/server.hpp
      include/nethttp/version.hpp
      ${LIBDIR}/cmake/nethttp/nethttpConfig.cmake
      ${LIBDIR}/cmake/nethttp/nethttpConfigVersion.cmake
      ${LIBDIR}/cmake/nethttp/nethttp-targets.cmake
      ${LIBDIR}/pkgconfig/nethttp.pc
      share/doc/nethttp/LICENSE)
  if(SHARED)
    list(APPEND expected ${LIBDIR}/libnethttp.so ${LIBDIR}/libnethttp_testing.so)
  else()
    list(APPEND expected ${LIBDIR}/libnethttp.a ${LIBDIR}/libnethttp_testing.a)
  endif()
  if(EXAMPLES)  # docs/packaging.md lists these too
    list(APPEND expected bin/nethttp-static share/nethttp/site/index.html)
  endif()
  foreach(f ${expected})
    if(NOT EXISTS ${PREFIX}/${f})
      message(FATAL_ERROR "install did not produce ${PREFIX}/${f}")
    endif()
  endforeach()
  # The exported target must not point into the source or build tree.
  file(READ ${PREFIX}/${LIBDIR}/cmake/nethttp/nethttp-targets.cmake targets)
  foreach(tree ${SOURCE_ROOT} ${BINARY_DIR})
    string(FIND "${targets}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "nethttp-targets.cmake refers to ${tree}")
    endif()
  endforeach()
  message(STATUS "installed nethttp into ${PREFIX}")

elseif(STEP STREQUAL "find_package")
  # A fresh tree each time, so find_package really searches the prefix again.
  file(REMOVE_RECURSE ${PKG_DIR}/find_package)
  configure_build_run(${SOURCE_ROOT}/tests/consumer ${PKG_DIR}/find_package
                      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)

elseif(STEP STREQUAL "add_subdirectory")
  # A project without a build type keeps none (configure only: the checks are in its
  # CMakeLists.txt).
  file(REMOVE_RECURSE ${PKG_DIR}/add_subdirectory_no_build_type)
  run(${CMAKE_COMMAND} -G ${GENERATOR} -S ${PACKAGE_SOURCES}/add_subdirectory_consumer
      -B ${PKG_DIR}/add_subdirectory_no_build_type -DCMAKE_BUILD_TYPE=
      -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
      -DNETHTTP_SOURCE_DIR=${SOURCE_ROOT} -DCONSUMER_CONFIGURE_ONLY=ON)
  # A project with its own build type and warnings as errors. Kept between runs: rebuilding
  # the library from scratch every time would be slow.
  configure_build_run(${PACKAGE_SOURCES}/add_subdirectory_consumer ${PKG_DIR}/add_subdirectory
                      -DNETHTTP_SOURCE_DIR=${SOURCE_ROOT} -DNETHTTP_SANITIZE=${SANITIZE}
                      -DBUILD_SHARED_LIBS=${SHARED} -DCMAKE_BUILD_TYPE=Debug
                      "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS} -Wall -Wextra -Werror")

elseif(STEP STREQUAL "symbols")
  # nethttp's llhttp is private (cmake/llhttp.cmake): no global llhttp_* definition.
  if(SHARED)
    set(lib ${PREFIX}/${LIBDIR}/libnethttp.so)
    set(nm_args -D --defined-only)
  else()
    set(lib ${PREFIX}/${LIBDIR}/libnethttp.a)
    set(nm_args -g --defined-only)
  endif()
  execute_process(COMMAND ${NM} ${nm_args} ${lib} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} ${nm_args} ${lib} failed (${rc})")
  endif()
  string(REGEX MATCHALL " [A-Za-z] llhttp_[A-Za-z0-9_]*" leaked "${symbols}")
  list(LENGTH leaked count)
  if(count GREATER 0)
    message(FATAL_ERROR "${lib} defines ${count} global llhttp symbols:${leaked}")
  endif()
  string(REGEX MATCHALL " [A-Za-z] nethttp_llhttp_[A-Za-z0-9_]*" renamed "${symbols}")
  list(LENGTH renamed renamed_count)
  message(STATUS "${lib}: no global llhttp_* symbol (${renamed_count} under nethttp_llhttp_*)")

elseif(STEP STREQUAL "llhttp_clash")
  file(REMOVE_RECURSE ${PKG_DIR}/llhttp_clash)
  configure_build_run(${PACKAGE_SOURCES}/llhttp_clash ${PKG_DIR}/llhttp_clash
                      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
                      -DLLHTTP_SOURCE_DIR=${LLHTTP_SOURCE_DIR} -DLLHTTP_INCLUDE_DIR=${LLHTTP_INCLUDE_DIR})

elseif(STEP STREQUAL "pkg_config")
  set(ENV{PKG_CONFIG_PATH} ${PREFIX}/${LIBDIR}/pkgconfig)
  foreach(query modversion "cflags;--libs" "variable=libdir")
    execute_process(COMMAND ${PKG_CONFIG} --${query} nethttp OUTPUT_VARIABLE out
                    RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config --${query} nethttp failed (${rc})")
    endif()
    message(STATUS "pkg-config --${query} nethttp: ${out}")
    list(APPEND answers "${out}")
  endforeach()
  list(GET answers 0 version)
  list(GET answers 1 flags)
  list(GET answers 2 libdir)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")
  file(MAKE_DIRECTORY ${PKG_DIR}/pkg_config)
  # The rpath matters only for a shared libnethttp outside the loader's search path.
  run(${CXX_COMPILER} ${extra} "-DNETHTTP_EXPECTED_VERSION=\"${version}\""
      ${SOURCE_ROOT}/tests/consumer/main.cpp -o ${PKG_DIR}/pkg_config/consumer
      ${flags} -Wl,-rpath,${libdir})
  run(${PKG_DIR}/pkg_config/consumer)

else()
  message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
