/*
 * study.c - `make bench`, the study lines: what a large scenario costs to
 * check and what a large study costs its parent process.
 *
 * - Validation of a generated scenario of VAL_APPS apps (VAL_HOSTS hosts,
 *   every app given its host, peer, pattern, rate and size) in a child
 *   process of its own, as `usnsim validate` goes through it: scn_load,
 *   run_validate (the topology built and freed), study_validate with the
 *   loaded scenario; wall and CPU seconds, peak memory.
 * - Import: studies of IMPORT_SMALL and IMPORT_LARGE runs of a tiny
 *   scenario (one app of 1 Mpps on a 1 Gb/s link, 1 ms simulated, so that
 *   a run costs little more than its set-up) through study_run with two
 *   workers; the parent's CPU time per run (RUSAGE_SELF: planning, handing
 *   out runs, importing each finished run from its worker's database into
 *   the study database), which must not grow with the size of the study.
 * - Workers: one study of JOBS_RUNS runs of a longer run (JOBS_DURATION,
 *   about 125,000 packets) with one worker process, then with two, in
 *   wall seconds; the workers' CPU per run (RUSAGE_CHILDREN) is shown to
 *   say how large a run is.
 *
 * Every study writes a fresh database in a temporary directory of its
 * own, removed as soon as the study is measured (sb_study). A PASS or
 * FAIL line per target follows the table, and on two cores an INFO line
 * with the most the -j 2 study's CPU allows; a FAIL never changes the
 * exit status, which is 1 only when something could not be measured.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "scenario.h"
#include "study.h"

#include "study_bench.h"

#define VAL_APPS 10000
#define VAL_HOSTS 100
#define NEED_VAL_S 5.0
#define IMPORT_SMALL 1000
#define IMPORT_LARGE 10000
#define NEED_IMPORT_RATIO 1.2
#define JOBS_RUNS 2000
#define JOBS_DURATION "200ms"
#define NEED_JOBS_SPEEDUP 1.8

static double sb_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double sb_cpu(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* The scenario of the validation line: VAL_APPS apps on VAL_HOSTS hosts. */
static int sb_write_apps(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "name: bench_apps\nduration: 1ms\nwarmup: 0\nhosts:\n");
	for (int h = 0; h < VAL_HOSTS; h++)
		fprintf(f, "  h%d: { nic: { rx_mode: poll } }\n", h);
	fprintf(f, "network: { kind: link, rate: 100Gbps }\napps:\n");
	for (int a = 0; a < VAL_APPS; a++)
		fprintf(f,
			"  a%d: { host: h%d, peer: h%d, pattern: poisson, rate: 1Mbps, size: 200B }\n",
			a, a % VAL_HOSTS, (a + 1) % VAL_HOSTS);
	return fclose(f) ? -EIO : 0;
}

/* The scenario of the studies; repetitions and duration come by --set. */
static int sb_write_study(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f,
		"name: bench_study\nduration: 1ms\nwarmup: 0\nseed: 1\n"
		"network: { kind: link, rate: 1Gbps }\n"
		"apps:\n  src: { pattern: poisson, rate: 1Mpps, size: 200B }\n");
	return fclose(f) ? -EIO : 0;
}

struct sb_val {
	double wall_s, cpu_s;
	long peak_kib;
	int rc;
};

/* Validates path as `usnsim validate` does, in a child process. */
static int sb_validate(const char *path, struct sb_val *v)
{
	int fd[2], status;
	pid_t pid;

	if (pipe(fd))
		return -EIO;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -EIO;
	if (pid == 0) {
		struct sb_val r = { 0 };
		struct study_opts so = { .file = path };
		struct scn *s = NULL;
		struct rusage ru;
		char err[1024];
		size_t points;
		double t0 = sb_wall();

		close(fd[0]);
		r.rc = scn_load(path, NULL, 0, &s, err, sizeof(err));
		if (!r.rc)
			r.rc = run_validate(s, err, sizeof(err));
		so.base = s;
		if (!r.rc)
			r.rc = study_validate(&so, &points, err, sizeof(err));
		if (r.rc)
			fprintf(stderr, "usnsim-bench: %s\n", err);
		scn_destroy(s);
		r.wall_s = sb_wall() - t0;
		r.cpu_s = sb_cpu(RUSAGE_SELF);
		getrusage(RUSAGE_SELF, &ru);
		r.peak_kib = ru.ru_maxrss;
		_exit(write(fd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], v, sizeof(*v)) != sizeof(*v))
		v->rc = -EIO;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return v->rc;
}

struct sb_study {
	size_t runs;
	double wall_s, parent_s, workers_s;
};

static void sb_rm(const char *dir)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "usnsim-bench: could not remove %s\n", dir);
}

/* Runs a study of runs repetitions of path with jobs workers into a new
 * database in a directory of its own under dir, removed once measured,
 * so that no study pays for another's I/O: the kernel writes a dirty
 * page back about 30 s after it was dirtied (vm.dirty_expire_centisecs)
 * and the interrupts of that I/O are charged to whatever runs, so a
 * study's files left in place would be written back during the next
 * study (the 1,000-run study's during the 10,000-run one, the -j 1
 * study's during the -j 2 one). */
static int sb_study(const char *dir, const char *path, size_t runs,
		    const char *duration, unsigned jobs, struct sb_study *out)
{
	char sub[1100], db[1200], reps[64], dur[64], err[1024];
	const char *sets[] = { reps, dur };
	struct study_opts o = { .file = path,
				.sets = sets,
				.nsets = 2,
				.db = db,
				.jobs = jobs,
				.quiet = true,
				.progress_s = 0,
				.drop_warn = 1 };
	struct study_report rep;
	double w0, p0, c0;
	int rc;

	snprintf(sub, sizeof(sub), "%s/s%zu_j%u_%s", dir, runs, jobs, duration);
	if (mkdir(sub, 0700)) {
		rc = -errno;
		perror("usnsim-bench: mkdir");
		return rc;
	}
	snprintf(db, sizeof(db), "%s/study.db", sub);
	snprintf(reps, sizeof(reps), "repetitions=%zu", runs);
	snprintf(dur, sizeof(dur), "duration=%s", duration);
	fprintf(stderr, "usnsim-bench: study of %zu runs of %s, -j %u ...\n",
		runs, duration, jobs);
	w0 = sb_wall();
	p0 = sb_cpu(RUSAGE_SELF);
	c0 = sb_cpu(RUSAGE_CHILDREN);
	rc = study_run(&o, &rep, err, sizeof(err));
	out->wall_s = sb_wall() - w0;
	out->parent_s = sb_cpu(RUSAGE_SELF) - p0;
	out->workers_s = sb_cpu(RUSAGE_CHILDREN) - c0;
	out->runs = rep.runs_done;
	study_report_fini(&rep);
	sb_rm(sub);
	if (!rc && rep.runs_done != runs)
		rc = -EIO;
	if (rc)
		fprintf(stderr, "usnsim-bench: study of %zu runs: %s\n", runs,
			err);
	return rc;
}

int bench_study(void)
{
	char dir[] = "/tmp/usnsim-bench-XXXXXX", apps[128], study[128];
	struct sb_study small, large, j1, j2;
	struct sb_val val = { 0 };
	double ratio, speedup, cpu2;
	long ncpu;
	int rc;

	if (!mkdtemp(dir)) {
		perror("usnsim-bench: mkdtemp");
		return 1;
	}
	snprintf(apps, sizeof(apps), "%s/apps.yaml", dir);
	snprintf(study, sizeof(study), "%s/study.yaml", dir);
	rc = sb_write_apps(apps);
	if (!rc)
		rc = sb_write_study(study);
	if (!rc) {
		fprintf(stderr, "usnsim-bench: validate %d apps ...\n",
			VAL_APPS);
		rc = sb_validate(apps, &val);
	}
	if (!rc)
		rc = sb_study(dir, study, IMPORT_SMALL, "1ms", 2, &small);
	if (!rc)
		rc = sb_study(dir, study, IMPORT_LARGE, "1ms", 2, &large);
	if (!rc)
		rc = sb_study(dir, study, JOBS_RUNS, JOBS_DURATION, 1, &j1);
	if (!rc)
		rc = sb_study(dir, study, JOBS_RUNS, JOBS_DURATION, 2, &j2);
	sb_rm(dir);
	if (rc)
		return 1;
	ratio = (large.parent_s / (double)large.runs) /
		(small.parent_s / (double)small.runs);
	speedup = j1.wall_s / j2.wall_s;
	printf("\nlarge scenarios and studies\n");
	printf("  validate %d apps (%d hosts)        %8.2f s wall %8.2f s CPU %8.0f MiB peak\n",
	       VAL_APPS, VAL_HOSTS, val.wall_s, val.cpu_s,
	       (double)val.peak_kib / 1024.0);
	printf("  study of %5zu runs, -j 2: parent  %8.3f ms CPU/run (workers %.2f ms/run)\n",
	       small.runs, 1e3 * small.parent_s / (double)small.runs,
	       1e3 * small.workers_s / (double)small.runs);
	printf("  study of %5zu runs, -j 2: parent  %8.3f ms CPU/run (workers %.2f ms/run)\n",
	       large.runs, 1e3 * large.parent_s / (double)large.runs,
	       1e3 * large.workers_s / (double)large.runs);
	printf("  study of %5zu runs of %s, -j 1    %8.2f s wall (workers %.2f ms CPU/run, parent %.3f)\n",
	       j1.runs, JOBS_DURATION, j1.wall_s,
	       1e3 * j1.workers_s / (double)j1.runs,
	       1e3 * j1.parent_s / (double)j1.runs);
	printf("  study of %5zu runs of %s, -j 2    %8.2f s wall (workers %.2f ms CPU/run, parent %.3f)\n\n",
	       j2.runs, JOBS_DURATION, j2.wall_s,
	       1e3 * j2.workers_s / (double)j2.runs,
	       1e3 * j2.parent_s / (double)j2.runs);
	bench_verdict(val.wall_s < NEED_VAL_S,
		      "validate: %d apps in %.2f s (need < %.0f s)", VAL_APPS,
		      val.wall_s, NEED_VAL_S);
	bench_verdict(
		ratio <= NEED_IMPORT_RATIO,
		"study import: parent CPU per run at %d runs is %.2fx that at %d (need <= %.1fx)",
		IMPORT_LARGE, ratio, IMPORT_SMALL, NEED_IMPORT_RATIO);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bench_verdict(
		speedup >= NEED_JOBS_SPEEDUP,
		"study workers: -j 2 is %.2fx -j 1 in wall time on %d runs (need >= %.1fx; %ld cores online)",
		speedup, JOBS_RUNS, NEED_JOBS_SPEEDUP, ncpu);
	/* the -j 2 study cannot take less wall time than its CPU (workers
	 * and parent) spread over the cores */
	cpu2 = j2.workers_s + j2.parent_s;
	if (ncpu == 2 && cpu2 > 0)
		printf("INFO  study workers: the -j 2 study took %.2f s of CPU (workers %.2f ms and parent %.3f ms a run), at least %.2f s on two cores: at most %.2fx -j 1\n",
		       cpu2, 1e3 * j2.workers_s / (double)j2.runs,
		       1e3 * j2.parent_s / (double)j2.runs, cpu2 / 2,
		       j1.wall_s / (cpu2 / 2));
	return 0;
}
