# Install rules: headers, the library, the CMake package (nethttp::nethttp) and nethttp.pc.
include(CMakePackageConfigHelpers)
set(NETHTTP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nethttp)

install(TARGETS nethttp EXPORT nethttp-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/nethttp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/nethttp/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nethttp)
install(EXPORT nethttp-targets NAMESPACE nethttp:: DESTINATION ${NETHTTP_CMAKE_DIR})

configure_package_config_file(cmake/nethttp-config.cmake.in
  ${PROJECT_BINARY_DIR}/nethttpConfig.cmake INSTALL_DESTINATION ${NETHTTP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nethttpConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nethttpConfig.cmake ${PROJECT_BINARY_DIR}/nethttpConfigVersion.cmake
        DESTINATION ${NETHTTP_CMAKE_DIR})

configure_file(cmake/nethttp.pc.in ${PROJECT_BINARY_DIR}/nethttp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/nethttp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
