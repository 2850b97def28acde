/*
 * backend.h - the engine backends known to sim.c (internal header).
 */
#ifndef USNSIM_BACKEND_H
#define USNSIM_BACKEND_H

#include "sim.h"

extern const struct sim_backend_ops sim_native_ops;
extern const struct sim_backend_ops sim_ns3_ops; /* ns3.c */

#endif
