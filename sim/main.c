/*
 * main.c - the usnsim command line.
 *
 *   usnsim run FILE [--db DB] [--seed N] [--set PATH=VALUE]... [--quiet]
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

#include <gsl/gsl_errno.h>

#include "db.h"
#include "param.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "units.h"
#include "version.h"

#define EXIT_CHECK 1
#define EXIT_INPUT 2
#define MAX_SETS 256

static const char *prog = "usnsim";

static const char usage_main[] =
	"usage: usnsim COMMAND [OPTIONS]\n"
	"\n"
	"Discrete-event simulator for user-space networking host architectures.\n"
	"\n"
	"commands:\n"
	"  run FILE        run a scenario (every repetition) into a database\n"
	"  validate FILE   check a scenario without running it\n"
	"  params          list every parameter: default, unit, range, meaning\n"
	"\n"
	"Run `usnsim COMMAND --help` for a command's options.\n"
	"Exit status: 0 ok, 1 a check failed, 2 bad input or usage.\n";

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
	"  -S, --set PATH=VALUE   override a parameter, e.g.\n"
	"                         --set apps.src.rate=90kpps (repeatable)\n"
	"  -q, --quiet            print nothing but errors\n"
	"  -h, --help             this text\n";

static const char usage_validate[] =
	"usage: usnsim validate FILE [--set PATH=VALUE]...\n"
	"\n"
	"Loads and checks the scenario (keys, types, units, ranges and how the\n"
	"parameters fit together) without running it. Prints `FILE: ok`.\n";

static const char usage_params[] =
	"usage: usnsim params [--markdown]\n"
	"\n"
	"Lists every scenario parameter with its type, default, valid range,\n"
	"meaning and the source of its default. A '*' in a path stands for an\n"
	"instance name (apps.*.rate is the rate of any app). --markdown prints\n"
	"the table of the README.\n";

static int usage_error(const char *cmd_usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", cmd_usage);
	return EXIT_INPUT;
}

struct run_opts {
	const char *file;
	const char *db;
	const char *sets[MAX_SETS];
	size_t nsets;
	char seed_set[64];
	int quiet;
};

/* Parses options shared by run and validate; returns -1 to go on, or an
 * exit status. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o,
			  const char *cmd_usage)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "set", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->db = "results.db";
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:S:qh", longopts, NULL)) !=
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
			fputs(cmd_usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (o->seed_set[0] && o->nsets < MAX_SETS)
		o->sets[o->nsets++] = o->seed_set;
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

	printf("repetition %u: %llu events in %.3f s (%.2f M events/s)\n",
	       r->repetition, (unsigned long long)r->events, r->wall_s,
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

static int run_one(const struct run_opts *o, const struct scn *s, struct db *db,
		   uint32_t rep)
{
	char err[1024];
	struct run_result r;
	struct db_run dr;
	int rc = run_scenario(s, rep, &r, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "%s\n", err);
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
	};
	rc = db_write_run(db, &dr, s, r.stats, NULL, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	else if (!o->quiet)
		print_summary(&r);
	run_result_fini(&r);
	return rc ? EXIT_INPUT : 0;
}

static int load(const struct run_opts *o, struct scn **s)
{
	char err[1024];

	if (scn_load(o->file, o->sets, o->nsets, s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_INPUT;
	}
	if (run_validate(*s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		scn_destroy(*s);
		return EXIT_INPUT;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct scn *s;
	struct db *db;
	char err[1024];
	int rc = parse_run_opts(argc, argv, &o, usage_run);
	int64_t reps;

	if (rc >= 0)
		return rc;
	rc = load(&o, &s);
	if (rc)
		return rc;
	if (db_open(o.db, &db, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		scn_destroy(s);
		return EXIT_INPUT;
	}
	reps = scn_int(s, "repetitions");
	if (!o.quiet)
		printf("%s: %s, %lld repetition%s into %s\n", o.file,
		       scn_name(s), (long long)reps, reps == 1 ? "" : "s",
		       o.db);
	for (int64_t rep = 0; rep < reps && !rc; rep++)
		rc = run_one(&o, s, db, (uint32_t)rep);
	db_close(db);
	scn_destroy(s);
	return rc;
}

static int cmd_validate(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct scn *s;
	int rc = parse_run_opts(argc, argv, &o, usage_validate);

	if (rc >= 0)
		return rc;
	rc = load(&o, &s);
	if (rc)
		return rc;
	printf("%s: ok (%zu parameters)\n", o.file, scn_param_count(s));
	scn_destroy(s);
	return 0;
}

static void params_row(const struct param_def *d, int markdown)
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
	printf("%-26s %-10s %-10s %-18s %s\n", d->path,
	       param_type_name(d->type), d->def && d->def[0] ? d->def : "\"\"",
	       range, d->help);
	if (d->type == PT_ENUM)
		printf("%-26s %-10s one of: %s\n", "", "", d->choices);
	printf("%-26s %-10s source: %s\n", "", "", d->source);
}

static int cmd_params(int argc, char **argv)
{
	int markdown = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown"))
			markdown = 1;
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
		printf("%-26s %-10s %-10s %-18s %s\n", "PARAMETER", "TYPE",
		       "DEFAULT", "RANGE", "MEANING");
	}
	for (size_t i = 0; i < param_count(); i++)
		params_row(param_at(i), markdown);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run },
		{ "validate", cmd_validate },
		{ "params", cmd_params },
	};

	/* GSL's default handler aborts; usnsim checks arguments itself. */
	gsl_set_error_handler_off();
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_INPUT;
	}
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
