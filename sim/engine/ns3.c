/*
 * ns3.c - the ns3 engine backend: the engine API on ns3::Simulator,
 * through the C binding in sim/engine/ns3/ns3c.h.
 *
 * Each usnsim event is a record (handler and its two words) handed to
 * ns3c_schedule_at() as the argument of a trampoline; records come from a
 * free list that grows in chunks, as on the native backend, so only ns-3
 * itself allocates per event. Event ids are ns3c's.
 *
 * The clock: before every call from ns-3 into C (an event, or a device
 * callback such as a frame arriving) the binding's enter hook copies
 * ns-3's time into sim->now and its event count into sim->events; after
 * it, the leave hook turns sim_stop() into a stop of ns-3's loop. On a
 * scenario whose network is native, ns-3 runs nothing but usnsim's events,
 * in the same order as the native backend (time, then scheduling order),
 * so results and event counts are identical; with an ns-3 network the
 * count includes the events of ns-3's device models.
 *
 * ns-3's simulator is one per process: a second ns3 engine while one
 * exists cannot be created (create returns NULL); one after the other is
 * fine.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"
#include "ns3c.h"

#define NS3_CHUNK 4096

struct ns3_ev {
	sim_fn fn;
	void *a, *b;
	struct ns3_engine *eng;
	struct ns3_ev *next; /* free list */
};

struct ns3_chunk {
	struct ns3_chunk *next;
	struct ns3_ev ev[NS3_CHUNK];
};

struct ns3_engine {
	struct sim *sim;
	struct ns3_chunk *chunks;
	struct ns3_ev *free;
};

static void ns3_enter(void *ctx)
{
	struct ns3_engine *e = ctx;

	e->sim->now = ns3c_now();
	e->sim->events = ns3c_events();
}

static void ns3_leave(void *ctx)
{
	struct ns3_engine *e = ctx;

	if (e->sim->stopping)
		ns3c_stop();
}

static struct ns3_ev *ns3_ev_alloc(struct ns3_engine *e)
{
	struct ns3_ev *ev;

	if (!e->free) {
		struct ns3_chunk *c = malloc(sizeof(*c));

		if (!c)
			return NULL;
		c->next = e->chunks;
		e->chunks = c;
		for (int i = NS3_CHUNK - 1; i >= 0; i--) {
			c->ev[i].next = e->free;
			e->free = &c->ev[i];
		}
	}
	ev = e->free;
	e->free = ev->next;
	return ev;
}

static void ns3_ev_free(struct ns3_engine *e, struct ns3_ev *ev)
{
	ev->next = e->free;
	e->free = ev;
}

static void ns3_fire(void *arg)
{
	struct ns3_ev *ev = arg;
	struct ns3_engine *e = ev->eng;
	sim_fn fn = ev->fn;
	void *a = ev->a, *b = ev->b;

	ns3_ev_free(e, ev);
	fn(e->sim, a, b);
}

static sim_event_id ns3_schedule_at(void *impl, sim_time at, sim_fn fn, void *a,
				    void *b)
{
	struct ns3_engine *e = impl;
	struct ns3_ev *ev = ns3_ev_alloc(e);
	uint64_t id;

	if (!ev)
		return 0;
	ev->fn = fn;
	ev->a = a;
	ev->b = b;
	ev->eng = e;
	id = ns3c_schedule_at(at, ns3_fire, ev);
	if (!id)
		ns3_ev_free(e, ev);
	return id;
}

static int ns3_cancel(void *impl, sim_event_id id)
{
	struct ns3_engine *e = impl;
	void *arg;

	if (ns3c_cancel(id, &arg))
		return -ENOENT;
	ns3_ev_free(e, arg);
	return 0;
}

static void ns3_run(void *impl, sim_time until)
{
	struct ns3_engine *e = impl;

	ns3c_run(until);
	e->sim->now = ns3c_now();
	e->sim->events = ns3c_events();
}

static uint64_t ns3_pending(const void *impl)
{
	(void)impl;
	return ns3c_pending();
}

static void *ns3_create(struct sim *sim)
{
	struct ns3_engine *e = calloc(1, sizeof(*e));
	struct ns3c_hooks h = { ns3_enter, ns3_leave, e };

	if (!e)
		return NULL;
	e->sim = sim;
	if (ns3c_open(&h)) {
		free(e);
		return NULL;
	}
	return e;
}

static void ns3_destroy(void *impl)
{
	struct ns3_engine *e = impl;

	if (!e)
		return;
	ns3c_close();
	while (e->chunks) {
		struct ns3_chunk *c = e->chunks;

		e->chunks = c->next;
		free(c);
	}
	free(e);
}

const struct sim_backend_ops sim_ns3_ops = {
	.name = "ns3",
	.create = ns3_create,
	.destroy = ns3_destroy,
	.schedule_at = ns3_schedule_at,
	.cancel = ns3_cancel,
	.run = ns3_run,
	.pending = ns3_pending,
};
