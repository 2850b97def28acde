/*
 * run.c - one run: build the topology from a scenario, simulate, collect.
 *
 * The topology comes from topo.c (network, hosts, apps, sink) and
 * topo_host.c (what runs on a host above its driver).
 *
 * The engine: the scenario's `engine`, except that an ns-3 network needs
 * the ns3 engine, which is then chosen when `engine` was left at its
 * default (said once per process on stderr, once the input is known to be
 * good: run_say_engine()) and is an error when the
 * scenario asks for native explicitly. After the run the engine is frozen
 * (sim_freeze), so results can be kept while the next run uses ns-3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ns3net.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "topo.h"
#include "warmup.h"

/* The warm-up: shorter than the run, and warmup_pilots only with the
 * warmup: auto whose pilots it counts. */
static int run_check(const struct scn *s, char *err, size_t errlen)
{
	struct param_src src = scn_source(s);
	char where[256];

	if (!warmup_is_auto(s) && param_given(&src, NULL, "warmup_pilots")) {
		scn_where(s, "warmup_pilots", where, sizeof(where));
		snprintf(
			err, errlen,
			"%s: warmup_pilots: has no effect without warmup: auto (it counts the pilot runs that choose the warm-up)",
			where);
		return -EINVAL;
	}
	if (scn_time(s, "warmup") < scn_time(s, "duration"))
		return 0;
	scn_where(s, "warmup", where, sizeof(where));
	snprintf(err, errlen, "%s: warmup must be shorter than duration",
		 where);
	return -EINVAL;
}

/*
 * The engine a run of s uses. `engine: auto` (the default) is native, or
 * ns3 when the network is an ns-3 device (*automatic is then true).
 * Returns 0; -EINVAL with "file:line:col: ..." in err when the scenario or
 * an override asks for native with an ns-3 network.
 */
static int run_engine(const struct scn *s, const char **engine, bool *automatic,
		      char *err, size_t errlen)
{
	const char *kind = scn_str(s, "network.kind");
	bool needs_ns3 = ns3net_handles(kind);
	char where[256];

	*engine = scn_str(s, "engine");
	*automatic = false;
	if (!strcmp(*engine, "auto")) {
		*engine = needs_ns3 ? "ns3" : "native";
		*automatic = needs_ns3;
		return 0;
	}
	if (!needs_ns3 || !strcmp(*engine, "ns3"))
		return 0;
	scn_where(s, "engine", where, sizeof(where));
	snprintf(
		err, errlen,
		"%s: engine: %s cannot run network.kind %s, which is an ns-3 device; use engine: ns3 or auto",
		where, *engine, kind);
	return -EINVAL;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Where the progress of a long run goes (NULL: nowhere); run_progress(). */
static FILE *run_progress_to;

void run_progress(FILE *f)
{
	run_progress_to = f;
}

/* Runs the engine to end. With a progress stream and the native engine,
 * in 100 slices, saying after each (at most twice a second, once a run
 * has taken 2 s) how much simulated time is done: the native engine runs
 * the events of a slice in the same order as in one go, so the run is the
 * same. ns-3 runs in one go (its stop event would be an event more). */
static void run_simulate(struct sim *sim, sim_time end, uint32_t rep, double t0)
{
	double last = t0;

	if (!run_progress_to || strcmp(sim->ops->name, "native")) {
		sim_run(sim, end);
		return;
	}
	for (int i = 1; i <= 100 && !sim->stopping; i++) {
		double now;

		sim_run(sim, i == 100 ? end : end / 100 * i);
		now = wall_now();
		if (now - t0 >= 2 && now - last >= 0.5) {
			fprintf(run_progress_to,
				"\r  repetition %u: %3d%% of the simulated time, %.0f s   ",
				rep, i, now - t0);
			fflush(run_progress_to);
			last = now;
		}
	}
	if (last != t0)
		fputc('\n', run_progress_to);
}

static void stamp_started(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* That the ns3 engine was picked by itself: kept by the first build that
 * picks it (checking a study's points builds each of them), said on stderr
 * by run_say_engine() once the caller has found all its input good, so
 * that bad input stays one line on stderr, and a study of many points
 * (its workers are forked after) says it once per process. */
static char run_engine_note[600];
static bool run_told_engine;

static void run_note_engine(const struct scn *s)
{
	if (!run_told_engine && !run_engine_note[0])
		snprintf(run_engine_note, sizeof(run_engine_note),
			 "%s: network.kind %s runs on the ns3 engine\n",
			 scn_path(s), scn_str(s, "network.kind"));
}

void run_say_engine(void)
{
	if (run_told_engine || !run_engine_note[0])
		return;
	fputs(run_engine_note, stderr);
	run_told_engine = true;
}

/*
 * Builds repetition rep of s into out (engine, statistics) and t without
 * running it: what a run and a validation share. The pass has warm-up
 * warmup_ps and its random streams derive from seed (the scenario's, or
 * a pilot's, warmup.c); a pilot, if any, collects the warm-up series. A
 * validation (validating) keeps the note that the ns3 engine was picked
 * by itself for run_say_engine(); a run says it at once. On failure, err
 * is filled and out and t are for the caller to free.
 */
static int run_setup(const struct scn *s, uint32_t rep, uint64_t seed,
		     sim_time warmup_ps, struct warmup_pilot *pilot,
		     bool validating, struct run_result *out, struct topo *t,
		     char *err, size_t errlen)
{
	bool automatic;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = run_check(s, err, errlen);
	if (!rc)
		rc = run_engine(s, &out->engine, &automatic, err, errlen);
	if (rc)
		return rc;
	if (automatic && !validating) { /* a caller that did not validate */
		run_note_engine(s);
		run_say_engine();
	}
	err[0] = '\0';
	/* the backend's own name outlives the scenario */
	if (sim_backend(out->engine))
		out->engine = sim_backend(out->engine)->name;
	out->repetition = rep;
	out->seed = (uint64_t)scn_int(s, "seed");
	out->sim = sim_create(out->engine);
	if (!out->sim && !strcmp(out->engine, "ns3"))
		rc = -EBUSY;
	else if (!out->sim)
		rc = -ENOMEM;
	else
		out->stats = stats_create(out->sim, warmup_ps,
					  scn_time(s, "sample_interval"));
	if (!rc && !out->stats)
		rc = -ENOMEM;
	if (!rc) {
		stats_set_series_max(out->stats,
				     (size_t)scn_int(s, "sample_max"));
		rc = topo_build(t, out->sim, out->stats, s, rep, seed, err,
				errlen);
	}
	if (!rc && pilot)
		rc = warmup_attach(pilot, s, out->stats, out->sim, err, errlen);
	if (!rc && validating && warmup_is_auto(s))
		rc = warmup_check(s, out->stats, err, errlen);
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory setting up the run");
	else if (rc == -EBUSY)
		snprintf(
			err, errlen,
			"the ns-3 engine is in use by another run in this process");
	if (!rc && automatic && validating)
		run_note_engine(s);
	return rc;
}

/* The warm-up of a pass that is not a pilot: the scenario's, or 0 where
 * warmup: auto is still to be chosen. */
static sim_time run_warmup(const struct scn *s)
{
	return warmup_is_auto(s) ? 0 : scn_time(s, "warmup");
}

/* Runs what run_setup() built to the end of s, collects the results into
 * out and frees t. Returns 0, or -ENOMEM (out freed). */
static int run_execute(const struct scn *s, struct run_result *out,
		       struct topo *t, char *err, size_t errlen)
{
	double t0;

	if (stats_start(out->stats) || topo_start(t)) {
		snprintf(err, errlen, "out of memory setting up the run");
		topo_destroy(t);
		run_result_fini(out);
		return -ENOMEM;
	}
	stamp_started(out->started, sizeof(out->started));
	t0 = wall_now();
	run_simulate(out->sim, scn_time(s, "duration"), out->repetition, t0);
	out->wall_s = wall_now() - t0;
	out->events = sim_events(out->sim);
	out->end_ps = sim_now(out->sim);
	snprintf(out->fingerprint, sizeof(out->fingerprint), "%016llx",
		 (unsigned long long)out->sim->trace);
	stats_finish(out->stats);
	out->hosts_down = topo_finish(t, out->stats);
	topo_destroy(t);
	sim_freeze(out->sim);
	return 0;
}

/* One pass of repetition rep: built, then run to its end. */
static int run_once(const struct scn *s, uint32_t rep, uint64_t seed,
		    sim_time warmup_ps, struct warmup_pilot *pilot,
		    struct run_result *out, char *err, size_t errlen)
{
	struct topo t = { 0 };
	int rc = run_setup(s, rep, seed, warmup_ps, pilot, false, out, &t, err,
			   errlen);

	if (rc) {
		topo_destroy(&t);
		run_result_fini(out);
		return rc;
	}
	return run_execute(s, out, &t, err, errlen);
}

/*
 * The warm-ups warmup: auto chose in this process with pilots of their own
 * (warmup_pilots >= 1), by scenario hash: such pilots depend on the
 * scenario alone, not on the repetition, so the repetitions of a scenario
 * (and a sweep point's) run them once per process. A result is the same
 * whether its choice was made here or found here.
 */
#define RUN_WARMUPS 8
static struct {
	char hash[24];
	struct warmup_choice c;
} run_warmups[RUN_WARMUPS];
static unsigned run_warmups_next;

/* The warm-up of repetition rep of s: the pilots (repetition 0 of s with
 * seeds of their own, or for K = 0 repetition rep itself), then MSER-5.
 * out is scratch. 0 or -errno with err filled. */
static int run_pilots(const struct scn *s, uint32_t rep,
		      struct warmup_choice *c, struct run_result *out,
		      char *err, size_t errlen)
{
	uint64_t seed = (uint64_t)scn_int(s, "seed");
	unsigned k = (unsigned)scn_int(s, "warmup_pilots");
	struct warmup_mean m = { .np = k ? k : 1 };
	int rc = 0;

	for (unsigned i = 0; !rc && i < m.np; i++) {
		struct warmup_pilot p = { 0 };

		if (k)
			rc = run_once(s, 0, warmup_pilot_seed(seed, i), 0, &p,
				      out, err, errlen);
		else
			rc = run_once(s, rep, seed, 0, &p, out, err, errlen);
		if (!rc) {
			run_result_fini(out);
			rc = warmup_mean_add(&m, &p);
		}
		warmup_fini(&p);
	}
	if (!rc)
		rc = warmup_choose(&m, c);
	warmup_mean_fini(&m);
	c->pilots = k;
	return rc;
}

/*
 * warmup: auto. The pilot passes choose the warm-up (warmup.c), then the
 * run is made with it. With warmup_pilots K >= 1, K pilots with seeds of
 * their own (independent of the run's trajectory, so the cut has no
 * selection bias, and the same for every repetition), averaged batch by
 * batch; with K = 0 one pilot with the run's seed, hence the run's own
 * trajectory: MSER-5 on the run's own series, as published. Both are
 * measured in docs/guide/running.md#warm-up.
 */
static int run_auto(const struct scn *s, uint32_t rep, struct run_result *out,
		    char *err, size_t errlen)
{
	const char *hash = scn_hash(s);
	bool shared = scn_int(s, "warmup_pilots") > 0;
	struct warmup_choice c = { 0 };
	size_t i = 0;
	int rc = 0;

	err[0] = '\0';
	while (shared && i < RUN_WARMUPS && strcmp(run_warmups[i].hash, hash))
		i++;
	if (shared && i < RUN_WARMUPS) {
		c = run_warmups[i].c;
	} else {
		rc = run_pilots(s, rep, &c, out, err, errlen);
		if (!rc && shared) {
			i = run_warmups_next++ % RUN_WARMUPS;
			snprintf(run_warmups[i].hash,
				 sizeof(run_warmups[i].hash), "%s", hash);
			run_warmups[i].c = c;
		}
	}
	if (!rc)
		rc = run_once(s, rep, (uint64_t)scn_int(s, "seed"), c.at_ps,
			      NULL, out, err, errlen);
	if (!rc && warmup_record(&c, out->stats)) {
		run_result_fini(out);
		rc = -ENOMEM;
	}
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory choosing the warm-up");
	return rc;
}

int run_scenario(const struct scn *s, uint32_t rep, struct run_result *out,
		 char *err, size_t errlen)
{
	if (warmup_is_auto(s))
		return run_auto(s, rep, out, err, errlen);
	return run_once(s, rep, (uint64_t)scn_int(s, "seed"),
			scn_time(s, "warmup"), NULL, out, err, errlen);
}

/* A run built and checked, not yet run (run_prepare). */
struct run_ready {
	const struct scn *s;
	struct run_result r;
	struct topo t;
};

int run_prepare(const struct scn *s, uint32_t rep, struct run_ready **out,
		char *err, size_t errlen)
{
	struct run_ready *rr = calloc(1, sizeof(*rr));
	int rc;

	*out = NULL;
	if (!rr) {
		snprintf(err, errlen, "out of memory setting up the run");
		return -ENOMEM;
	}
	rr->s = s;
	rc = run_setup(s, rep, (uint64_t)scn_int(s, "seed"), run_warmup(s),
		       NULL, true, &rr->r, &rr->t, err, errlen);
	if (rc) {
		run_ready_free(rr);
		return rc;
	}
	*out = rr;
	return 0;
}

int run_ready_run(struct run_ready *rr, struct run_result *out, char *err,
		  size_t errlen)
{
	const struct scn *s = rr->s;
	uint32_t rep = rr->r.repetition;
	int rc;

	if (warmup_is_auto(s)) { /* two passes of their own */
		run_ready_free(rr);
		return run_auto(s, rep, out, err, errlen);
	}
	*out = rr->r;
	rc = run_execute(s, out, &rr->t, err, errlen);
	free(rr);
	return rc;
}

void run_ready_free(struct run_ready *rr)
{
	if (!rr)
		return;
	topo_destroy(&rr->t);
	run_result_fini(&rr->r);
	free(rr);
}

struct stats *run_ready_stats(struct run_ready *rr)
{
	return rr->r.stats;
}

const struct sim *run_ready_sim(const struct run_ready *rr)
{
	return rr->r.sim;
}

/* Builds the topology of s without running it, into r and t (both to be
 * freed by the caller, also on failure). */
static int run_build(const struct scn *s, struct run_result *r, struct topo *t,
		     char *err, size_t errlen)
{
	return run_setup(s, 0, (uint64_t)scn_int(s, "seed"), run_warmup(s),
			 NULL, true, r, t, err, errlen);
}

int run_validate(const struct scn *s, char *err, size_t errlen)
{
	struct run_result r;
	struct topo t = { 0 };
	int rc = run_build(s, &r, &t, err, errlen);

	topo_destroy(&t);
	run_result_fini(&r);
	return rc;
}

/* Whether statistic si is what the results database calls name. */
static bool run_stat_named(const struct stat_info *si, const char *name)
{
	static const char *const hist[] = { "count", "mean", "stddev",
					    "min",   "p50",  "p90",
					    "p99",   "p999", "max" };
	size_t lc = strlen(si->component), lm = strlen(si->metric);
	const char *rest = name + lc + 1 + lm;

	if (strncmp(name, si->component, lc) || name[lc] != '.' ||
	    strncmp(name + lc + 1, si->metric, lm))
		return false;
	switch (si->kind) {
	case STAT_COUNTER:
	case STAT_SCALAR:
		return !*rest;
	case STAT_GAUGE:
		return !strcmp(rest, ".mean") || !strcmp(rest, ".min") ||
		       !strcmp(rest, ".max");
	case STAT_HIST:
		for (size_t i = 0; *rest == '.' && i < 9; i++)
			if (!strcmp(rest + 1, hist[i]))
				return true;
		return false;
	default:
		return false;
	}
}

int run_find_metric(const struct scn *s, const char *name, char *err,
		    size_t errlen)
{
	struct run_result r;
	struct topo t = { 0 };
	struct stat_info si;
	int rc = run_build(s, &r, &t, err, errlen);

	if (!rc) {
		struct warmup_choice none = { 0 };

		topo_finish(&t, r.stats); /* the end-of-run scalars too */
		if (warmup_is_auto(s))	  /* and warmup: auto's choice */
			warmup_record(&none, r.stats);
		rc = -ENOENT;
		for (size_t i = 0; rc && i < stats_count(r.stats); i++) {
			stats_get(r.stats, i, &si);
			if (run_stat_named(&si, name))
				rc = 0;
		}
	}
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
