# llhttp: an installed CMake package if there is one, else Debian's node-llhttp, which ships
# the generated C sources in /usr/share/llhttp and llhttp.h in /usr/share/include/llhttp.
# Included after add_library(nethttp). Debian's sources become the OBJECT library
# nethttp_llhttp, folded into libnethttp: on CMake 3.25 linking an OBJECT library PRIVATE
# breaks install(EXPORT), while $<TARGET_OBJECTS:...> exports cleanly.
find_package(llhttp QUIET CONFIG)
if(llhttp_FOUND AND TARGET llhttp::llhttp_static)
  target_link_libraries(nethttp PRIVATE llhttp::llhttp_static)
  set(NETHTTP_LLHTTP_PACKAGE ON)
  message(STATUS "llhttp: installed package ${llhttp_VERSION}")
  return()
endif()
set(NETHTTP_LLHTTP_PACKAGE OFF)

set(NETHTTP_LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "Directory with llhttp's generated C sources")
set(NETHTTP_LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "Directory with llhttp.h")
foreach(f api.c http.c llhttp.c)
  if(NOT EXISTS ${NETHTTP_LLHTTP_SOURCE_DIR}/${f})
    message(FATAL_ERROR "llhttp source ${NETHTTP_LLHTTP_SOURCE_DIR}/${f} not found: "
                        "install Debian's node-llhttp (./dev deps) or set NETHTTP_LLHTTP_SOURCE_DIR")
  endif()
endforeach()
if(NOT EXISTS ${NETHTTP_LLHTTP_INCLUDE_DIR}/llhttp.h)
  message(FATAL_ERROR "llhttp.h not found in ${NETHTTP_LLHTTP_INCLUDE_DIR}")
endif()
add_library(nethttp_llhttp OBJECT
  ${NETHTTP_LLHTTP_SOURCE_DIR}/api.c
  ${NETHTTP_LLHTTP_SOURCE_DIR}/http.c
  ${NETHTTP_LLHTTP_SOURCE_DIR}/llhttp.c)
target_include_directories(nethttp_llhttp PUBLIC $<BUILD_INTERFACE:${NETHTTP_LLHTTP_INCLUDE_DIR}>)
set_target_properties(nethttp_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
target_compile_options(nethttp_llhttp PRIVATE -O2 -w)
target_sources(nethttp PRIVATE $<TARGET_OBJECTS:nethttp_llhttp>)
target_include_directories(nethttp PRIVATE $<BUILD_INTERFACE:${NETHTTP_LLHTTP_INCLUDE_DIR}>)
message(STATUS "llhttp: building Debian's generated sources from ${NETHTTP_LLHTTP_SOURCE_DIR}")
