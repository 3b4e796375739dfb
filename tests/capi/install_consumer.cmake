# Installs the build into a fresh prefix, checks the layout, runs the installed tools, then
# configures, builds and runs tests/capi/consumer (C API) and tests/capi/consumer_cpp (C++ API)
# against it, each once with find_package(StoffelVM) and once with pkg-config.
#   cmake -DBUILD_DIR= -DWORK_DIR= -DCONSUMER_SRC= -DCXX_CONSUMER_SRC= -DGENERATOR= -DC_COMPILER=
#         -DCXX_COMPILER= -DC_FLAGS= -DHELLO_STFA= -DFIXTURE= -P install_consumer.cmake
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
          lib/cmake/StoffelVM/StoffelVMTargets.cmake lib/pkgconfig/stoffel_vm.pc
          bin/stoffel-run bin/stoffel-asm lib/libstoffel_vm_core.a lib/libstoffel_bytecode.a
          include/stoffel_vm/vm/vm.h include/stoffel_vm/vm/value_format.h
          include/stoffel_vm/bytecode/assembler.h include/stoffel_vm/stoffel/result.h
          lib/pkgconfig/stoffel_vm_cpp.pc)
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

# The installed tools work on their own: assemble and run the hello example.
run_step("installed stoffel-asm" ${prefix}/bin/stoffel-asm ${HELLO_STFA} -o ${WORK_DIR}/hello.stflb)
run_step("installed stoffel-run" ${prefix}/bin/stoffel-run ${WORK_DIR}/hello.stflb)
if(NOT step_output STREQUAL "Hello, world!\nProgram returned: 42\n")
  message(FATAL_ERROR "the installed stoffel-run printed:\n${step_output}")
endif()

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
  if(NOT step_output STREQUAL
     "consumer (${method}): main() = 55, twice(21) = 42, Share.from_clear: no MPC engine\n")
    message(FATAL_ERROR "consumer (${method}) printed:\n${step_output}")
  endif()
  message(STATUS "${step_output}")
endforeach()

# The C++ API: vm/vm.h and bytecode/assembler.h from include/stoffel_vm, the static libraries.
foreach(method cmake pkgconfig)
  set(build ${WORK_DIR}/build-cpp-${method})
  run_step("configure (C++, ${method})" ${CMAKE_COMMAND} -S ${CXX_CONSUMER_SRC} -B ${build}
           -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
           "-DCMAKE_CXX_FLAGS=${C_FLAGS}" -DCMAKE_PREFIX_PATH=${prefix}
           -DCONSUMER_METHOD=${method})
  run_step("build (C++, ${method})" ${CMAKE_COMMAND} --build ${build})
  run_step("run (C++, ${method})" ${build}/consumer_cpp)
  if(NOT step_output STREQUAL
     "consumer_cpp (${method}): main() = 42, secret: MPC engine not configured\n")
    message(FATAL_ERROR "consumer_cpp (${method}) printed:\n${step_output}")
  endif()
  message(STATUS "${step_output}")
endforeach()

# Without CMake, as docs/embedding.md shows it: pkg-config flags plus an rpath to the installed
# library folder (a prefix outside the system's: without the rpath the program would not start).
find_program(PKG_CONFIG_EXECUTABLE pkg-config REQUIRED)
run_step("pkg-config" ${PKG_CONFIG_EXECUTABLE} --cflags --libs stoffel_vm)
separate_arguments(pc_flags UNIX_COMMAND "${step_output}")
run_step("pkg-config libdir" ${PKG_CONFIG_EXECUTABLE} --variable=libdir stoffel_vm)
string(STRIP "${step_output}" pc_libdir)
separate_arguments(c_flags UNIX_COMMAND "${C_FLAGS}")
run_step("cc with pkg-config" ${C_COMPILER} ${c_flags} -DCONSUMER_METHOD="sh"
         ${CONSUMER_SRC}/consumer.c ${pc_flags} -Wl,-rpath,${pc_libdir}
         -o ${WORK_DIR}/consumer_sh)
run_step("run (sh)" ${WORK_DIR}/consumer_sh ${FIXTURE})
if(NOT step_output STREQUAL
   "consumer (sh): main() = 55, twice(21) = 42, Share.from_clear: no MPC engine\n")
  message(FATAL_ERROR "consumer (sh) printed:\n${step_output}")
endif()
message(STATUS "${step_output}")
