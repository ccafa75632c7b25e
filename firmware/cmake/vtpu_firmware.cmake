# vtpu_firmware(NAME SOURCES...): an ELF for the vtpu control core, linked with
# the firmware library and its link script. Used by the firmware build itself
# and, installed, by out-of-tree projects (vtpu-firmwareConfig.cmake): both set
# VTPU_FIRMWARE_LIBRARY (a target) and VTPU_LINKER_SCRIPT (a path) first.
# Core RAM is at 0x80000000 unless `VTPU_RAM_ORIGIN` is set (docs/memory-map.md).
function(vtpu_firmware name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${VTPU_LINKER_SCRIPT})
  target_link_libraries(${name} PRIVATE ${VTPU_FIRMWARE_LIBRARY})
  target_link_options(${name} PRIVATE -T${VTPU_LINKER_SCRIPT} -Wl,--gc-sections
    -Wl,--no-warn-rwx-segments)
  if(DEFINED VTPU_RAM_ORIGIN)
    target_link_options(${name} PRIVATE -Wl,--defsym=VTPU_RAM_ORIGIN=${VTPU_RAM_ORIGIN})
  endif()
endfunction()
