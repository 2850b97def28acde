/*
 * run.c - one run: build the topology from a scenario, simulate, collect.
 *
 * The bare-queue topology (no hosts) is: every app -> the `network` link ->
 * a sink that records per-app latency. Packets dropped anywhere go to the
 * sink's drop port. At the end, what is still in flight is counted by
 * walking the link's queues (not derived from the counters), so that
 * sent = received + dropped + in_flight is a real check of the models.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "link.h"
#include "pkt.h"
#include "run.h"
#include "scenario.h"
#include "sink.h"
#include "stats.h"

struct topo {
	struct pkt_pool *pool;
	struct link *link;
	struct sink *sink;
	size_t napps;
	const char *const *names;
	struct app **apps;
};

static void topo_destroy(struct topo *t)
{
	for (size_t i = 0; t->apps && i < t->napps; i++)
		app_destroy(t->apps[i]);
	free(t->apps);
	sink_destroy(t->sink);
	link_destroy(t->link);
	pkt_pool_destroy(t->pool);
}

static int topo_build(struct topo *t, struct sim *sim, struct stats *st,
		      const struct scn *s, uint32_t rep, char *err,
		      size_t errlen)
{
	int rc;

	t->napps = scn_instances(s, "apps", &t->names);
	t->pool = pkt_pool_create();
	t->apps = calloc(t->napps ? t->napps : 1, sizeof(*t->apps));
	if (!t->pool || !t->apps)
		return -ENOMEM;
	rc = link_create(sim, st, s, "network", &t->link);
	if (!rc)
		rc = sink_create(sim, st, t->pool, t->napps, t->names,
				 &t->sink);
	if (rc)
		return rc;
	link_connect(t->link, sink_input(t->sink), sink_drop_input(t->sink));
	for (size_t i = 0; i < t->napps; i++) {
		rc = app_create(sim, st, t->pool, s, t->names[i], (uint32_t)i,
				rep, &t->apps[i], err, errlen);
		if (rc)
			return rc;
		app_connect(t->apps[i], link_input(t->link));
	}
	return 0;
}

static int topo_start(struct topo *t)
{
	for (size_t i = 0; i < t->napps; i++)
		if (app_start(t->apps[i]))
			return -ENOMEM;
	return 0;
}

static void topo_finish(struct topo *t, struct stats *st)
{
	char comp[128];

	link_finish(t->link);
	for (size_t i = 0; i < t->napps; i++) {
		snprintf(comp, sizeof(comp), "apps.%s", t->names[i]);
		stats_scalar(st, comp, "in_flight", "packets",
			     (double)link_held_by(t->link, (uint32_t)i));
	}
	stats_scalar(st, "sim", "packets_in_use", "packets",
		     (double)pkt_in_use(t->pool));
}

static int run_check(const struct scn *s, char *err, size_t errlen)
{
	char where[256];

	if (scn_time(s, "warmup") < scn_time(s, "duration"))
		return 0;
	scn_where(s, "warmup", where, sizeof(where));
	snprintf(err, errlen, "%s: warmup must be shorter than duration",
		 where);
	return -EINVAL;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void stamp_started(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int run_scenario(const struct scn *s, uint32_t rep, struct run_result *out,
		 char *err, size_t errlen)
{
	struct topo t = { 0 };
	double t0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = run_check(s, err, errlen);
	if (rc)
		return rc;
	out->repetition = rep;
	out->seed = (uint64_t)scn_int(s, "seed");
	out->engine = scn_str(s, "engine");
	out->sim = sim_create(out->engine);
	if (!out->sim)
		goto out_nomem;
	out->stats = stats_create(out->sim, scn_time(s, "warmup"),
				  scn_time(s, "sample_interval"));
	if (!out->stats)
		goto out_nomem;
	rc = topo_build(&t, out->sim, out->stats, s, rep, err, errlen);
	if (!rc && (stats_start(out->stats) || topo_start(&t)))
		rc = -ENOMEM;
	if (rc)
		goto out_fail;
	stamp_started(out->started, sizeof(out->started));
	t0 = wall_now();
	sim_run(out->sim, scn_time(s, "duration"));
	out->wall_s = wall_now() - t0;
	out->events = sim_events(out->sim);
	out->end_ps = sim_now(out->sim);
	snprintf(out->fingerprint, sizeof(out->fingerprint), "%016llx",
		 (unsigned long long)out->sim->trace);
	stats_finish(out->stats);
	topo_finish(&t, out->stats);
	topo_destroy(&t);
	return 0;
out_nomem:
	rc = -ENOMEM;
out_fail:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory setting up the run");
	topo_destroy(&t);
	run_result_fini(out);
	return rc;
}

int run_validate(const struct scn *s, char *err, size_t errlen)
{
	struct run_result r;
	struct topo t = { 0 };
	int rc = run_check(s, err, errlen);

	if (rc)
		return rc;
	memset(&r, 0, sizeof(r));
	r.sim = sim_create(scn_str(s, "engine"));
	r.stats = r.sim ? stats_create(r.sim, 0, 0) : NULL;
	rc = r.stats ? topo_build(&t, r.sim, r.stats, s, 0, err, errlen)
		     : -ENOMEM;
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory setting up the run");
	topo_destroy(&t);
	run_result_fini(&r);
	return rc;
}

void run_result_fini(struct run_result *r)
{
	stats_destroy(r->stats);
	sim_destroy(r->sim);
	r->stats = NULL;
	r->sim = NULL;
}
