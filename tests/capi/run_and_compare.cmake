# Runs a command and compares its standard output with a file, exactly (line endings aside).
#   cmake "-DCOMMAND=prog|arg|..." -DEXPECTED=<file> [-DSKIP_IF_MISSING=<path>] -P run_and_compare.cmake
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "command failed (${rc}): ${command}\nstdout:\n${out}\nstderr:\n${err}")
endif()
file(READ ${EXPECTED} expected)
string(REPLACE "\r\n" "\n" out "${out}")
string(REPLACE "\r\n" "\n" expected "${expected}")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "output differs from ${EXPECTED}\n--- got:\n${out}--- expected:\n${expected}"
                      "--- stderr:\n${err}")
endif()
message(STATUS "output matches ${EXPECTED}")
