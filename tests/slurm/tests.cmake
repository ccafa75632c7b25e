# `vtpu sweep --slurm` through a real Slurm (slurm-wlm + munge, started by the
# test as root and torn down after): docs/experiments.md, "Slurm". Skipped
# (status 77) when not root. Serial: it starts daemons on fixed ports.
configure_file(${CMAKE_CURRENT_LIST_DIR}/sweep24.textproto.in ${NETS}/out/sweep24.textproto @ONLY)
add_test(NAME slurm.sweep_job_array
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/slurm_sweep.sh $<TARGET_FILE:vtpu>
    ${NETS}/out/sweep24.textproto ${NETS}/out/slurm)
set_tests_properties(slurm.sweep_job_array PROPERTIES
  PASS_REGULAR_EXPRESSION "PASS Slurm job array" SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 600)
