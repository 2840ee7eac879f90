# Warnings for our own targets only; third-party headers come in as SYSTEM includes.
function(tcj_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
  if(TCJ_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
