# Warnings as errors and optional sanitizers, for our own targets only (never for
# dependencies or llhttp's generated C).
function(nethttp_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
                                           -Wshadow -Wconversion -Wsign-conversion -Wpedantic -Wold-style-cast)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports -Wrestrict inside std::string at -O2 for correct code (GCC bug 105329):
    # keep the warning visible, but don't fail the build on it.
    target_compile_options(${target} PRIVATE -Wno-error=restrict)
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
