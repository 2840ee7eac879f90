# AddressSanitizer + UndefinedBehaviorSanitizer for the debug preset; UB aborts so a test fails on it.
if(TCJ_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer: every object is instrumented for coverage; the *_fuzz executables link the driver.
if(TCJ_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
