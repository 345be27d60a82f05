# Install rules: headers (with the generated version.hpp), the library, the CMake package
# (nethttpConfig.cmake exporting nethttp::nethttp and nethttp::testing) and a relocatable
# nethttp.pc.
# Verified by tests/package/ (the tests/consumer program built through find_package,
# add_subdirectory and pkg-config).
include(CMakePackageConfigHelpers)
set(NETHTTP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nethttp)

# A static libnethttp carries no record of what it links, so both the CMake package and the
# pkg-config file must hand the dependencies on to consumers; a shared one needs only Threads.
get_target_property(_nethttp_type nethttp TYPE)
if(_nethttp_type STREQUAL "STATIC_LIBRARY")
  set(NETHTTP_STATIC ON)
else()
  set(NETHTTP_STATIC OFF)
endif()

install(TARGETS nethttp nethttp_testing EXPORT nethttp-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/nethttp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/nethttp/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nethttp)
install(EXPORT nethttp-targets NAMESPACE nethttp:: DESTINATION ${NETHTTP_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nethttp-config.cmake.in
  ${PROJECT_BINARY_DIR}/nethttpConfig.cmake INSTALL_DESTINATION ${NETHTTP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nethttpConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nethttpConfig.cmake ${PROJECT_BINARY_DIR}/nethttpConfigVersion.cmake
        DESTINATION ${NETHTTP_CMAKE_DIR})

# nethttp.pc. The prefix is written relative to the .pc file (${pcfiledir}), because the
# prefix known now is only the configure-time default: `cmake --install --prefix DIR` and
# DESTDIR staging would otherwise leave a file pointing at /usr/local. Absolute LIBDIR or
# INCLUDEDIR settings cannot be made relative, so they are written as given.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(NETHTTP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(NETHTTP_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(NETHTTP_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  string(REGEX REPLACE "[^/]+" ".." _nethttp_up "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  set(NETHTTP_PC_PREFIX "\${pcfiledir}/${_nethttp_up}")
  set(NETHTTP_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(NETHTTP_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# pkg-config adds Requires.private libraries only under --static, so a static library lists
# its dependencies in Requires: a plain `pkg-config --libs nethttp` must link. These are the
# Debian module names (pkg-config --list-all); llhttp is folded into libnethttp and needs none.
if(NETHTTP_STATIC)
  set(NETHTTP_PC_REQUIRES "fmt spdlog zlib")
  set(NETHTTP_PC_REQUIRES_PRIVATE "")
else()
  set(NETHTTP_PC_REQUIRES "")
  set(NETHTTP_PC_REQUIRES_PRIVATE "fmt spdlog zlib")
endif()
if(NETHTTP_TLS AND NETHTTP_STATIC)
  string(APPEND NETHTTP_PC_REQUIRES " libssl libcrypto")
elseif(NETHTTP_TLS)
  string(APPEND NETHTTP_PC_REQUIRES_PRIVATE " libssl libcrypto")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/nethttp.pc.in ${PROJECT_BINARY_DIR}/nethttp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/nethttp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/nethttp)
