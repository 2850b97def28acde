/*
 * model.h - the shape every model shares (docs/dev/adding-a-model.md).
 *
 * A model X has a config, struct X_cfg, filled by X_cfg_load() in
 * models/X_params.c (the one place its parameters are declared, with units,
 * ranges and sources), and is created from that config and an environment:
 *
 *	int X_create(const struct X_cfg *cfg, const struct model_env *env,
 *		     ..., struct X **out, char *err, size_t errlen);
 *
 * The topology keeps every model it creates with its ops table, so that
 * it finishes, checks and destroys them in loops rather than by hand.
 */
#ifndef USNSIM_MODEL_H
#define USNSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct stats;

/* What every model is created with besides its config. */
struct model_env {
	struct sim *sim;
	struct stats *st;      /* where it registers its statistics */
	const char *component; /* their component ("hosts.client.nic"); it
				  must outlive the model */
	uint64_t seed;	       /* the run's seed and its repetition: */
	uint32_t rep;	       /* ... its random streams derive from both */
	sim_time warmup_ps;    /* samples before this are not recorded */
};

/* What the topology does with every model, whatever its kind. */
struct model_ops {
	const char *name; /* "link", "nic" ... */
	/* Frees the model; NULL is a no-op. Packets it still holds belong to
	 * the packet pool, which reclaims them when it is destroyed. */
	void (*destroy)(void *m);
	/* Records the end-of-run scalars; NULL: it has none. */
	void (*finish)(void *m);
	/* Adds each packet the model holds to held[its src] (apps 0 ..
	 * napps - 1; it walks its queues once: end of run only), for the
	 * conservation check; NULL: it holds none. */
	void (*held_add)(const void *m, uint64_t *held, size_t napps);
};

#endif
