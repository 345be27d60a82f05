# Packaging tests: install the built project into a prefix under the build tree, then build
# and run a small consumer program against it three ways, so a broken install, export,
# config file or nethttp.pc fails ctest. Included from tests/CMakeLists.txt.
#
#   package.install            cmake --install into ${PROJECT_BINARY_DIR}/package-tests/prefix
#   package.find_package       find_package(nethttp) with CMAKE_PREFIX_PATH at the prefix
#   package.pkg_config         g++ $(pkg-config --cflags --libs nethttp) against the prefix
#   package.add_subdirectory   add_subdirectory(<this source tree>) in a separate build, in
#                              Debug with -Werror, checking nethttp leaves its build alone
#   package.symbols            no global llhttp_* symbol in the installed library
#   package.llhttp_clash       a program with its own llhttp links and uses nethttp too
#
# The steps live in steps.cmake; the settings they need are written to settings.cmake here.
if(NOT NETHTTP_INSTALL)
  return()
endif()

set(_pkg_dir ${PROJECT_BINARY_DIR}/package-tests)
# Sanitized libraries need the sanitizer runtime in every program that links them.
set(_pkg_flags "")
if(NETHTTP_SANITIZE)
  set(_pkg_flags "-fsanitize=${NETHTTP_SANITIZE} -fno-omit-frame-pointer")
endif()
find_program(NETHTTP_PKG_CONFIG_EXECUTABLE NAMES pkgconf pkg-config)

file(CONFIGURE OUTPUT ${_pkg_dir}/settings.cmake @ONLY CONTENT [==[
set(PKG_DIR [=[@_pkg_dir@]=])
set(PREFIX [=[@_pkg_dir@/prefix]=])
set(LIBDIR [=[@CMAKE_INSTALL_LIBDIR@]=])
set(BINARY_DIR [=[@PROJECT_BINARY_DIR@]=])
set(SOURCE_ROOT [=[@PROJECT_SOURCE_DIR@]=])
set(PACKAGE_SOURCES [=[@CMAKE_CURRENT_LIST_DIR@]=])
set(GENERATOR [=[@CMAKE_GENERATOR@]=])
set(C_COMPILER [=[@CMAKE_C_COMPILER@]=])
set(CXX_COMPILER [=[@CMAKE_CXX_COMPILER@]=])
set(BUILD_TYPE [=[@CMAKE_BUILD_TYPE@]=])
set(SHARED [=[@BUILD_SHARED_LIBS@]=])
set(SANITIZE [=[@NETHTTP_SANITIZE@]=])
set(EXTRA_FLAGS [=[@_pkg_flags@]=])
set(PKG_CONFIG [=[@NETHTTP_PKG_CONFIG_EXECUTABLE@]=])
set(NM [=[@CMAKE_NM@]=])
set(EXAMPLES [=[@NETHTTP_BUILD_EXAMPLES@]=])
set(LLHTTP_SOURCE_DIR [=[@NETHTTP_LLHTTP_SOURCE_DIR@]=])
set(LLHTTP_INCLUDE_DIR [=[@NETHTTP_LLHTTP_INCLUDE_DIR@]=])
]==])

function(_nethttp_package_test name)
  add_test(NAME package.${name}
           COMMAND ${CMAKE_COMMAND} -DSETTINGS=${_pkg_dir}/settings.cmake -DSTEP=${name}
                   -P ${CMAKE_CURRENT_LIST_DIR}/steps.cmake)
  set_tests_properties(package.${name} PROPERTIES LABELS package ${ARGN})
endfunction()

_nethttp_package_test(install FIXTURES_SETUP nethttp_installed TIMEOUT 120)
_nethttp_package_test(find_package FIXTURES_REQUIRED nethttp_installed TIMEOUT 300)
if(NETHTTP_PKG_CONFIG_EXECUTABLE)
  _nethttp_package_test(pkg_config FIXTURES_REQUIRED nethttp_installed TIMEOUT 300)
endif()
# Rebuilds the library from source in its own build tree: the slowest of the four. It runs
# alone, so its compile jobs do not starve socket tests running beside it.
_nethttp_package_test(add_subdirectory TIMEOUT 1200 RUN_SERIAL TRUE)
# Only when nethttp folds in its own (renamed) llhttp; with an installed llhttp package the
# program has that one llhttp (docs/packaging.md).
if(NOT NETHTTP_LLHTTP_PACKAGE)
  if(CMAKE_NM)
    _nethttp_package_test(symbols FIXTURES_REQUIRED nethttp_installed TIMEOUT 60)
  endif()
  _nethttp_package_test(llhttp_clash FIXTURES_REQUIRED nethttp_installed TIMEOUT 300)
endif()

# The example programs themselves: flags, the printed address, a few requests, and a
# graceful exit on SIGTERM (their routes are covered by tests/integration/).
find_program(NETHTTP_CURL_EXECUTABLE curl)
find_program(NETHTTP_BASH_EXECUTABLE bash)
if(NETHTTP_BUILD_EXAMPLES AND NETHTTP_CURL_EXECUTABLE AND NETHTTP_BASH_EXECUTABLE)
  foreach(example json_api shortener)
    if(EXISTS ${PROJECT_SOURCE_DIR}/examples/${example}/CMakeLists.txt)
      add_test(NAME example.${example}
               COMMAND ${NETHTTP_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run_example.sh
                       $<TARGET_FILE:${example}> ${example})
      set_tests_properties(example.${example} PROPERTIES LABELS example TIMEOUT 120)
    endif()
  endforeach()
endif()
if(NETHTTP_BUILD_EXAMPLES AND NETHTTP_CURL_EXECUTABLE AND NETHTTP_BASH_EXECUTABLE AND EXISTS ${PROJECT_SOURCE_DIR}/examples/upload/CMakeLists.txt)
  add_test(NAME example.upload
           COMMAND ${NETHTTP_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run_upload_example.sh $<TARGET_FILE:upload>)
  set_tests_properties(example.upload PROPERTIES LABELS example TIMEOUT 120)
endif()

# Every ```cpp block in docs/ (and \code block in the public headers) must compile (and link, if it has main) against the installed
# package, so the documentation cannot drift from the headers.
if(NETHTTP_PKG_CONFIG_EXECUTABLE AND NETHTTP_BASH_EXECUTABLE)
  file(GLOB _nethttp_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md
       ${PROJECT_SOURCE_DIR}/include/nethttp/*.hpp)  # headers: their \code blocks
  list(APPEND _nethttp_docs ${PROJECT_SOURCE_DIR}/README.md)
  if(_nethttp_docs)
    add_test(NAME docs.snippets
             COMMAND ${NETHTTP_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_snippets.sh
                     ${_pkg_dir}/snippets ${CMAKE_CXX_COMPILER} ${NETHTTP_PKG_CONFIG_EXECUTABLE}
                     ${_pkg_dir}/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig "${_pkg_flags}" ${_nethttp_docs})
    set_tests_properties(docs.snippets PROPERTIES LABELS "package;docs" FIXTURES_REQUIRED nethttp_installed
                                                  TIMEOUT 600)
  endif()
endif()

# The README's server sample, built against the installed package and signalled: SIGINT and
# SIGTERM must each drain it (an in-flight download completes) and exit 0.
if(NETHTTP_PKG_CONFIG_EXECUTABLE AND NETHTTP_BASH_EXECUTABLE AND NETHTTP_CURL_EXECUTABLE)
  add_test(NAME readme.shutdown
           COMMAND ${NETHTTP_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run_readme.sh
                   ${_pkg_dir}/readme ${CMAKE_CXX_COMPILER} ${NETHTTP_PKG_CONFIG_EXECUTABLE}
                   ${_pkg_dir}/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig "${_pkg_flags}" ${PROJECT_SOURCE_DIR}/README.md)
  set_tests_properties(readme.shutdown PROPERTIES LABELS "package;docs" FIXTURES_REQUIRED nethttp_installed
                                                  TIMEOUT 300)
endif()

# ./dev's usage text and unknown-step error (nothing is installed or built).
if(NETHTTP_BASH_EXECUTABLE)
  add_test(NAME dev.usage COMMAND ${NETHTTP_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_dev_usage.sh
                                  ${PROJECT_SOURCE_DIR})
  set_tests_properties(dev.usage PROPERTIES TIMEOUT 30)
endif()
