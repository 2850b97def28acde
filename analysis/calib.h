/*
 * calib.h - calibrating usnsim to a machine and to measurements: the
 * microbenchmarks of `usnsim calibrate measure` (analysis/calib_measure.c)
 * and the nonlinear least-squares fit of `usnsim calibrate fit`
 * (analysis/calib_fit.c).
 *
 * Neither part knows a model: the measurements are plain numbers (ns,
 * bytes per second) that sim/cli/calibrate.c maps onto the registry's
 * parameters, and a fit takes the model as a function with its Jacobian
 * (sim/cli/calibrate.c wraps the very functions the models use, such as
 * nic_dma_time()). Nothing here exits; errors come back as -errno with a
 * message.
 */
#ifndef USNSIM_CALIB_H
#define USNSIM_CALIB_H

#include <stdbool.h>
#include <stddef.h>

/* ---- robust statistics of repeated measurements ---- */

/* The median and the median absolute deviation of n runs. */
struct calib_stat {
	double median;
	double mad;
	unsigned runs;
};

/* Median and MAD of v[0..n) (v is reordered). n > 0. */
void calib_robust(double *v, unsigned n, struct calib_stat *out);

/* ---- microbenchmarks (calib_measure.c) ----
 *
 * Each repeats a batch `runs` times and reports the median and MAD over the
 * batches of the per-operation time. They return 0, or -errno with a
 * message in err (no second core, fork() or pipe() failed).
 */

/* One raw syscall(SYS_getppid): trap, a trivial kernel function, return;
 * ns per call. */
int calib_syscall_ns(unsigned runs, struct calib_stat *out, char *err,
		     size_t errlen);
/* Pipe ping-pong between two processes pinned to one core (as `perf bench
 * sched pipe` runs it): half a round trip, ns: a write, the switch to the
 * other process and its read's return. */
int calib_pingpong_ns(unsigned runs, struct calib_stat *out, char *err,
		      size_t errlen);
/* The CPU time a waker spends in the write() that wakes a process blocked
 * in read() on another core (wake-up, run-queue insert, IPI), ns. */
int calib_wakeup_cross_ns(unsigned runs, struct calib_stat *out, char *err,
			  size_t errlen);
/* memcpy() bandwidth, bytes per second, of a buffer of `bytes` copied
 * again and again (it stays in the cache level its size fits). */
int calib_memcpy_Bps(size_t bytes, unsigned runs, struct calib_stat *out,
		     char *err, size_t errlen);
/* Time of one memcpy() of `bytes` (a packet), ns: warm, the same source
 * and destination each time; cold, each copy from the next buffer of a
 * 64 MiB arena, so that the source comes from memory. */
int calib_copy_ns(size_t bytes, bool cold, unsigned runs,
		  struct calib_stat *out, char *err, size_t errlen);
/* The machine, for a profile's about: CPU model, cores, kernel, date
 * (UTC); "unknown" for what cannot be read. */
void calib_machine(char *buf, size_t n);

/* ---- nonlinear least squares (calib_fit.c) ---- */

#define CALIB_MAX_PARAMS 8

/* A model y = f(theta, x) of one variable, with its Jacobian. Parameters
 * are in the units of names[] (e.g. "ns", "Gbps"), chosen so that their
 * values are of order 1 to 1e3. */
struct calib_model {
	const char *name;
	size_t p; /* parameters, <= CALIB_MAX_PARAMS */
	const char *const *names;
	/* y at x; grad[0..p) gets dy/dtheta_i */
	double (*f)(const double *theta, double x, void *arg);
	void (*df)(const double *theta, double x, double *grad, void *arg);
	void *arg;
	unsigned held; /* bit k: theta[k] stays at theta0[k], not fitted */
};

struct calib_fit {
	double theta[CALIB_MAX_PARAMS]; /* a held one: its theta0, se 0 */
	double se[CALIB_MAX_PARAMS];	/* standard errors */
	double lo[CALIB_MAX_PARAMS];	/* 95% interval (Student t, dof) */
	double hi[CALIB_MAX_PARAMS];
	double sigma;	   /* residual standard deviation */
	double r2;	   /* coefficient of determination */
	size_t dof;	   /* n - fitted parameters */
	size_t iterations; /* of the trust-region solver */
};

/* Fits model to (x[i], y[i]), i < n, from theta0, by GSL's trust-region
 * nonlinear least squares (Levenberg-Marquardt) with the model's Jacobian;
 * the covariance is (J'J)^-1 scaled by the residual variance. Parameters
 * in m->held keep their theta0. resid (n entries, may be NULL) gets
 * y - f. Returns 0; -EINVAL with a message if n <= the fitted parameters,
 * if none is fitted, or if the fit fails or leaves one undetermined. */
int calib_fit_run(const struct calib_model *m, const double *x, const double *y,
		  size_t n, const double *theta0, struct calib_fit *out,
		  double *resid, char *err, size_t errlen);

/* Reads a two-column CSV of measurements: '#' lines are comments, the
 * first other line is the header "X_UNIT,Y_UNIT" whose units must be
 * xunit and one of "ps", "ns", "us" (y is returned in ns); then one
 * "number,number" per line. *x and *y are malloc'ed. Returns 0, or
 * -EINVAL / -ENOENT / -ENOMEM with "FILE:LINE: message" in err. */
int calib_csv_read(const char *path, const char *xunit, double **x, double **y,
		   size_t *n, char *err, size_t errlen);

#endif
