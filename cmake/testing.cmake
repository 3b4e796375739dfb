# stoffel_add_test_dir(<target> LIBS <libs...>): one GoogleTest binary from every *_test.cpp in the
# calling folder, registered with CTest test by test.
function(stoffel_add_test_dir target)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main stoffel_warnings)
  target_compile_definitions(${target} PRIVATE
    STOFFEL_FIXTURES_DIR="${STOFFEL_FIXTURES_DIR}"
    STOFFEL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()
