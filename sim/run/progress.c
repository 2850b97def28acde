/*
 * progress.c - the remaining time of a study and its progress lines.
 *
 * A run's wall time is close to proportional to the events it simulates,
 * and a point's events to its simulated time (its duration) times how
 * busy it is (its load). The duration is known before a run; the load's
 * effect is learnt: a point's own finished runs give its cost exactly
 * (repetitions differ only in their random numbers), and for a point not
 * yet run, the wall time per simulated second of every finished run is
 * the estimate. That average is a fair one early in a sweep only if the
 * first runs sample the whole grid; hence the spread order
 * (progress_spread) in which a sweep starts points of unknown cost.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "progress.h"

/* Wall seconds per simulated second: of the finished runs, else of the
 * earlier sweeps' priors; < 0 when neither exists. */
static double cost_rate(const struct progress_point *pt, size_t np)
{
	double wall = 0, sim = 0, pwall = 0, psim = 0;

	for (size_t i = 0; i < np; i++) {
		if (pt[i].done) {
			wall += pt[i].wall_s;
			sim += pt[i].done * pt[i].sim_s;
		}
		if (pt[i].prior_s >= 0) {
			pwall += pt[i].prior_s;
			psim += pt[i].sim_s;
		}
	}
	if (sim > 0)
		return wall / sim;
	if (psim > 0)
		return pwall / psim;
	return -1;
}

static double run_cost(const struct progress_point *q, double rate)
{
	if (q->done)
		return q->wall_s / q->done;
	if (q->prior_s >= 0)
		return q->prior_s;
	return rate >= 0 ? rate * q->sim_s : -1;
}

double progress_run_cost(const struct progress_point *pt, size_t np, size_t p)
{
	return run_cost(&pt[p], cost_rate(pt, np));
}

/* With few runs left, the workers' share of the work is not the time
 * left: a run waits for the first worker to be free. Then the remaining
 * runs are scheduled as the sweep would (longest first, each on the
 * worker free first) and the time left is when the last one ends. */
#define TAIL_RUNS 256
#define TAIL_WORKERS 64

static int cost_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void tail_schedule(const struct progress_point *pt, size_t np,
			  const struct progress_busy *busy, size_t nbusy,
			  unsigned workers, double rate, double *eta)
{
	double cost[TAIL_RUNS], free_at[TAIL_WORKERS] = { 0 }, end = 0;
	size_t n = 0;

	if (workers > TAIL_WORKERS || nbusy > workers)
		return;
	for (size_t i = 0; i < np; i++)
		for (uint32_t k = 0; k < pt[i].todo; k++) {
			if (n == TAIL_RUNS)
				return;
			cost[n++] = run_cost(&pt[i], rate);
		}
	for (size_t i = 0; i < nbusy; i++) {
		double c = run_cost(&pt[busy[i].point], rate);

		free_at[i] = c > busy[i].elapsed_s ? c - busy[i].elapsed_s : 0;
	}
	qsort(cost, n, sizeof(*cost), cost_desc);
	for (size_t i = 0; i < n; i++) {
		unsigned w = 0;

		for (unsigned k = 1; k < workers; k++)
			if (free_at[k] < free_at[w])
				w = k;
		free_at[w] += cost[i];
	}
	for (unsigned k = 0; k < workers; k++)
		if (free_at[k] > end)
			end = free_at[k];
	*eta = end;
}

struct progress_estimate progress_eta(const struct progress_point *pt,
				      size_t np,
				      const struct progress_busy *busy,
				      size_t nbusy, unsigned workers)
{
	struct progress_estimate e = { -1, -1, -1 };
	double rate = cost_rate(pt, np), done = 0, left = 0, longest = 0;

	e.rate_s_per_s = rate;
	for (size_t i = 0; i < np; i++) {
		double c = run_cost(&pt[i], rate);

		done += pt[i].wall_s;
		if (!pt[i].todo)
			continue;
		if (c < 0)
			return e;
		left += pt[i].todo * c;
		if (c > longest)
			longest = c;
	}
	for (size_t i = 0; i < nbusy; i++) {
		double c = run_cost(&pt[busy[i].point], rate), r;

		if (c < 0)
			return e;
		/* a run past its estimate is taken to be nearly done */
		r = c > busy[i].elapsed_s ? c - busy[i].elapsed_s : 0;
		left += r;
		done += busy[i].elapsed_s;
		if (r > longest)
			longest = r;
	}
	e.eta_s = left / (workers ? workers : 1);
	if (e.eta_s < longest)
		e.eta_s = longest;
	tail_schedule(pt, np, busy, nbusy, workers, rate, &e.eta_s);
	e.work_done = done + left > 0 ? done / (done + left) : 1;
	return e;
}

void progress_spread(size_t n, size_t *rank)
{
	size_t m = 1, bits = 0, k = 0;

	while (m < n) {
		m <<= 1;
		bits++;
	}
	for (size_t j = 0; j < m; j++) {
		size_t r = 0;

		for (size_t b = 0; b < bits; b++)
			if (j & ((size_t)1 << b))
				r |= (size_t)1 << (bits - 1 - b);
		if (r < n)
			rank[r] = k++;
	}
}

double progress_clock_monotonic(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_init(struct progress *p, FILE *out, bool tty, double interval_s,
		   progress_clock clock, void *clock_ctx)
{
	memset(p, 0, sizeof(*p));
	p->out = interval_s > 0 ? out : NULL;
	p->tty = tty;
	p->interval_s = interval_s;
	p->clock = clock ? clock : progress_clock_monotonic;
	p->clock_ctx = clock_ctx;
	p->t0 = p->last = p->clock(p->clock_ctx);
}

/* h:mm:ss, or m:ss under an hour. */
static int fmt_dur(char *buf, size_t len, double s)
{
	long t = s > 0 ? lround(s) : 0;

	if (t >= 3600)
		return snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600,
				t / 60 % 60, t % 60);
	return snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_format(char *buf, size_t len, size_t runs_done, size_t runs_total,
		     double elapsed_s, const struct progress_estimate *e)
{
	char el[32], eta[32];

	fmt_dur(el, sizeof(el), elapsed_s);
	if (e->eta_s >= 0)
		fmt_dur(eta, sizeof(eta), e->eta_s);
	else
		snprintf(eta, sizeof(eta), "%s", "? (no run finished yet)");
	if (e->work_done >= 0)
		snprintf(buf, len,
			 "%zu/%zu runs, %.0f%% of the work, elapsed %s, ETA %s",
			 runs_done, runs_total, 100 * e->work_done, el, eta);
	else
		snprintf(buf, len, "%zu/%zu runs, elapsed %s, ETA %s",
			 runs_done, runs_total, el, eta);
}

/* A terminal's line is redrawn this often at most. */
#define PROGRESS_TTY_S 0.2

bool progress_due(const struct progress *p, bool final)
{
	if (!p->out || (final && !p->tty))
		return false;
	return final || p->clock(p->clock_ctx) - p->last >=
				(p->tty ? PROGRESS_TTY_S : p->interval_s);
}

bool progress_tick(struct progress *p, size_t runs_done, size_t runs_total,
		   const struct progress_estimate *e, bool final)
{
	char line[256];
	double now;

	if (!p->out || (final && !p->tty))
		return false;
	now = p->clock(p->clock_ctx);
	if (!final && now - p->last < (p->tty ? PROGRESS_TTY_S : p->interval_s))
		return false;
	p->last = now;
	progress_format(line, sizeof(line), runs_done, runs_total, now - p->t0,
			e);
	if (p->tty)
		fprintf(p->out, "\r%s\033[K%s", line, final ? "\n" : "");
	else
		fprintf(p->out, "progress: %s\n", line);
	p->drawn = p->tty && !final;
	fflush(p->out);
	return true;
}
