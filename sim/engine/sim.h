/*
 * sim.h - the discrete-event engine every model runs on.
 *
 * Time is sim_time: signed 64-bit picoseconds (a 64-byte frame at 400 Gb/s
 * lasts 1.28 ns, so nanoseconds are too coarse; 2^63 ps is about 106 days).
 * Events at equal time run in the order they were scheduled (time, then a
 * sequence number), so a run is a pure function of its inputs.
 *
 * The engine is a thin front over a backend chosen at creation: "native"
 * (a radix heap keyed on time, no allocation per event once grown) or
 * "ns3" (ns3::Simulator through sim/engine/ns3/, required by ns-3 networks; one
 * at a time per process). Models see only this API.
 */
#ifndef USNSIM_SIM_H
#define USNSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

typedef int64_t sim_time; /* picoseconds */

#define SIM_PS ((sim_time)1)
#define SIM_NS ((sim_time)1000)
#define SIM_US ((sim_time)1000000)
#define SIM_MS ((sim_time)1000000000)
#define SIM_S ((sim_time)1000000000000)
#define SIM_TIME_MAX INT64_MAX

/* a + b for b >= 0, or SIM_TIME_MAX when that does not fit: a time so far
 * past the end of any run that it never comes. */
static inline sim_time sim_time_add(sim_time a, sim_time b)
{
	return b > SIM_TIME_MAX - a ? SIM_TIME_MAX : a + b;
}

struct sim;

/* An event handler; a and b are the two words given to sim_schedule(). */
typedef void (*sim_fn)(struct sim *sim, void *a, void *b);

/* Names an event for sim_cancel(); 0 is never a valid id. */
typedef uint64_t sim_event_id;

/* What a backend provides; the engine front calls only these. */
struct sim_backend_ops {
	const char *name;
	/* Returns backend state, or NULL on allocation failure. */
	void *(*create)(struct sim *sim);
	void (*destroy)(void *impl);
	/* Schedules fn at absolute time at (>= now); returns the id or 0. */
	sim_event_id (*schedule_at)(void *impl, sim_time at, sim_fn fn, void *a,
				    void *b);
	/* Returns 0, or -ENOENT if the event already ran or was cancelled. */
	int (*cancel)(void *impl, sim_event_id id);
	/* Runs events with time <= until, or until sim_stop(); sets now. */
	void (*run)(void *impl, sim_time until);
	/* Number of events pending. */
	uint64_t (*pending)(const void *impl);
};

/* The state the front shares with backends (backends update now/events). */
struct sim {
	sim_time now;
	uint64_t events; /* events executed so far */
	bool stopping;	 /* set by sim_stop(), cleared by sim_run() */
	uint64_t trace;	 /* fingerprint of the trajectory so far */
	const struct sim_backend_ops *ops;
	void *impl;
};

/* Backends known by name ("native", "ns3"); NULL if unknown. */
const struct sim_backend_ops *sim_backend(const char *name);

/* Returns a new engine at time 0, or NULL (unknown backend, no memory, or
 * an "ns3" engine while another one exists in the process). */
struct sim *sim_create(const char *backend);
void sim_destroy(struct sim *sim); /* NULL is a no-op */

/* Schedules fn(sim, a, b) at absolute time at (>= now). Returns the id,
 * or 0 if memory ran out, at is in the past or fn is NULL. Inline: every
 * event of a run goes through it. */
static inline sim_event_id sim_schedule_at(struct sim *sim, sim_time at,
					   sim_fn fn, void *a, void *b)
{
	if (at < sim->now || !fn)
		return 0;
	return sim->ops->schedule_at(sim->impl, at, fn, a, b);
}

/* Same delay ps from now (delay >= 0; 0 if negative or beyond the end of
 * time). */
static inline sim_event_id sim_schedule(struct sim *sim, sim_time delay,
					sim_fn fn, void *a, void *b)
{
	if (delay < 0 || delay > SIM_TIME_MAX - sim->now)
		return 0;
	return sim_schedule_at(sim, sim->now + delay, fn, a, b);
}
/* Returns 0, or -ENOENT if the event already ran or was cancelled. */
int sim_cancel(struct sim *sim, sim_event_id id);
/* Runs every event with time <= until (or until sim_stop()); afterwards
 * now == until unless stopped early. Returns events executed by this call. */
uint64_t sim_run(struct sim *sim, sim_time until);
/* Makes sim_run() return after the current event. */
void sim_stop(struct sim *sim);
uint64_t sim_pending(const struct sim *sim);
/* Ends the backend's part (pending events are dropped; an ns3 engine
 * gives ns-3's simulator back, so another can be created) and keeps the
 * clock, event count and fingerprint for whoever reads results; nothing
 * can be scheduled or run afterwards. Idempotent. */
void sim_freeze(struct sim *sim);

static inline sim_time sim_now(const struct sim *sim)
{
	return sim->now;
}

static inline uint64_t sim_events(const struct sim *sim)
{
	return sim->events;
}

/*
 * The trajectory fingerprint: models report what happens to packets
 * (component, kind of event, packet size) and the engine folds it, with the
 * current time, into a 64-bit hash. Two runs with equal fingerprints went
 * through the same events at the same picoseconds, whatever the summaries;
 * any change in behaviour shows. It depends on no pointer or backend, so it
 * is comparable across builds and engines.
 */
enum sim_trace_kind {
	SIM_TR_SEND = 1, /* an app made a packet */
	SIM_TR_ENQUEUE,	 /* joined a queue */
	SIM_TR_DROP,	 /* dropped */
	SIM_TR_START,	 /* began service (e.g. serialization) */
	SIM_TR_DELIVER,	 /* left a component towards the next */
	SIM_TR_RECEIVE,	 /* reached its destination */
};

/* A component's id for sim_trace: a hash of its name (set-up time). */
uint32_t sim_trace_id(const char *component);

static inline void sim_trace(struct sim *sim, uint32_t component,
			     enum sim_trace_kind kind, uint32_t len_bytes)
{
	const uint64_t prime = 0x100000001b3ULL;
	uint64_t h = sim->trace;

	h = (h ^ (uint64_t)sim->now) * prime;
	h = (h ^ ((uint64_t)component << 8 | (uint64_t)kind)) * prime;
	h = (h ^ len_bytes) * prime;
	sim->trace = h;
}

#endif
