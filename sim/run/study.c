/*
 * study.c - runs every point x repetition of a scenario into one database.
 *
 * The parent process plans the runs, hands them out to worker processes
 * (a second one ahead while runs are short, STUDY_AHEAD) and is the only
 * writer of the study database. A worker simulates a run and writes it,
 * in one transaction, into a private database of its own in the work
 * directory "<db>.work"; it then tells the parent the run's id there, and
 * the parent copies the finished runs into the study database a few per
 * transaction (db_source_copy). So SQLite never sees two writers
 * of one file, and a finished run is on disk in at least one of the two
 * databases at every instant: if the parent is killed between a worker's
 * commit and its own, the next invocation finds the worker database left
 * in the work directory and imports it before planning.
 *
 * Every run has a key (scenario hash, point, repetition, version); runs of
 * this study already complete in the database are skipped, which is what
 * makes a killed study resumable. Runs whose earlier wall times are known
 * are started longest first. Sharding (--shard K/N) keeps a fixed 1/N of
 * the runs, by run index; with sequential stopping, by point, since the
 * decision to add a repetition needs all of a point's repetitions.
 *
 * Sequential stopping: after a point's planned repetitions finish, the
 * confidence interval of `stopping.metric` over them is computed from the
 * database; while its half-width relative to the mean exceeds
 * `stopping.half_width`, one more repetition is planned, up to
 * `stopping.max_repetitions`. The decision depends only on the results, so
 * the set of runs does not depend on the number of workers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "progress.h"
#include "errmsg.h"
#include "rng.h"
#include "run.h"
#include "scenario.h"
#include "scn_node.h"
#include "stats.h"
#include "study.h"
#include "sweep.h"
#include "version.h"

#define ERR_MAX 768
#define DIR_MAX 1024
#define FILE_MAX (DIR_MAX + 300)

struct point {
	const char **sets; /* CLI overrides, the point's, maybe a seed */
	size_t nsets;
	char *seed_set;
	const char *json;
	uint32_t planned;	/* repetitions planned so far */
	uint32_t done;		/* finished (this invocation or before) */
	double est_s;		/* mean earlier wall time, or -1 */
	uint64_t sent, dropped; /* by its apps, in runs of this invocation */
	double sim_s;		/* simulated time of one run */
	size_t spread;		/* rank in the spread order */
	bool mine;		/* in this shard (stopping: by point) */
	bool *rep_done;		/* [planned] */
	uint32_t cap;
};

struct task {
	uint32_t point, rep;
	uint32_t deaths; /* workers that died running it */
};

/* A run finished in a worker's database, not yet in the study's. */
struct pending {
	struct task task;
	uint32_t worker;
	int64_t run_id;
	double wall_s;
	double came; /* when its reply came */
	uint64_t sent, dropped;
};

/* Finished runs are imported from the workers' databases in batches: at
 * most this many runs, or this many seconds after the first of them, or
 * when no reply came for a while (or one at a time with sequential
 * stopping, whose decisions read the study database). */
#define STUDY_IMPORT_RUNS 64
#define STUDY_IMPORT_S 0.25

/* A batch is copied this many runs per transaction; in between, the
 * parent answers the workers whose replies came meanwhile, so that none
 * waits for the whole batch. A run of 2,800 rows takes the parent about
 * 2 ms to copy, a slice about 16 ms: a worker holding a second run at
 * least that long never waits. */
#define STUDY_SLICE_RUNS 8

/* The runs a worker may hold: the one it is on and the next, written
 * into its pipe ahead, so that it never waits for the parent, which may
 * be importing. Only while the run it is on is expected to take less than
 * STUDY_AHEAD_S: a run held behind a long one would wait for it while
 * other workers are idle. Once the study is interrupted, a worker skips
 * the runs it holds but has not started (study.halt). */
#define STUDY_AHEAD 2
#define STUDY_AHEAD_S 1.0

/* A run whose worker died this many times is not tried again. */
#define STUDY_MAX_DEATHS 2

struct reply {
	int32_t rc; /* -ECANCELED: skipped, the study being interrupted */
	uint32_t worker;
	struct task task;
	int64_t run_id;
	uint64_t sent, dropped; /* packets, summed over the run's apps */
	char err[ERR_MAX];
};

struct worker {
	pid_t pid;		       /* 0 once reaped */
	int task_fd;		       /* -1 once closed */
	unsigned nrun;		       /* runs handed to it, not answered */
	struct task task[STUDY_AHEAD]; /* those, in order: it is on task[0] */
	double since;		       /* when it started task[0] */
	char path[DIR_MAX + 16];
};

struct study {
	const struct study_opts *o;
	struct scn *base;
	bool own_base; /* base loaded here, not study_opts.base */
	struct sweep *sw;
	const char *hash;
	uint32_t reps;
	bool stopping;
	const char *stop_metric;
	double stop_half, stop_conf;
	uint32_t stop_max;
	struct point *pt;
	size_t np;
	struct task *q; /* runs to hand out, in order */
	size_t nq, capq, head;
	struct db *db;
	char workdir[DIR_MAX];
	int lock_fd;
	struct worker *w;
	unsigned nw;
	int reply_fd, reply_wfd; /* the workers' pipe; the parent keeps the
				    write end to start replacements */
	volatile int *halt;	 /* shared with the workers: interrupted */
	bool keep_work;		 /* a worker database may hold a run not
				    yet in the study database */
	struct pending *pend;	 /* replies not yet imported, in order */
	size_t npend, cappend;
	double pend_since; /* when the first of them came */
	int64_t *ids;	   /* [capids]: one worker's run ids, to import */
	size_t capids;
	int held_rc;		/* a reply's error during an import, */
	char held_err[ERR_MAX]; /* reported after it */
	struct study_report *rep;
	double done_wall, done_sim; /* wall and simulated s of runs done */
	double t0;
	struct progress prog;
	struct progress_point *pp; /* [np]: what the ETA knows */
	struct progress_busy *pb;  /* [nw] */
};

static volatile sig_atomic_t study_signals;

static void study_on_signal(int sig)
{
	(void)sig;
	study_signals++;
}

void study_handle_signals(void)
{
	struct sigaction sa = { .sa_handler = study_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now_s(void)
{
	return progress_clock_monotonic(NULL);
}

/*
 * Planning.
 */

static int point_grow(struct point *p, uint32_t reps)
{
	bool *d;

	if (reps <= p->cap)
		return 0;
	d = realloc(p->rep_done, reps * sizeof(*d));
	if (!d)
		return -ENOMEM;
	memset(d + p->cap, 0, (reps - p->cap) * sizeof(*d));
	p->rep_done = d;
	p->cap = reps;
	return 0;
}

static int push_task(struct study *st, uint32_t point, uint32_t rep)
{
	if (st->nq == st->capq) {
		size_t cap = st->capq ? 2 * st->capq : 64;
		struct task *q = realloc(st->q, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		st->q = q;
		st->capq = cap;
	}
	st->q[st->nq++] = (struct task){ .point = point, .rep = rep };
	if (st->pp)
		st->pp[point].todo++;
	return 0;
}

bool study_point_seed(const struct scn *base, const char *point_json,
		      uint64_t *seed)
{
	if (scn_int(base, "common_random_numbers"))
		return false;
	*seed = rng_derive_seed((uint64_t)scn_int(base, "seed"), 0,
				point_json) &
		((1ULL << 53) - 1);
	return true;
}

/* The overrides of point i: the CLI's, the point's, and with common random
 * numbers off a seed derived from the point. */
static int point_sets(struct study *st, size_t i)
{
	const struct study_opts *o = st->o;
	struct point *p = &st->pt[i];
	const char *const *ps;
	size_t n = sweep_point_sets(st->sw, i, &ps);
	uint64_t seed;

	p->json = sweep_point_json(st->sw, i);
	p->sets = calloc(o->nsets + n + 1, sizeof(*p->sets));
	if (!p->sets)
		return -ENOMEM;
	memcpy(p->sets, o->sets, o->nsets * sizeof(*p->sets));
	memcpy(p->sets + o->nsets, ps, n * sizeof(*p->sets));
	p->nsets = o->nsets + n;
	if (!study_point_seed(st->base, p->json, &seed))
		return 0;
	p->seed_set = malloc(32);
	if (!p->seed_set)
		return -ENOMEM;
	snprintf(p->seed_set, 32, "seed=%llu", (unsigned long long)seed);
	p->sets[p->nsets++] = p->seed_set;
	return 0;
}

/* Loads point i as a run would and checks it, so that bad input is found
 * before anything runs. */
static int point_check(struct study *st, size_t i, char *err, size_t errlen)
{
	struct point *p = &st->pt[i];
	const char *const *ps;
	char e[ERR_MAX];
	struct scn *s;
	int rc;

	if (st->o->base && !sweep_point_sets(st->sw, i, &ps)) {
		/* the scenario the caller checked, but for the seed */
		p->sim_s =
			(double)scn_time(st->base, "duration") / (double)SIM_S;
		return 0;
	}
	rc = scn_load_point(st->o->file, p->sets, p->nsets, st->o->nsets, &s, e,
			    sizeof(e));
	if (!rc) {
		p->sim_s = (double)scn_time(s, "duration") / (double)SIM_S;
		rc = run_validate(s, e, sizeof(e));
		scn_destroy(s);
	}
	if (rc)
		snprintf(err, errlen, "%s (at sweep point %s)",
			 sweep_blame(st->base, p->sets, p->nsets, st->o->nsets,
				     e, sizeof(e)),
			 p->json);
	return rc;
}

/* The most runs (points x repetitions) one study plans: each planned run
 * takes a few bytes of the parent's memory before any runs. */
#define STUDY_RUNS_MAX 10000000

/* Loads the scenario and its sweep; with check, also every point's
 * scenario and topology (what --list does without). */
static int study_load(struct study *st, bool check, char *err, size_t errlen)
{
	const struct study_opts *o = st->o;
	int rc = 0;

	st->own_base = !o->base;
	if (o->base)
		st->base = (struct scn *)o->base; /* not freed: study_fini */
	else
		rc = scn_load(o->file, o->sets, o->nsets, &st->base, err,
			      errlen);
	if (rc)
		return rc;
	rc = sweep_expand_only(st->base, o->only, &st->sw, err, errlen);
	if (rc)
		return rc;
	st->hash = scn_hash(st->base);
	st->reps = (uint32_t)scn_int(st->base, "repetitions");
	st->stop_metric = scn_str(st->base, "stopping.metric");
	st->stopping = *st->stop_metric != '\0';
	st->stop_half = scn_double(st->base, "stopping.half_width");
	st->stop_conf = scn_double(st->base, "stopping.confidence");
	st->stop_max = (uint32_t)scn_int(st->base, "stopping.max_repetitions");
	if (st->stopping && st->reps < 2) {
		char where[256];

		scn_where(st->base, "repetitions", where, sizeof(where));
		snprintf(
			err, errlen,
			"%s: sequential stopping needs at least 2 repetitions to start from",
			where);
		return -EINVAL;
	}
	if (check && st->stopping) {
		rc = run_find_metric(st->base, st->stop_metric, err, errlen);
		if (rc == -ENOENT) {
			char where[256];

			scn_where(st->base, "stopping.metric", where,
				  sizeof(where));
			snprintf(
				err, errlen,
				"%s: stopping.metric: a run has no statistic '%s' (a histogram's is component.metric.STAT with STAT one of count mean stddev min p50 p90 p99 p999 max, e.g. network.queue_delay.mean)",
				where, st->stop_metric);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	st->np = sweep_count(st->sw);
	if ((double)st->np * (double)(st->stopping ? st->stop_max : st->reps) >
	    STUDY_RUNS_MAX) {
		char where[256];

		scn_where(st->base,
			  st->stopping ? "stopping.max_repetitions"
				       : "repetitions",
			  where, sizeof(where));
		snprintf(
			err, errlen,
			"%s: %zu points x %u repetitions is more than %d runs in one study; use fewer repetitions (or sequential stopping), or fewer points",
			where, st->np, st->stopping ? st->stop_max : st->reps,
			STUDY_RUNS_MAX);
		return -EINVAL;
	}
	st->pt = calloc(st->np, sizeof(*st->pt));
	if (!st->pt)
		return -ENOMEM;
	for (size_t i = 0; i < st->np; i++) {
		rc = point_sets(st, i);
		if (!rc && check)
			rc = point_check(st, i, err, errlen);
		if (rc)
			return rc;
		st->pt[i].est_s = -1;
		st->pt[i].planned = st->reps;
		if (point_grow(&st->pt[i], st->reps))
			return -ENOMEM;
	}
	return 0;
}

static struct point *point_by_json(struct study *st, const char *json)
{
	for (size_t i = 0; i < st->np; i++)
		if (!strcmp(st->pt[i].json, json))
			return &st->pt[i];
	return NULL;
}

struct seen {
	struct study *st;
	bool this_version;
};

static int on_seen(void *ctx, const char *json, uint32_t rep, double wall_s)
{
	struct seen *sn = ctx;
	struct point *p = point_by_json(sn->st, json);

	if (!p)
		return 0;
	if (!sn->this_version) {
		/* running mean of earlier wall times, any version */
		p->est_s = p->est_s < 0 ? wall_s : 0.5 * (p->est_s + wall_s);
		return 0;
	}
	if (rep >= p->planned) {
		if (!sn->st->stopping)
			return 0;
		p->planned = rep + 1;
	}
	if (point_grow(p, p->planned))
		return -ENOMEM;
	if (!p->rep_done[rep]) {
		p->rep_done[rep] = true;
		p->done++;
	}
	return 0;
}

/* The order runs start in: longest first where earlier wall times are
 * known; then the others, repetition by repetition, the points of each in
 * the spread order (progress_spread), so that the runs finished first
 * sample the whole grid and the remaining time is estimated from a fair
 * sample of its cost. */
static const struct study *order_st;

static int task_cmp(const void *a, const void *b)
{
	const struct task *x = a, *y = b;
	const struct point *px = &order_st->pt[x->point],
			   *py = &order_st->pt[y->point];
	double ex = px->est_s < 0 ? INFINITY : px->est_s,
	       ey = py->est_s < 0 ? INFINITY : py->est_s;

	if (ex != ey)
		return ex > ey ? -1 : 1;
	if (x->rep != y->rep)
		return x->rep < y->rep ? -1 : 1;
	if (px->spread != py->spread)
		return px->spread < py->spread ? -1 : 1;
	return 0;
}

static int order_queue(struct study *st)
{
	size_t *rank = malloc((st->np ? st->np : 1) * sizeof(*rank));

	if (!rank)
		return -ENOMEM;
	progress_spread(st->np, rank);
	for (size_t i = 0; i < st->np; i++)
		st->pt[i].spread = rank[i];
	free(rank);
	order_st = st;
	if (st->nq > 1)
		qsort(st->q, st->nq, sizeof(*st->q), task_cmp);
	order_st = NULL;
	return 0;
}

static bool in_shard(const struct study *st, size_t point, uint32_t rep)
{
	const struct study_opts *o = st->o;
	size_t idx = st->stopping ? point : point * st->reps + rep;

	return !o->shard_n || idx % o->shard_n == o->shard_k - 1;
}

static int study_plan(struct study *st, char *err, size_t errlen)
{
	struct seen sn = { st, false };
	int rc = db_runs_of(st->db, st->hash, NULL, on_seen, &sn, err, errlen);

	sn.this_version = true;
	if (!rc)
		rc = db_runs_of(st->db, st->hash, usnsim_version(), on_seen,
				&sn, err, errlen);
	if (rc)
		return rc;
	st->pp = calloc(st->np ? st->np : 1, sizeof(*st->pp));
	if (!st->pp)
		return -ENOMEM;
	for (size_t i = 0; i < st->np; i++) {
		struct point *p = &st->pt[i];

		st->pp[i].sim_s = p->sim_s;
		st->pp[i].prior_s = p->est_s;
		p->mine = in_shard(st, i, 0);
		for (uint32_t r = 0; r < p->planned; r++) {
			if (!in_shard(st, i, r))
				continue;
			st->rep->runs_total++;
			if (p->rep_done[r])
				st->rep->runs_skipped++;
			else if (push_task(st, (uint32_t)i, r))
				return -ENOMEM;
		}
	}
	return order_queue(st);
}

/* After all planned repetitions of point i are done: plan another if the
 * stopping metric's interval is still too wide. */
static int maybe_extend(struct study *st, uint32_t i, char *err, size_t errlen)
{
	struct point *p = &st->pt[i];
	double mean, half;
	uint32_t n;
	int rc;

	if (!st->stopping || !p->mine || p->done < p->planned ||
	    p->planned >= st->stop_max)
		return 0;
	rc = db_metric_ci(st->db, st->hash, usnsim_version(), p->json,
			  st->stop_metric, st->stop_conf, &mean, &half, &n, err,
			  errlen);
	if (rc == -ENOENT) {
		char where[256];

		scn_where(st->base, "stopping.metric", where, sizeof(where));
		snprintf(
			err, errlen,
			"%s: no metric '%s' in the runs (use component.metric.stat, e.g. network.queue_delay.mean)",
			where, st->stop_metric);
		return -EINVAL;
	}
	if (rc)
		return rc;
	if (n >= 2 && mean != 0 && fabs(half / mean) <= st->stop_half)
		return 0;
	if (point_grow(p, p->planned + 1) || push_task(st, i, p->planned))
		return -ENOMEM;
	p->planned++;
	st->rep->runs_total++;
	return 0;
}

/*
 * Workers.
 */

static void worker_reply(int fd, const struct reply *r)
{
	ssize_t n = write(fd, r, sizeof(*r));

	(void)n; /* a parent that is gone takes the worker with it */
}

/* The packets a run's apps sent and dropped, for the sweep's summary. */
static void app_packets(const struct stats *stats, uint64_t *sent,
			uint64_t *dropped)
{
	size_t n = stats_count(stats);
	struct stat_info si;

	*sent = *dropped = 0;
	for (size_t i = 0; i < n; i++) {
		stats_get(stats, i, &si);
		if (si.kind != STAT_COUNTER ||
		    strncmp(si.component, "apps.", 5))
			continue;
		if (!strcmp(si.metric, "sent"))
			*sent += *si.u.counter;
		else if (!strcmp(si.metric, "dropped"))
			*dropped += *si.u.counter;
	}
}

static void worker_run(struct study *st, struct db *db, int reply_fd,
		       struct reply *r)
{
	struct point *p = &st->pt[r->task.point];
	struct run_result res;
	struct scn *s;
	struct db_run dr;

	r->rc = scn_load_point(st->o->file, p->sets, p->nsets, st->o->nsets, &s,
			       r->err, sizeof(r->err));
	if (!r->rc) {
		r->rc = run_scenario(s, r->task.rep, &res, r->err,
				     sizeof(r->err));
		if (!r->rc) {
			dr = (struct db_run){
				.scenario = scn_name(s),
				.path = scn_path(s),
				.hash = st->hash,
				.point = p->json,
				.repetition = r->task.rep,
				.seed = res.seed,
				.engine = res.engine,
				.version = usnsim_version(),
				.started = res.started,
				.wall_s = res.wall_s,
				.events = res.events,
				.sim_s = (double)res.end_ps / (double)SIM_S,
				.status = "ok",
				.fingerprint = res.fingerprint,
				.replace = true,
			};
			r->rc = db_write_run(db, &dr, s, res.stats, &r->run_id,
					     r->err, sizeof(r->err));
			app_packets(res.stats, &r->sent, &r->dropped);
			run_result_fini(&res);
		}
		scn_destroy(s);
	}
	worker_reply(reply_fd, r);
}

static void worker_main(struct study *st, unsigned idx, int task_fd,
			int reply_fd)
{
	struct reply r = { .worker = idx };
	struct db *db;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_DFL);
	if (db_open_staging(st->w[idx].path, &db, r.err, sizeof(r.err))) {
		r.rc = -EIO;
		worker_reply(reply_fd, &r);
		_exit(1);
	}
	while (read(task_fd, &r.task, sizeof(r.task)) == sizeof(r.task)) {
		r.err[0] = '\0';
		r.run_id = 0;
		r.sent = r.dropped = 0;
		if (*st->halt) {
			r.rc = -ECANCELED;
			worker_reply(reply_fd, &r);
			continue;
		}
		worker_run(st, db, reply_fd, &r);
	}
	db_close(db);
	_exit(0);
}

/* Starts worker i (a first one, or the replacement of a dead one). */
static int spawn_one(struct study *st, unsigned i)
{
	struct worker *w = &st->w[i];
	int tp[2];

	snprintf(w->path, sizeof(w->path), "%s/w%u.db", st->workdir, i);
	if (pipe(tp))
		return -EIO;
	w->pid = fork();
	if (w->pid < 0) {
		w->pid = 0;
		close(tp[0]);
		close(tp[1]);
		return -EIO;
	}
	if (w->pid == 0) {
		close(tp[1]);
		close(st->reply_fd);
		for (unsigned j = 0; j < st->nw; j++)
			if (j != i && st->w[j].task_fd >= 0)
				close(st->w[j].task_fd);
		worker_main(st, i, tp[0], st->reply_wfd);
	}
	close(tp[0]);
	w->task_fd = tp[1];
	w->nrun = 0;
	return 0;
}

static int spawn_workers(struct study *st, unsigned n)
{
	int rp[2];

	st->w = calloc(n, sizeof(*st->w));
	st->pb = calloc(n, sizeof(*st->pb));
	st->halt = mmap(NULL, sizeof(*st->halt), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st->halt == MAP_FAILED)
		st->halt = NULL;
	if (!st->w || !st->pb || !st->halt || pipe(rp))
		return -ENOMEM;
	fcntl(rp[0], F_SETFD, FD_CLOEXEC);
	fcntl(rp[1], F_SETFD, FD_CLOEXEC);
	st->reply_fd = rp[0];
	st->reply_wfd = rp[1];
	for (unsigned i = 0; i < n; i++)
		st->w[i].task_fd = -1;
	for (unsigned i = 0; i < n; i++) {
		int rc = spawn_one(st, i);

		if (rc)
			return rc;
		st->nw++;
	}
	return 0;
}

static void close_task_fd(struct worker *w)
{
	if (w->task_fd >= 0)
		close(w->task_fd);
	w->task_fd = -1;
}

/* Worker w starts the first run it holds: the progress estimate no
 * longer counts it to do. */
static void started(struct study *st, struct worker *w)
{
	w->since = st->prog.clock(st->prog.clock_ctx);
	st->pp[w->task[0].point].todo--;
}

/* Whether a run of point i is expected to take less than STUDY_AHEAD_S:
 * by the point's finished runs, an earlier sweep's, or the wall time per
 * simulated second of the runs done so far. O(1). */
static bool short_run(const struct study *st, uint32_t i)
{
	const struct progress_point *pp = &st->pp[i];
	double cost = pp->done		 ? pp->wall_s / pp->done
		      : pp->prior_s >= 0 ? pp->prior_s
		      : st->done_sim > 0
			      ? pp->sim_s * st->done_wall / st->done_sim
			      : -1;

	return cost >= 0 && cost < STUDY_AHEAD_S;
}

/* Hands worker w a run if it has none, and a second if the one it is on
 * is short; closes its pipe if there are none and none can come (no
 * stopping, or nothing in flight to extend). */
static void dispatch(struct study *st, struct worker *w, bool more_may_come)
{
	struct task t;

	while (w->task_fd >= 0 &&
	       (!w->nrun ||
		(w->nrun < STUDY_AHEAD && short_run(st, w->task[0].point)))) {
		if (st->head == st->nq || study_signals) {
			if (!more_may_come || study_signals)
				close_task_fd(w);
			return;
		}
		t = st->q[st->head++];
		if (write(w->task_fd, &t, sizeof(t)) != sizeof(t)) {
			/* the worker is gone (EPIPE): the task waits for
			 * its replacement, started here, or by on_death()
			 * if it died holding runs */
			close_task_fd(w);
			st->head--;
			if (!w->nrun && w->pid &&
			    waitpid(w->pid, NULL, 0) == w->pid) {
				w->pid = 0;
				if (!spawn_one(st, (unsigned)(w - st->w)))
					dispatch(st, w, more_may_come);
			}
			return;
		}
		w->task[w->nrun++] = t;
		if (w->nrun == 1)
			started(st, w);
	}
}

/* Takes the first run off worker w's list: the next one starts. */
static struct task shift(struct study *st, struct worker *w)
{
	struct task t = w->task[0];

	memmove(w->task, w->task + 1, --w->nrun * sizeof(*w->task));
	if (w->nrun)
		started(st, w);
	return t;
}

static unsigned busy_workers(const struct study *st)
{
	unsigned n = 0;

	for (unsigned i = 0; i < st->nw; i++)
		n += st->w[i].nrun > 0;
	return n;
}

/* Whether runs are in flight, which may extend a point: held by a
 * worker, or finished and not yet imported. */
static bool in_flight(const struct study *st)
{
	return busy_workers(st) > 0 || st->npend > 0;
}

static void progress(struct study *st, bool final)
{
	const struct study_report *r = st->rep;
	struct progress_estimate e;
	double now;
	size_t nb = 0;

	if (!progress_due(&st->prog, final))
		return; /* the estimate is O(points): only when printed */
	now = st->prog.clock(st->prog.clock_ctx);
	for (unsigned i = 0; i < st->nw; i++)
		if (st->w[i].nrun)
			st->pb[nb++] =
				(struct progress_busy){ st->w[i].task[0].point,
							now - st->w[i].since };
	e = progress_eta(st->pp, st->np, st->pb, nb, st->nw);
	progress_tick(&st->prog, r->runs_done, r->runs_total - r->runs_skipped,
		      &e, final);
}

/* A run is in the study database. */
static int run_done(struct study *st, const struct task *t, double wall_s,
		    char *err, size_t errlen)
{
	struct point *p = &st->pt[t->point];

	p->rep_done[t->rep] = true;
	p->done++;
	st->rep->runs_done++;
	st->pp[t->point].done++;
	st->pp[t->point].wall_s += wall_s;
	st->done_wall += wall_s;
	st->done_sim += p->sim_s;
	progress(st, false);
	return maybe_extend(st, t->point, err, errlen);
}

static int on_reply(struct study *st, const struct reply *r, char *err,
		    size_t errlen);

/* During an import: takes the replies waiting and gives each of their
 * workers its next run; a reply's error is held for after the import. */
static void serve(struct study *st)
{
	struct pollfd pfd = { .fd = st->reply_fd, .events = POLLIN };
	struct reply r;

	while (!st->held_rc && poll(&pfd, 1, 0) > 0) {
		if (read(st->reply_fd, &r, sizeof(r)) != sizeof(r)) {
			snprintf(st->held_err, sizeof(st->held_err),
				 "a worker process died");
			st->keep_work = true;
			st->held_rc = -EIO;
			return;
		}
		st->held_rc =
			on_reply(st, &r, st->held_err, sizeof(st->held_err));
		if (!st->held_rc)
			dispatch(st, &st->w[r.worker], true);
	}
}

/* Copies worker w's runs among the first n pending into the study
 * database, STUDY_SLICE_RUNS per transaction, serving the workers in
 * between. Returns the number copied (less if a key was taken), or an
 * error. */
static int import_worker(struct study *st, unsigned w, size_t n, char *err,
			 size_t errlen)
{
	struct db_source *src;
	size_t k = 0;
	int rc, copied = 0;

	for (size_t i = 0; i < n; i++)
		if (st->pend[i].worker == w)
			st->ids[k++] = st->pend[i].run_id;
	if (!k)
		return 0;
	rc = db_source_open(st->db, st->w[w].path, &src, err, errlen);
	for (size_t i = 0; !rc && i < k; i += STUDY_SLICE_RUNS) {
		size_t m = k - i < STUDY_SLICE_RUNS ? k - i : STUDY_SLICE_RUNS;

		rc = db_source_copy(src, st->ids + i, m, err, errlen);
		copied += rc > 0 ? rc : 0;
		rc = rc < 0 ? rc : 0;
		serve(st);
	}
	db_source_close(src);
	return rc ? rc : copied;
}

/* Imports the runs pending now (more may come in while it does), one
 * worker database at a time, then counts them done in the order they
 * finished. On an error they stay in the workers' databases, for the
 * next invocation. */
static int import_pending(struct study *st, char *err, size_t errlen)
{
	size_t n = st->npend;
	int rc = 0;

	if (n > st->capids) {
		int64_t *ids = realloc(st->ids, n * sizeof(*ids));

		if (!ids) {
			st->keep_work = true;
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		st->ids = ids;
		st->capids = n;
	}
	for (unsigned w = 0; w < st->nw && rc >= 0; w++)
		rc = import_worker(st, w, n, err, errlen);
	if (rc < 0) {
		st->keep_work = true;
		return rc;
	}
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct pending *q = &st->pend[i];

		st->pt[q->task.point].sent += q->sent;
		st->pt[q->task.point].dropped += q->dropped;
		rc = run_done(st, &q->task, q->wall_s, err, errlen);
	}
	st->npend -= n;
	memmove(st->pend, st->pend + n, st->npend * sizeof(*st->pend));
	if (st->npend)
		st->pend_since = st->pend[0].came;
	if (!rc && st->held_rc) {
		snprintf(err, errlen, "%s", st->held_err);
		rc = st->held_rc;
	}
	return rc;
}

static int on_reply(struct study *st, const struct reply *r, char *err,
		    size_t errlen)
{
	struct worker *w = &st->w[r->worker];
	double now = st->prog.clock(st->prog.clock_ctx);
	double wall_s = now - w->since;
	struct task t;

	if (!w->nrun) {
		snprintf(err, errlen, "worker process %u answered no run",
			 r->worker);
		st->keep_work = true;
		return -EIO;
	}
	t = shift(st, w);
	if (r->rc == -ECANCELED) { /* never started: still to do */
		st->pp[t.point].todo++;
		return 0;
	}
	if (r->rc) {
		snprintf(err, errlen, "%s", r->err);
		return r->rc == -EINVAL ? -EINVAL : -EIO;
	}
	if (st->npend == st->cappend) {
		size_t cap = st->cappend ? 2 * st->cappend : 64;
		struct pending *pend = realloc(st->pend, cap * sizeof(*pend));

		if (pend)
			st->pend = pend;
		if (!pend) {
			st->keep_work = true;
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		st->cappend = cap;
	}
	if (!st->npend)
		st->pend_since = now;
	st->pend[st->npend++] = (struct pending){ .task = r->task,
						  .worker = r->worker,
						  .run_id = r->run_id,
						  .wall_s = wall_s,
						  .came = now,
						  .sent = r->sent,
						  .dropped = r->dropped };
	return 0;
}

/* Whether the pending runs are to be imported now: when stopping, a batch
 * of STUDY_IMPORT_RUNS, or the first waiting STUDY_IMPORT_S. */
static bool import_due(const struct study *st)
{
	double now = st->prog.clock(st->prog.clock_ctx);

	return st->npend && (st->stopping || st->npend >= STUDY_IMPORT_RUNS ||
			     now - st->pend_since >= STUDY_IMPORT_S);
}

/* Puts a task back at the head of the queue, to run next. */
static int requeue(struct study *st, struct task t)
{
	if (st->head > 0) {
		st->q[--st->head] = t;
		st->pp[t.point].todo++;
		return 0;
	}
	if (push_task(st, t.point, t.rep))
		return -ENOMEM;
	memmove(st->q + 1, st->q, (st->nq - 1) * sizeof(*st->q));
	st->q[0] = t;
	return 0;
}

static void unlink_db_files(const char *path);

/* Worker i has died (killed, out of memory ...). The run it was on may
 * have been committed to its database before it died: then it is
 * imported; otherwise it is run again by a new worker, unless workers
 * died on it STUDY_MAX_DEATHS times. The runs it held but had not
 * started go back at the head of the queue, in their order. */
static int on_death(struct study *st, unsigned i, int status, char *err,
		    size_t errlen)
{
	struct worker *w = &st->w[i];
	struct task t = w->task[0];
	double since = w->since;
	int rc;

	w->pid = 0;
	close_task_fd(w);
	if (!w->nrun) /* between runs: replaced only if runs are waiting */
		return st->head < st->nq && !study_signals ? spawn_one(st, i)
							   : 0;
	while (w->nrun > 1) {
		struct task q = w->task[--w->nrun];

		st->pp[q.point].todo--; /* requeue() counts it again */
		if (requeue(st, q))
			return -ENOMEM;
	}
	w->nrun = 0;
	rc = db_import_orphan(st->db, w->path, err, errlen);
	if (rc < 0 && rc != -EILSEQ && rc != -ENOTSUP) {
		st->keep_work = true;
		return rc;
	}
	if (rc > 0)
		return run_done(st, &t,
				st->prog.clock(st->prog.clock_ctx) - since, err,
				errlen);
	unlink_db_files(w->path);
	if (++t.deaths >= STUDY_MAX_DEATHS) {
		snprintf(
			err, errlen,
			"the run of point %u, repetition %u killed its worker process %u times (%s %d); %zu finished runs are saved in %s",
			t.point + 1, t.rep, t.deaths,
			WIFSIGNALED(status) ? "signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status)
					    : WEXITSTATUS(status),
			st->rep->runs_done, st->o->db);
		return -EIO;
	}
	rc = requeue(st, t);
	return rc || study_signals ? rc : spawn_one(st, i);
}

/* Reaps workers that have exited while the parent was waiting. */
static int check_workers(struct study *st, char *err, size_t errlen)
{
	for (unsigned i = 0; i < st->nw; i++) {
		int status, rc;

		if (!st->w[i].pid ||
		    waitpid(st->w[i].pid, &status, WNOHANG) != st->w[i].pid)
			continue;
		rc = on_death(st, i, status, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* The dispatch loop: returns when every run is done, on the first error,
 * or after an interruption once the in-flight runs are settled. */
static int study_loop(struct study *st, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = st->reply_fd, .events = POLLIN };
	int rc = 0, seen_signals = 0;
	bool due;

	for (unsigned i = 0; i < st->nw; i++)
		dispatch(st, &st->w[i], true);
	/* runs taken in during an import (serve()) wait for the next one,
	 * which may extend a point: the loop runs until none is pending */
	while (in_flight(st)) {
		struct reply r;
		bool busy = busy_workers(st) > 0;

		if (study_signals != seen_signals) {
			seen_signals = study_signals;
			*st->halt = 1; /* runs held, not started: skipped */
			for (unsigned i = 0; i < st->nw; i++) {
				close_task_fd(&st->w[i]);
				if (seen_signals > 1 && st->w[i].pid)
					kill(st->w[i].pid, SIGKILL);
			}
			if (seen_signals > 1) {
				st->keep_work = true;
				break;
			}
		}
		if (!busy || poll(&pfd, 1, 200) <= 0) {
			/* idle: what finished goes in before a death is
			 * looked at */
			rc = import_pending(st, err, errlen);
			progress(st, false);
			if (!rc)
				rc = check_workers(st, err, errlen);
			if (rc)
				break;
			for (unsigned i = 0; i < st->nw; i++)
				dispatch(st, &st->w[i], in_flight(st));
			continue;
		}
		if (read(st->reply_fd, &r, sizeof(r)) != sizeof(r)) {
			snprintf(err, errlen, "a worker process died");
			st->keep_work = true;
			rc = -EIO;
			break;
		}
		rc = on_reply(st, &r, err, errlen);
		if (rc)
			break;
		/* the worker gets its next run before a due import, which
		 * takes the parent a while (about 2 ms a run): with a core
		 * per worker, it would otherwise wait that long; an import
		 * may extend a point, so no pipe closes before it */
		due = import_due(st);
		for (unsigned i = 0; i < st->nw; i++)
			dispatch(st, &st->w[i], in_flight(st));
		if (due) {
			rc = import_pending(st, err, errlen);
			if (rc)
				break;
			for (unsigned i = 0; i < st->nw; i++)
				dispatch(st, &st->w[i], in_flight(st));
		}
	}
	if (!rc && st->npend)
		rc = import_pending(st, err, errlen);
	if (st->npend) /* not imported: left for the next invocation */
		st->keep_work = true;
	if (!rc && !study_signals && st->head < st->nq) {
		snprintf(
			err, errlen,
			"every worker process died; %zu finished runs are saved in %s",
			st->rep->runs_done, st->o->db);
		rc = -EIO;
	}
	if (!rc && study_signals) {
		snprintf(
			err, errlen,
			"interrupted: %zu runs finished and saved in %s; run the same command again to resume",
			st->rep->runs_done, st->o->db);
		rc = -EINTR;
	}
	return rc;
}

static void reap_workers(struct study *st, bool kill_them)
{
	for (unsigned i = 0; i < st->nw; i++) {
		close_task_fd(&st->w[i]);
		if (!kill_them || !st->w[i].pid)
			continue;
		kill(st->w[i].pid, SIGKILL);
		if (st->w[i].nrun) /* it may have committed its run */
			st->keep_work = true;
	}
	for (unsigned i = 0; i < st->nw; i++)
		if (st->w[i].pid)
			waitpid(st->w[i].pid, NULL, 0);
}

/*
 * The work directory "<db>.work": lock, leftovers, cleanup.
 */

static void unlink_db_files(const char *path)
{
	char p[FILE_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Imports what an earlier, killed invocation left in worker databases. */
static int harvest(struct study *st, char *err, size_t errlen)
{
	DIR *d = opendir(st->workdir);
	struct dirent *e;
	char path[FILE_MAX];
	size_t len;
	int rc = 0;

	if (!d)
		return 0;
	while (!rc && (e = readdir(d))) {
		len = strlen(e->d_name);
		if (e->d_name[0] != 'w' || len < 4 ||
		    strcmp(e->d_name + len - 3, ".db"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", st->workdir, e->d_name);
		rc = db_import_orphan(st->db, path, err, errlen);
		if (rc >= 0) {
			st->rep->runs_imported += (size_t)rc;
			unlink_db_files(path);
			rc = 0;
		} else if (rc == -EILSEQ || rc == -ENOTSUP) {
			unlink_db_files(path); /* never got a run in */
			rc = 0;
		}
	}
	closedir(d);
	return rc;
}

static int lock_workdir(struct study *st, char *err, size_t errlen)
{
	char path[FILE_MAX];

	if (strlen(st->o->db) + 8 > sizeof(st->workdir)) {
		snprintf(err, errlen, "%s: path too long", st->o->db);
		return -EINVAL;
	}
	snprintf(st->workdir, sizeof(st->workdir), "%s.work", st->o->db);
	if (mkdir(st->workdir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", st->workdir,
			 strerror(errno));
		return -EACCES;
	}
	snprintf(path, sizeof(path), "%s/lock", st->workdir);
	for (;;) {
		struct stat a, b;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			snprintf(err, errlen, "%s: cannot create: %s", path,
				 strerror(errno));
			return -EACCES;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			/* Not ours: never unlinked by this process. */
			close(fd);
			snprintf(
				err, errlen,
				"%s: another usnsim sweep is writing this database; wait for it or use another --db",
				st->o->db);
			return -EBUSY;
		}
		/* The holder before us unlinks the file as it lets go: the
		 * lock counts only if the path still names what we locked. */
		if (!fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			st->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
}

static void unlock_workdir(struct study *st)
{
	char path[FILE_MAX];

	if (st->lock_fd < 0)
		return;
	/* Worker databases go only once everything in them is in the
	 * study database; otherwise the next invocation imports them. */
	for (unsigned i = 0; !st->keep_work && i < st->nw; i++)
		unlink_db_files(st->w[i].path);
	snprintf(path, sizeof(path), "%s/lock", st->workdir);
	unlink(path);
	rmdir(st->workdir); /* fails, as it should, if anything is left */
	close(st->lock_fd);
	st->lock_fd = -1;
}

static void study_fini(struct study *st)
{
	for (size_t i = 0; st->pt && i < st->np; i++) {
		free(st->pt[i].sets);
		free(st->pt[i].seed_set);
		free(st->pt[i].rep_done);
	}
	free(st->pt);
	free(st->q);
	free(st->w);
	if (st->halt)
		munmap((void *)st->halt, sizeof(*st->halt));
	free(st->pp);
	free(st->pb);
	free(st->pend);
	free(st->ids);
	sweep_destroy(st->sw);
	if (st->own_base)
		scn_destroy(st->base);
	db_close(st->db);
}

static unsigned study_jobs(const struct study *st)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned j = st->o->jobs ? st->o->jobs
		     : cores > 0 ? (unsigned)cores
				 : 1;
	size_t left = st->nq - st->head;

	if (!st->stopping && left < j)
		j = (unsigned)left;
	return j ? j : 1;
}

static int collect_drops(struct study *st);

int study_run(const struct study_opts *o, struct study_report *rep, char *err,
	      size_t errlen)
{
	struct study st = { .o = o,
			    .lock_fd = -1,
			    .reply_fd = -1,
			    .reply_wfd = -1,
			    .rep = rep };
	int rc;

	memset(rep, 0, sizeof(*rep));
	rc = study_load(&st, true, err, errlen);
	if (!rc)
		rc = db_open(o->db, &st.db, err, errlen);
	if (!rc)
		rc = lock_workdir(&st, err, errlen);
	if (!rc)
		rc = harvest(&st, err, errlen);
	if (!rc)
		rc = study_plan(&st, err, errlen);
	if (rc)
		goto out;
	rep->points = st.np;
	run_say_engine(); /* before the workers are forked: said once */
	st.t0 = now_s();
	progress_init(&st.prog, o->quiet ? NULL : stderr, o->progress_tty,
		      o->progress_s, NULL, NULL);
	if (st.nq > 0) {
		/* A task written to a worker that has just died must fail
		 * with EPIPE (the worker is then replaced), not kill us. */
		void (*pipe_was)(int) = signal(SIGPIPE, SIG_IGN);

		rc = spawn_workers(&st, study_jobs(&st));
		if (!rc)
			rc = study_loop(&st, err, errlen);
		reap_workers(&st, rc != 0);
		progress(&st, true);
		signal(SIGPIPE, pipe_was);
	}
	rep->wall_s = now_s() - st.t0;
	if (!rc && collect_drops(&st)) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
out:
	if (rc && rc != -EINTR && st.keep_work && st.lock_fd >= 0)
		snprintf(
			err + strlen(err), errlen - strlen(err),
			"; finished runs not yet in %s are kept in %s and imported when the same command runs again",
			o->db, st.workdir);
	unlock_workdir(&st);
	if (st.reply_fd >= 0)
		close(st.reply_fd);
	if (st.reply_wfd >= 0)
		close(st.reply_wfd);
	study_fini(&st);
	return rc;
}

static int drops_cmp(const void *a, const void *b)
{
	const struct study_drops *x = a, *y = b;

	if (x->fraction != y->fraction)
		return x->fraction > y->fraction ? -1 : 1;
	return strcmp(x->point, y->point);
}

/* The points whose apps dropped more than drop_warn of what they sent. */
static int collect_drops(struct study *st)
{
	struct study_report *r = st->rep;

	for (size_t i = 0; i < st->np; i++) {
		const struct point *p = &st->pt[i];
		double f = p->sent ? (double)p->dropped / (double)p->sent : 0;

		if (!p->sent || f <= st->o->drop_warn)
			continue;
		if (!r->drops) {
			r->drops = calloc(st->np, sizeof(*r->drops));
			if (!r->drops)
				return -ENOMEM;
		}
		r->drops[r->ndrops] = (struct study_drops){
			.point = strdup(p->json),
			.fraction = f,
			.sent = p->sent,
			.dropped = p->dropped,
		};
		if (!r->drops[r->ndrops++].point)
			return -ENOMEM;
	}
	if (r->ndrops)
		qsort(r->drops, r->ndrops, sizeof(*r->drops), drops_cmp);
	return 0;
}

void study_report_fini(struct study_report *rep)
{
	for (size_t i = 0; i < rep->ndrops; i++)
		free(rep->drops[i].point);
	free(rep->drops);
	rep->drops = NULL;
	rep->ndrops = 0;
}

int study_validate(const struct study_opts *o, size_t *points, char *err,
		   size_t errlen)
{
	struct study st = { .o = o };
	int rc = study_load(&st, true, err, errlen);

	*points = st.np;
	study_fini(&st);
	return rc;
}

int study_list(const struct study_opts *o, char *err, size_t errlen)
{
	struct study st = { .o = o };
	const char *const *paths, *const *sets;
	size_t np, n;
	int rc = study_load(&st, false, err, errlen);

	if (rc)
		goto out;
	np = sweep_paths(st.sw, &paths);
	printf("%zu point%s (%zu in the grid, %zu pruned by where:%s) x %u repetition%s = %zu run%s\n",
	       st.np, st.np == 1 ? "" : "s", sweep_grid_count(st.sw),
	       sweep_grid_count(st.sw) - st.np,
	       o->only || o->nsets ? ", --set or --only" : "", st.reps,
	       st.reps == 1 ? "" : "s", st.np * st.reps,
	       st.np * st.reps == 1 ? "" : "s");
	for (size_t i = 0; i < st.np; i++) {
		n = sweep_point_sets(st.sw, i, &sets);
		printf("%6zu", i + 1);
		for (size_t j = 0; j < n; j++)
			printf("  %s", sets[j]);
		putchar('\n');
	}
	(void)np;
out:
	study_fini(&st);
	return rc;
}
