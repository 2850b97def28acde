/*
 * hostmem.h - a host's memory and its packet buffer pools, built from
 * hosts.NAME.pool.* and hosts.NAME.memory: the device pool its driver owns
 * and a channel pool for each app end with a user-space stack, all drawing
 * from one host memory (models/pool.h).
 *
 * Its configuration, struct hostmem_cfg, comes from hostmem_cfg_load()
 * (pool_params.c, beside the parameters); the topology keeps it with
 * hostmem_ops.
 *
 * Destroying it frees every pool, whatever buffers packets still hold:
 * those are simply forgotten. No model gives buffers back when it is
 * destroyed (packets still in flight belong to the packet pool, which
 * reclaims them without their buffers), so a host's memory may go before
 * or after the models that hold its buffers (NIC, driver, flow switch,
 * stacks); a model that did give buffers back in its destroy would have
 * to go before it.
 */
#ifndef USNSIM_HOSTMEM_H
#define USNSIM_HOSTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pool.h"

struct hostmem;

/* The configuration of a host's memory and pools (see pool_params.c). */
struct hostmem_cfg {
	bool modelled;	       /* pool.mode is not none */
	uint64_t memory_bytes; /* the pools may reserve in all; 0: no limit */
	enum pool_pressure pressure; /* the host's reaper's rule */
	struct pool_cfg device;	     /* the device pool */
	struct pool_cfg user;	     /* every channel pool */
	/* where memory is set ("file:line:col"), for the error of a pool
	 * whose initial reservation does not fit */
	char memory_at[256];
};

/* Fills cfg from the parameters of host prefix ("hosts.client"). With
 * pool.mode none, cfg->modelled is false and nothing else is read.
 * Returns 0, or -EINVAL with "file:line:col: KIND pool: ..." in err if
 * the device or the channel pools' parameters do not fit together (a
 * segment not a multiple of the buffer, max below min ...). */
int hostmem_cfg_load(struct hostmem_cfg *cfg, const struct param_src *src,
		     const char *prefix, char *err, size_t errlen);

/* Creates the memory of a host whose memory is modelled (cfg->modelled)
 * and its device pool. env->component is the host's ("hosts.client",
 * copied): the memory's statistics go under COMPONENT.memory, the device
 * pool's under COMPONENT.pool.device. ncpus: the host's cores (index <
 * ncpus, see cpu_core_index()), each of which gets a magazine in every
 * pool. Returns 0; -EINVAL with "file:line:col: device pool: ..." in err
 * if the host's memory cannot hold the device pool's initial
 * reservation; -ENOMEM. */
int hostmem_create(const struct hostmem_cfg *cfg, const struct model_env *env,
		   uint32_t ncpus, struct hostmem **out, char *err,
		   size_t errlen);
void hostmem_destroy(struct hostmem *m); /* NULL is a no-op */
/* destroy and finish for the topology's loops. */
extern const struct model_ops hostmem_ops;
struct pool *hostmem_device(const struct hostmem *m);
/* The host's memory, shared by its pools and its in-kernel stack's
 * socket buffers (stk_set_memory()). */
struct pool_mem *hostmem_memory(const struct hostmem *m);
/* The kernel core the host's reaper runs on (pool_mem_set_core()). */
void hostmem_set_core(struct hostmem *m, const struct cpu *cpu,
		      struct cpu_core *core);
/* Creates the channel pool of app `app`'s end on this host
 * (COMPONENT.pool.app.APP). Returns 0, -EINVAL ("file:line:col: user
 * pool: ..." in err: the host's memory cannot hold its initial
 * reservation) or -ENOMEM. */
int hostmem_channel_pool(struct hostmem *m, const char *app, struct pool **out,
			 char *err, size_t errlen);
/* The pools' accounting invariants (reserved >= in use, no bad free):
 * 0, or -1 with what is wrong in msg. */
int hostmem_check(const struct hostmem *m, char *msg, size_t n);
/* Records every pool's end-of-run scalars. */
void hostmem_finish(struct hostmem *m);

#endif
