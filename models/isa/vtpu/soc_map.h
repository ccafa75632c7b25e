/*
 * vtpu SoC: default address map and peripheral register offsets.
 *
 * The one definition shared by the firmware (C, RV32) and the models (C++).
 * The platform's configuration starts from these values (platform/config.cpp);
 * docs/memory-map.md describes every block and register.
 */
#ifndef VTPU_SOC_MAP_H
#define VTPU_SOC_MAP_H

/* ---- address map (base, size) ---------------------------------------- */
#define VTPU_CLINT_BASE 0x02000000u
#define VTPU_CLINT_SIZE 0x00010000u
#define VTPU_PLIC_BASE 0x0c000000u
#define VTPU_PLIC_SIZE 0x04000000u
#define VTPU_UART_BASE 0x10000000u
#define VTPU_UART_SIZE 0x00001000u
#define VTPU_SIMCTRL_BASE 0x10001000u
#define VTPU_SIMCTRL_SIZE 0x00001000u
#define VTPU_DMA_BASE 0x11000000u /* DMA engine registers (vtpu/dma.h) */
#define VTPU_DMA_SIZE 0x00001000u
#define VTPU_CHIPINFO_BASE 0x11001000u /* the chip's parameters, read-only */
#define VTPU_CHIPINFO_SIZE 0x00001000u
#define VTPU_CP_BASE 0x11002000u /* command processor (vtpu/isa.h) */
#define VTPU_CP_SIZE 0x00001000u
#define VTPU_ECC_BASE 0x11003000u /* the DRAM ECC error log */
#define VTPU_ECC_SIZE 0x00001000u
#define VTPU_VMEM_BASE 0x20000000u /* unified buffer; size from memory.vmem_kib */
#define VTPU_AMEM_BASE 0x30000000u /* accumulators; size from memory.amem_kib */
#define VTPU_CORE_RAM_BASE 0x80000000u
/* Core RAM size comes from the config (memory.core_ram_kib); this is the default. */
#define VTPU_CORE_RAM_DEFAULT_SIZE 0x00400000u
/* HBM (or DRAM) lies above the core's 32-bit reach: the DMA engine moves data
 * between it and the on-chip memories. Its size follows from hbm.*. */
#define VTPU_HBM_BASE 0x100000000ull

/* ---- CLINT (SiFive-compatible layout) --------------------------------- */
#define VTPU_CLINT_MSIP 0x0000u        /* bit 0: machine software interrupt pending */
#define VTPU_CLINT_MTIMECMP_LO 0x4000u /* mtimecmp[31:0] */
#define VTPU_CLINT_MTIMECMP_HI 0x4004u /* mtimecmp[63:32] */
#define VTPU_CLINT_MTIME_LO 0xbff8u    /* mtime[31:0], read-only */
#define VTPU_CLINT_MTIME_HI 0xbffcu    /* mtime[63:32], read-only */

/* ---- PLIC (one context: hart 0, machine mode) ------------------------- */
#define VTPU_PLIC_SOURCES 32u            /* source 0 is reserved ("no interrupt") */
#define VTPU_PLIC_PRIORITY(n) (4u * (n)) /* priority of source n, 0..7 */
#define VTPU_PLIC_PENDING 0x1000u        /* bit n: source n pending, read-only */
#define VTPU_PLIC_ENABLE 0x2000u         /* bit n: source n enabled */
#define VTPU_PLIC_THRESHOLD 0x200000u    /* priorities <= threshold are masked */
#define VTPU_PLIC_CLAIM 0x200004u        /* read: claim, write: complete */

/* PLIC source lines. Lines 2..7 are driven by sim-control's IRQ register
 * (for firmware tests of the interrupt path); 8..15 are the accelerator's. */
#define VTPU_IRQ_UART 1u
#define VTPU_IRQ_TEST_FIRST 2u
#define VTPU_IRQ_TEST_LAST 7u
#define VTPU_IRQ_ACCEL_FIRST 8u
#define VTPU_IRQ_ACCEL_LAST 15u
#define VTPU_IRQ_DMA_DONE 8u  /* level: DMA STATUS.done with FLAGS.irq set */
#define VTPU_IRQ_DMA_ERROR 9u /* level: DMA STATUS.error */
#define VTPU_IRQ_CP_DONE 10u  /* level: command processor STATUS.done */
#define VTPU_IRQ_CP_ERROR 11u /* level: command processor STATUS.error */
#define VTPU_IRQ_ECC 12u      /* level: the ECC log holds an error of a kind CONTROL enables */
/* Lines 16..31 are for blocks on the bus (config axi_blocks[].irq). */
#define VTPU_IRQ_EXTERNAL_FIRST 16u
#define VTPU_IRQ_EXTERNAL_LAST 31u

/* ---- DRAM ECC error log (docs/memory-map.md, docs/faults.md) ------------
 * Counts every ECC error of a DRAM read burst and logs the first one since
 * STATUS.logged was cleared; its interrupt (PLIC source VTPU_IRQ_ECC) is
 * high while the log holds an error of a kind CONTROL enables. */
#define VTPU_ECC_CORRECTED 0x00u      /* corrected (single-bit) errors, read-only, saturating */
#define VTPU_ECC_UNCORRECTED 0x04u    /* uncorrectable errors, read-only, saturating */
#define VTPU_ECC_STATUS 0x08u         /* write 1 to clear: */
#define VTPU_ECC_STATUS_LOGGED 0x1u   /* the log holds an error */
#define VTPU_ECC_STATUS_OVERFLOW 0x2u /* errors came while it did (counted in MISSED) */
#define VTPU_ECC_CONTROL 0x0cu        /* interrupt on a logged: */
#define VTPU_ECC_CONTROL_CORRECTED 0x1u
#define VTPU_ECC_CONTROL_UNCORRECTED 0x2u
#define VTPU_ECC_LOG_ADDR_LO 0x10u /* bus address of the logged error's burst */
#define VTPU_ECC_LOG_ADDR_HI 0x14u
#define VTPU_ECC_LOG_KIND 0x18u /* 1 corrected, 2 uncorrectable */
#define VTPU_ECC_MISSED 0x1cu   /* errors not logged (the log was full), saturating */
#define VTPU_ECC_KIND_CORRECTED 1u
#define VTPU_ECC_KIND_UNCORRECTED 2u

/* ---- UART ------------------------------------------------------------- */
#define VTPU_UART_TXDATA 0x00u /* write: low byte goes to the console */
#define VTPU_UART_STATUS 0x04u /* bit 0: transmitter ready (always 1) */

/* ---- sim-control ------------------------------------------------------ */
#define VTPU_SIMCTRL_EXIT 0x00u   /* write: end the run with this exit code */
#define VTPU_SIMCTRL_MARKER 0x04u /* write: trace marker (logged with --stats) */
#define VTPU_SIMCTRL_ID 0x08u     /* read: 0x76747075 ("vtpu") */
#define VTPU_SIMCTRL_IRQ 0x0cu    /* bit n (2..7): level of PLIC source n */
#define VTPU_SIMCTRL_ID_VALUE 0x76747075u

/* ---- chip info (read-only words: what one firmware binary needs to know
 * to serve every configuration) ------------------------------------------
 * Boot: at reset a0 holds the hart id (0) and a1 the bus address of chip
 * info (as Spike and QEMU hand over a device tree in a1); firmware finds
 * every other block from there, so one ELF serves every address map. */
#define VTPU_CHIPINFO_CLOCK_KHZ 0x00u /* core and accelerator clock */
#define VTPU_CHIPINFO_TIMER_KHZ 0x04u /* CLINT mtime rate */
#define VTPU_CHIPINFO_CORE_RAM_SIZE 0x08u
#define VTPU_CHIPINFO_VMEM_SIZE 0x0cu /* bytes */
#define VTPU_CHIPINFO_AMEM_SIZE 0x10u /* bytes */
#define VTPU_CHIPINFO_HBM_SIZE_MIB 0x14u
#define VTPU_CHIPINFO_HBM_BASE_LO 0x18u
#define VTPU_CHIPINFO_HBM_BASE_HI 0x1cu
#define VTPU_CHIPINFO_MXU_ROWS 0x20u
#define VTPU_CHIPINFO_MXU_COLS 0x24u
#define VTPU_CHIPINFO_VPU_LANES 0x28u
#define VTPU_CHIPINFO_HBM_MB_PER_S 0x2cu   /* peak pin bandwidth, 1e6 bytes/s */
#define VTPU_CHIPINFO_RUNTIME 0x30u        /* VTPU_RUNTIME_* switches for the firmware runtime */
#define VTPU_RUNTIME_DOUBLE_BUFFERING 0x1u /* runtime.double_buffering */
#define VTPU_RUNTIME_RESIDENT_ACTIVATIONS 0x2u /* runtime.resident_activations */
#define VTPU_RUNTIME_HELD_WEIGHTS 0x4u         /* runtime.held_weights */
#define VTPU_CHIPINFO_VMEM_BASE 0x34u          /* bus address of VMEM (address_map.vmem_base) */
#define VTPU_CHIPINFO_AMEM_BASE 0x38u          /* bus address of AMEM (address_map.amem_base) */
#define VTPU_CHIPINFO_CORE_RAM_BASE 0x3cu      /* address_map.core_ram_base */
#define VTPU_CHIPINFO_CLINT_BASE 0x40u         /* address_map.clint.base */
#define VTPU_CHIPINFO_PLIC_BASE 0x44u          /* address_map.plic.base */
#define VTPU_CHIPINFO_UART_BASE 0x48u          /* address_map.uart.base */
#define VTPU_CHIPINFO_SIMCTRL_BASE 0x4cu       /* address_map.sim_ctrl.base */
#define VTPU_CHIPINFO_DMA_BASE 0x50u           /* address_map.dma.base */
#define VTPU_CHIPINFO_CP_BASE 0x54u            /* address_map.command_processor.base */
/* Blocks on the bus (config axi_blocks, in its order; docs/cosim.md): how
 * many, and for block i its slave's base and size (0: it has none) and its
 * PLIC source (0: none). */
#define VTPU_CHIPINFO_AXI_BLOCKS 0x58u
#define VTPU_CHIPINFO_ECC_BASE 0x5cu    /* address_map.ecc.base */
#define VTPU_CHIPINFO_WATCHDOG_US 0x60u /* runtime.watchdog_us (0: off) */
/* mxu.dataflow: VTPU_DATAFLOW_WS, _OS, or _AUTO for an array that runs both */
#define VTPU_CHIPINFO_MXU_DATAFLOW 0x64u
#define VTPU_CHIPINFO_AXI_MAX 8u
#define VTPU_CHIPINFO_AXI_BASE(i) (0x100u + 16u * (i))
#define VTPU_CHIPINFO_AXI_SIZE(i) (0x104u + 16u * (i))
#define VTPU_CHIPINFO_AXI_IRQ(i) (0x108u + 16u * (i))

#endif /* VTPU_SOC_MAP_H */
