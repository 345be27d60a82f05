# Warnings as errors and optional sanitizers, for our own targets only (never for
# dependencies or llhttp's generated C).
function(nethttp_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
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
