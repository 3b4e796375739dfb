# cmake -DASM=<stoffel-asm> -DARGS=<arg|arg|...> -DEXPECT=<regex> [-DNOT_CREATED=<file>]
#       -P asm_expect_error.cmake
# stoffel-asm must fail cleanly: a non-zero exit code (not a crash or a sanitizer report),
# stderr matching EXPECT, and no output file left behind.
foreach(var ASM ARGS EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "asm_expect_error.cmake needs -D${var}=...")
  endif()
endforeach()

string(REPLACE "|" ";" args "${ARGS}")
if(DEFINED NOT_CREATED)
  file(REMOVE ${NOT_CREATED})
endif()
execute_process(COMMAND ${ASM} ${args} RESULT_VARIABLE code OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT code MATCHES "^[0-9]+$" OR code EQUAL 0 OR code GREATER 125)
  message(FATAL_ERROR "expected a clean failure, got exit '${code}'\nstderr:\n${err}")
endif()
if(err MATCHES "Sanitizer|runtime error:")
  message(FATAL_ERROR "sanitizer report:\n${err}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "stderr does not match '${EXPECT}':\n${err}")
endif()
if(DEFINED NOT_CREATED AND EXISTS ${NOT_CREATED})
  message(FATAL_ERROR "a failed run left ${NOT_CREATED} behind")
endif()
