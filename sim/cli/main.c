/*
 * main.c - the usnsim command line.
 *
 *   usnsim run FILE [--db DB] [--seed N] [--engine NAME] [--set PATH=VALUE]...
 *              [--quiet]
 *   usnsim validate FILE [--set PATH=VALUE]...
 *   usnsim params [--markdown]
 *
 * Only this file decides exit statuses: 0 success, 1 a check failed,
 * 2 bad input or usage (the message says file:line:col and what to do).
 * Nothing is written to the database until a run has finished, and each
 * run is written in one transaction.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "analysis.h"
#include "cli.h"
#include "db.h"
#include "errmsg.h"
#include "expect.h"
#include "heap.h"
#include "param.h"
#include "registry.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "study.h"
#include "sweep.h"
#include "units.h"
#include "version.h"

#define EXIT_CHECK 1
#define EXIT_INPUT 2
#define EXIT_INTERRUPTED 130
#define MAX_SETS 256

static const char *prog = "usnsim";

static const char usage_main[] =
	"usage: usnsim COMMAND [OPTIONS]\n"
	"\n"
	"Discrete-event simulator for user-space networking host architectures.\n"
	"\n"
	"commands:\n"
	"  run FILE        run a scenario (every repetition) into a database\n"
	"  sweep FILE      run a study: every sweep point x repetition, in\n"
	"                  parallel, resumable, shardable\n"
	"  merge OUT IN..  combine the databases of shards into OUT\n"
	"  check FILE..    run scenarios and their expect: assertions\n"
	"  compare BASE NEW  metrics that moved between two databases\n"
	"  plot KIND       draw a figure from a database with gnuplot\n"
	"  export          write a database's results as CSV, TSV or JSON\n"
	"  validate FILE   check a scenario without running it\n"
	"  params          list every parameter: default, unit, range, meaning\n"
	"  calibrate       profiles measured on this machine (measure) or\n"
	"                  fitted to measurements (fit)\n"
	"\n"
	"Run `usnsim COMMAND --help` for a command's options.\n"
	"Exit status: 0 ok, 1 a check failed, 2 bad input or usage,\n"
	"130 interrupted (finished runs are saved; rerun to resume).\n";

static const char usage_run[] =
	"usage: usnsim run FILE [OPTIONS]\n"
	"\n"
	"Runs every repetition of the scenario in FILE and writes each finished\n"
	"run, its parameters and its statistics to the database in one\n"
	"transaction.\n"
	"\n"
	"options:\n"
	"  -d, --db DB            results database (default results.db)\n"
	"  -s, --seed N           base seed (overrides the scenario's seed)\n"
	"  -e, --engine NAME      event engine: native or ns3 (overrides the\n"
	"                         scenario's engine; same as --set engine=NAME)\n"
	"  -S, --set PATH=VALUE   override a parameter, e.g.\n"
	"                         --set apps.src.rate=90kpps (repeatable); '*'\n"
	"                         stands for every instance, as in\n"
	"                         --set 'hosts.*.driver.ipc_cost=1us'\n"
	"  -q, --quiet            print nothing but errors\n"
	"  -h, --help             this text\n";

static const char usage_sweep[] =
	"usage: usnsim sweep FILE [OPTIONS]\n"
	"\n"
	"Runs every point of the scenario's sweep: block times its repetitions\n"
	"on worker processes, into one database. Runs already complete in the\n"
	"database (same scenario hash, point, repetition and usnsim version)\n"
	"are skipped, so a study that was interrupted or killed resumes where\n"
	"it stopped. Ctrl-C lets the runs in flight finish; a second one\n"
	"abandons them.\n"
	"\n"
	"options:\n"
	"  -d, --db DB            results database (default results.db)\n"
	"  -j, --jobs N           worker processes (default: one per core)\n"
	"      --shard K/N        run only shard K of N (1 <= K <= N); combine\n"
	"                         the shards' databases with `usnsim merge`\n"
	"  -l, --list             print the points and exit\n"
	"  -s, --seed N           base seed (overrides the scenario's seed)\n"
	"  -e, --engine NAME      event engine: native or ns3 (overrides the\n"
	"                         scenario's engine; same as --set engine=NAME)\n"
	"  -S, --set PATH=VALUE   override a parameter (repeatable); '*' stands\n"
	"                         for every instance (hosts.*.driver.ipc_cost);\n"
	"                         on a swept parameter, keeps that value's points\n"
	"      --only EXPR        run only the points where EXPR holds (the\n"
	"                         where: language, e.g. 'apps.src.rate < 50kpps')\n"
	"      --resume           accepted for clarity; resuming is always on\n"
	"      --progress SECONDS progress on stderr: on a terminal one line\n"
	"                         redrawn in place; elsewhere (a file, a pipe,\n"
	"                         nohup, a batch job) a line every SECONDS\n"
	"                         (default 10; 0: none). Lines give the runs\n"
	"                         done, the work done, the time elapsed and\n"
	"                         the time left, estimated from the wall time\n"
	"                         per simulated second of finished runs\n"
	"      --warn-drops F     after the sweep, list the points whose apps\n"
	"                         dropped more than F of the packets they sent\n"
	"                         (default 1%; a fraction, e.g. 0.05, or 5%)\n"
	"  -q, --quiet            no progress line and no summary\n"
	"  -h, --help             this text\n";

static const char usage_merge[] =
	"usage: usnsim merge [--force] OUT.db IN.db...\n"
	"\n"
	"Copies every run of each IN database into OUT (created if needed),\n"
	"skipping runs OUT already holds (same scenario hash, point,\n"
	"repetition and version). Refuses, copying nothing from that input,\n"
	"when a scenario name has another hash in IN than in OUT: those are\n"
	"results of different scenario files; --force mixes them anyway.\n";

static const char usage_validate[] =
	"usage: usnsim validate FILE [--engine NAME] [--set PATH=VALUE]...\n"
	"                            [--only EXPR]\n"
	"\n"
	"Loads and checks the scenario (keys, types, units, ranges and how the\n"
	"parameters fit together) without running it, at every point of its\n"
	"sweep: block (or those --only keeps), as the sweep would load them.\n"
	"Prints `FILE: ok`, or the first error and the point it is at.\n";

static const char usage_params[] =
	"usage: usnsim params [--markdown]\n"
	"       usnsim params --profile NAME|FILE\n"
	"\n"
	"Lists every scenario parameter with its type, default, valid range,\n"
	"meaning and the source of its default. A '*' in a path stands for an\n"
	"instance name (apps.*.rate is the rate of any app). --markdown prints\n"
	"the table of docs/reference/parameters.md.\n"
	"\n"
	"--profile lists what a profile (a bundled one by NAME, as in\n"
	"`include: NAME`, or a fragment's FILE) changes: each value's path,\n"
	"the default, the profile's value, the unit and the profile's source.\n";

/* A library's message on stderr, on one line whatever it quotes (a value
 * with a newline in it, say). */
static void print_err(char *err)
{
	errmsg_one_line(err);
	fprintf(stderr, "%s\n", err);
}

/* One line on stderr: the message, the command's synopsis (the first line
 * of its usage text) and where its help is. */
static int usage_error(const char *cmd_usage, const char *fmt, const char *arg)
{
	const char *cmd = cmd_usage + strlen("usage: usnsim ");
	int len = (int)strcspn(cmd_usage, "\n");
	int cmdlen = cmd_usage == usage_main ? 0 : (int)strcspn(cmd, " \n");

	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (%.*s; `usnsim %.*s%s--help` for more)\n", len,
		cmd_usage, cmdlen, cmd, cmdlen ? " " : "");
	return EXIT_INPUT;
}

/* The option getopt_long refused: argv[optind - 1] for a long option
 * (optopt 0), else "-C". */
static const char *bad_option(char **argv, char *buf, size_t n)
{
	if (!optopt || optopt > 0x7f)
		return argv[optind - 1];
	snprintf(buf, n, "-%c", optopt);
	return buf;
}

struct run_opts {
	const char *file;
	const char *db;
	const char *sets[MAX_SETS + 2]; /* and --seed, --engine */
	size_t nsets;
	char seed_set[64];
	char engine_set[64];
	size_t seed_at, engine_at; /* 1-based index in sets; 0: none */
	const char *only;	   /* --only EXPR */
	int quiet;
	int list;
	unsigned jobs, shard_k, shard_n;
	double progress_s; /* sweep: seconds between progress lines */
	double drop_warn;  /* sweep: --warn-drops */
};

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 1000000 || *s == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A number of seconds >= 0, at most a day; a unit-less number or one
 * ending in s. */
static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == 's')
		end++;
	if (errno || end == s || *end || !(v >= 0 && v <= 86400))
		return -1;
	*out = v;
	return 0;
}

/* A fraction in [0, 1], as 0.05 or 5%. */
static int parse_fraction(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '%') {
		v /= 100;
		end++;
	}
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

static int parse_shard(const char *s, struct run_opts *o)
{
	unsigned k, n;
	char tail;

	/* %u would take "-1" as 4294967295 */
	if (strchr(s, '-') || strchr(s, '+') ||
	    sscanf(s, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || k < 1 ||
	    k > n || n > 1000000)
		return -1;
	o->shard_k = k;
	o->shard_n = n;
	return 0;
}

/* Parses options shared by run and validate; returns -1 to go on, or an
 * exit status. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o,
			  const char *cmd_usage)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "engine", required_argument, NULL, 'e' },
		{ "set", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "shard", required_argument, NULL, 'K' },
		{ "list", no_argument, NULL, 'l' },
		{ "resume", no_argument, NULL, 'R' },
		{ "progress", required_argument, NULL, 'P' },
		{ "warn-drops", required_argument, NULL, 'W' },
		{ "only", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	const int sweep = cmd_usage == usage_sweep;
	unsigned seen = 0; /* options given, by their letter's bit */
	char opt[8];
	int c, li;

	o->db = "results.db";
	optind = 1;
	opterr = 0; /* messages are usage_error's, on one line */
	while ((c = getopt_long(argc, argv,
				sweep ? ":d:s:e:S:qhj:l" : ":d:s:e:S:qh",
				longopts, &li)) != -1) {
		if (c == 'O' && cmd_usage == usage_run)
			return usage_error(
				cmd_usage, "%s",
				"--only picks sweep points: it is an option of usnsim sweep, validate and check");
		if (!sweep && (c == 'j' || c == 'K' || c == 'l' || c == 'R' ||
			       c == 'P' || c == 'W'))
			return usage_error(cmd_usage,
					   "--%s is an option of usnsim sweep",
					   longopts[li].name);
		/* a second value would silently replace the first */
		if (c && strchr("dsejKPWO", c)) {
			static const char *const name[] = {
				"--db",		"--seed",  "--engine",
				"--jobs",	"--shard", "--progress",
				"--warn-drops", "--only"
			};
			long k = strchr("dsejKPWO", c) - "dsejKPWO";

			if (seen & (1u << k))
				return usage_error(cmd_usage,
						   "%s is given twice",
						   name[k]);
			seen |= 1u << k;
		}
		switch (c) {
		case ':':
			return usage_error(cmd_usage,
					   "option '%s' wants a value",
					   argv[optind - 1]);
		case '?':
			return usage_error(cmd_usage, "unknown option '%s'",
					   bad_option(argv, opt, sizeof(opt)));
		case 'j':
			if (parse_uint(optarg, &o->jobs) || o->jobs == 0)
				return usage_error(
					cmd_usage,
					"--jobs wants a number of processes >= 1, not '%s'",
					optarg);
			break;
		case 'K':
			if (parse_shard(optarg, o))
				return usage_error(
					cmd_usage,
					"--shard wants K/N with 1 <= K <= N, not '%s'",
					optarg);
			break;
		case 'l':
			o->list = 1;
			break;
		case 'P':
			if (parse_seconds(optarg, &o->progress_s))
				return usage_error(
					cmd_usage,
					"--progress wants seconds between progress lines (e.g. 10, 2.5 or 0 for none), not '%s'",
					optarg);
			break;
		case 'W':
			if (parse_fraction(optarg, &o->drop_warn))
				return usage_error(
					cmd_usage,
					"--warn-drops wants a fraction of the packets sent, 0 to 1 (e.g. 0.01 or 1%%), not '%s'",
					optarg);
			break;
		case 'R':
			break;
		case 'O':
			o->only = optarg;
			break;
		case 'd':
			if (cmd_usage == usage_validate)
				return usage_error(
					cmd_usage, "%s",
					"validate writes no database: --db is an option of run, sweep and check");
			o->db = optarg;
			break;
		case 's':
			if (snprintf(o->seed_set, sizeof(o->seed_set),
				     "seed=%s",
				     optarg) >= (int)sizeof(o->seed_set))
				return usage_error(
					cmd_usage,
					"--seed wants an integer, not '%.40s...'",
					optarg);
			break;
		case 'e':
			if (snprintf(o->engine_set, sizeof(o->engine_set),
				     "engine=%s",
				     optarg) >= (int)sizeof(o->engine_set))
				return usage_error(
					cmd_usage,
					"--engine wants native or ns3, not '%.40s...'",
					optarg);
			break;
		case 'S':
			if (o->nsets == MAX_SETS)
				return usage_error(
					cmd_usage,
					"too many --set (at most %s)", "256");
			o->sets[o->nsets++] = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(cmd_usage, stdout);
			return 0;
		default:
			return usage_error(cmd_usage, "unknown option '%s'",
					   bad_option(argv, opt, sizeof(opt)));
		}
	}
	if (o->seed_set[0]) {
		o->sets[o->nsets++] = o->seed_set;
		o->seed_at = o->nsets;
	}
	if (o->engine_set[0]) {
		o->sets[o->nsets++] = o->engine_set;
		o->engine_at = o->nsets;
	}
	if (optind != argc - 1)
		return usage_error(
			cmd_usage, "%s",
			optind >= argc ? "missing scenario FILE"
				       : "expected exactly one scenario FILE");
	o->file = argv[optind];
	return -1;
}

static void print_time(FILE *f, double ps)
{
	char buf[48];

	units_fmt_time_approx(buf, sizeof(buf), ps, 4);
	fprintf(f, " %10s", buf);
}

static void print_summary(const struct run_result *r)
{
	size_t n = stats_count(r->stats);
	struct stat_summary sm;
	struct stat_info si;

	printf("repetition %u: %llu events in %.3f s on the %s engine (%.2f M events/s)\n",
	       r->repetition, (unsigned long long)r->events, r->wall_s,
	       r->engine,
	       r->wall_s > 0 ? (double)r->events / r->wall_s / 1e6 : 0.0);
	printf("  %-20s %-14s %10s %10s %10s %10s %10s\n", "component",
	       "metric", "count", "mean", "p50", "p99", "max");
	for (size_t i = 0; i < n; i++) {
		stats_get(r->stats, i, &si);
		if (si.kind != STAT_HIST || strcmp(si.unit, "ps"))
			continue;
		hist_summary(&si.u.hist->hist, &sm);
		printf("  %-20s %-14s %10llu", si.component, si.metric,
		       (unsigned long long)sm.count);
		print_time(stdout, sm.mean);
		print_time(stdout, sm.p50);
		print_time(stdout, sm.p99);
		print_time(stdout, sm.max);
		putchar('\n');
	}
}

/* Runs repetition rep, from rr (which it frees) if rr is not NULL. */
static int run_one(const struct run_opts *o, const struct scn *s, struct db *db,
		   uint32_t rep, struct run_ready *rr)
{
	char err[1024];
	struct run_result r;
	struct db_run dr;
	int rc = rr ? run_ready_run(rr, &r, err, sizeof(err))
		    : run_scenario(s, rep, &r, err, sizeof(err));

	if (rc) {
		print_err(err);
		return EXIT_INPUT;
	}
	dr = (struct db_run){
		.scenario = scn_name(s),
		.path = scn_path(s),
		.hash = scn_hash(s),
		.point = "{}",
		.repetition = rep,
		.seed = r.seed,
		.engine = r.engine,
		.version = usnsim_version(),
		.started = r.started,
		.wall_s = r.wall_s,
		.events = r.events,
		.sim_s = (double)r.end_ps / (double)SIM_S,
		.status = "ok",
		.fingerprint = r.fingerprint,
		.replace = true,
	};
	rc = db_write_run(db, &dr, s, r.stats, NULL, err, sizeof(err));
	if (rc)
		print_err(err);
	else if (r.hosts_down)
		fprintf(stderr,
			"%s: repetition %u: %u host(s) went down (kernel driver crash; see sim.host_down and hosts.*.driver.host_down_at)\n",
			scn_path(s), rep, r.hosts_down);
	else if (!o->quiet)
		print_summary(&r);
	run_result_fini(&r);
	return rc ? EXIT_INPUT : 0;
}

/* The expect: block must parse even where it is not evaluated (`usnsim
 * check` evaluates it), so that a typo shows before a long study. */
static int load_expect(const struct scn *s, char *err, size_t errlen)
{
	struct expect *x;
	int rc = expect_parse(s, &x, err, errlen);

	expect_destroy(x);
	return rc;
}

/* A message about the override --seed or --engine became names that
 * option, not a "--set:K:COL" the user never wrote. */
static const char *blame_option(const struct run_opts *o, char *err)
{
	char rest[1024];
	int k, col, used = 0;

	if (sscanf(err, "--set:%d:%d: %n", &k, &col, &used) != 2 || !used ||
	    k < 1 || ((size_t)k != o->seed_at && (size_t)k != o->engine_at))
		return err;
	snprintf(rest, sizeof(rest), "%s", err + used);
	/* "seed: expected ..." reads as the option's own message */
	errmsg(err, 1024, "--%s", rest);
	return err;
}

/* Loads and checks the scenario; with rr, keeps the topology the check
 * built for repetition 0 in *rr (run_prepare), so that it is built once. */
static int load(const struct run_opts *o, struct scn **s, struct run_ready **rr)
{
	char err[1024];

	if (scn_load(o->file, o->sets, o->nsets, s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", blame_option(o, err));
		return EXIT_INPUT;
	}
	if ((rr ? run_prepare(*s, 0, rr, err, sizeof(err))
		: run_validate(*s, err, sizeof(err))) ||
	    load_expect(*s, err, sizeof(err)) ||
	    analysis_check_figures(*s, err, sizeof(err))) {
		print_err(err);
		if (rr) {
			run_ready_free(*rr);
			*rr = NULL;
		}
		scn_destroy(*s);
		return EXIT_INPUT;
	}
	return 0;
}

/* `run` is for one point; a study with a sweep goes to `usnsim sweep`. */
static int refuse_sweep(const struct run_opts *o, const struct scn *s)
{
	struct sweep *sw;
	const char *const *paths;
	char err[1024];
	int rc = sweep_expand(s, &sw, err, sizeof(err));

	if (rc) {
		print_err(err);
		return EXIT_INPUT;
	}
	if (sweep_paths(sw, &paths) > 0) {
		fprintf(stderr,
			"%s: this scenario sweeps %zu points; run it with `usnsim sweep %s`\n",
			o->file, sweep_count(sw), o->file);
		rc = EXIT_INPUT;
	}
	sweep_destroy(sw);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_ready *rr = NULL;
	struct scn *s;
	struct db *db;
	char err[1024];
	int rc = parse_run_opts(argc, argv, &o, usage_run);
	int64_t reps;

	if (rc >= 0)
		return rc;
	rc = load(&o, &s, &rr);
	if (rc)
		return rc;
	rc = refuse_sweep(&o, s);
	if (rc) {
		run_ready_free(rr);
		scn_destroy(s);
		return rc;
	}
	if (db_open(o.db, &db, err, sizeof(err))) {
		print_err(err);
		run_ready_free(rr);
		scn_destroy(s);
		return EXIT_INPUT;
	}
	run_say_engine();
	reps = scn_int(s, "repetitions");
	/* a line that says how far a long run is, for a person watching */
	run_progress(!o.quiet && isatty(STDERR_FILENO) ? stderr : NULL);
	if (!o.quiet)
		printf("%s: %s, %lld repetition%s into %s\n", o.file,
		       scn_name(s), (long long)reps, reps == 1 ? "" : "s",
		       o.db);
	for (int64_t rep = 0; rep < reps && !rc; rep++) {
		rc = run_one(&o, s, db, (uint32_t)rep, rep == 0 ? rr : NULL);
		rr = NULL;
	}
	run_ready_free(rr);
	db_close(db);
	scn_destroy(s);
	return rc;
}

/* The figures: block of the scenario, as plot --study will read it, so
 * that a study does not run for hours to end in a figure it cannot draw. */
static int check_figures(const struct run_opts *o)
{
	char err[1024];
	struct scn *s;
	int rc = scn_load(o->file, o->sets, o->nsets, &s, err, sizeof(err));

	if (!rc) {
		rc = analysis_check_figures(s, err, sizeof(err));
		scn_destroy(s);
	}
	if (rc)
		fprintf(stderr, "%s\n", blame_option(o, err));
	return rc ? EXIT_INPUT : 0;
}

/* A sweep point's JSON ({"a.b":"1","c":"x"}) as " a.b=1 c=x"; as it
 * is if it holds anything but plain strings. */
static void print_point(const char *json)
{
	const char *p = json + 1;
	size_t n = strlen(json);

	if (n < 2 || json[0] != '{' || json[n - 1] != '}' ||
	    strchr(json, '\\')) {
		printf(" %s", json);
		return;
	}
	while (*p == '"') {
		const char *k = p + 1, *ke = strchr(k, '"'), *v, *ve;

		if (!ke || ke[1] != ':' || ke[2] != '"')
			break;
		v = ke + 3;
		ve = strchr(v, '"');
		if (!ve)
			break;
		printf(" %.*s=%.*s", (int)(ke - k), k, (int)(ve - v), v);
		p = ve + 1;
		if (*p == ',')
			p++;
	}
	if (*p != '}')
		printf(" %s", p);
}

/* The points that dropped more than --warn-drops of their packets: not
 * an error (a saturated point is often what a study is after), but said,
 * so that a figure is not read without knowing it. */
static void print_drops(const struct run_opts *o,
			const struct study_report *rep)
{
	if (!rep->ndrops)
		return;
	printf("%s: %zu point%s dropped more than %g%% of the packets their apps sent (runs of this invocation):\n",
	       o->file, rep->ndrops, rep->ndrops == 1 ? "" : "s",
	       100 * o->drop_warn);
	for (size_t i = 0; i < rep->ndrops; i++) {
		printf("  %5.1f%% (%llu of %llu) ",
		       100 * rep->drops[i].fraction,
		       (unsigned long long)rep->drops[i].dropped,
		       (unsigned long long)rep->drops[i].sent);
		print_point(rep->drops[i].point);
		putchar('\n');
	}
}

static int cmd_sweep(int argc, char **argv)
{
	struct run_opts o = { .progress_s = 10, .drop_warn = 0.01 };
	struct study_opts so;
	struct study_report rep;
	char err[1024];
	int rc = parse_run_opts(argc, argv, &o, usage_sweep);

	if (rc >= 0)
		return rc;
	so = (struct study_opts){
		.file = o.file,
		.sets = o.sets,
		.nsets = o.nsets,
		.only = o.only,
		.db = o.db,
		.jobs = o.jobs,
		.shard_k = o.shard_k,
		.shard_n = o.shard_n,
		.quiet = o.quiet,
		.progress_tty = isatty(STDERR_FILENO),
		.progress_s = o.quiet ? 0 : o.progress_s,
		.drop_warn = o.drop_warn,
	};
	if (o.list) {
		rc = study_list(&so, err, sizeof(err));
		if (rc)
			print_err(err);
		return rc ? EXIT_INPUT : 0;
	}
	rc = check_figures(&o);
	if (rc)
		return rc;
	study_handle_signals();
	rc = study_run(&so, &rep, err, sizeof(err));
	if (rc) {
		print_err(err);
		return rc == -EINTR ? EXIT_INTERRUPTED : EXIT_INPUT;
	}
	if (!o.quiet) {
		printf("%s: %zu points, %zu runs: ran %zu in %.1f s, %zu already in %s",
		       o.file, rep.points, rep.runs_total, rep.runs_done,
		       rep.wall_s, rep.runs_skipped, o.db);
		if (rep.runs_imported)
			printf(" (%zu of them recovered from an interrupted sweep)",
			       rep.runs_imported);
		putchar('\n');
		print_drops(&o, &rep);
	}
	study_report_fini(&rep);
	return 0;
}

static int cmd_merge(int argc, char **argv)
{
	const char *files[argc > 1 ? argc : 1];
	int force = 0, n = 0, rc = 0;
	struct db *db;
	char err[1024];

	/* options anywhere (as getopt permutes them): "--force" after OUT is
	 * not a file called --force */
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--force"))
			force = 1;
		else if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			fputs(usage_merge, stdout);
			return 0;
		} else if (argv[a][0] == '-' && argv[a][1])
			return usage_error(usage_merge, "unknown option '%s'",
					   argv[a]);
		else
			files[n++] = argv[a];
	}
	if (n < 2)
		return usage_error(usage_merge, "%s",
				   "expected OUT.db and at least one IN.db");
	/* Every input is read before OUT is written, or created. */
	if (db_merge_check(files[0], files + 1, (size_t)(n - 1), !force, err,
			   sizeof(err))) {
		print_err(err);
		return EXIT_INPUT;
	}
	if (db_open(files[0], &db, err, sizeof(err))) {
		print_err(err);
		return EXIT_INPUT;
	}
	for (int i = 1; i < n && !rc; i++) {
		int k = db_import(db, files[i], 0, !force, err, sizeof(err));

		if (k < 0) {
			print_err(err);
			rc = EXIT_INPUT;
		} else {
			printf("%s: %d runs copied into %s\n", files[i], k,
			       files[0]);
		}
	}
	db_close(db);
	return rc;
}

static int cmd_validate(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct study_opts so;
	struct scn *s;
	char err[1024];
	size_t points;
	int rc = parse_run_opts(argc, argv, &o, usage_validate);

	if (rc >= 0)
		return rc;
	rc = load(&o, &s, NULL);
	if (rc)
		return rc;
	so = (struct study_opts){ .file = o.file,
				  .sets = o.sets,
				  .nsets = o.nsets,
				  .only = o.only,
				  .base = s };
	/* What sweep and plot --study read too: every point, the figures. */
	if (study_validate(&so, &points, err, sizeof(err)) ||
	    analysis_check_figures(s, err, sizeof(err))) {
		print_err(err);
		scn_destroy(s);
		return EXIT_INPUT;
	}
	run_say_engine();
	printf("%s: ok (%zu parameters, %zu point%s)\n", o.file,
	       scn_param_count(s), points, points == 1 ? "" : "s");
	scn_destroy(s);
	return 0;
}

static void params_row(const struct param_def *d, int markdown, int width)
{
	char range[96];

	param_range_text(d, range, sizeof(range));
	if (markdown) {
		printf("| `%s` | %s | `%s` | %s | %s | %s |\n", d->path,
		       d->type == PT_ENUM ? d->choices
					  : param_type_name(d->type),
		       d->def && d->def[0] ? d->def : "\"\"", range, d->help,
		       d->source);
		return;
	}
	printf("%-*s %-10s %-10s %-18s %s\n", width, d->path,
	       param_type_name(d->type), d->def && d->def[0] ? d->def : "\"\"",
	       range, d->help);
	if (d->type == PT_ENUM)
		printf("%-*s %-10s one of: %s\n", width, "", "", d->choices);
	printf("%-*s %-10s source: %s\n", width, "", "", d->source);
}

/* usnsim params --profile NAME|FILE */
static int params_profile(const char *name)
{
	struct scn_profile *p;
	char err[1024];
	int width = 4, rc;

	rc = scn_profile_load(name, &p, err, sizeof(err));
	if (rc) {
		print_err(err);
		return EXIT_INPUT;
	}
	printf("profile %s (%s)\n", name, scn_profile_file(p));
	if (*scn_profile_text(p))
		printf("  %s\n", scn_profile_text(p));
	for (size_t i = 0; i < scn_profile_count(p); i++) {
		const char *path, *value, *source;

		scn_profile_at(p, i, &path, &value, &source);
		if ((int)strlen(path) > width)
			width = (int)strlen(path);
	}
	printf("\n%-*s %-10s %-10s %-10s %s\n", width, "PATH", "DEFAULT",
	       "PROFILE", "UNIT", "SOURCE");
	for (size_t i = 0; i < scn_profile_count(p); i++) {
		const struct param_def *d;
		const char *path, *value, *source;

		scn_profile_at(p, i, &path, &value, &source);
		d = param_lookup(scn_alias(path, err, sizeof(err)));
		printf("%-*s %-10s %-10s %-10s %s\n", width, path,
		       d && d->def && d->def[0] ? d->def : "\"\"", value,
		       d ? param_type_name(d->type) : "-",
		       *source ? source : "-");
	}
	scn_profile_destroy(p);
	return 0;
}

static int cmd_params(int argc, char **argv)
{
	int markdown = 0, width = 0;

	/* the widest path sets the first column */
	for (size_t i = 0; i < param_count(); i++)
		if ((int)strlen(param_at(i)->path) > width)
			width = (int)strlen(param_at(i)->path);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown"))
			markdown = 1;
		else if (!strcmp(argv[i], "--profile") && i + 1 < argc &&
			 argc == 3)
			return params_profile(argv[i + 1]);
		else if (!strcmp(argv[i], "--profile"))
			return usage_error(
				usage_params,
				"%s takes one profile's name or file, and no other option",
				"--profile");
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_params, stdout);
			return 0;
		} else
			return usage_error(usage_params, "unknown option '%s'",
					   argv[i]);
	}
	if (markdown) {
		printf("| parameter | type | default | range | meaning | source of the default |\n");
		printf("|---|---|---|---|---|---|\n");
	} else {
		printf("%-*s %-10s %-10s %-18s %s\n", width, "PARAMETER",
		       "TYPE", "DEFAULT", "RANGE", "MEANING");
	}
	for (size_t i = 0; i < param_count(); i++)
		params_row(param_at(i), markdown, width);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run },	     { "sweep", cmd_sweep },
		{ "merge", cmd_merge },	     { "validate", cmd_validate },
		{ "params", cmd_params },    { "check", check_main },
		{ "compare", compare_main }, { "plot", plot_main },
		{ "export", export_main },   { "calibrate", calibrate_main },
	};

	/* GSL's default handler aborts; usnsim checks arguments itself. */
	gsl_set_error_handler_off();
	heap_use_huge_pages();
	if (argc < 2)
		return usage_error(usage_main, "%s", "missing COMMAND");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("usnsim %s\n", usnsim_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error(usage_main, "unknown command '%s'", argv[1]);
}
