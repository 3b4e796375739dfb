# Installs the build into a fresh prefix, checks the layout, then configures, builds and runs
# tests/capi/consumer against it, once with find_package(StoffelVM) and once with pkg-config.
#   cmake -DBUILD_DIR= -DWORK_DIR= -DCONSUMER_SRC= -DGENERATOR= -DC_COMPILER= -DC_FLAGS=
#         -DFIXTURE= -P install_consumer.cmake
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

foreach(f include/stoffel_vm.h lib/libstoffel_vm.so lib/libstoffel_vm.so.0
          lib/cmake/StoffelVM/StoffelVMConfig.cmake
          lib/cmake/StoffelVM/StoffelVMConfigVersion.cmake
          lib/cmake/StoffelVM/StoffelVMTargets.cmake lib/pkgconfig/stoffel_vm.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install did not produce ${f}")
  endif()
endforeach()
# Test and benchmark programs are not installed.
file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/*)
foreach(f IN LISTS installed)
  if(f MATCHES "(_test|_tests|bench)[^/]*$" OR f MATCHES "^bin/.*(test|bench)")
    message(FATAL_ERROR "a test or benchmark file was installed: ${f}")
  endif()
endforeach()

# pkg-config finds only the installed .pc file.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
set(ENV{PKG_CONFIG_LIBDIR} ${prefix}/lib/pkgconfig)

foreach(method cmake pkgconfig)
  set(build ${WORK_DIR}/build-${method})
  run_step("configure (${method})" ${CMAKE_COMMAND} -S ${CONSUMER_SRC} -B ${build}
           -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER}
           "-DCMAKE_C_FLAGS=${C_FLAGS}" -DCMAKE_PREFIX_PATH=${prefix}
           -DCONSUMER_METHOD=${method})
  run_step("build (${method})" ${CMAKE_COMMAND} --build ${build})
  # The program must run against the installed library (found through its RUNPATH), not the
  # build tree's.
  run_step("ldd (${method})" ldd ${build}/consumer)
  string(FIND "${step_output}" "libstoffel_vm.so.0 => ${prefix}/lib/libstoffel_vm.so.0" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "consumer (${method}) does not use the installed library:\n${step_output}")
  endif()
  run_step("run (${method})" ${build}/consumer ${FIXTURE})
  if(NOT step_output STREQUAL "consumer (${method}): main() = 55, twice(21) = 42\n")
    message(FATAL_ERROR "consumer (${method}) printed:\n${step_output}")
  endif()
  message(STATUS "${step_output}")
endforeach()
