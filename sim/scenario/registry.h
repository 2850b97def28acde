/*
 * registry.h - every declared parameter, found by path.
 *
 * The registry is the run's own table (sim_params, in sim_params.c)
 * followed by every model's (models/models.h), in a stable order: the
 * order of `usnsim params` and of the parameter reference. Last come the
 * stack profiles' (stacks.*.stack, .channel, .tcp): clones of the host's
 * hosts.*.stack, .channel and .tcp declarations, path aside.
 */
#ifndef USNSIM_REGISTRY_H
#define USNSIM_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "param.h"

/* Top level: duration, warmup, seed, repetitions, engine ... */
extern const struct param_def sim_params[];

/* All declarations, in a stable order. */
size_t param_count(void);
const struct param_def *param_at(size_t i);

/* The declaration matching a concrete path ("apps.rpc.rate"), or NULL. */
const struct param_def *param_lookup(const char *path);
/* True if prefix names an instance group ("apps"). */
bool param_is_group(const char *prefix);

#endif
