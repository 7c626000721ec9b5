# kiln_flatbuffers_schema(TARGET [INCLUDE_PREFIX DIR] SCHEMA...)
#
# Generates C++ from FlatBuffers schemas at build time into
# ${CMAKE_CURRENT_BINARY_DIR}/include/<DIR>/<name>_generated.h (DIR defaults
# to kiln/runtime/schemas, the runtime's), and a custom target TARGET that
# libraries including them depend on.
function(kiln_flatbuffers_schema target)
  cmake_parse_arguments(ARG "" "INCLUDE_PREFIX" "" ${ARGN})
  if(NOT ARG_INCLUDE_PREFIX)
    set(ARG_INCLUDE_PREFIX kiln/runtime/schemas)
  endif()
  set(outdir ${CMAKE_CURRENT_BINARY_DIR}/include/${ARG_INCLUDE_PREFIX})
  set(outputs)
  foreach(schema ${ARG_UNPARSED_ARGUMENTS})
    get_filename_component(name ${schema} NAME_WE)
    set(out ${outdir}/${name}_generated.h)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${KILN_FLATC} --cpp --scoped-enums -o ${outdir}
              ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${schema} ${KILN_FLATC}
      COMMENT "Generating C++ for FlatBuffers schema ${schema}")
    list(APPEND outputs ${out})
  endforeach()
  add_custom_target(${target} DEPENDS ${outputs})
endfunction()
