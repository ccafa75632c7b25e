# DMA engine runs (firmware in tests/dma, built by the cross build).
set(DMA_LIMIT --max-time 50ms)
vtpu_run_test(dma.copy EXIT 0 STDOUT "PASS dma_copy: 61 copies\n$"
  ARGS firmware ${FW}/dma/dma_copy.elf ${DMA_LIMIT})
vtpu_run_test(dma.copy_hbm3_small_quantum EXIT 0 STDOUT "PASS dma_copy: 61 copies\n$"
  ARGS firmware ${FW}/dma/dma_copy.elf ${DMA_LIMIT} --set hbm.preset=hbm3 --set core.quantum_ns=10)
vtpu_run_test(dma.errors EXIT 0 STDOUT "PASS dma_errors: 7 errors, 2 completions\n$"
  ARGS firmware ${FW}/dma/dma_errors.elf ${DMA_LIMIT})
# tpuv1-like: a large DMA from DDR3 sustains >= 90 % of 34.1 GB/s.
vtpu_run_test(dma.bandwidth_tpuv1 EXIT 0 STDOUT "PASS dma_bandwidth\n$"
  ARGS firmware ${FW}/dma/dma_bandwidth.elf --config tpuv1-like ${DMA_LIMIT})
vtpu_run_test(dma.bandwidth_edge EXIT 0 STDOUT "PASS dma_bandwidth\n$"
  ARGS firmware ${FW}/dma/dma_bandwidth.elf ${DMA_LIMIT})
# Injected aborts (docs/faults.md): every copy stops where its drawn point
# falls, with cause 7, having copied exactly the bytes before it.
vtpu_run_test(dma.abort EXIT 0
  STDOUT "PASS dma_abort: 6 aborted copies, [0-9]+ bytes copied before the aborts\n$"
  ARGS firmware ${FW}/dma/dma_abort.elf ${DMA_LIMIT} --set faults.dma_abort_per_copy=1)
# The ECC error log with injected DRAM errors (docs/faults.md): corrected
# errors logged through its interrupt and counted, the data right; an
# uncorrectable one logged inside the burst the DMA's cause 6 names.
vtpu_run_test(dma.ecc_log_corrected EXIT 0
  STDOUT "PASS ecc_log: [1-9][0-9]* corrected errors, [1-9][0-9]* logged through [0-9]+ interrupts, [0-9]+ missed\n$"
  ARGS firmware ${FW}/dma/ecc_log_corrected.elf ${DMA_LIMIT} --set faults.hbm_corrected_per_access=0.01)
vtpu_run_test(dma.ecc_log_uncorrected EXIT 0
  STDOUT "PASS ecc_log: copy [0-9]+ stopped with cause 6, logged at burst \\+0x[0-9a-f]+\n$"
  ARGS firmware ${FW}/dma/ecc_log_uncorrected.elf ${DMA_LIMIT} --set faults.hbm_uncorrected_per_access=0.002)
