/*
 * calib_measure.c - the microbenchmarks of `usnsim calibrate measure`.
 *
 * Each benchmark times a batch of operations with CLOCK_MONOTONIC and
 * repeats the batch; the per-operation times of the batches are reduced
 * to a median and a median absolute deviation, which a busy or
 * frequency-scaling machine disturbs far less than a mean. Batches are
 * sized so that all of them together take well under a minute at the
 * default of 31 runs.
 *
 * What they measure and how:
 * - syscall: a loop of raw syscall(SYS_getppid), which no C library
 *   caches and whose kernel side does almost nothing;
 * - ping-pong: two processes pinned to one core pass a byte back and
 *   forth through two pipes, as `perf bench sched pipe` does; half a round
 *   trip is one write, one switch and one read's return;
 * - cross-core wakeup: a process pinned to one core blocks in read(); the
 *   waker, pinned to another, times the write() that wakes it;
 * - memcpy bandwidth by size, and one packet's copy from a warm source or
 *   from a source that is in no cache (the next buffer of a 64 MiB arena).
 * What they cannot measure (DMA, the IOMMU, a NIC) is left to the sourced
 * defaults by the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calib.h"
#include "errmsg.h"

#define CALIB_ARENA (64u << 20)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_sorted(const double *v, unsigned n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void calib_robust(double *v, unsigned n, struct calib_stat *out)
{
	qsort(v, n, sizeof(*v), cmp_double);
	out->median = median_sorted(v, n);
	for (unsigned i = 0; i < n; i++)
		v[i] = v[i] > out->median ? v[i] - out->median
					  : out->median - v[i];
	qsort(v, n, sizeof(*v), cmp_double);
	out->mad = median_sorted(v, n);
	out->runs = n;
}

int calib_syscall_ns(unsigned runs, struct calib_stat *out, char *err,
		     size_t errlen)
{
	enum { BATCH = 20000 };
	double *v = malloc(runs * sizeof(*v));

	if (!v)
		return errmsg(err, errlen, "out of memory"), -ENOMEM;
	for (unsigned r = 0; r < runs; r++) {
		double t0 = now_ns();

		for (int i = 0; i < BATCH; i++)
			syscall(SYS_getppid);
		v[r] = (now_ns() - t0) / BATCH;
	}
	calib_robust(v, runs, out);
	free(v);
	return 0;
}

/* The CPUs this process may run on: the first two in *a and *b (*b = -1
 * if there is one). */
static void two_cpus(int *a, int *b)
{
	cpu_set_t set;

	*a = 0;
	*b = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int c = 0, found = 0; c < CPU_SETSIZE && found < 2; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		*(found++ ? b : a) = c;
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* The echo side: reads a byte from in and writes it to out until EOF. */
static void echo_child(int cpu, int in, int out)
{
	char c;

	pin(cpu);
	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			break;
	_exit(0);
}

/* A child on cpu echoing through two pipes: to[1] is ours to write,
 * from[0] ours to read. */
struct echo {
	pid_t pid;
	int to[2], from[2];
	struct sigaction old_pipe; /* restored by echo_stop */
};

static int echo_start(struct echo *e, int cpu, char *err, size_t errlen)
{
	if (pipe(e->to)) {
		errmsg(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	if (pipe(e->from)) {
		int rc = -errno;

		errmsg(err, errlen, "pipe: %s", strerror(errno));
		close(e->to[0]);
		close(e->to[1]);
		return rc;
	}
	/* a child that died makes write() fail with EPIPE, not kill us */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN },
		  &e->old_pipe);
	fflush(NULL);
	e->pid = fork();
	if (e->pid == 0) {
		close(e->to[1]);
		close(e->from[0]);
		echo_child(cpu, e->to[0], e->from[1]);
	}
	close(e->to[0]);
	close(e->from[1]);
	if (e->pid < 0) {
		int rc = -errno;

		errmsg(err, errlen, "fork: %s", strerror(errno));
		close(e->to[1]);
		close(e->from[0]);
		sigaction(SIGPIPE, &e->old_pipe, NULL);
		return rc;
	}
	return 0;
}

static void echo_stop(struct echo *e)
{
	close(e->to[1]);
	close(e->from[0]);
	waitpid(e->pid, NULL, 0);
	sigaction(SIGPIPE, &e->old_pipe, NULL);
}

/* One round trip; 0 or -EIO. */
static int echo_trip(struct echo *e)
{
	char c = 'x';

	if (write(e->to[1], &c, 1) != 1 || read(e->from[0], &c, 1) != 1)
		return -EIO;
	return 0;
}

int calib_pingpong_ns(unsigned runs, struct calib_stat *out, char *err,
		      size_t errlen)
{
	enum { BATCH = 2000 };
	struct echo e;
	cpu_set_t saved;
	int a, b, rc;
	bool started;
	double *v = malloc(runs * sizeof(*v));

	if (!v)
		return errmsg(err, errlen, "out of memory"), -ENOMEM;
	two_cpus(&a, &b);
	sched_getaffinity(0, sizeof(saved), &saved);
	pin(a);
	rc = echo_start(&e, a, err, errlen);
	started = !rc;
	for (unsigned r = 0; !rc && r <= runs; r++) {
		double t0 = now_ns();

		for (int i = 0; !rc && i < BATCH; i++)
			rc = echo_trip(&e);
		if (r) /* the first batch warms up */
			v[r - 1] = (now_ns() - t0) / BATCH / 2;
	}
	if (started)
		echo_stop(&e);
	sched_setaffinity(0, sizeof(saved), &saved);
	if (rc && started)
		errmsg(err, errlen, "pipe ping-pong failed");
	else
		calib_robust(v, runs, out);
	free(v);
	return rc;
}

int calib_wakeup_cross_ns(unsigned runs, struct calib_stat *out, char *err,
			  size_t errlen)
{
	enum { BATCH = 200 };
	struct echo e;
	cpu_set_t saved;
	int a, b, rc;
	bool started;
	double *v = malloc(runs * sizeof(*v));
	struct timespec nap = { 0, 20000 };

	if (!v)
		return errmsg(err, errlen, "out of memory"), -ENOMEM;
	two_cpus(&a, &b);
	if (b < 0) {
		free(v);
		errmsg(err, errlen,
		       "one CPU only: a cross-core wakeup needs two");
		return -ENODEV;
	}
	sched_getaffinity(0, sizeof(saved), &saved);
	pin(a);
	rc = echo_start(&e, b, err, errlen);
	started = !rc;
	for (unsigned r = 0; !rc && r <= runs; r++) {
		double sum = 0;

		for (int i = 0; !rc && i < BATCH; i++) {
			char c = 'x';
			double t0;

			/* let the echo block in read() on its core */
			nanosleep(&nap, NULL);
			t0 = now_ns();
			if (write(e.to[1], &c, 1) != 1)
				rc = -EIO;
			sum += now_ns() - t0;
			if (!rc && read(e.from[0], &c, 1) != 1)
				rc = -EIO;
		}
		if (r)
			v[r - 1] = sum / BATCH;
	}
	if (started)
		echo_stop(&e);
	sched_setaffinity(0, sizeof(saved), &saved);
	if (rc && started)
		errmsg(err, errlen, "cross-core wakeup failed");
	else
		calib_robust(v, runs, out);
	free(v);
	return rc;
}

/* Keeps the compiler from dropping copies nobody reads. */
static volatile unsigned char calib_sink;

int calib_memcpy_Bps(size_t bytes, unsigned runs, struct calib_stat *out,
		     char *err, size_t errlen)
{
	/* about 32 MiB copied per run, at least one copy */
	size_t reps = (32u << 20) / bytes ? (32u << 20) / bytes : 1;
	unsigned char *src = malloc(bytes), *dst = malloc(bytes);
	double *v = malloc(runs * sizeof(*v));
	int rc = 0;

	if (!src || !dst || !v) {
		errmsg(err, errlen, "out of memory for %zu B buffers", bytes);
		rc = -ENOMEM;
		goto out_free;
	}
	memset(src, 1, bytes);
	memset(dst, 2, bytes);
	for (unsigned r = 0; r <= runs; r++) {
		double t0 = now_ns();

		for (size_t i = 0; i < reps; i++) {
			memcpy(dst, src, bytes);
			src[i % bytes] ^= dst[(i * 7) % bytes];
		}
		if (r)
			v[r - 1] =
				(double)bytes * reps / ((now_ns() - t0) * 1e-9);
	}
	calib_sink = dst[bytes / 2];
	calib_robust(v, runs, out);
out_free:
	free(v);
	free(dst);
	free(src);
	return rc;
}

int calib_copy_ns(size_t bytes, bool cold, unsigned runs,
		  struct calib_stat *out, char *err, size_t errlen)
{
	enum { BATCH = 4096, STEP = 7919 /* a prime: visits every slot */ };
	size_t stride = (bytes + 63) / 64 * 64;
	size_t slots = cold ? CALIB_ARENA / stride : 1;
	unsigned char *arena = malloc(slots * stride), *dst = malloc(bytes);
	double *v = malloc(runs * sizeof(*v));
	size_t next = 0;
	int rc = 0;

	if (!arena || !dst || !v) {
		errmsg(err, errlen, "out of memory for the copy arena");
		rc = -ENOMEM;
		goto out_free;
	}
	memset(arena, 3, slots * stride);
	for (unsigned r = 0; r <= runs; r++) {
		double t0 = now_ns();

		/* a cold arena's slots are visited STEP slots apart (no
		 * prefetcher follows) and come back after 64 MiB of other
		 * copies: each source has left every cache */
		for (int i = 0; i < BATCH; i++) {
			memcpy(dst, arena + next * stride, bytes);
			dst[i % bytes] ^= 1;
			next = (next + STEP) % slots;
		}
		if (r)
			v[r - 1] = (now_ns() - t0) / BATCH;
	}
	calib_sink = dst[0];
	calib_robust(v, runs, out);
out_free:
	free(v);
	free(dst);
	free(arena);
	return rc;
}

static void cpu_model(char *buf, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, n, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, "model name", 10))
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n\"\\")] = '\0';
		snprintf(buf, n, "%s", colon);
		break;
	}
	fclose(f);
}

void calib_machine(char *buf, size_t n)
{
	struct utsname u;
	char cpu[256], date[32];
	time_t t = time(NULL);
	struct tm tm;

	cpu_model(cpu, sizeof(cpu));
	if (uname(&u))
		snprintf(u.sysname, sizeof(u.sysname), "unknown kernel"),
			u.release[0] = u.machine[0] = '\0';
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	snprintf(buf, n, "%s (%s), %ld online CPUs, %s %s, measured %s", cpu,
		 u.machine, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release,
		 date);
}
