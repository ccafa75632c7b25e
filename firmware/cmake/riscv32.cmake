# Toolchain: Debian's riscv64-unknown-elf-gcc with picolibc, for the RV32IMAC
# control core. -misa-spec=2.2 keeps CSR and fence.i instructions in the base
# ISA; "-march=rv32imac_zicsr_zifencei" would match no multilib and fail to link.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_OBJCOPY riscv64-unknown-elf-objcopy)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(VTPU_RV_FLAGS "-march=rv32imac -misa-spec=2.2 -mabi=ilp32 --specs=picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${VTPU_RV_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${VTPU_RV_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles")  # C flags are on the link line too
