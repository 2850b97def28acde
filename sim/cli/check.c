/*
 * check.c - `usnsim check`: runs scenarios and evaluates their expect:
 * assertions on every run.
 *
 *   usnsim check FILE... [--set PATH=VALUE]... [--only EXPR] [--seed N]
 *                        [--db DB] [-q]
 *
 * Every file is loaded, its sweep expanded, its expectations parsed and
 * every point checked before anything runs, so bad input in any file
 * stops the command with exit status 2 and nothing written. Then every
 * point x repetition runs in this process, one after the other, with the
 * same overrides and seeds as `usnsim sweep` would use; the expectations
 * are bound to each finished run (names can only be checked once the
 * statistics exist, so an unknown name is reported after the first run,
 * before it is written anywhere) and evaluated. The failures are printed
 * as one table at the end, with the values of the names each one uses.
 *
 * --only EXPR keeps the points of each file's sweep where EXPR holds, as
 * `usnsim sweep --only` does (sweep_expand_only()): each file must keep
 * at least one, and its errors name the file.
 *
 * Exit status: 0 every expectation held on every run, 1 some failed, 2
 * bad input (FILE:LINE:COL on stderr) or a database that cannot be
 * written.
 *
 * Assumptions: regression scenarios are short, so running them
 * sequentially is fast enough; `repetitions:` is honoured but sequential
 * stopping is not (it is a property of studies, not of checks).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "db.h"
#include "errmsg.h"
#include "expect.h"
#include "run.h"
#include "scenario.h"
#include "study.h"
#include "sweep.h"
#include "version.h"

#define CHECK_EXIT_FAILED 1
#define CHECK_EXIT_INPUT 2
#define CHECK_MAX_SETS 256
#define CHECK_ERR_MAX 1024
#define CHECK_WHERE_MAX 512

static const char check_usage[] =
	"usage: usnsim check FILE... [OPTIONS]\n"
	"\n"
	"Runs every sweep point x repetition of each scenario and evaluates its\n"
	"expect: assertions on every run; prints a table of the ones that\n"
	"failed, with the values of the names they use.\n"
	"\n"
	"options:\n"
	"  -S, --set PATH=VALUE   override a parameter in every FILE (repeatable)\n"
	"      --only EXPR        check only the sweep points where EXPR holds\n"
	"                         (the where: language, e.g.\n"
	"                         'network.rate >= 10Gbps'); every FILE must\n"
	"                         keep at least one point\n"
	"  -s, --seed N           base seed (overrides the scenarios' seeds)\n"
	"  -d, --db DB            also write every run to the database DB\n"
	"  -q, --quiet            print only the failures and errors\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 every expectation held, 1 some failed, 2 bad input\n"
	"(the message says FILE:LINE:COL).\n";

struct check_opts {
	const char *db;
	const char *only; /* --only EXPR, or NULL */
	const char *sets[CHECK_MAX_SETS];
	size_t nsets;
	char seed_set[64];
	bool quiet;
	char **files;
	size_t nfiles;
};

/* One scenario file, loaded with the command line's overrides. */
struct check_file {
	const char *path;
	struct scn *base;
	struct sweep *sw;
	struct expect *x;
	size_t runs, checks, failed;
};

/* One expectation that did not hold on one run. */
struct check_fail {
	char where[CHECK_WHERE_MAX]; /* FILE:LINE:COL of the expectation */
	const char *point;	     /* JSON, owned by the file's sweep */
	uint32_t rep;
	const char *expr; /* owned by the file's expect set */
	char *values;
};

struct check {
	const struct check_opts *o;
	struct check_file *f;
	struct db *db; /* opened at the first run to write */
	struct check_fail *fail;
	size_t nfail, capfail;
	char err[CHECK_ERR_MAX];
};

static int check_parse_opts(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "set", required_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0; /* one line, from analysis_bad_option() */
	while ((c = getopt_long(argc, argv, ":d:s:S:O:qh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 's':
			snprintf(o->seed_set, sizeof(o->seed_set), "seed=%s",
				 optarg);
			break;
		case 'S':
			if (o->nsets == CHECK_MAX_SETS - 1) {
				return analysis_usage_error(
					"check", "too many --set (at most %d)",
					CHECK_MAX_SETS - 1);
			}
			o->sets[o->nsets++] = optarg;
			break;
		case 'O':
			if (o->only)
				return analysis_usage_error(
					"check", "%s", "--only is given twice");
			o->only = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(check_usage, stdout);
			return 0;
		default:
			return analysis_bad_option("check", c, argv);
		}
	}
	if (o->seed_set[0])
		o->sets[o->nsets++] = o->seed_set;
	if (optind >= argc) {
		return analysis_usage_error("check", "%s",
					    "missing scenario FILE");
	}
	o->files = argv + optind;
	o->nfiles = (size_t)(argc - optind);
	return -1;
}

/* The overrides of point i of f: the command line's, the point's, and a
 * seed of its own when the scenario turns common random numbers off (as
 * `usnsim sweep` does). sets holds CHECK_MAX_SETS + the point's count. */
static size_t check_point_sets(const struct check *c,
			       const struct check_file *f, size_t i,
			       const char **sets, char *seed_set, size_t n)
{
	const char *const *ps;
	size_t np = sweep_point_sets(f->sw, i, &ps), k = c->o->nsets;
	uint64_t seed;

	memcpy(sets, c->o->sets, k * sizeof(*sets));
	memcpy(sets + k, ps, np * sizeof(*sets));
	k += np;
	if (study_point_seed(f->base, sweep_point_json(f->sw, i), &seed)) {
		snprintf(seed_set, n, "seed=%llu", (unsigned long long)seed);
		sets[k++] = seed_set;
	}
	return k;
}

/* Loads point i of f into *s (and, with validate, builds its topology, as
 * run_validate()). Returns 0 or -errno with c->err filled; a message about
 * a value the sweep set names the sweep: block (sweep_blame()). */
static int check_load_point(struct check *c, const struct check_file *f,
			    size_t i, bool validate, struct scn **s)
{
	const char *const *ps;
	size_t np = sweep_point_sets(f->sw, i, &ps);
	const char **sets = malloc((CHECK_MAX_SETS + np + 1) * sizeof(*sets));
	char seed_set[64], e[CHECK_ERR_MAX];
	const char *json = sweep_point_json(f->sw, i);
	size_t n;
	int rc;

	if (!sets) {
		snprintf(c->err, sizeof(c->err), "%s: out of memory", f->path);
		return -ENOMEM;
	}
	n = check_point_sets(c, f, i, sets, seed_set, sizeof(seed_set));
	rc = scn_load_point(f->path, sets, n, c->o->nsets, s, e, sizeof(e));
	if (!rc && validate) {
		rc = run_validate(*s, e, sizeof(e));
		if (rc)
			scn_destroy(*s);
	}
	if (rc)
		sweep_blame(f->base, sets, n, c->o->nsets, e, sizeof(e));
	free(sets);
	if (rc && strcmp(json, "{}"))
		snprintf(c->err, sizeof(c->err), "%.*s (at sweep point %s)",
			 (int)(sizeof(c->err) / 2), e, json);
	else if (rc)
		memcpy(c->err, e, sizeof(c->err));
	return rc;
}

/* Loads f, expands its sweep, parses its expectations and checks every
 * point, so that nothing runs if anything is wrong. */
static int check_prepare(struct check *c, struct check_file *f)
{
	struct scn *s;
	int rc = scn_load(f->path, c->o->sets, c->o->nsets, &f->base, c->err,
			  sizeof(c->err));

	if (!rc) {
		rc = sweep_expand_only(f->base, c->o->only, &f->sw, c->err,
				       sizeof(c->err));
		if (rc && c->o->only && !strncmp(c->err, "--only:", 7))
			errmsg_append(c->err, sizeof(c->err), " (in %s)",
				      f->path);
	}
	if (!rc)
		rc = expect_parse(f->base, &f->x, c->err, sizeof(c->err));
	if (!rc)
		rc = analysis_check_figures(f->base, c->err, sizeof(c->err));
	for (size_t i = 0; !rc && i < sweep_count(f->sw); i++) {
		rc = check_load_point(c, f, i, true, &s);
		if (!rc)
			scn_destroy(s);
	}
	return rc;
}

static int check_add_fail(struct check *c, const struct check_file *f, size_t i,
			  const char *json, const struct expect_env *env)
{
	struct check_fail *nf;
	int len = expect_explain(f->x, i, env, NULL, 0);

	if (c->nfail == c->capfail) {
		size_t cap = c->capfail ? 2 * c->capfail : 16;

		nf = realloc(c->fail, cap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		c->fail = nf;
		c->capfail = cap;
	}
	nf = &c->fail[c->nfail];
	nf->values = malloc((size_t)len + 1);
	if (!nf->values)
		return -ENOMEM;
	expect_explain(f->x, i, env, nf->values, (size_t)len + 1);
	expect_where(f->x, i, nf->where, sizeof(nf->where));
	nf->point = json;
	nf->rep = env->repetition;
	nf->expr = expect_text(f->x, i);
	c->nfail++;
	return 0;
}

/* Binds and evaluates every expectation of f on one finished run. */
static int check_eval(struct check *c, struct check_file *f, const char *json,
		      const struct expect_env *env)
{
	bool pass;
	int rc = expect_bind(f->x, env, c->err, sizeof(c->err));

	if (rc)
		return rc;
	for (size_t i = 0; i < expect_count(f->x); i++) {
		rc = expect_eval(f->x, i, env, &pass);
		if (rc) {
			snprintf(c->err, sizeof(c->err),
				 "%s: expect: cannot evaluate '%s'", f->path,
				 expect_text(f->x, i));
			return rc;
		}
		f->checks++;
		if (pass)
			continue;
		f->failed++;
		if (check_add_fail(c, f, i, json, env)) {
			snprintf(c->err, sizeof(c->err), "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static int check_write(struct check *c, const struct check_file *f,
		       const struct scn *s, const char *json,
		       const struct run_result *r)
{
	struct db_run dr = {
		.scenario = scn_name(s),
		.path = scn_path(s),
		.hash = scn_hash(f->base),
		.point = json,
		.repetition = r->repetition,
		.seed = r->seed,
		.engine = r->engine,
		.version = usnsim_version(),
		.started = r->started,
		.wall_s = r->wall_s,
		.events = r->events,
		.sim_s = (double)r->end_ps / (double)SIM_S,
		.status = "ok",
		.fingerprint = r->fingerprint,
		.replace = true,
	};
	int rc = 0;

	if (!c->db)
		rc = db_open(c->o->db, &c->db, c->err, sizeof(c->err));
	if (!rc)
		rc = db_write_run(c->db, &dr, s, r->stats, NULL, c->err,
				  sizeof(c->err));
	return rc;
}

/* Every repetition of point i of f. */
static int check_point(struct check *c, struct check_file *f, size_t i)
{
	const char *json = sweep_point_json(f->sw, i);
	struct run_result r;
	struct expect_env env;
	struct scn *s;
	uint32_t reps;
	int rc = check_load_point(c, f, i, false, &s);

	if (rc)
		return rc;
	reps = (uint32_t)scn_int(s, "repetitions");
	for (uint32_t rep = 0; rep < reps && !rc; rep++) {
		rc = run_scenario(s, rep, &r, c->err, sizeof(c->err));
		if (rc)
			break;
		f->runs++;
		env = (struct expect_env){ s, r.stats, r.fingerprint, rep };
		rc = check_eval(c, f, json, &env);
		if (!rc && c->o->db)
			rc = check_write(c, f, s, json, &r);
		run_result_fini(&r);
	}
	scn_destroy(s);
	return rc;
}

static void check_file_line(const struct check_file *f)
{
	size_t ne = expect_count(f->x);

	printf("%s: %zu run%s, %zu expectation%s: ", f->path, f->runs,
	       f->runs == 1 ? "" : "s", ne, ne == 1 ? "" : "s");
	if (!ne)
		printf("nothing to check\n");
	else if (!f->failed)
		printf("all held\n");
	else
		printf("%zu of %zu checks failed\n", f->failed, f->checks);
}

static int check_width(int w, const char *s)
{
	size_t n = strlen(s);

	return n > (size_t)w ? (int)n : w;
}

/* The failures as one table: where the expectation is written, the point
 * and repetition of the run, the expectation, and under it the values of
 * its names in that run. */
static void check_table(const struct check *c)
{
	int wf = 4, wp = 5;

	if (!c->nfail)
		return;
	for (size_t i = 0; i < c->nfail; i++) {
		wf = check_width(wf, c->fail[i].where);
		wp = check_width(wp, c->fail[i].point);
	}
	printf("\nfailed expectations:\n%-*s  %-*s  %4s  %s\n", wf, "file", wp,
	       "point", "rep", "expectation");
	for (size_t i = 0; i < c->nfail; i++) {
		const struct check_fail *fl = &c->fail[i];

		printf("%-*s  %-*s  %4u  %s\n%*s    %s\n", wf, fl->where, wp,
		       fl->point, fl->rep, fl->expr, wf + wp + 10, "",
		       fl->values);
	}
}

static void check_fini(struct check *c, size_t nfiles)
{
	for (size_t i = 0; i < c->nfail; i++)
		free(c->fail[i].values);
	free(c->fail);
	for (size_t i = 0; c->f && i < nfiles; i++) {
		expect_destroy(c->f[i].x);
		sweep_destroy(c->f[i].sw);
		scn_destroy(c->f[i].base);
	}
	free(c->f);
	db_close(c->db);
}

static int check_run_all(struct check *c)
{
	const struct check_opts *o = c->o;
	size_t runs = 0, checks = 0;
	int rc = 0;

	for (size_t i = 0; i < o->nfiles && !rc; i++) {
		c->f[i].path = o->files[i];
		rc = check_prepare(c, &c->f[i]);
	}
	if (!rc)
		run_say_engine();
	for (size_t i = 0; i < o->nfiles && !rc; i++) {
		for (size_t p = 0; p < sweep_count(c->f[i].sw) && !rc; p++)
			rc = check_point(c, &c->f[i], p);
		if (!rc && !o->quiet)
			check_file_line(&c->f[i]);
		runs += c->f[i].runs;
		checks += c->f[i].checks;
	}
	if (rc) {
		fflush(stdout);
		errmsg_one_line(c->err);
		fprintf(stderr, "%s\n", c->err);
		return CHECK_EXIT_INPUT;
	}
	check_table(c);
	if (!o->quiet)
		printf("\ncheck: %zu file%s, %zu run%s, %zu check%s: ",
		       o->nfiles, o->nfiles == 1 ? "" : "s", runs,
		       runs == 1 ? "" : "s", checks, checks == 1 ? "" : "s");
	if (!o->quiet && c->nfail)
		printf("%zu failed\n", c->nfail);
	else if (!o->quiet)
		printf("all held\n");
	return c->nfail ? CHECK_EXIT_FAILED : 0;
}

int check_main(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct check c = { .o = &o };
	int rc = check_parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	c.f = calloc(o.nfiles, sizeof(*c.f));
	if (!c.f) {
		fprintf(stderr, "usnsim: check: out of memory\n");
		return CHECK_EXIT_INPUT;
	}
	rc = check_run_all(&c);
	check_fini(&c, o.nfiles);
	return rc;
}
