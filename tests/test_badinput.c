/*
 * test_badinput.c - every malformed scenario under tests/bad is refused
 * with the right position and message, by the loader and by the CLI.
 *
 * Each tests/bad/NN-name.yaml starts with a comment
 *   # expect: LINE:COL fragment of the message
 * (lines count that comment). Loading (scn_load, then sweep_expand for
 * the `sweep:` block, then run_validate for what only the topology can
 * check, then expect_parse for the `expect:` block and, if
 * that has assertions, expect_bind on a run of the scenario, since names
 * are checked against the statistics of a finished run) must fail with a
 * message that starts with "tests/bad/NN-name.yaml:LINE:COL:" and
 * contains the fragment. Then `build/usnsim check FILE --db DB` and, for
 * files that the loader refuses before the expect: block,
 * `build/usnsim run FILE --db DB` must exit with status 2, print that same
 * message as the first line of stderr, and leave DB (a database that
 * already holds a short run of scenarios/md1.yaml) and its -wal file
 * exactly as they were. Run from the repository root after building
 * build/usnsim. Files with an expect: block keep their duration short,
 * since the loader runs them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "expect.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"
#include "util.h"

#define BAD_DIR "tests/bad"
#define USNSIM tu_usnsim()
#define MIN_FILES 24

struct bad_case {
	char path[300];
	int line, col;
	char frag[256];
	bool in_expect; /* refused only by the expect: block */
};

static int cmp_case(const void *a, const void *b)
{
	return strcmp(((const struct bad_case *)a)->path,
		      ((const struct bad_case *)b)->path);
}

/* Reads the expectation on the first line of path into c. */
static int read_expect(const char *path, struct bad_case *c)
{
	char line[512];
	FILE *f = fopen(path, "rb");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(line, sizeof(line), f) &&
	     sscanf(line, "# expect: %d:%d %255[^\n]", &c->line, &c->col,
		    c->frag) == 3;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* The cases, sorted by file name; returns the count (*out malloc'ed). */
static size_t list_cases(struct bad_case **out)
{
	DIR *d = opendir(BAD_DIR);
	struct bad_case *cs = NULL, *n;
	struct dirent *e;
	size_t count = 0;

	*out = NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
			continue;
		n = realloc(cs, (count + 1) * sizeof(*cs));
		if (!n)
			break;
		cs = n;
		snprintf(cs[count].path, sizeof(cs[count].path), "%s/%s",
			 BAD_DIR, e->d_name);
		CHECKF(read_expect(cs[count].path, &cs[count]) == 0,
		       "%s: no '# expect: LINE:COL fragment' first line",
		       cs[count].path);
		count++;
	}
	closedir(d);
	qsort(cs, count, sizeof(*cs), cmp_case);
	*out = cs;
	return count;
}

/* Binds the expectations of s to repetition 0 of s. */
static int bind_expect(const struct scn *s, struct expect *x, char *err,
		       size_t n)
{
	struct run_result r;
	struct expect_env env;
	int rc = run_scenario(s, 0, &r, err, n);

	if (rc)
		return rc;
	env = (struct expect_env){ s, r.stats, r.fingerprint, 0 };
	rc = expect_bind(x, &env, err, n);
	run_result_fini(&r);
	return rc;
}

/* Loads c's file, expands its sweep and parses and binds its
 * expectations; returns the error message in err and sets c->in_expect
 * when only the expect: block is at fault. */
static int load_bad(struct bad_case *c, char *err, size_t n)
{
	struct scn *s = NULL;
	struct sweep *sw = NULL;
	struct expect *x = NULL;
	int rc = scn_load(c->path, NULL, 0, &s, err, n);

	if (!rc)
		rc = sweep_expand(s, &sw, err, n);
	if (!rc)
		rc = run_validate(s, err, n);
	c->in_expect = rc == 0;
	if (!rc)
		rc = expect_parse(s, &x, err, n);
	if (!rc && expect_count(x))
		rc = bind_expect(s, x, err, n);
	expect_destroy(x);
	sweep_destroy(sw);
	scn_destroy(s);
	return rc;
}

static void test_loader(void)
{
	struct bad_case *cs;
	size_t n = list_cases(&cs);
	char err[1024], prefix[400];

	CHECKF(n >= MIN_FILES, "%zu files in %s, want at least %d", n, BAD_DIR,
	       MIN_FILES);
	for (size_t i = 0; i < n; i++) {
		int rc = load_bad(&cs[i], err, sizeof(err));

		snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", cs[i].path,
			 cs[i].line, cs[i].col);
		CHECKF(rc == -EINVAL, "%s: rc %d, want -EINVAL", cs[i].path,
		       rc);
		CHECKF(!strncmp(err, prefix, strlen(prefix)),
		       "%s: '%s' does not start with '%s'", cs[i].path, err,
		       prefix);
		CHECKF(strstr(err, cs[i].frag) != NULL,
		       "%s: '%s' does not contain '%s'", cs[i].path, err,
		       cs[i].frag);
		CHECKF(!strchr(err, '\n'), "%s: more than one line: '%s'",
		       cs[i].path, err);
	}
	free(cs);
}

static int same_bytes(const char *a, size_t la, const char *b, size_t lb)
{
	if (!a || !b)
		return !a && !b;
	return la == lb && !memcmp(a, b, la);
}

struct cli_env {
	char dir[256], db[300], wal[310];
};

/* One bad file through one command of the CLI: exit 2, message,
 * database untouched. */
static void cli_cmd(const struct cli_env *e, struct bad_case *c,
		    const char *cmd, const char *db0, size_t ldb0,
		    const char *wal0, size_t lwal0)
{
	const char *argv[] = { USNSIM, cmd, c->path, "--db", e->db, NULL };
	char err[1024], where[400], *out, *db1, *wal1, *nl;
	size_t ldb1, lwal1;
	struct tu_proc child;
	int status = tu_run(&child, argv, 0);

	load_bad(c, err, sizeof(err));
	snprintf(where, sizeof(where), "%s:%d:%d:", c->path, c->line, c->col);
	out = child.err;
	CHECKF(status == 2, "%s: %s: exit status %d, want 2", c->path, cmd,
	       status);
	CHECKF(out && strstr(out, where), "%s: %s: stderr '%s' lacks '%s'",
	       c->path, cmd, out ? out : "", where);
	if (out) {
		nl = strchr(out, '\n');
		if (nl)
			*nl = '\0';
		CHECKF(!strcmp(out, err),
		       "%s: %s: first stderr line '%s', want '%s'", c->path,
		       cmd, out, err);
	}
	db1 = tu_slurp(e->db, &ldb1);
	wal1 = tu_slurp(e->wal, &lwal1);
	CHECKF(same_bytes(db0, ldb0, db1, ldb1), "%s: %s: the database changed",
	       c->path, cmd);
	CHECKF(same_bytes(wal0, lwal0, wal1, lwal1),
	       "%s: %s: the database's -wal file changed", c->path, cmd);
	tu_proc_free(&child);
	free(db1);
	free(wal1);
}

/* `usnsim check` refuses every file; `usnsim run` does not read expect:
 * blocks, so it refuses the files that are wrong before them. */
static void cli_case(const struct cli_env *e, struct bad_case *c,
		     const char *db0, size_t ldb0, const char *wal0,
		     size_t lwal0)
{
	char err[1024];

	load_bad(c, err, sizeof(err));
	if (!c->in_expect)
		cli_cmd(e, c, "run", db0, ldb0, wal0, lwal0);
	cli_cmd(e, c, "check", db0, ldb0, wal0, lwal0);
}

static void test_cli(void)
{
	struct cli_env e;
	struct bad_case *cs;
	struct tu_proc seed;
	char *db0, *wal0;
	size_t n, ldb0, lwal0;
	int status;

	if (access(USNSIM, X_OK) != 0) {
		CU_FAIL("usnsim is not built (make build/usnsim)");
		return;
	}
	CHECK_EQ_FATAL(tu_mkdtemp(e.dir, sizeof(e.dir), "badinput"), 0);
	snprintf(e.db, sizeof(e.db), "%s/runs.db", e.dir);
	snprintf(e.wal, sizeof(e.wal), "%s-wal", e.db);
	{
		/* md1 has a 100 ms warm-up: shorten it with the run */
		const char *argv[] = {
			USNSIM,	      "run",   "scenarios/md1.yaml", "--db",
			e.db,	      "--set", "duration=10ms",	     "--set",
			"warmup=1ms", NULL
		};

		status = tu_run(&seed, argv, 0);
	}
	CHECKF(status == 0, "seeding the database: exit status %d: %s", status,
	       seed.err);
	tu_proc_free(&seed);
	db0 = tu_slurp(e.db, &ldb0);
	wal0 = tu_slurp(e.wal, &lwal0);
	CHECKF(db0 && ldb0 > 0, "no database at %s after a run", e.db);
	if (status == 0 && db0) {
		n = list_cases(&cs);
		for (size_t i = 0; i < n; i++)
			cli_case(&e, &cs[i], db0, ldb0, wal0, lwal0);
		free(cs);
	}
	free(db0);
	free(wal0);
	tu_rmtree(e.dir);
}

int suite_badinput(void)
{
	CU_pSuite s = CU_add_suite("badinput", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "the loader refuses each file", test_loader) ||
	    !CU_add_test(s, "usnsim run and check exit 2, database untouched",
			 test_cli))
		return CU_get_error();
	return 0;
}
