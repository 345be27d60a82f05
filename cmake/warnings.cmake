# Warning flags, warnings as errors and optional sanitizers, for our own targets only (never
# for dependencies or llhttp's generated C, and never for a project that embeds nethttp with
# add_subdirectory or FetchContent: there both options default to off, and nothing here
# touches global or directory-wide flags apart from the sanitizer link option below, which
# is empty unless NETHTTP_SANITIZE is set).
option(NETHTTP_WARNINGS "Compile nethttp's own targets with its warning flags" ${PROJECT_IS_TOP_LEVEL})
# Off by default, so a newer compiler's new warning never stops someone building a release;
# this project's CI turns it on (./dev with DEV_WERROR=1).
option(NETHTTP_WERROR "Treat warnings in nethttp's own targets as errors (needs NETHTTP_WARNINGS)" OFF)

function(nethttp_target_warnings target)
  if(NETHTTP_WARNINGS)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers
                                             -Wshadow -Wconversion -Wsign-conversion -Wpedantic -Wold-style-cast)
    if(NETHTTP_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
      if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        # GCC 12 reports -Wrestrict inside std::string at -O2 for correct code (GCC bug 105329):
        # keep the warning visible, but don't fail the build on it.
        target_compile_options(${target} PRIVATE -Wno-error=restrict)
      endif()
    endif()
  endif()
  if(NETHTTP_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${NETHTTP_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${NETHTTP_SANITIZE})
  endif()
endfunction()

if(NETHTTP_SANITIZE)
  # The library is static by default, so executables need the runtime too.
  add_link_options(-fsanitize=${NETHTTP_SANITIZE})
endif()
