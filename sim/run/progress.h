/*
 * progress.h - how far a study is and when it will end: the estimate of
 * the remaining time, the order that makes it good early, and the lines
 * that report it (redrawn in place on a terminal, one every few seconds
 * elsewhere).
 *
 * The estimate is a pure function of what the sweep knows, so that it
 * can be tested on a recorded or synthetic trace: each point's simulated
 * time per run (its duration, known before it runs), the wall time of
 * the runs finished so far, earlier sweeps' wall times of a point, and
 * how long the runs in flight have been running.
 */
#ifndef USNSIM_PROGRESS_H
#define USNSIM_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the estimate knows of one sweep point. */
struct progress_point {
	double sim_s;	/* simulated time of one of its runs, s */
	double prior_s; /* wall time of one of its runs in an earlier
			   sweep (any version), or < 0 */
	uint32_t todo;	/* runs not started */
	uint32_t done;	/* runs finished by this sweep */
	double wall_s;	/* their total wall time, s */
};

/* A run in flight. */
struct progress_busy {
	uint32_t point;
	double elapsed_s; /* since it was handed to its worker */
};

struct progress_estimate {
	double eta_s;	     /* remaining wall time; < 0: not known yet */
	double work_done;    /* fraction of the work done, 0..1; < 0: not
			       known */
	double rate_s_per_s; /* wall s per simulated s of finished runs */
};

/* The expected wall time of one run of point p: the mean of its own
 * finished runs; else its earlier sweeps' time; else its simulated time
 * times the wall time per simulated second of every finished run (or of
 * the priors while none has finished). Negative when nothing is known. */
double progress_run_cost(const struct progress_point *pt, size_t np, size_t p);

/* The remaining time of a sweep on `workers` processes: the expected
 * cost of every run not started plus what is left of the runs in flight,
 * shared by the workers, and never less than the longest single run
 * left. O(np + nbusy). */
struct progress_estimate progress_eta(const struct progress_point *pt,
				      size_t np,
				      const struct progress_busy *busy,
				      size_t nbusy, unsigned workers);

/* The order a sweep starts points whose cost is unknown: rank[i] is the
 * position of point i of n in the bit-reversed (van der Corput) order,
 * which visits the grid evenly from the start, so that the runs finished
 * early are a fair sample of its cost. rank is a permutation of 0..n-1;
 * O(n). */
void progress_spread(size_t n, size_t *rank);

/* The printer. The clock is a parameter so that a test can drive it. */
typedef double (*progress_clock)(void *ctx);

struct progress {
	FILE *out;	   /* NULL: silent */
	bool tty;	   /* redraw one line in place */
	double interval_s; /* off a terminal: seconds between lines */
	progress_clock clock;
	void *clock_ctx;
	double t0, last;
	bool drawn; /* a TTY line is on the screen, not yet ended */
};

/* The monotonic clock, in seconds. */
double progress_clock_monotonic(void *ctx);

void progress_init(struct progress *p, FILE *out, bool tty, double interval_s,
		   progress_clock clock, void *clock_ctx);

/* Whether progress_tick would print now: a caller may skip computing the
 * estimate (whose cost grows with the points) when it would not. */
bool progress_due(const struct progress *p, bool final);

/* Prints the state if a line is due (always when final, on a terminal;
 * off a terminal the final state is the caller's summary). Returns
 * whether it printed. */
bool progress_tick(struct progress *p, size_t runs_done, size_t runs_total,
		   const struct progress_estimate *e, bool final);

/* The text of one progress line (without \r or \n). */
void progress_format(char *buf, size_t len, size_t runs_done, size_t runs_total,
		     double elapsed_s, const struct progress_estimate *e);

#endif
