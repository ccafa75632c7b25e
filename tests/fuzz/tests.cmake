# Fuzz harnesses (tests/fuzz/README.md). Built with clang and -DVTPU_FUZZ=ON
# (bench/fuzz.sh does both), each is a libFuzzer binary; in any other build
# each links replay_main.cpp, and ctest runs it over its seed corpus and the
# inputs of past findings (tests/fuzz/corpus/NAME), under the sanitizers in
# the sanitizer build.
option(VTPU_FUZZ "Build the fuzz harnesses as libFuzzer binaries (clang only)" OFF)
if(VTPU_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "VTPU_FUZZ=ON needs clang (CXX=clang++): libFuzzer is clang's")
endif()
add_custom_target(fuzzers)

# vtpu_fuzzer(NAME SOURCE LIBRARIES...)
function(vtpu_fuzzer name source)
  # unit/sc_main_stub.cpp: libsystemc's main() refers to sc_main.
  add_executable(fuzz_${name} fuzz/${source} fuzz/fuzz_file.cpp unit/sc_main_stub.cpp)
  target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
  target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR})
  if(VTPU_FUZZ)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(fuzz_${name} PRIVATE fuzz/replay_main.cpp)
  endif()
  add_dependencies(fuzzers fuzz_${name})
  add_test(NAME fuzz.${name}_corpus
           COMMAND fuzz_${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  set_tests_properties(fuzz.${name}_corpus PROPERTIES PASS_REGULAR_EXPRESSION "[1-9][0-9]* inputs ran")
endfunction()

vtpu_fuzzer(onnx onnx_import.cpp vtpu_onnx vtpu_compiler)
vtpu_fuzzer(vtpu executable.cpp vtpu_compiler)
vtpu_fuzzer(elf elf.cpp vtpu_platform)
vtpu_fuzzer(config config.cpp vtpu_config)
vtpu_fuzzer(npy npy.cpp vtpu_tensor)
vtpu_fuzzer(gdb gdb_packets.cpp vtpu_platform)
vtpu_fuzzer(rv32 rv32_decode.cpp vtpu_models)
vtpu_fuzzer(cp cp_instructions.cpp vtpu_platform)
