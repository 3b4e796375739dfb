# cmake -DASM=<stoffel-asm> -DINPUT=<f.stflb> -DOUTPUT=<g.stflb> -P asm_roundtrip.cmake
# Runs the exact pipeline `stoffel-asm --disassemble f.stflb | stoffel-asm - -o g.stflb`
# (execute_process connects its COMMANDs with a pipe) and requires g.stflb == f.stflb.
foreach(var ASM INPUT OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "asm_roundtrip.cmake needs -D${var}=...")
  endif()
endforeach()

file(REMOVE ${OUTPUT})
execute_process(
  COMMAND ${ASM} --disassemble ${INPUT}
  COMMAND ${ASM} - -o ${OUTPUT}
  RESULTS_VARIABLE results
  ERROR_VARIABLE errors)
if(NOT results STREQUAL "0;0")
  message(FATAL_ERROR "pipeline failed (exit codes ${results}) for ${INPUT}:\n${errors}")
endif()
if(NOT EXISTS ${OUTPUT})
  message(FATAL_ERROR "stoffel-asm wrote no ${OUTPUT}")
endif()

file(READ ${INPUT} expected HEX)
file(READ ${OUTPUT} actual HEX)
if(NOT expected STREQUAL actual)
  string(LENGTH "${expected}" expected_length)
  string(LENGTH "${actual}" actual_length)
  set(offset 0)
  while(offset LESS expected_length AND offset LESS actual_length)
    string(SUBSTRING "${expected}" ${offset} 2 e)
    string(SUBSTRING "${actual}" ${offset} 2 a)
    if(NOT e STREQUAL a)
      break()
    endif()
    math(EXPR offset "${offset} + 2")
  endwhile()
  math(EXPR byte "${offset} / 2")
  math(EXPR expected_bytes "${expected_length} / 2")
  math(EXPR actual_bytes "${actual_length} / 2")
  message(FATAL_ERROR "${OUTPUT} differs from ${INPUT}: first difference at byte ${byte} "
                      "(${actual_bytes} bytes written, ${expected_bytes} expected)")
endif()
