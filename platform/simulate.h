// Runs the SystemC kernel from sc_main's stack. Use these in place of
// sc_core::sc_start() wherever code may throw after the simulation.
#pragma once

#include <systemc>

namespace vtpu {

// sc_start() until no events are left, or for at most `limit` more simulated
// time (sc_start's starvation policy: return when nothing is pending).
void simulate();
void simulate(const sc_core::sc_time& limit);
// sc_start(SC_ZERO_TIME): elaboration and the processes' first delta.
void elaborate();

}  // namespace vtpu
