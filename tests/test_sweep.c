/*
 * test_sweep.c - expanding `sweep:` blocks into points.
 *
 * The fixtures under tests/fixtures/sweep-*.yaml each exercise one feature
 * (a grid of a list and a step range, every kind of range, zip, where:,
 * text values). The expected points are written out here from the
 * fixture by hand: the grid order (last dimension fastest), the overrides
 * in file order and the JSON with sorted keys, character for character.
 * Range values are checked as the canonical text the database stores, so
 * a value that is off by one ulp (0.30000000000000004) fails. Malformed
 * sweeps are in tests/bad, checked by the badinput suite.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "util.h"

#include "scenario.h"
#include "sweep.h"

#define FIX "tests/fixtures/"

/* Loads path with overrides and expands its sweep; NULL (and a failed
 * check) on error. *sp gets the scenario, to destroy after the sweep. */
static struct sweep *expand(const char *path, const char *const *sets,
			    size_t nsets, struct scn **sp)
{
	struct sweep *sw = NULL;
	char err[1024] = "";
	int rc;

	*sp = NULL;
	rc = scn_load(path, sets, nsets, sp, err, sizeof(err));
	CHECKF(rc == 0, "loading %s: %s", path, err);
	if (rc)
		return NULL;
	rc = sweep_expand(*sp, &sw, err, sizeof(err));
	CHECKF(rc == 0, "expanding %s: %s", path, err);
	return rc ? NULL : sw;
}

static void release(struct sweep *sw, struct scn *s)
{
	sweep_destroy(sw);
	scn_destroy(s);
}

/* Point i has exactly the overrides want[0..n) (in order) and JSON json. */
static void check_point(const struct sweep *sw, size_t i, const char *json,
			const char *const *want, size_t n)
{
	const char *const *sets;
	size_t ns = sweep_point_sets(sw, i, &sets);

	CHECKF(!strcmp(sweep_point_json(sw, i), json),
	       "point %zu: json '%s', want '%s'", i, sweep_point_json(sw, i),
	       json);
	CHECKF(ns == n, "point %zu: %zu overrides, want %zu", i, ns, n);
	for (size_t k = 0; k < ns && k < n; k++)
		CHECKF(!strcmp(sets[k], want[k]),
		       "point %zu override %zu: '%s', want '%s'", i, k, sets[k],
		       want[k]);
}

static void check_paths(const struct sweep *sw, const char *const *want,
			size_t n)
{
	const char *const *paths;
	size_t np = sweep_paths(sw, &paths);

	CHECKF(np == n, "%zu paths, want %zu", np, n);
	for (size_t k = 0; k < np && k < n; k++)
		CHECKF(!strcmp(paths[k], want[k]), "path %zu: '%s', want '%s'",
		       k, paths[k], want[k]);
}

/* The values path takes, in order of first appearance over the points,
 * compared with want[0..n). */
static void check_values(const struct sweep *sw, const char *path,
			 const char *const *want, size_t n)
{
	const char *seen[64];
	size_t ns = 0, pl = strlen(path);

	for (size_t i = 0; i < sweep_count(sw); i++) {
		const char *const *sets;
		size_t nsets = sweep_point_sets(sw, i, &sets), k, j;

		for (k = 0; k < nsets; k++)
			if (!strncmp(sets[k], path, pl) && sets[k][pl] == '=')
				break;
		if (k == nsets) {
			CHECKF(0, "point %zu does not set %s", i, path);
			return;
		}
		for (j = 0; j < ns; j++)
			if (!strcmp(seen[j], sets[k] + pl + 1))
				break;
		if (j == ns && ns < 64)
			seen[ns++] = sets[k] + pl + 1;
	}
	CHECKF(ns == n, "%s: %zu values, want %zu", path, ns, n);
	for (size_t k = 0; k < ns && k < n; k++)
		CHECKF(!strcmp(seen[k], want[k]),
		       "%s value %zu: '%s', want '%s'", path, k, seen[k],
		       want[k]);
}

static void test_no_sweep(void)
{
	struct scn *s;
	struct sweep *sw = expand(FIX "two-apps.yaml", NULL, 0, &s);
	const char *const *sets;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ(sweep_count(sw), 1);
	CHECK_EQ(sweep_grid_count(sw), 1);
	CU_ASSERT_STRING_EQUAL(sweep_point_json(sw, 0), "{}");
	CHECK_EQ(sweep_point_sets(sw, 0, &sets), 0);
	check_paths(sw, NULL, 0);
	release(sw, s);
	sweep_destroy(NULL);
}

/* 3 x 4, the last dimension fastest. */
static void test_grid(void)
{
	static const char *const nets[] = { "1Gbps", "10Gbps", "2.5Gbps" };
	static const char *const rates[] = { "20kpps", "40kpps", "60kpps",
					     "80kpps" };
	static const char *const paths[] = { "network.rate", "apps.src.rate" };
	char json[256], set0[64], set1[64];
	const char *sets[2] = { set0, set1 };
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-grid.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ_FATAL(sweep_count(sw), 12);
	CHECK_EQ(sweep_grid_count(sw), 12);
	check_paths(sw, paths, 2);
	for (size_t i = 0; i < 12; i++) {
		snprintf(json, sizeof(json),
			 "{\"apps.src.rate\":\"%s\",\"network.rate\":\"%s\"}",
			 rates[i % 4], nets[i / 4]);
		snprintf(set0, sizeof(set0), "network.rate=%s", nets[i / 4]);
		snprintf(set1, sizeof(set1), "apps.src.rate=%s", rates[i % 4]);
		check_point(sw, i, json, sets, 2);
	}
	/* two points written out in full */
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 0),
		"{\"apps.src.rate\":\"20kpps\",\"network.rate\":\"1Gbps\"}");
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 11),
		"{\"apps.src.rate\":\"80kpps\",\"network.rate\":\"2.5Gbps\"}");
	release(sw, s);
}

static void test_ranges(void)
{
	static const char *const half[] = { "0.1", "0.2", "0.3", "0.4", "0.5",
					    "0.6", "0.7", "0.8", "0.9" };
	static const char *const rate[] = { "1kpps", "10kpps", "100kpps",
					    "1Mpps" };
	static const char *const delay[] = { "0ps", "3us", "6us", "9us" };
	static const char *const size[] = { "100B", "133B", "167B", "200B" };
	static const char *const queue[] = { "1", "2" };
	static const char *const count[] = { "30", "20", "10" };
	static const char *const seed[] = { "5" };
	static const char *const paths[] = {
		"stopping.half_width",
		"apps.src.rate",
		"network.delay",
		"apps.src.size",
		"network.queue_packets",
		"apps.src.count",
		"seed",
	};
	static const char *const first[] = {
		"stopping.half_width=0.1",
		"apps.src.rate=1kpps",
		"network.delay=0ps",
		"apps.src.size=100B",
		"network.queue_packets=1",
		"apps.src.count=30",
		"seed=5",
	};
	static const char *const last[] = {
		"stopping.half_width=0.9",
		"apps.src.rate=1Mpps",
		"network.delay=9us",
		"apps.src.size=200B",
		"network.queue_packets=2",
		"apps.src.count=10",
		"seed=5",
	};
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-ranges.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ_FATAL(sweep_count(sw), 9 * 4 * 4 * 4 * 2 * 3);
	check_paths(sw, paths, 7);
	check_values(sw, "stopping.half_width", half, 9);
	check_values(sw, "apps.src.rate", rate, 4);
	check_values(sw, "network.delay", delay, 4);
	check_values(sw, "apps.src.size", size, 4);
	check_values(sw, "network.queue_packets", queue, 2);
	check_values(sw, "apps.src.count", count, 3);
	check_values(sw, "seed", seed, 1);
	check_point(
		sw, 0,
		"{\"apps.src.count\":\"30\",\"apps.src.rate\":\"1kpps\",\"apps.src.size\":\"100B\",\"network.delay\":\"0ps\",\"network.queue_packets\":\"1\",\"seed\":\"5\",\"stopping.half_width\":\"0.1\"}",
		first, 7);
	check_point(
		sw, sweep_count(sw) - 1,
		"{\"apps.src.count\":\"10\",\"apps.src.rate\":\"1Mpps\",\"apps.src.size\":\"200B\",\"network.delay\":\"9us\",\"network.queue_packets\":\"2\",\"seed\":\"5\",\"stopping.half_width\":\"0.9\"}",
		last, 7);
	/* point 1 steps the last dimension with more than one value:
	 * apps.src.count (seed has one value) */
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 1),
		"{\"apps.src.count\":\"20\",\"apps.src.rate\":\"1kpps\",\"apps.src.size\":\"100B\",\"network.delay\":\"0ps\",\"network.queue_packets\":\"1\",\"seed\":\"5\",\"stopping.half_width\":\"0.1\"}");
	release(sw, s);
}

static void test_log_and_rounding(void)
{
	static const char *const sizes[] = { "64B",   "128B",  "256B", "512B",
					     "1KiB",  "2KiB",  "4KiB", "8KiB",
					     "16KiB", "32KiB", "64KiB" };
	static const char *const rates[] = { "1Gbps", "1.5Gbps", "2Gbps" };
	static const char *const starts[] = { "0ps", "333ps", "667ps", "1ns" };
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-log.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ(sweep_count(sw), 11 * 3 * 4);
	check_values(sw, "apps.src.size_max", sizes, 11);
	check_values(sw, "network.rate", rates, 3);
	check_values(sw, "apps.src.start", starts, 4);
	release(sw, s);
}

static void test_zip(void)
{
	static const char *const nets[] = { "1Gbps", "10Gbps" };
	static const char *const a[] = { "1kpps", "2kpps", "3kpps" };
	static const char *const b[] = { "30kpps", "20kpps", "10kpps" };
	static const char *const paths[] = { "network.rate", "apps.a.rate",
					     "apps.b.rate" };
	char json[256], s0[64], s1[64], s2[64];
	const char *sets[3] = { s0, s1, s2 };
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-zip.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ_FATAL(sweep_count(sw), 6);
	CHECK_EQ(sweep_grid_count(sw), 6);
	check_paths(sw, paths, 3);
	for (size_t i = 0; i < 6; i++) {
		snprintf(
			json, sizeof(json),
			"{\"apps.a.rate\":\"%s\",\"apps.b.rate\":\"%s\",\"network.rate\":\"%s\"}",
			a[i % 3], b[i % 3], nets[i / 3]);
		snprintf(s0, sizeof(s0), "network.rate=%s", nets[i / 3]);
		snprintf(s1, sizeof(s1), "apps.a.rate=%s", a[i % 3]);
		snprintf(s2, sizeof(s2), "apps.b.rate=%s", b[i % 3]);
		check_point(sw, i, json, sets, 3);
	}
	release(sw, s);
}

static void test_where(void)
{
	static const char *const keep[][2] = { { "10kpps", "100B" },
					       { "10kpps", "1000B" },
					       { "50kpps", "100B" },
					       { "90kpps", "100B" } };
	static const char *const faster[] = { "network.rate=1Gbps" };
	char json[256], s0[64], s1[64];
	const char *sets[2] = { s0, s1 };
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-where.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ(sweep_grid_count(sw), 6);
	CHECK_EQ_FATAL(sweep_count(sw), 4);
	for (size_t i = 0; i < 4; i++) {
		snprintf(json, sizeof(json),
			 "{\"apps.src.rate\":\"%s\",\"apps.src.size\":\"%s\"}",
			 keep[i][0], keep[i][1]);
		snprintf(s0, sizeof(s0), "apps.src.rate=%s", keep[i][0]);
		snprintf(s1, sizeof(s1), "apps.src.size=%s", keep[i][1]);
		check_point(sw, i, json, sets, 2);
	}
	release(sw, s);

	/* where: reads unswept parameters from the effective values, so an
	 * override of the link rate lets every point through */
	sw = expand(FIX "sweep-where.yaml", faster, 1, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ(sweep_count(sw), 6);
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 5),
		"{\"apps.src.rate\":\"90kpps\",\"apps.src.size\":\"1000B\"}");
	release(sw, s);
}

/* Expands path with overrides and --only only; the error (or "") in err. */
static int expand_only(const char *path, const char *const *sets, size_t nsets,
		       const char *only, struct sweep **sw, char *err, size_t n)
{
	struct scn *s = NULL;
	int rc = scn_load(path, sets, nsets, &s, err, n);

	*sw = NULL;
	if (!rc)
		rc = sweep_expand_only(s, only, sw, err, n);
	if (rc)
		sweep_destroy(*sw);
	scn_destroy(s);
	return rc;
}

/* A --set of a swept path keeps the points with that value (a zip keeps
 * its rows together); --only keeps the points where a condition holds,
 * after where:. Point JSON stays that of the full sweep, so the runs are
 * the ones the full study would make. */
static void test_set_swept_and_only(void)
{
	static const char *const net[] = { "network.rate=10Gbps" };
	static const char *const zip_b[] = { "apps.b.rate=20kpps" };
	static const char *const zip_mismatch[] = { "apps.a.rate=1kpps",
						    "apps.b.rate=20kpps" };
	static const char *const off_list[] = { "apps.a.rate=9kpps" };
	static const char *const star[] = { "apps.*.rate=2kpps" };
	const char *const *paths;
	struct sweep *sw;
	char err[1024];
	int rc;

	rc = expand_only(FIX "sweep-zip.yaml", net, 1, NULL, &sw, err,
			 sizeof(err));
	CHECKF(rc == 0, "%s", err);
	CHECK_EQ(sweep_count(sw), 3);
	CHECK_EQ(sweep_grid_count(sw), 6);
	CHECK_EQ(sweep_paths(sw, &paths), 3); /* still swept */
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 0),
		"{\"apps.a.rate\":\"1kpps\",\"apps.b.rate\":\"30kpps\",\"network.rate\":\"10Gbps\"}");
	sweep_destroy(sw);

	/* a zipped path keeps its row: a = 2kpps goes with b = 20kpps */
	rc = expand_only(FIX "sweep-zip.yaml", zip_b, 1, NULL, &sw, err,
			 sizeof(err));
	CHECKF(rc == 0, "%s", err);
	CHECK_EQ_FATAL(sweep_count(sw), 2);
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 1),
		"{\"apps.a.rate\":\"2kpps\",\"apps.b.rate\":\"20kpps\",\"network.rate\":\"10Gbps\"}");
	sweep_destroy(sw);

	/* a wildcard sets both zipped paths: rows 2kpps/20kpps disagree */
	rc = expand_only(FIX "sweep-zip.yaml", star, 1, NULL, &sw, err,
			 sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECKF(strstr(err, "apps.b.rate=2kpps: the sweep: block") != NULL, "%s",
	       err);
	rc = expand_only(FIX "sweep-zip.yaml", zip_mismatch, 2, NULL, &sw, err,
			 sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err, FIX
		"sweep-zip.yaml:7:3: sweep: the values --set keeps for swept parameters leave no point (the paths of a zip group keep their values together)");
	rc = expand_only(FIX "sweep-zip.yaml", off_list, 1, NULL, &sw, err,
			 sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err,
		"--set:1:13: apps.a.rate=9kpps: the sweep: block (line 9) gives apps.a.rate the values 1kpps, 2kpps, 3kpps; a --set of a swept parameter keeps one of them");

	/* --only after where: (4 of 6 points fit the link; 2 of those have
	 * the small size and a rate above 20kpps) */
	rc = expand_only(FIX "sweep-where.yaml", NULL, 0,
			 "apps.src.rate > 20kpps and apps.src.size == 100B",
			 &sw, err, sizeof(err));
	CHECKF(rc == 0, "%s", err);
	CHECK_EQ_FATAL(sweep_count(sw), 2);
	CHECK_EQ(sweep_grid_count(sw), 6);
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 0),
		"{\"apps.src.rate\":\"50kpps\",\"apps.src.size\":\"100B\"}");
	CU_ASSERT_STRING_EQUAL(
		sweep_point_json(sw, 1),
		"{\"apps.src.rate\":\"90kpps\",\"apps.src.size\":\"100B\"}");
	sweep_destroy(sw);

	/* --only errors are at "--only:1:COL" */
	rc = expand_only(FIX "sweep-where.yaml", NULL, 0,
			 "apps.src.rte > 20kpps", &sw, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err,
		"--only:1:1: unknown name 'apps.src.rte'; did you mean 'apps.src.rate'?");
	rc = expand_only(FIX "sweep-where.yaml", NULL, 0,
			 "apps.src.rate > 20kpps +", &sw, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECKF(!strncmp(err, "--only:1:25: ", 13), "%s", err);
	rc = expand_only(FIX "sweep-where.yaml", NULL, 0, "apps.src.rate", &sw,
			 err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECKF(!strncmp(err, "--only:1:1: ", 12), "%s", err);
	rc = expand_only(FIX "sweep-where.yaml", NULL, 0,
			 "apps.src.size > 1000B", &sw, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err,
		"--only:1:1: no point of the sweep satisfies it together with the sweep's where: and the --set of swept parameters");
}

/* A '*' for the instance in a sweep key: one path per instance, all in
 * one dimension (as a zip of them), in file order. */
static void test_star(void)
{
	static const char *const paths[] = { "hosts.client.driver.placement",
					     "hosts.server.driver.placement",
					     "apps.rpc.size" };
	static const char *const p3[] = { "hosts.client.driver.placement=user",
					  "hosts.server.driver.placement=user",
					  "apps.rpc.size=64B" };
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-star.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ_FATAL(sweep_count(sw), 4);
	CHECK_EQ(sweep_grid_count(sw), 4);
	check_paths(sw, paths, 3);
	check_point(
		sw, 2,
		"{\"apps.rpc.size\":\"64B\",\"hosts.client.driver.placement\":\"user\",\"hosts.server.driver.placement\":\"user\"}",
		p3, 3);
	release(sw, s);
}

static void test_strings(void)
{
	static const char *const s0[] = { "name=say \"hi\"" };
	static const char *const s1[] = { "name=back\\slash" };
	struct scn *s;
	struct sweep *sw = expand(FIX "sweep-string.yaml", NULL, 0, &s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
	CHECK_EQ(sweep_grid_count(sw), 3);
	CHECK_EQ_FATAL(sweep_count(sw), 2);
	check_point(sw, 0, "{\"name\":\"say \\\"hi\\\"\"}", s0, 1);
	check_point(sw, 1, "{\"name\":\"back\\\\slash\"}", s1, 1);
	release(sw, s);
}

int suite_sweep(void)
{
	CU_pSuite s = CU_add_suite("sweep", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "no sweep: one point {}", test_no_sweep) ||
	    !CU_add_test(s, "grid order and count", test_grid) ||
	    !CU_add_test(s, "step and points ranges", test_ranges) ||
	    !CU_add_test(s, "log spacing and rounding",
			 test_log_and_rounding) ||
	    !CU_add_test(s, "zip", test_zip) ||
	    !CU_add_test(s, "where: pruning", test_where) ||
	    !CU_add_test(s, "--set of a swept path, --only",
			 test_set_swept_and_only) ||
	    !CU_add_test(s, "'*' in a sweep key", test_star) ||
	    !CU_add_test(s, "text values in JSON", test_strings))
		return CU_get_error();
	return 0;
}
