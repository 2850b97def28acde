/*
 * test_clicorpus.c - command lines usnsim must refuse, from
 * tests/bad/cli-corpus.txt.
 *
 * Each line of the corpus is "FRAGMENT | ARGUMENTS". For each, a fresh
 * directory is filled with the fixtures the corpus describes (a results
 * database, databases that are not usnsim's or are damaged, a text file, a
 * FIFO, a symlink, scenarios), usnsim runs there with the arguments, and
 * it must exit with status 2, print exactly one line on stderr that
 * contains the fragment, and leave every file of the directory as it was:
 * the same names, and the same bytes in every regular file. Run from the
 * repository root after building build/usnsim.
 */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"

#define CORPUS "tests/bad/cli-corpus.txt"
#define MIN_CASES 100
#define MAX_ARGS 32
#define MAX_FILES 32

static char root[256], fixtures[300], exe[PATH_MAX];

/* Copies file a to b; 0 or -1. */
static int copy_file(const char *a, const char *b)
{
	size_t n;
	char *data = tu_slurp(a, &n);
	int rc = data ? tu_write_file(b, data, n) : -1;

	free(data);
	return rc;
}

static int put(const char *path, const char *text)
{
	return tu_write_file(path, text, strlen(text));
}

/* The fixtures, made once in root/fix and copied into each case's
 * directory (files only: the FIFO and symlink are made per case). */
static int make_fixtures(void)
{
	char db[400];
	const char *run[] = {
		exe,  "run",   "scenarios/md1.yaml", "--db",  db,
		"-q", "--set", "duration=5ms",	     "--set", "warmup=0",
		NULL
	};
	sqlite3 *h;
	size_t n;
	char *bytes;

	snprintf(db, sizeof(db), "%s/base.db", fixtures);
	if (mkdir(fixtures, 0755) || tu_run(NULL, run, TU_OWN_STDERR))
		return -1;
	/* the runs go from the WAL into the main file, so that copies of
	 * base.db alone are whole databases */
	h = tu_sql_open(db, SQLITE_OPEN_READWRITE);
	if (!h || tu_sql_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)"))
		return -1;
	sqlite3_close(h);
	h = tu_sql_open(tu_path(fixtures, "other.db"),
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!h || tu_sql_exec(h, "PRAGMA user_version = 2;"
				 " CREATE TABLE runs (x)"))
		return -1;
	sqlite3_close(h);
	h = tu_sql_open(tu_path(fixtures, "v1.db"),
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!h || tu_sql_exec(h, "PRAGMA user_version = 1;"
				 " CREATE TABLE foo (x)"))
		return -1;
	sqlite3_close(h);
	bytes = tu_slurp(db, &n);
	if (!bytes || n < 8192 ||
	    tu_write_file(tu_path(fixtures, "trunc.db"), bytes, 8192)) {
		free(bytes);
		return -1;
	}
	free(bytes);
	return put(tu_path(fixtures, "text.csv"), "a,b\n1,2\n") ||
	       put(tu_path(fixtures, "notes.pdf"), "notes, not a figure\n") ||
	       copy_file(db, tu_path(fixtures, "db.png")) ||
	       copy_file("scenarios/md1.yaml", tu_path(fixtures, "md1.yaml")) ||
	       copy_file("tests/fixtures/sweep-12.yaml",
			 tu_path(fixtures, "s12.yaml")) ||
	       put(tu_path(fixtures, "bad.yaml"),
		   "duration: 1ms\nnetwrok: {}\n") ||
	       put(tu_path(fixtures, "nul.yaml"),
		   "duration: 1ms\nname: \"a\\0b\"\n") ||
	       put(tu_path(fixtures, "warm.yaml"),
		   "duration: 1ms\nsweep:\n  zip:\n"
		   "    - { warmup: [0, 2ms], seed: [1, 2] }\n") ||
	       put(tu_path(fixtures, "stop.yaml"),
		   "duration: 1ms\nrepetitions: 2\n"
		   "stopping: { metric: network.queue_dalay.mean }\n") ||
	       put(tu_path(fixtures, "reps.yaml"),
		   "duration: 1ms\nrepetitions: 1000000\nsweep:\n"
		   "  seed: { from: 1, to: 1000, step: 1 }\n") ||
	       put(tu_path(fixtures, "grid.yaml"),
		   "duration: 1ms\nsweep:\n"
		   "  seed: { from: 1, to: 1000, step: 1 }\n"
		   "  warmup: { from: 0, to: 999ns, step: 1ns }\n"
		   "  sample_max: { from: 2, to: 10001, step: 1 }\n") ||
	       put(tu_path(fixtures, "figs.yaml"),
		   "duration: 1ms\nfigures:\n  - { output: x, kind: pie }\n");
}

/* A directory's entries and the bytes of its regular files. */
struct snap {
	size_t n;
	char *name[MAX_FILES];
	char *data[MAX_FILES]; /* NULL: not a regular file */
	size_t len[MAX_FILES];
};

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->name[i]);
		free(s->data[i]);
	}
	s->n = 0;
}

static int snap_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_take(const char *dir, struct snap *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	s->n = 0;
	while (d && (e = readdir(d)) && s->n < MAX_FILES) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		s->name[s->n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(s->name, s->n, sizeof(s->name[0]), snap_cmp);
	for (size_t i = 0; i < s->n; i++) {
		const char *p = tu_path(dir, s->name[i]);
		struct stat sb;

		s->data[i] = !lstat(p, &sb) && S_ISREG(sb.st_mode)
				     ? tu_slurp(p, &s->len[i])
				     : NULL;
	}
}

/* "" if a and b are the same, else what differs, in why. */
static const char *snap_diff(const struct snap *a, const struct snap *b,
			     char *why, size_t n)
{
	why[0] = '\0';
	if (a->n != b->n) {
		snprintf(why, n, "%zu files before, %zu after", a->n, b->n);
		return why;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->name[i], b->name[i]))
			snprintf(why, n, "%s became %s", a->name[i],
				 b->name[i]);
		else if (!a->data[i] != !b->data[i] ||
			 (a->data[i] &&
			  (a->len[i] != b->len[i] ||
			   memcmp(a->data[i], b->data[i], a->len[i]))))
			snprintf(why, n, "%s changed", a->name[i]);
		if (why[0])
			break;
	}
	return why;
}

/* A fresh directory for one case, with the fixtures. */
static int case_dir(char *dir, size_t n, int k)
{
	static const char *const files[] = {
		"base.db",   "other.db",  "v1.db",     "trunc.db",
		"text.csv",  "md1.yaml",  "s12.yaml",  "bad.yaml",
		"nul.yaml",  "figs.yaml", "db.png",    "notes.pdf",
		"reps.yaml", "grid.yaml", "stop.yaml", "warm.yaml",
	};

	snprintf(dir, n, "%s/c%d", root, k);
	if (mkdir(dir, 0755))
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (copy_file(tu_path(fixtures, files[i]),
			      tu_path(dir, files[i])))
			return -1;
	return mkfifo(tu_path(dir, "fifo"), 0644) ||
	       mkfifo(tu_path(dir, "fifo.svg"), 0644) ||
	       symlink("base.db", tu_path(dir, "link.csv")) ||
	       symlink("base.db", tu_path(dir, "link.png"));
}

/* Splits "a b '' c" into argv after exe; returns the count. */
static size_t split_args(char *s, const char **argv, size_t max)
{
	size_t n = 0;

	argv[n++] = exe;
	for (char *tok = strtok(s, " \t\n"); tok && n < max - 1;
	     tok = strtok(NULL, " \t\n"))
		argv[n++] = !strcmp(tok, "''") ? "" : tok;
	argv[n] = NULL;
	return n;
}

static void run_case(int k, const char *frag, char *args, int line)
{
	const char *argv[MAX_ARGS];
	struct snap before, after;
	char dir[400], cwd[PATH_MAX], why[256];
	struct tu_proc p;
	int status;

	CU_ASSERT_FATAL(case_dir(dir, sizeof(dir), k) == 0);
	split_args(args, argv, MAX_ARGS);
	snap_take(dir, &before);
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(chdir(dir) == 0);
	status = tu_run(&p, argv, 0);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	snap_take(dir, &after);
	CHECKF(status == 2, "%s:%d: exit status %d, want 2 (stderr: %s)",
	       CORPUS, line, status, p.err);
	CHECKF(strstr(p.err, frag) != NULL, "%s:%d: stderr '%s' lacks '%s'",
	       CORPUS, line, p.err, frag);
	CHECKF(tu_count(p.err, "\n") == 1, "%s:%d: %d lines on stderr: %s",
	       CORPUS, line, tu_count(p.err, "\n"), p.err);
	CHECKF(!*snap_diff(&before, &after, why, sizeof(why)), "%s:%d: %s",
	       CORPUS, line, why);
	tu_proc_free(&p);
	snap_free(&before);
	snap_free(&after);
}

static void test_corpus(void)
{
	FILE *f = fopen(CORPUS, "r");
	char buf[1024];
	int lineno = 0, cases = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(buf, sizeof(buf), f)) {
		char *bar = strstr(buf, " | "), *frag = buf;

		lineno++;
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		if (!bar) { /* "FRAGMENT |" with no arguments */
			bar = strstr(buf, " |");
			CHECKF(bar != NULL, "%s:%d: no ' | '", CORPUS, lineno);
			if (!bar)
				continue;
		}
		*bar = '\0';
		run_case(cases++, frag, bar + 2, lineno);
	}
	fclose(f);
	CHECK_GE(cases, MIN_CASES);
}

static int setup(void)
{
	const char *bin = tu_usnsim();

	if (!realpath(bin, exe) || tu_mkdtemp(root, sizeof(root), "clicorpus"))
		return -1;
	snprintf(fixtures, sizeof(fixtures), "%s/fix", root);
	return make_fixtures();
}

static int teardown(void)
{
	return tu_rmtree(root);
}

int suite_clicorpus(void)
{
	CU_pSuite s = CU_add_suite("clicorpus", setup, teardown);

	if (!s || !CU_add_test(s, "refused command lines", test_corpus))
		return CU_get_error();
	return 0;
}
