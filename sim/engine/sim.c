/*
 * sim.c - the engine front: picks a backend and forwards to it.
 *
 * The front owns struct sim (current time, events executed, stop flag);
 * the backend owns the pending events. Scheduling checks arguments here so
 * every backend sees only valid requests: times never go backwards. A
 * frozen engine (sim_freeze) has handed its backend back and keeps only
 * the shared state, for results read after a run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "sim.h"

static const struct sim_backend_ops *const backends[] = {
	&sim_native_ops,
	&sim_ns3_ops,
};

const struct sim_backend_ops *sim_backend(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

struct sim *sim_create(const char *backend)
{
	const struct sim_backend_ops *ops = sim_backend(backend);
	struct sim *sim;

	if (!ops)
		return NULL;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return NULL;
	sim->ops = ops;
	sim->trace = 0xcbf29ce484222325ULL; /* FNV-1a offset basis */
	sim->impl = ops->create(sim);
	if (!sim->impl) {
		free(sim);
		return NULL;
	}
	return sim;
}

void sim_destroy(struct sim *sim)
{
	if (!sim)
		return;
	sim->ops->destroy(sim->impl);
	free(sim);
}

int sim_cancel(struct sim *sim, sim_event_id id)
{
	if (id == 0)
		return -ENOENT;
	return sim->ops->cancel(sim->impl, id);
}

uint64_t sim_run(struct sim *sim, sim_time until)
{
	uint64_t before = sim->events;

	if (until < sim->now)
		return 0;
	sim->stopping = false;
	sim->ops->run(sim->impl, until);
	if (!sim->stopping && until != SIM_TIME_MAX)
		sim->now = until;
	return sim->events - before;
}

void sim_stop(struct sim *sim)
{
	sim->stopping = true;
}

uint64_t sim_pending(const struct sim *sim)
{
	return sim->ops->pending(sim->impl);
}

/* The backend of a frozen engine: refuses everything, holds nothing. */
static void *frozen_create(struct sim *sim)
{
	return sim;
}

static void frozen_destroy(void *impl)
{
	(void)impl;
}

static sim_event_id frozen_schedule_at(void *impl, sim_time at, sim_fn fn,
				       void *a, void *b)
{
	(void)impl;
	(void)at;
	(void)fn;
	(void)a;
	(void)b;
	return 0;
}

static int frozen_cancel(void *impl, sim_event_id id)
{
	(void)impl;
	(void)id;
	return -ENOENT;
}

static void frozen_run(void *impl, sim_time until)
{
	struct sim *sim = impl;

	(void)until;
	sim->stopping = true; /* the clock stays where it stopped */
}

static uint64_t frozen_pending(const void *impl)
{
	(void)impl;
	return 0;
}

static const struct sim_backend_ops frozen_ops = {
	.name = "frozen",
	.create = frozen_create,
	.destroy = frozen_destroy,
	.schedule_at = frozen_schedule_at,
	.cancel = frozen_cancel,
	.run = frozen_run,
	.pending = frozen_pending,
};

void sim_freeze(struct sim *sim)
{
	if (sim->ops == &frozen_ops)
		return;
	sim->ops->destroy(sim->impl);
	sim->ops = &frozen_ops;
	sim->impl = frozen_create(sim);
}

uint32_t sim_trace_id(const char *component)
{
	uint32_t h = 0x811c9dc5u; /* FNV-1a, 32 bits */

	for (const unsigned char *p = (const unsigned char *)component; *p; p++)
		h = (h ^ *p) * 0x01000193u;
	return h;
}
