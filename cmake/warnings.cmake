# Warnings every target of ours is built with. -Werror is left to CI-style presets so a newer
# compiler's new warning does not break a user's build.
add_library(stoffel_warnings INTERFACE)
target_compile_options(stoffel_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wpedantic>)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s std::string concatenation at -O2/-O3
# (GCC bug 105651), so that single warning is off for GCC.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(stoffel_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
endif()
if(STOFFEL_WERROR)
  target_compile_options(stoffel_warnings INTERFACE -Werror)
endif()
if(STOFFEL_NATIVE)
  target_compile_options(stoffel_warnings INTERFACE -march=native)
endif()
