# Bad input and firmware faults through the vtpu binary: one line on stderr
# naming the file or pc/cause/address, an exit status below 124, no crash.
add_executable(make_bad_elves ${CMAKE_CURRENT_LIST_DIR}/make_bad_elves.cpp)
set(BAD ${CMAKE_CURRENT_BINARY_DIR}/bad_elves)
file(MAKE_DIRECTORY ${BAD})
add_test(NAME cli.make_bad_elves
         COMMAND make_bad_elves ${FW}/examples/hello.elf ${BAD})
set_tests_properties(cli.make_bad_elves PROPERTIES FIXTURES_SETUP bad_elves)

set(ONE_LINE "^vtpu: [^\n]*\n$")  # exactly one line on stderr

vtpu_run_test(cli.missing_file EXIT 2
  STDERR "^vtpu: /nonexistent/fw.elf: cannot open file\n$" ARGS firmware /nonexistent/fw.elf)
foreach(case "empty;file is empty" "truncated;truncated: program header 0 lies beyond the end of the file"
             "text;not an ELF file" "arm;not a RISC-V ELF \\(e_machine 40\\)"
             "elf64;not a 32-bit ELF")
  list(GET case 0 name)
  list(GET case 1 why)
  vtpu_run_test(cli.bad_elf_${name} EXIT 2 STDERR "^vtpu: ${BAD}/${name}.elf: ${why}[^\n]*\n$"
    ARGS firmware ${BAD}/${name}.elf)
  set_tests_properties(cli.bad_elf_${name} PROPERTIES FIXTURES_REQUIRED bad_elves)
endforeach()
vtpu_run_test(cli.elf_outside_map EXIT 2
  STDERR "^vtpu: [^\n]*outside_map.elf: segment 0x40000000[^\n]* is outside the memory map \\(core RAM is at 0x80000000; [^\n]*\n$"
  ARGS firmware ${FW}/cli/outside_map.elf)
vtpu_run_test(cli.elf_does_not_fit_ram EXIT 2
  STDERR "^vtpu: [^\n]*hello.elf: segment 0x80000000[^\n]* does not fit core RAM[^\n]*\n$"
  ARGS firmware ${FW}/examples/hello.elf --set memory.core_ram_kib=4)
vtpu_run_test(cli.unknown_config_field EXIT 2
  STDERR "^vtpu: --set core.turbo=1: unknown field 'core.turbo'\n$"
  ARGS firmware ${FW}/examples/hello.elf --set core.turbo=1)
vtpu_run_test(cli.config_out_of_range EXIT 2
  STDERR "^vtpu: clock_mhz: 0 is out of range \\[1, 10000\\]\n$"
  ARGS firmware ${FW}/examples/hello.elf --set clock_mhz=0)
vtpu_run_test(cli.missing_config_file EXIT 2
  STDERR "^vtpu: /nonexistent.textproto: cannot open config file\n$"
  ARGS firmware ${FW}/examples/hello.elf --config /nonexistent.textproto)
vtpu_run_test(cli.instruction_limit EXIT 4
  STDERR "^vtpu: [^\n]*spin.elf: instruction limit reached \\(100000 instructions\\) at pc 0x8000000[0-9a-f]\n$"
  ARGS firmware ${FW}/cli/spin.elf --max-instructions 100000)
vtpu_run_test(cli.time_limit EXIT 4
  STDERR "^vtpu: [^\n]*spin.elf: simulated time limit reached \\(1 ms\\) at pc 0x8000000[0-9a-f]\n$"
  ARGS firmware ${FW}/cli/spin.elf --max-time 1ms)
vtpu_run_test(cli.illegal_no_handler EXIT 3
  STDERR "^vtpu: [^\n]*illegal.elf: illegal instruction at pc 0x80000004 \\(mcause 2, mtval 0xffffffff\\) with no trap handler \\(mtvec = 0\\)\n$"
  ARGS firmware ${FW}/cli/illegal.elf)
vtpu_run_test(cli.unmapped_store_no_handler EXIT 3
  STDERR "^vtpu: [^\n]*unmapped_store.elf: store/AMO access fault at pc 0x80000004 \\(mcause 7, mtval 0x40000000\\) with no trap handler \\(mtvec = 0\\)\n$"
  ARGS firmware ${FW}/cli/unmapped_store.elf)
vtpu_run_test(cli.wfi_deadlock EXIT 3
  STDERR "^vtpu: [^\n]*wfi_forever.elf: deadlock: the core waits in WFI at pc 0x80000004 and no enabled interrupt can wake it\n$"
  ARGS firmware ${FW}/cli/wfi_forever.elf)
vtpu_run_test(cli.bad_max_time EXIT 2
  STDERR "^vtpu: --max-time soon: expected a number and a unit \\(ps, ns, us, ms, s\\)\n$"
  ARGS firmware ${FW}/cli/spin.elf --max-time soon)
# Issue 19: inputs that crashed, hung or ended in an internal error.
vtpu_run_test(cli.vcd_unwritable EXIT 2
  STDERR "^vtpu: --vcd /nonexistent/x.vcd: cannot write /nonexistent/x.vcd \\(No such file or directory\\)\n$"
  ARGS firmware ${FW}/examples/hello.elf --vcd /nonexistent/x.vcd)
vtpu_run_test(cli.max_instructions_negative EXIT 2
  STDERR "^vtpu: --max-instructions -1: expected 0 or more\n$"
  ARGS firmware ${FW}/examples/hello.elf --max-instructions -1)
vtpu_run_test(cli.max_instructions_near_2_62 EXIT 0 STDOUT "hello from the vtpu control core"
  ARGS firmware ${FW}/examples/hello.elf --max-instructions 4611686018427387904)
vtpu_run_test(cli.max_time_out_of_range EXIT 2
  STDERR "^vtpu: --max-time 1e999s: out of range\n$"
  ARGS firmware ${FW}/examples/hello.elf --max-time 1e999s)
vtpu_run_test(cli.max_time_too_long EXIT 2
  STDERR "^vtpu: --max-time 1e300s: more than 1e6 s of simulated time\n$"
  ARGS firmware ${FW}/examples/hello.elf --max-time 1e300s)
vtpu_run_test(cli.elf_is_a_device EXIT 2 STDERR "^vtpu: /dev/zero: not a regular file\n$"
  ARGS firmware /dev/zero)
vtpu_run_test(cli.elf_is_a_directory EXIT 2 STDERR "^vtpu: /tmp: not a regular file\n$"
  ARGS firmware /tmp)
# Readers that stream their file refuse what is not a regular file (a device
# or a pipe read forever, a directory read as empty).
vtpu_run_test(cli.memtest_trace_is_a_device EXIT 2
  STDERR "^vtpu: /dev/zero: not a regular file\n$" ARGS memtest --trace /dev/zero)
vtpu_run_test(cli.memtest_trace_is_a_directory EXIT 2
  STDERR "^vtpu: /tmp: not a regular file\n$" ARGS memtest --trace /tmp)
vtpu_run_test(cli.trace_is_a_device EXIT 2
  STDERR "^vtpu: /dev/zero: not a regular file\n$" ARGS trace /dev/zero)
# A negative number for an unsigned option is refused, not wrapped to 2^64 - 1.
vtpu_run_test(cli.negative_unsigned_option EXIT 2 STDERR "^vtpu: --seed -1: expected 0 or more\n$"
  ARGS memtest --pattern seq --requests 10 --size 32 --seed -1)
vtpu_run_test(cli.memtest_outstanding_too_many EXIT 2
  STDERR "^vtpu: memtest: --outstanding 4294967295: at most 1048576[^\n]*\n$"
  ARGS memtest --pattern seq --requests 10 --size 32 --outstanding 4294967295)
vtpu_run_test(cli.unknown_command EXIT 2 STDERR "^vtpu: unknown command 'fly' \\(see vtpu --help\\)\n$"
  ARGS fly)
vtpu_run_test(cli.missing_elf_argument EXIT 2 STDERR ${ONE_LINE} ARGS firmware)
vtpu_run_test(cli.help EXIT 0 STDOUT "usage: vtpu <command>" ARGS --help)
vtpu_run_test(cli.stats EXIT 0
  STDERR "instructions retired: +[1-9][0-9]*\ncore cycles: +[1-9][0-9]*\nsimulated time: +[0-9.]+ us\nhost time: +[0-9.]+ s\nMIPS: +[0-9.]+\n"
  ARGS firmware ${FW}/examples/hello.elf --stats)
