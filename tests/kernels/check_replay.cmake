# mxu_replay's command line (docs/cosim.md, "Recording and replay"), on a
# recording of the int8 matmul kernel checks on an 8x8 array.
#   -DRECORD="kernel_check ... " -DREPLAY=mxu_replay -DWAVE_SUMMARY=wave_summary -DOUT_DIR=...
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
set(stim ${OUT_DIR}/matmuls.stim)
separate_arguments(record UNIX_COMMAND "${RECORD}")
execute_process(COMMAND ${record} --set mxu.record=${stim} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "recording failed (${rc})")
endif()

# Runs mxu_replay with ARGN; sets rc, out and err in the caller.
function(replay)
  execute_process(COMMAND ${REPLAY} ${ARGN} RESULT_VARIABLE r OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(rc ${r} PARENT_SCOPE)
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()
# Fails unless the exit status is RC_WANT and TEXT matches REGEX; hands the
# match's groups 1 to 3 back as CMAKE_MATCH_n.
function(expect what rc_want regex text)
  if(NOT rc EQUAL rc_want OR NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: exit ${rc} (want ${rc_want})\nstdout: ${out}\nstderr: ${err}")
  endif()
  foreach(i 1 2 3)
    set(CMAKE_MATCH_${i} "${CMAKE_MATCH_${i}}" PARENT_SCOPE)
  endforeach()
endfunction()

replay(--help)
expect("--help" 0 "^usage: mxu_replay FILE .*Exit status" "${out}")

# The whole recording, then a window of it and the rest: the windows' counts
# and cycles add up to the whole's.
replay(${stim})
expect("whole" 0 "PASS ([0-9]+) MATMULs replayed.*int8: ([0-9]+) MATMULs, ([0-9]+) cycles" "${out}")
set(all ${CMAKE_MATCH_1})
set(all_cycles ${CMAKE_MATCH_3})
if(all LESS 3)
  message(FATAL_ERROR "the recording has ${all} MATMULs; the test wants 3 or more")
endif()
replay(${stim} --from 1 --count 2)
expect("--from 1 --count 2" 0 "PASS 2 MATMULs replayed.*int8: 2 MATMULs, ([0-9]+) cycles" "${out}")
set(window_cycles ${CMAKE_MATCH_1})
replay(${stim} --count 1)
expect("--count 1" 0 "int8: 1 MATMULs, ([0-9]+) cycles" "${out}")
set(first_cycles ${CMAKE_MATCH_1})
replay(${stim} --from 3)
math(EXPR rest "${all} - 3")
if(rest GREATER 0)
  expect("--from 3" 0 "int8: ${rest} MATMULs, ([0-9]+) cycles" "${out}")
  set(rest_cycles ${CMAKE_MATCH_1})
else()
  set(rest_cycles 0)
endif()
math(EXPR sum "${first_cycles} + ${window_cycles} + ${rest_cycles}")
if(NOT sum EQUAL all_cycles)
  message(FATAL_ERROR "windows' cycles ${first_cycles} + ${window_cycles} + ${rest_cycles} != ${all_cycles}")
endif()

# Nothing replayed is a failure, not a pass.
replay(${stim} --from ${all})
expect("--from past the end" 1 "^FAIL no instruction replayed \\(the recording has 0 from ${all} on\\)" "${out}")
replay(${stim} --count 0)
expect("--count 0" 1 "^FAIL no instruction replayed" "${out}")

# The waveform of the replayed window: the tile's pins, and times that go on
# from one instruction to the next.
replay(${stim} --from 1 --count 2 --vcd ${OUT_DIR}/w.vcd)
expect("--vcd" 0 "PASS 2 MATMULs" "${out}")
file(READ ${OUT_DIR}/w.vcd vcd)
foreach(signal w_valid a_valid c_valid c_data)
  if(NOT vcd MATCHES "\\$var wire +[0-9]+ [^ ]+ ${signal} ")
    message(FATAL_ERROR "w.vcd declares no ${signal}")
  endif()
endforeach()
string(REGEX MATCHALL "\n#[0-9]+" times "${vcd}")
list(LENGTH times dumps)
if(dumps LESS 4)
  message(FATAL_ERROR "w.vcd has ${dumps} time steps")
endif()
# The same window as FST: every pin takes the same values at the same times
# (the VCD read by wave_summary's own parser, the FST by GTKWave's reader),
# the clock toggling twice per replayed cycle.
replay(${stim} --from 1 --count 2 --fst ${OUT_DIR}/w.fst)
expect("--fst" 0 "PASS 2 MATMULs[^\n]*\n  int8: 2 MATMULs, ([0-9]+) cycles" "${out}")
set(window_cycles ${CMAKE_MATCH_1})
include(${CMAKE_CURRENT_LIST_DIR}/../rtl/same_waves.cmake)
same_waves(${OUT_DIR}/w.vcd ${OUT_DIR}/w.fst summary_fst)
math(EXPR edges "2 * ${window_cycles}")
if(NOT summary_fst MATCHES "\nclk 1 values ${edges} ")
  message(FATAL_ERROR "w.fst: clk does not toggle ${edges} times:\n${summary_fst}")
endif()
replay(${stim} --vcd ${OUT_DIR}/x.vcd --fst ${OUT_DIR}/x.fst)
expect("--vcd and --fst" 2 "^mxu_replay: --fst: one waveform at a time\n$" "${err}")

# Bad input: one line on stderr, exit 2.
replay(${stim} --count -1)
expect("--count -1" 2 "^mxu_replay: --count: '-1' is not a whole number from 0 to [0-9]+\n$" "${err}")
replay(${stim} --fault-bit 32)
expect("--fault-bit 32" 2 "^mxu_replay: --fault-bit: '32' is not a whole number from 0 to 31\n$" "${err}")
replay(${stim} --bogus)
expect("--bogus" 2 "^mxu_replay: unexpected argument '--bogus' \\(mxu_replay --help\\)\n$" "${err}")
replay()
expect("no file" 2 "^mxu_replay: no recording given \\(mxu_replay --help\\)\n$" "${err}")
replay(${OUT_DIR}/missing.stim)
expect("missing file" 2 "^mxu_replay: [^\n]*missing.stim[^\n]*\n$" "${err}")
message(STATUS "mxu_replay: ${all} MATMULs, ${all_cycles} cycles; windows, --vcd, --fst and bad input as documented")
