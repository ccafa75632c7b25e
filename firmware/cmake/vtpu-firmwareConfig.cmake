# The installed vtpu firmware SDK (docs/firmware.md, "Out of the tree"):
#   find_package(vtpu-firmware REQUIRED)   # with CMAKE_TOOLCHAIN_FILE set to
#   vtpu_firmware(app app.c)               # <prefix>/lib/cmake/vtpu-firmware/riscv32.cmake
# gives the imported library vtpu::fw (headers, start-up, drivers, kernels)
# and the function that links an ELF against it. Paths are relative to this
# file, so the prefix can move.
get_filename_component(_vtpu_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET vtpu::fw)
  add_library(vtpu::fw STATIC IMPORTED)
  set_target_properties(vtpu::fw PROPERTIES
    IMPORTED_LOCATION "${_vtpu_prefix}/lib/libvtpu_fw.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_vtpu_prefix}/include")
endif()
set(VTPU_FIRMWARE_LIBRARY vtpu::fw)
set(VTPU_LINKER_SCRIPT "${_vtpu_prefix}/lib/vtpu/link.ld")
include("${CMAKE_CURRENT_LIST_DIR}/vtpu_firmware.cmake")
unset(_vtpu_prefix)
