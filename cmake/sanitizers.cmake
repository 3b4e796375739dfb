# AddressSanitizer + UndefinedBehaviorSanitizer for the whole tree (preset `asan`).
# UBSan is made fatal so that a report fails the test that caused it instead of scrolling by.
if(STOFFEL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
