# AddressSanitizer + UndefinedBehaviorSanitizer for the whole tree (preset `asan`).
# UBSan is made fatal so that a report fails the test that caused it instead of scrolling by.
if(STOFFEL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer (preset `fuzz`, tests/fuzz): every library is compiled with the coverage
# instrumentation libFuzzer steers by (fuzzer-no-link) and with ASan + UBSan, which turn a memory
# error or undefined behaviour into a crash the fuzzer records. Only the fuzz targets link the
# libFuzzer runtime itself (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
if(STOFFEL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STOFFEL_FUZZ needs clang (libFuzzer); use the `fuzz` preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer
                      -fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/tests/fuzz/coverage_ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
endif()
