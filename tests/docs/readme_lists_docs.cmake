# README.md lists every page of docs/ (as "docs/<page>.md"), so a new page cannot be forgotten.
#   cmake -DSOURCE_DIR=<repository> -P readme_lists_docs.cmake
file(READ ${SOURCE_DIR}/README.md readme)
file(GLOB pages RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/docs/*.md)
set(missing "")
foreach(page IN LISTS pages)
  string(FIND "${readme}" "- ${page} — " at)
  if(at EQUAL -1)
    list(APPEND missing ${page})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "README.md, section Documentation, does not list: ${missing} "
                      "(add a line '- docs/<page>.md — what it is')")
endif()
list(LENGTH pages count)
message(STATUS "README.md lists all ${count} pages of docs/")
