# Fails when a committed generated document differs from what the build
# generates now (run by the `docs/...` CTest tests of KilnDocs.cmake).
#   cmake -DGENERATED=<build file> -DCOMMITTED=<source file> -P KilnCompareDoc.cmake

foreach(path IN ITEMS "${GENERATED}" "${COMMITTED}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "${path} does not exist; build first "
                        "(ninja -C build), then run ninja -C build kiln-update-docs")
  endif()
endforeach()
file(READ "${GENERATED}" generated)
file(READ "${COMMITTED}" committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "${COMMITTED} is stale: it differs from the "
                      "documentation generated from the ODS at ${GENERATED}. "
                      "Run `ninja -C build kiln-update-docs` and commit the result.")
endif()
