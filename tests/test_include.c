/*
 * test_include.c - fragments pulled into a scenario with include:, the
 * bundled profiles, `usnsim params --profile`, and the two studies that
 * differ only by the profile they include.
 *
 *   - Merge: a scenario including two fragments has exactly the effective
 *     parameters (and so the hash) of one flat file that writes the
 *     merged values: its own values beat the includes', the later
 *     include beats the earlier, '*' entries and like: reach across
 *     files; --set overrides an included value (and its like: heirs),
 *     and a sweep varies one that only an include writes;
 *     scn_where names the included file and position of a value.
 *   - Errors: a bad key in a fragment is reported at the fragment's
 *     file:line:col followed by the include chain; cycles, missing files,
 *     a profile value without a source, a source without a value and a
 *     study's key in a fragment are refused where they are written; the
 *     CLI exits 2 and writes no database.
 *   - Storage: `usnsim run` of the including file stores the merged
 *     parameters: the params table equals the flat file's, row for row.
 *   - Bundled profiles: each loads on its own, every value it sets has a
 *     source, and a scenario including it has the profile's value at
 *     every instance the value reaches; `usnsim params --profile` lists
 *     each value with its default.
 *   - The studies path_kernel.yaml and path_netmap.yaml differ in their
 *     include: line only. Mechanism: at 64 B and 1500 B and stack.batch
 *     1 to 32, the CPU time per packet the client spends up to its driver
 *     is exactly the closed form of each path (kernel: trap, copy in,
 *     processing, the flow switch's copy and classify, whatever the
 *     batch; netmap: processing, the flow switch's copy and a batch's
 *     share of one trap). Against the netmap paper: its two points the
 *     profiles are calibrated on are restated (netsend's 1.05 Mpps; line
 *     rate on one core at 900 MHz, 67.2 ns a packet; their ratio, 46.0),
 *     within 2% (the paper's results repeat within 2%); points not
 *     calibrated on: one netmap core at 2.93 GHz has time to spare at
 *     line rate (line rate at 900 MHz, abstract), the in-kernel path takes 10-20 times a
 *     packet's time at line rate (ACM Queue, 2012), and the smallest
 *     batch that keeps up with the line is the closed form's (4).
 *
 * Set USNSIM_TEST_VERBOSE=1 to print the numbers the tests observe.
 */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "param.h"
#include "registry.h"
#include "run.h"
#include "runs.h"
#include "scenario.h"
#include "sweep.h"
#include "util.h"

static char dir[256];

static int write_in(const char *name, const char *text)
{
	return tu_write_file(tu_path(dir, name), text, strlen(text));
}

static int setup(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "include");
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

/* ---- merge ---- */

static const char base_yaml[] = "network: { kind: link, rate: 10Gbps }\n"
				"apps:\n"
				"  \"*\": { burst: 2 }\n"
				"  a: { rate: 10kpps, size: 100B, count: 5 }\n";

static const char over_yaml[] = "profile:\n"
				"  about: \"a test fragment\"\n"
				"  sources:\n"
				"    apps.a.size: \"a test\"\n"
				"    network.rate: \"a test\"\n"
				"apps:\n"
				"  a: { size: 200B }\n"
				"network: { rate: 1Gbps }\n";

static const char main_yaml[] = "include: [base.yaml, over.yaml]\n"
				"name: merged\n"
				"duration: 5ms\n"
				"apps:\n"
				"  a: { rate: 20kpps }\n"
				"  b: { like: a }\n";

/* The values the merge must give, written out in one file. */
static const char flat_yaml[] =
	"name: merged\n"
	"duration: 5ms\n"
	"network: { kind: link, rate: 1Gbps }\n"
	"apps:\n"
	"  a: { rate: 20kpps, size: 200B, count: 5, burst: 2 }\n"
	"  b: { rate: 20kpps, size: 200B, count: 5, burst: 2 }\n";

static int write_merge_files(void)
{
	return write_in("base.yaml", base_yaml) ||
	       write_in("over.yaml", over_yaml) ||
	       write_in("main.yaml", main_yaml) ||
	       write_in("flat.yaml", flat_yaml);
}

/* The effective parameters of a and b are the same, path by path. */
static void check_same_params(const struct scn *a, const struct scn *b)
{
	CHECK_EQ_FATAL(scn_param_count(a), scn_param_count(b));
	for (size_t i = 0; i < scn_param_count(a); i++) {
		const char *pa, *ta, *pb, *tb;

		scn_param_at(a, i, &pa, &ta);
		scn_param_at(b, i, &pb, &tb);
		CHECKF(!strcmp(pa, pb) && !strcmp(ta, tb),
		       "%s=%s against %s=%s", pa, ta, pb, tb);
	}
	CHECKF(!strcmp(scn_hash(a), scn_hash(b)), "hash %s against %s",
	       scn_hash(a), scn_hash(b));
}

/* A sweep of a value only an include writes: each point has its value
 * (a sweep sets the path it names, so b keeps the include's 100B). */
static void check_sweep(void)
{
	static const char sweep_yaml[] = "include: base.yaml\n"
					 "duration: 5ms\n"
					 "apps: { b: { like: a } }\n"
					 "sweep: { apps.a.count: [7, 9] }\n";
	static const long long want[] = { 7, 9 };
	struct scn *base = NULL, *pt = NULL;
	struct sweep *sw = NULL;

	CHECK_EQ_FATAL(write_in("sweep.yaml", sweep_yaml), 0);
	if (tr_expand(tu_path(dir, "sweep.yaml"), &base, &sw))
		return;
	CHECK_EQ_FATAL(sweep_count(sw), 2);
	for (size_t i = 0; i < 2; i++) {
		const char *const *sets;
		size_t n = sweep_point_sets(sw, i, &sets);
		char err[512];

		if (scn_load_point(tu_path(dir, "sweep.yaml"), sets, n, 0, &pt,
				   err, sizeof(err))) {
			CHECKF(0, "point %zu: %s", i, err);
			continue;
		}
		CHECK_EQ(scn_int(pt, "apps.a.count"), want[i]);
		CHECK_EQ(scn_int(pt, "apps.b.count"), 5);
		CHECK_EQ(scn_size(pt, "apps.a.size"), 100);
		scn_destroy(pt);
	}
	sweep_destroy(sw);
	scn_destroy(base);
}

static void test_merge(void)
{
	static const char *const sets[] = { "apps.a.size=300B" };
	struct scn *m = NULL, *f = NULL;
	char where[600], want[600];

	CHECK_EQ_FATAL(write_merge_files(), 0);
	if (tr_load(tu_path(dir, "main.yaml"), NULL, 0, &m) ||
	    tr_load(tu_path(dir, "flat.yaml"), NULL, 0, &f))
		goto out;
	CHECK_EQ(scn_time(m, "duration"), 5000000000LL);
	CHECK_EQ(scn_size(m, "apps.a.size"), 200);
	CHECK_EQ(scn_size(m, "apps.b.size"), 200);
	CHECK_EQ(scn_int(m, "apps.b.burst"), 2);
	CHECK_EQ(scn_int(m, "apps.b.count"), 5);
	CHECK_NEAR(scn_double(m, "apps.a.rate"), 20e3, 1e-9);
	CHECK_NEAR(scn_double(m, "network.rate"), 1e9, 1e-3);
	check_same_params(m, f);
	/* over.yaml line 7 "  a: { size: 200B }": the value at column 14 */
	scn_where(m, "apps.a.size", where, sizeof(where));
	snprintf(want, sizeof(want), "%s:7:14", tu_path(dir, "over.yaml"));
	CHECKF(!strcmp(where, want), "where %s, want %s", where, want);
	scn_destroy(m);
	m = NULL;
	/* --set on an included value reaches its like: heir */
	if (tr_load(tu_path(dir, "main.yaml"), sets, 1, &m))
		goto out;
	CHECK_EQ(scn_size(m, "apps.a.size"), 300);
	CHECK_EQ(scn_size(m, "apps.b.size"), 300);
	check_sweep();
out:
	scn_destroy(m);
	scn_destroy(f);
}

/* ---- errors ---- */

/* Loading main (in dir) fails with a message that starts with
 * dir/FILE:LINE:COL: and holds frag. */
static void check_refused(const char *main_text, const char *file, int line,
			  int col, const char *frag)
{
	char err[1024], want[600];
	struct scn *s = NULL;
	int rc;

	CHECK_EQ_FATAL(write_in("m.yaml", main_text), 0);
	rc = scn_load(tu_path(dir, "m.yaml"), NULL, 0, &s, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:%d:%d: ", tu_path(dir, file), line,
		 col);
	CHECKF(rc == -EINVAL && !strncmp(err, want, strlen(want)) &&
		       strstr(err, frag),
	       "rc %d, message '%s', want '%s...%s'", rc, err, want, frag);
	SAY("%s\n", err);
	scn_destroy(s);
}

static void test_errors(void)
{
	char chain[600];

	CHECK_EQ_FATAL(write_in("typo.yaml", "apps:\n  a: { sise: 1B }\n"), 0);
	snprintf(chain, sizeof(chain), "(included from %s:1:11)",
		 tu_path(dir, "m.yaml"));
	check_refused("include: [typo.yaml]\n", "typo.yaml", 2, 8,
		      "unknown key 'sise' in apps.a; did you mean 'size'?");
	check_refused("include: [typo.yaml]\n", "typo.yaml", 2, 8, chain);
	/* a chain of two: m -> mid -> typo */
	CHECK_EQ_FATAL(write_in("mid.yaml", "include: typo.yaml\n"), 0);
	snprintf(chain, sizeof(chain),
		 "(included from %s:1:10) (included from %s:1:10)",
		 tu_path(dir, "mid.yaml"), tu_path(dir, "m.yaml"));
	check_refused("include: mid.yaml\n", "typo.yaml", 2, 8, chain);
	/* a cycle: m -> c1 -> c2 -> c1 */
	CHECK_EQ_FATAL(write_in("c1.yaml", "include: c2.yaml\n"), 0);
	CHECK_EQ_FATAL(write_in("c2.yaml", "include: [c1.yaml]\n"), 0);
	check_refused("include: c1.yaml\n", "c2.yaml", 1, 11, "a cycle");
	check_refused("include: none.yaml\n", "m.yaml", 1, 10,
		      "none.yaml: No such file or directory");
	check_refused("include: no-such-profile\n", "m.yaml", 1, 10,
		      "no bundled profile 'no-such-profile'");
	/* a profile value without its source; a source without a value */
	CHECK_EQ_FATAL(write_in("nosrc.yaml",
				"profile:\n"
				"  about: x\n"
				"  sources: { apps.a.rate: \"y\" }\n"
				"apps:\n"
				"  a: { rate: 1kpps, size: 64B }\n"),
		       0);
	check_refused("include: nosrc.yaml\n", "nosrc.yaml", 5, 27,
		      "apps.a.size: a profile cites the source");
	CHECK_EQ_FATAL(
		write_in(
			"extra.yaml",
			"profile:\n"
			"  about: x\n"
			"  sources: { apps.a.rate: \"y\", apps.a.size: \"z\" }\n"
			"apps:\n"
			"  a: { rate: 1kpps }\n"),
		0);
	check_refused("include: extra.yaml\n", "extra.yaml", 3, 32,
		      "'apps.a.size' is not a value this fragment sets");
	CHECK_EQ_FATAL(
		write_in("study.yaml", "sweep: { apps.a.rate: [1, 2] }\n"), 0);
	check_refused("include: study.yaml\n", "study.yaml", 1, 1,
		      "sweep: belongs to the study");
}

/* The CLI refuses a scenario whose include fails: exit 2, the message
 * first on stderr, no database. */
static void test_cli_refuses(void)
{
	const char *db = tu_path(dir, "refused.db");
	const char *argv[] = { tu_usnsim(), "run", tu_path(dir, "m.yaml"),
			       "--db",	    db,	   NULL };
	struct tu_proc p;

	CHECK_EQ_FATAL(write_in("m.yaml", "include: [typo.yaml]\n"), 0);
	CHECK_EQ_FATAL(write_in("typo.yaml", "apps:\n  a: { sise: 1B }\n"), 0);
	CHECK_EQ(tu_run(&p, argv, 0), 2);
	CHECKF(strstr(p.err, "typo.yaml:2:8: unknown key 'sise'") != NULL,
	       "stderr: %s", p.err);
	CHECK_NE(access(db, F_OK), 0);
	tu_proc_free(&p);
}

/* ---- storage ---- */

static void test_stored(void)
{
	static const char *const rows[] = {
		"SELECT path, value FROM %s.params"
	};
	const char *dbm = tu_path(dir, "main.db"),
		   *dbf = tu_path(dir, "flat.db");
	const char *am[] = { tu_usnsim(), "run", tu_path(dir, "main.yaml"),
			     "--db",	  dbm,	 "--quiet",
			     NULL };
	const char *af[] = { tu_usnsim(), "run", tu_path(dir, "flat.yaml"),
			     "--db",	  dbf,	 "--quiet",
			     NULL };

	CHECK_EQ_FATAL(write_merge_files(), 0);
	CHECK_EQ_FATAL(tu_run(NULL, am, 0), 0);
	CHECK_EQ_FATAL(tu_run(NULL, af, 0), 0);
	CHECK_GT(tu_db_int(dbm, "SELECT count(*) FROM params"), 100);
	CHECK_EQ(tu_db_int(dbm, "SELECT count(*) FROM params WHERE path = "
				"'apps.b.size' AND value = '200B'"),
		 1);
	CHECK_EQ(tu_db_int(dbm, "SELECT count(*) FROM params WHERE path = "
				"'network.rate' AND value = '1Gbps'"),
		 1);
	/* every stored parameter of the including run is the flat run's */
	CHECK_EQ(tu_db_differences(dbm, dbf, rows, 1), 0);
	CHECK_EQ(tu_db_run_differences(dbm, dbf), 0);
}

/* ---- bundled profiles ---- */

/* The canonical text of a value as written, for path's declaration. */
static int canonical(const char *path, const char *text, char *buf, size_t n)
{
	const struct param_def *d = param_lookup(path);
	struct param_val v;
	char err[256];

	if (!d || d->type == PT_SIZE_TABLE ||
	    param_parse(d, text, &v, err, sizeof(err)))
		return -1;
	param_format(&v, buf, n);
	return 0;
}

/* path with every "*" segment made inst (client, or flow for apps). */
static void concrete(const char *path, char *buf, size_t n)
{
	const char *star = strstr(path, ".*.");

	if (!star) {
		snprintf(buf, n, "%s", path);
		return;
	}
	snprintf(buf, n, "%.*s.%s.%s", (int)(star - path), path,
		 !strncmp(path, "apps.", 5) ? "flow" : "client", star + 3);
}

static void check_profile(const char *name)
{
	static const char scenario[] =
		"include: %s\n"
		"duration: 1ms\n"
		"hosts:\n"
		"  client: {}\n"
		"  server: {}\n"
		"network: { kind: link, rate: 10Gbps }\n"
		"apps:\n"
		"  flow: { host: client, peer: server, rate: 10kpps, size: 64B }\n";
	struct scn_profile *p = NULL;
	struct scn *s = NULL;
	char err[1024], text[1024], path[64];
	size_t n;

	if (scn_profile_load(name, &p, err, sizeof(err))) {
		CHECKF(0, "%s: %s", name, err);
		return;
	}
	n = scn_profile_count(p);
	CHECKF(n >= 4 && strlen(scn_profile_text(p)) > 80,
	       "%s: %zu values, about: '%s'", name, n, scn_profile_text(p));
	snprintf(text, sizeof(text), scenario, name);
	if (tu_write_tmp(path, sizeof(path), text) ||
	    tr_load(path, NULL, 0, &s))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *vpath, *value, *source, *got;
		char c[256], want[256];

		scn_profile_at(p, i, &vpath, &value, &source);
		CHECKF(strlen(source) > 20, "%s: %s: source '%s'", name, vpath,
		       source);
		concrete(vpath, c, sizeof(c));
		got = scn_text(s, c);
		CHECKF(got && !canonical(c, value, want, sizeof(want)) &&
			       !strcmp(got, want),
		       "%s: %s is %s, the profile says %s", name, c,
		       got ? got : "(none)", value);
	}
	SAY("%s: %zu values\n", name, n);
out:
	unlink(path);
	scn_destroy(s);
	scn_profile_destroy(p);
}

static void test_bundled(void)
{
	glob_t g;
	size_t k = 0;

	CHECK_EQ_FATAL(glob("scenarios/profiles/*.yaml", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *b = strrchr(g.gl_pathv[i], '/') + 1;
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(strlen(b) - 5), b);
		check_profile(name);
		k++;
	}
	globfree(&g);
	CHECK_GE(k, 4);
}

/* A profile that includes a bundled one: its own value needs a source,
 * the included ones keep theirs, and its value wins. */
static void test_nested_profile(void)
{
	static const char text[] =
		"profile:\n"
		"  about: \"netmap with the reference implementation's TX batch\"\n"
		"  sources: { hosts.*.stack.batch: \"skywalk-facts.md\" }\n"
		"include: netmap\n"
		"hosts:\n"
		"  \"*\": { stack: { batch: 64 } }\n";
	struct scn_profile *p = NULL;
	char err[1024];
	size_t batch = 0, proto = 0;

	CHECK_EQ_FATAL(write_in("nested.yaml", text), 0);
	if (scn_profile_load(tu_path(dir, "nested.yaml"), &p, err,
			     sizeof(err))) {
		CHECKF(0, "%s", err);
		return;
	}
	CHECK_EQ(scn_profile_count(p), 5);
	for (size_t i = 0; i < scn_profile_count(p); i++) {
		const char *path, *value, *source;

		scn_profile_at(p, i, &path, &value, &source);
		if (!strcmp(path, "hosts.*.stack.batch"))
			batch += !strcmp(value, "64") &&
				 !strcmp(source, "skywalk-facts.md");
		if (!strcmp(path, "hosts.*.stack.proto"))
			proto += !strcmp(value, "8ns") &&
				 !strncmp(source, "Rizzo", 5);
	}
	CHECK_EQ(batch, 1);
	CHECK_EQ(proto, 1);
	scn_profile_destroy(p);
}

static void test_params_cli(void)
{
	const char *argv[] = { tu_usnsim(), "params", "--profile", "netmap",
			       NULL };
	struct tu_proc p;

	CHECK_EQ_FATAL(tu_run(&p, argv, 0), 0);
	/* path, default, the profile's value, unit, source */
	CHECKF(strstr(p.out, "hosts.*.stack.proto") &&
		       strstr(p.out, " 640ns      8ns        time       Rizzo"),
	       "%s", p.out);
	CHECKF(strstr(p.out, "apps.*.stack") &&
		       strstr(p.out, " none       user       enum"),
	       "%s", p.out);
	/* a title, the about: line, a blank line, the header, 4 values */
	CHECK_EQ(tu_count(p.out, "\n"), 2 + 1 + 1 + 4);
	tu_proc_free(&p);
}

/* ---- the two studies ---- */

/* The client's CPU time per packet sent, up to its driver: the host's
 * time less its driver's and doorbells' accounts. */
static double path_ps(const struct run_result *r)
{
	return (tr_metric(r, "hosts.client.cpu", "time") -
		tr_metric(r, "hosts.client.cpu", "time.driver") -
		tr_metric(r, "hosts.client.cpu", "time.doorbell")) /
	       tr_metric(r, "apps.flow", "sent");
}

static double copy64_ps(const struct scn *s)
{
	return 64 * 1e12 / (scn_double(s, "hosts.client.cpu.copy_bw") / 8);
}

/* The two files without their comments, include: line and the netmap
 * study's figures: block (the figures are drawn once) are the same. */
static void check_only_include_differs(void)
{
	char *a = tu_slurp("scenarios/studies/path_kernel.yaml", NULL);
	char *b = tu_slurp("scenarios/studies/path_netmap.yaml", NULL);
	char *ba = a ? strstr(a, "\ninclude: kernel-socket\n") : NULL;
	char *bb = b ? strstr(b, "\ninclude: netmap\n") : NULL;
	char *fb = bb ? strstr(bb, "\n\nfigures:\n") : NULL;

	CHECKF(ba && bb, "no include: line");
	CHECKF(fb != NULL, "no figures: block in path_netmap.yaml");
	if (fb)
		fb[1] = '\0';
	if (ba && bb)
		CHECK_EQ(strcmp(strchr(ba + 1, '\n'), strchr(bb + 1, '\n')), 0);
	free(a);
	free(b);
}

/* The client's CPU time per packet up to its driver, from a run of the
 * study file with its size and the client's stack.batch set; *s keeps
 * the scenario. Negative if the run failed. */
static double study_ps(const char *file, const char *size, const char *batch,
		       struct scn **s)
{
	char a[64], b[64];
	const char *sets[2] = { a, b };
	struct run_result r;
	double v;

	snprintf(a, sizeof(a), "apps.flow.size=%s", size);
	snprintf(b, sizeof(b), "hosts.client.stack.batch=%s", batch);
	if (tr_run_sets(file, sets, 2, &r, s))
		return -1;
	v = path_ps(&r);
	/* what the netmap study's figure draws: the app core's time */
	CHECK_NEAR(tr_metric(&r, "hosts.client.cpu", "per_packet.user"), v,
		   1e-6 * v);
	run_result_fini(&r);
	return v;
}

/* The mechanism, over the studies' sweep: on the in-kernel path every
 * packet pays its own trap, so its cost does not move with stack.batch,
 * and two copies, so it grows by 2 bytes / copy_bw a byte; on the netmap
 * path one trap serves a batch (its share falls as 1/batch) and one copy
 * is made. Exact closed forms from each run's own parameters. */
static void test_study_mechanism(void)
{
	static const char *const sizes[] = { "64B", "1500B" };
	static const char *const batches[] = { "1", "2", "4", "8", "32" };

	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 5; j++) {
			struct scn *sk = NULL, *sn = NULL;
			double k =
				study_ps("scenarios/studies/path_kernel.yaml",
					 sizes[i], batches[j], &sk);
			double n =
				study_ps("scenarios/studies/path_netmap.yaml",
					 sizes[i], batches[j], &sn);
			double bytes = i ? 1500 : 64, wk, wn;

			if (k < 0 || n < 0) {
				CHECKF(0, "run failed at %s, batch %s",
				       sizes[i], batches[j]);
				scn_destroy(sk);
				scn_destroy(sn);
				return;
			}
			wk = (double)scn_time(sk, "hosts.client.cpu.syscall") +
			     2 * copy64_ps(sk) * bytes / 64 +
			     (double)scn_time(sk, "hosts.client.stack.proto") +
			     (double)scn_time(
				     sk, "hosts.client.flowswitch.classify");
			wn = (double)scn_time(sn, "hosts.client.stack.proto") +
			     copy64_ps(sn) * bytes / 64 +
			     (double)scn_time(sn, "hosts.client.cpu.syscall") /
				     (double)scn_int(
					     sn, "hosts.client.stack.batch");
			SAY("%5s batch %2s: kernel %.2f ns, netmap %.2f ns\n",
			    sizes[i], batches[j], k / 1e3, n / 1e3);
			CHECK_NEAR(k, wk, 1e-6 * wk);
			CHECK_NEAR(n, wn, 1e-6 * wn);
			scn_destroy(sk);
			scn_destroy(sn);
		}
}

/* Against the netmap paper (Rizzo, USENIX ATC 2012). Calibration points,
 * which the profiles were derived from and which the runs can only
 * restate: FreeBSD netsend, one sendto() a packet, peaks at 1.05 Mpps
 * (Fig. 5's caption), and netmap on one core reaches the 10 Gb/s line
 * rate with 64 B packets at 900 MHz (abstract; Fig. 5), 67.2 ns a packet
 * at 900 MHz, i.e. 20.6 ns at the 2.93 GHz of the test machine
 * (Sec. 5.2) if the cost is in cycles. Tolerance 2%: the paper's results
 * repeat within 2% (Sec. 5.2) and "peaking at 1.05 Mpps" has three
 * digits. Points the profiles were not derived from:
 *   - line rate on one core at 900 MHz (abstract) means line rate at
 *     2.93 GHz too: one core has time to spare at 64 B;
 *   - the ratio of the two paths at 64 B is the quotient of the two
 *     calibration points, 46.0 (a consistency check, not a validation);
 *   - Rizzo, Revisiting network I/O APIs: the netmap framework, ACM
 *     Queue 10(1), 2012, first paragraph: mainstream operating systems
 *     "can take 10-20 times longer" than a packet's 67.2 ns at line rate
 *     to move one packet between the wire and the application.
 * The paper's measurements against batch size and packet size give the
 * points a real test of the mechanism needs; their numbers are not in
 * usnsim's sources (docs/models/host-software-path.md says which
 * predictions they would check). */
static void test_studies(void)
{
	struct scn *sk = NULL, *sn = NULL;
	double k, n, line = 67.2e3, ghz = 2.93, netmap900;
	size_t bstar = 0;
	static const char *const batches[] = { "1", "2", "4", "8", "32" };

	check_only_include_differs();
	k = study_ps("scenarios/studies/path_kernel.yaml", "64B", "32", &sk);
	n = study_ps("scenarios/studies/path_netmap.yaml", "64B", "32", &sn);
	scn_destroy(sk);
	scn_destroy(sn);
	if (k < 0 || n < 0) {
		CHECKF(0, "a study run failed");
		return;
	}
	netmap900 = n * ghz / 0.9;
	SAY("kernel %.1f ns (%.3f Mpps), netmap %.2f ns at 2.93 GHz, "
	    "%.2f ns at 900 MHz; ratio %.1f; kernel / line %.1f\n",
	    k / 1e3, 1e6 / k, n / 1e3, netmap900 / 1e3, k / n, k / line);
	/* calibration points (restated) */
	CHECK_REL(1e6 / k, 1.05, 0.02);
	CHECK_REL(netmap900, line, 0.02);
	CHECK_REL(k / n, 950e-9 * 2.93e9 / (67.2e-9 * 0.9e9), 0.02);
	/* not calibrated on */
	CHECK_LT(n, line);
	CHECK_GE(k / line, 10);
	CHECK_LE(k / line, 20);
	/* the smallest batch at which one core at 2.93 GHz keeps up with
	 * the line at 64 B, a prediction for the paper's batch measurement
	 * (not compared: its numbers are not in usnsim's sources); the
	 * trap's share must fit in what the line leaves over the
	 * per-packet work */
	for (size_t j = 0; j < 5 && !bstar; j++) {
		double v = study_ps("scenarios/studies/path_netmap.yaml", "64B",
				    batches[j], &sn);

		if (v >= 0 && v <= line)
			bstar = (size_t)atoi(batches[j]);
		if (!bstar && j == 4)
			CHECKF(0, "no batch keeps up with the line");
		if (bstar) {
			double fixed = (double)scn_time(
					       sn, "hosts.client.stack.proto") +
				       copy64_ps(sn);
			double trap = (double)scn_time(
				sn, "hosts.client.cpu.syscall");
			size_t want = (size_t)ceil(trap / (line - fixed));

			SAY("line rate from batch %zu (closed form %zu)\n",
			    bstar, want);
			/* the swept batches are powers of two */
			CHECK_GE(bstar, want);
			CHECK_LT(bstar, 2 * want);
		}
		scn_destroy(sn);
		sn = NULL;
	}
}

int suite_include(void)
{
	CU_pSuite s = CU_add_suite("include", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "merge: the flat file's parameters", test_merge) ||
	    !CU_add_test(s, "errors in fragments and includes", test_errors) ||
	    !CU_add_test(s, "the CLI refuses a bad include",
			 test_cli_refuses) ||
	    !CU_add_test(s, "the database stores the merged values",
			 test_stored) ||
	    !CU_add_test(s, "bundled profiles: sourced and applied",
			 test_bundled) ||
	    !CU_add_test(s, "a profile including a profile",
			 test_nested_profile) ||
	    !CU_add_test(s, "params --profile", test_params_cli) ||
	    !CU_add_test(s, "path studies: traps, batches and copies",
			 test_study_mechanism) ||
	    !CU_add_test(s, "path studies against the netmap paper",
			 test_studies))
		return CU_get_error();
	return 0;
}
