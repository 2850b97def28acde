/*
 * test_expr.c - expressions: precedence, units, kinds, errors and columns.
 *
 * Values are checked on expressions whose result changes if a precedence
 * or an associativity is wrong (2-3-4 is -5 only when '-' groups to the
 * left). Quantities must come out in canonical units (ps, bytes, bit/s,
 * packets/s). Every error case gives the exact 0-based column and a
 * fragment of the message; names are resolved by a small table here whose
 * resolver suggests the nearest name, as the sweep resolver does.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "util.h"

#include "expr.h"

struct tvar {
	const char *name;
	struct expr_value v;
};

struct tctx {
	const struct tvar *vars;
	size_t n;
	char hint[128];
	int calls;
};

static const struct tvar tvars[] = {
	{ "apps.src.rate", { UNIT_PKTRATE, 8e4, NULL } },
	{ "apps.src.size", { UNIT_SIZE, 1250, NULL } },
	{ "apps.src.pattern", { UNIT_NONE, 0, "cbr" } },
	{ "apps.my-app.rate", { UNIT_PKTRATE, 5, NULL } },
	{ "network.rate", { UNIT_BITRATE, 1e9, NULL } },
	{ "network.delay", { UNIT_TIME, 2e6, NULL } },
	{ "share", { UNIT_FRACTION, 0.25, NULL } },
	{ "a", { UNIT_NONE, 10, NULL } },
	{ "b", { UNIT_NONE, 3, NULL } },
	{ "a.b-c", { UNIT_NONE, 7, NULL } },
	{ "_x1", { UNIT_NONE, 1, NULL } },
};

/* Resolves from ctx's table; unknown names get the nearest table name as
 * a hint when it differs in at most two characters of the same length,
 * and "apps.src.size_table" is refused as the sweep resolver does. */
static int tresolve(void *ctx, const char *name, struct expr_value *out,
		    const char **hint)
{
	struct tctx *c = ctx;

	c->calls++;
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->vars[i].name, name)) {
			*out = c->vars[i].v;
			return 0;
		}
	}
	if (!strcmp(name, "apps.src.size_table")) {
		*hint = "it is a size table";
		return -EDOM;
	}
	for (size_t i = 0; i < c->n; i++) {
		const char *v = c->vars[i].name;
		size_t d = 0, k;

		for (k = 0; v[k] && name[k]; k++)
			d += v[k] != name[k];
		d += strlen(v + k) + strlen(name + k);
		if (d == 1) {
			snprintf(c->hint, sizeof(c->hint), "did you mean '%s'?",
				 v);
			*hint = c->hint;
			break;
		}
	}
	return -ENOENT;
}

static struct tctx ctx_default(void)
{
	struct tctx c = { tvars, sizeof(tvars) / sizeof(tvars[0]), "", 0 };

	return c;
}

/* Parses, binds and evaluates text; checks the result. */
static void check_value(const char *text, enum unit_kind kind, double want,
			int line)
{
	struct tctx c = ctx_default();
	struct expr_value v = { UNIT_NONE, -12345, NULL };
	struct expr *e = NULL;
	char err[256] = "";
	size_t col = 99;
	int rc;

	rc = expr_parse(text, &e, &col, err, sizeof(err));
	tu_checkf(rc == 0, __FILE__, line, "parse '%s': rc %d, %zu: %s", text,
		  rc, col, err);
	if (rc)
		return;
	rc = expr_bind(e, tresolve, &c, &col, err, sizeof(err));
	tu_checkf(rc == 0, __FILE__, line, "bind '%s': rc %d, %zu: %s", text,
		  rc, col, err);
	if (!rc) {
		rc = expr_eval(e, tresolve, &c, &v);
		tu_checkf(rc == 0, __FILE__, line, "eval '%s': rc %d", text,
			  rc);
		tu_checkf(v.num == want && v.kind == kind && !v.str, __FILE__,
			  line, "'%s' = %.17g (kind %d), want %.17g (kind %d)",
			  text, v.num, (int)v.kind, want, (int)kind);
	}
	expr_destroy(e);
}

#define VALUE(text, kind, want) check_value((text), (kind), (want), __LINE__)

struct err_case {
	const char *text;
	size_t col;
	const char *msg; /* a fragment of the message */
};

static void check_errors(const struct err_case *cs, size_t n, int bind)
{
	for (size_t i = 0; i < n; i++) {
		struct tctx c = ctx_default();
		struct expr *e = NULL;
		char err[256] = "";
		size_t col = 999;
		int rc;

		rc = expr_parse(cs[i].text, &e, &col, err, sizeof(err));
		if (bind) {
			CHECKF(rc == 0, "'%s': parse rc %d: %s", cs[i].text, rc,
			       err);
			if (rc)
				continue;
			rc = expr_bind(e, tresolve, &c, &col, err, sizeof(err));
		}
		CHECKF(rc == -EINVAL, "'%s': rc %d, want -EINVAL", cs[i].text,
		       rc);
		CHECKF(col == cs[i].col, "'%s': column %zu, want %zu (%s)",
		       cs[i].text, col, cs[i].col, err);
		CHECKF(strstr(err, cs[i].msg) != NULL, "'%s': '%s' lacks '%s'",
		       cs[i].text, err, cs[i].msg);
		CHECKF(!bind || rc || !e, "'%s': no expression on error",
		       cs[i].text);
		expr_destroy(e);
	}
}

static void test_parse_errors(void)
{
	static const struct err_case cs[] = {
		{ "1 <", 3, "expected an operand after '<'" },
		{ "1 <  ", 5, "expected an operand after '<'" },
		{ "1 < )", 4, "expected an operand after '<', found ')'" },
		{ "a and", 5, "expected an operand after 'and'" },
		{ "not", 3, "expected an operand after 'not'" },
		{ "2 * -", 5, "expected an operand after '-'" },
		{ "(1 + 2", 6, "expected ')' to close '(', found the end" },
		{ "(1 + 2 3)", 7, "expected ')' to close '(', found '3'" },
		{ "1 + 2)", 5, "unmatched ')'" },
		{ "10xs", 2, "unknown unit 'xs' in '10xs'" },
		{ "a < 10 us", 7, "expected an operator" },
		{ "1 < 2 < 3", 6, "comparisons do not chain" },
		{ "a = 1", 2, "write '==' to compare" },
		{ "!a", 0, "write '!=' or 'not'" },
		{ "a && b", 2, "write 'and'" },
		{ "'abc", 0, "unterminated string" },
		{ "x == \"abc", 5, "unterminated string" },
		{ "", 0, "empty expression" },
		{ "   ", 3, "empty expression" },
		{ "1 # 2", 2, "unexpected character '#'" },
		{ ")", 0,
		  "expected an operand such as a number, a name or '('" },
		{ "a.b.", 3, "unexpected character '.'" },
		{ "1e999", 0, "'1e999' is too large" },
		{ "1 and or 2", 6,
		  "expected an operand after 'and', found 'or'" },
	};

	check_errors(cs, sizeof(cs) / sizeof(cs[0]), 0);
}

static void test_precedence(void)
{
	VALUE("2-3-4", UNIT_NONE, -5);	   /* right-assoc: 3 */
	VALUE("10 - 2 - 3", UNIT_NONE, 5); /* right-assoc: 11 */
	VALUE("8/4/2", UNIT_NONE, 1);	   /* right-assoc: 4 */
	VALUE("1+2*3", UNIT_NONE, 7);	   /* left to right: 9 */
	VALUE("(1+2)*3", UNIT_NONE, 9);
	VALUE("2*3-4/2", UNIT_NONE, 4); /* left to right: 1 */
	VALUE("2 - -3", UNIT_NONE, 5);
	VALUE("-2*-3 + 1", UNIT_NONE, 7);
	VALUE("- (1 + 2) * 2", UNIT_NONE, -6);
	VALUE("1 + 2 < 4", UNIT_NONE, 1);    /* 1 + (2 < 4): 2 */
	VALUE("not 1 < 2", UNIT_NONE, 0);    /* (not 1) < 2: 1 */
	VALUE("1 or 0 and 0", UNIT_NONE, 1); /* (1 or 0) and 0: 0 */
	VALUE("not 0 and 0", UNIT_NONE, 0);  /* not (0 and 0): 1 */
	VALUE("not not 3", UNIT_NONE, 1);
	VALUE("0 or 0 or 2", UNIT_NONE, 1);
	VALUE("(1 < 2) == (3 < 4)", UNIT_NONE, 1);
	VALUE("1 <= 1 and 2 >= 3", UNIT_NONE, 0);
	VALUE("1 != 1 or 2 > 1", UNIT_NONE, 1);
	VALUE("a - b * 2", UNIT_NONE, 4); /* (a - b) * 2: 14 */
	VALUE("a-b", UNIT_NONE, 7);	  /* names a and b */
	VALUE("1e3 + .5", UNIT_NONE, 1000.5);
}

static void test_units(void)
{
	VALUE("20us", UNIT_TIME, 20000000);
	VALUE("20us == 20000000ps", UNIT_NONE, 1);
	VALUE("1.5ns", UNIT_TIME, 1500);
	VALUE("1e-3s", UNIT_TIME, 1e9);
	VALUE("1KiB+1B", UNIT_SIZE, 1025);
	VALUE("1KiB+1B == 1025B", UNIT_NONE, 1);
	VALUE("8MiB", UNIT_SIZE, 8388608);
	VALUE("1.5KB", UNIT_SIZE, 1500);
	VALUE("1Gbps/8", UNIT_BITRATE, 1.25e8);
	VALUE("1.25GB/s", UNIT_BITRATE, 1e10);
	VALUE("1.25GB/s/8", UNIT_BITRATE, 1.25e9);
	VALUE("200kpps", UNIT_PKTRATE, 2e5);
	VALUE("30%", UNIT_FRACTION, 0.3);
	VALUE("150%", UNIT_FRACTION, 1.5);
	VALUE("1ms - 250us", UNIT_TIME, 750000000);
	VALUE("2 * 20us", UNIT_TIME, 40000000);
	VALUE("0 + 20us", UNIT_TIME, 20000000);
	VALUE("20us > 0", UNIT_NONE, 1);
	VALUE("-20us", UNIT_TIME, -20000000);
	VALUE("network.delay + 1us", UNIT_TIME, 3e6);
	/* 80 kpps of 1250 B is 800 Mb/s: under the 1 Gb/s link */
	VALUE("apps.src.rate * apps.src.size < network.rate", UNIT_NONE, 1);
	VALUE("apps.src.rate * apps.src.size", UNIT_BITRATE, 8e8);
	VALUE("share < 30%", UNIT_NONE, 1);
	VALUE("share < 0.3", UNIT_NONE, 1);
	VALUE("share + 0.5", UNIT_FRACTION, 0.75);
	VALUE("share * 100", UNIT_NONE, 25);
	VALUE("share * network.rate", UNIT_BITRATE, 2.5e8);
}

/* Dimensions: * and / give the kind they should, exactly where the
 * decimal values are. */
static void test_dimensions(void)
{
	/* a bit rate times a time is a size: 1e9 * 1e6 / 8 / 1e12 */
	VALUE("1Gbps * 1us", UNIT_SIZE, 125);
	VALUE("1Gbps * 1us == 125B", UNIT_NONE, 1);
	VALUE("1us * 1Gbps", UNIT_SIZE, 125);
	VALUE("10Gbps * 1s", UNIT_SIZE, 1.25e9);
	/* a size over a time is a bit rate; over a bit rate a time */
	VALUE("125B / 1us", UNIT_BITRATE, 1e9);
	VALUE("1500B / 1Gbps", UNIT_TIME, 12e6);
	VALUE("64B / 80Gbps", UNIT_TIME, 6400);
	VALUE("1250B / network.rate == 10us", UNIT_NONE, 1);
	/* a bit rate over a size is a packet rate; packets are counted */
	VALUE("10Gbps / 1250B", UNIT_PKTRATE, 1e6);
	VALUE("0.5 * network.rate / (1230B + 20B)", UNIT_PKTRATE, 5e4);
	VALUE("200kpps * 1ms", UNIT_NONE, 200);
	VALUE("1 / 1us", UNIT_PKTRATE, 1e6);
	VALUE("1 / apps.src.rate", UNIT_TIME, 12.5e6);
	VALUE("apps.src.rate * 1ms == 80", UNIT_NONE, 1);
	/* a time over a time, a size over a size: plain numbers */
	VALUE("3us / 1500ns", UNIT_NONE, 2);
	VALUE("1KiB / 1KB", UNIT_NONE, 1.024);
	/* back to a kind after a product of no kind, s^2 / s */
	VALUE("1us * 1us / 1ns == 1ms", UNIT_NONE, 1);
	VALUE("1us * 1us / 1ns == 1001us", UNIT_NONE, 0);
}

/* A bare number beside a quantity is refused, with the unit that brings
 * it nearest to the other side suggested. */
static void test_bare_numbers(void)
{
	static const struct err_case cs[] = {
		{ "network.delay < 13", 16,
		  "13 has no unit, but the other side of '<' is a time; did you mean 13us?" },
		{ "3us + 10", 6,
		  "10 has no unit, but the other side of '+' is a time; did you mean 10us?" },
		{ "10 + 3us", 0, "did you mean 10us?" },
		{ "apps.src.rate == 80000", 17,
		  "80000 has no unit, but the other side of '==' is a packet rate; did you mean 80000pps?" },
		{ "apps.src.rate == 80", 17, "did you mean 80kpps?" },
		{ "network.rate > 1", 15,
		  "1 has no unit, but the other side of '>' is a bit rate; did you mean 1Gbps?" },
		{ "apps.src.size - 1250", 16,
		  "the other side of '-' is a size; did you mean 1250B?" },
		{ "apps.src.size >= 1.2", 17, "did you mean 1.2B?" },
		{ "apps.src.size >= 15000", 17, "did you mean 15000B?" },
		{ "8MiB > 3", 7, "did you mean 3MB?" },
		{ "network.delay < 13000", 16, "did you mean 13000ns?" },
		{ "network.delay > -2", 16, "-2 has no unit" },
		{ "network.delay * 2 < 5", 20, "did you mean 5us?" },
		{ "1Gbps * 1us == 125", 15,
		  "125 has no unit, but the other side of '==' is a size; did you mean 125B?" },
		{ "1us * 1us > 2", 12,
		  "2 has no unit, but the other side of '>' is a quantity in s^2" },
		/* not bare: a plain number that is a count or a product */
		{ "a < network.delay", 2,
		  "cannot compare a plain number with a time" },
		{ "2 * 3 < 1us", 6,
		  "cannot compare a plain number with a time" },
		{ "200kpps * 1ms < 1us", 14,
		  "cannot compare a plain number with a time" },
	};

	check_errors(cs, sizeof(cs) / sizeof(cs[0]), 1);
}

static void test_strings_and_names(void)
{
	struct tctx c = ctx_default();
	const char *const *names;
	struct expr_value v;
	struct expr *e;
	char err[256];
	size_t col;

	VALUE("apps.src.pattern == 'cbr'", UNIT_NONE, 1);
	VALUE("apps.src.pattern == \"cbr\"", UNIT_NONE, 1);
	VALUE("apps.src.pattern != 'cbr'", UNIT_NONE, 0);
	VALUE("'poisson' == apps.src.pattern", UNIT_NONE, 0);
	VALUE("'' == \"\"", UNIT_NONE, 1);
	VALUE("'a b' != 'a  b'", UNIT_NONE, 1);
	VALUE("not ''", UNIT_NONE, 1);
	VALUE("not 'x'", UNIT_NONE, 0);
	VALUE("apps.my-app.rate", UNIT_PKTRATE, 5);
	VALUE("apps.my-app.rate - 1pps", UNIT_PKTRATE, 4);
	VALUE("a.b-c - 1", UNIT_NONE, 6);
	VALUE("_x1 + 1", UNIT_NONE, 2);

	/* a string value keeps its text */
	CHECK_EQ_FATAL(
		expr_parse("apps.src.pattern", &e, &col, err, sizeof(err)), 0);
	CHECK_EQ(expr_bind(e, tresolve, &c, &col, err, sizeof(err)), 0);
	CHECK_EQ(expr_eval(e, tresolve, &c, &v), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.str);
	CU_ASSERT_STRING_EQUAL(v.str, "cbr");
	CU_ASSERT_TRUE(expr_truthy(&v));
	expr_destroy(e);

	/* names: distinct, in order of first use; "b-a" after a dot is one */
	CHECK_EQ_FATAL(
		expr_parse("b + a * b - x.b-a", &e, &col, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(expr_names(e, &names), 3);
	CU_ASSERT_STRING_EQUAL(names[0], "b");
	CU_ASSERT_STRING_EQUAL(names[1], "a");
	CU_ASSERT_STRING_EQUAL(names[2], "x.b-a");
	expr_destroy(e);
	expr_destroy(NULL);
}

/* Truthiness and re-evaluation with new values after binding. */
static void test_eval(void)
{
	struct tvar vars[] = { { "x", { UNIT_TIME, 5e6, NULL } } };
	struct tctx c = { vars, 1, "", 0 };
	struct expr_value v, z = { UNIT_NONE, 0, NULL };
	struct expr *e;
	char err[256];
	size_t col;

	CU_ASSERT_FALSE(expr_truthy(&z));
	z.num = NAN;
	CU_ASSERT_TRUE(expr_truthy(&z));
	z.num = 0;
	z.str = "";
	CU_ASSERT_FALSE(expr_truthy(&z));

	CHECK_EQ_FATAL(expr_parse("x < 10us and x * 2 > 3us", &e, &col, err,
				  sizeof(err)),
		       0);
	CHECK_EQ(expr_bind(e, tresolve, &c, &col, err, sizeof(err)), 0);
	CHECK_EQ(expr_eval(e, tresolve, &c, &v), 0);
	CHECK_EQ(v.num, 1);
	vars[0].v.num = 20e6;
	CHECK_EQ(expr_eval(e, tresolve, &c, &v), 0);
	CHECK_EQ(v.num, 0);
	vars[0].v.num = 1e6; /* 2 * 1us > 3us is false */
	CHECK_EQ(expr_eval(e, tresolve, &c, &v), 0);
	CHECK_EQ(v.num, 0);
	/* a name that no longer resolves, or changes kind */
	vars[0].name = "y";
	CHECK_EQ(expr_eval(e, tresolve, &c, &v), -EINVAL);
	vars[0].name = "x";
	vars[0].v.kind = UNIT_SIZE;
	CHECK_EQ(expr_eval(e, tresolve, &c, &v), -EINVAL);
	expr_destroy(e);
}

static void test_bind_errors(void)
{
	static const struct err_case cs[] = {
		{ "20us < 1KiB", 5, "cannot compare a time with a size" },
		/* not infinity, which would pass any "< x" or "> x" */
		{ "1/0 > 1e308", 1, "division by zero" },
		{ "network.delay / (2 - 2) > 1", 14, "division by zero" },
		{ "network.delay + apps.src.size", 14,
		  "cannot add a time and a size" },
		{ "network.delay - 1KiB", 14,
		  "cannot subtract a size from a time" },
		{ "1Gbps < apps.src.rate", 6,
		  "cannot compare a bit rate with a packet rate" },
		{ "share == 1us", 6, "cannot compare a fraction with a time" },
		{ "1KiB + (2 * 3us + 4us) + 1us", 5,
		  "cannot add a size and a time" },
		{ "1 + (2 * 3 + 4us)", 11,
		  "cannot add a plain number and a time" },
		{ "'a' < 'b'", 4, "strings compare only with == and !=" },
		{ "apps.src.pattern == 1", 17,
		  "cannot compare a string with a plain number" },
		{ "apps.src.pattern * 2", 17,
		  "cannot multiply a string by a plain number" },
		{ "1 + 'x'", 2, "cannot add a plain number and a string" },
		{ "- apps.src.pattern", 0, "cannot negate a string" },
		{ "1 < 2 and apps.src.rat > 3", 10,
		  "unknown name 'apps.src.rat'; did you mean 'apps.src.rate'?" },
		{ "zzz", 0, "unknown name 'zzz'" },
		{ "apps.my-app.rate-1", 0,
		  "unknown name 'apps.my-app.rate-1'" },
		{ "a + apps.src.size_table", 4,
		  "'apps.src.size_table' cannot be used in an expression; it is a size table" },
	};

	check_errors(cs, sizeof(cs) / sizeof(cs[0]), 1);
}

/* The exact message for an unknown name without a hint, and that parse
 * errors leave *out NULL. */
static void test_messages(void)
{
	struct tctx c = ctx_default();
	struct expr *e = (struct expr *)&c;
	char err[256];
	size_t col;

	CHECK_EQ(expr_parse("1 +", &e, &col, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(e);
	CU_ASSERT_STRING_EQUAL(err, "expected an operand after '+'");
	CHECK_EQ_FATAL(expr_parse("qq > 1", &e, &col, err, sizeof(err)), 0);
	CHECK_EQ(expr_bind(e, tresolve, &c, &col, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unknown name 'qq'");
	expr_destroy(e);
	CHECK_EQ_FATAL(
		expr_parse("network.delay < 1KiB", &e, &col, err, sizeof(err)),
		0);
	CHECK_EQ(expr_bind(e, tresolve, &c, &col, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "cannot compare a time with a size");
	CHECK_EQ(col, 14);
	expr_destroy(e);
}

/* Nesting is bounded; an expression just under the bound works. */
static void test_depth(void)
{
	char text[2048];
	struct expr *e;
	char err[256];
	size_t col, o = 0;

	for (int i = 0; i < 150; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s1",
				      i ? "+" : "");
	VALUE(text, UNIT_NONE, 150);
	memset(text, '(', 300);
	text[300] = '1';
	memset(text + 301, ')', 300);
	text[601] = '\0';
	CHECK_EQ(expr_parse(text, &e, &col, err, sizeof(err)), -EINVAL);
	CHECKF(strstr(err, "too deeply nested") != NULL, "deep: '%s'", err);
	memset(text, '(', 100);
	text[100] = '7';
	memset(text + 101, ')', 100);
	text[201] = '\0';
	VALUE(text, UNIT_NONE, 7);
	for (o = 0; o < 1000; o += 4)
		memcpy(text + o, "not ", 4);
	strcpy(text + o, "0");
	CHECK_EQ(expr_parse(text, &e, &col, err, sizeof(err)), -EINVAL);
	CHECKF(strstr(err, "too deeply nested") != NULL, "deep not: '%s'", err);
}

int suite_expr(void)
{
	CU_pSuite s = CU_add_suite("expr", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "precedence and associativity", test_precedence) ||
	    !CU_add_test(s, "quantities in canonical units", test_units) ||
	    !CU_add_test(s, "dimensions of products", test_dimensions) ||
	    !CU_add_test(s, "bare numbers beside quantities",
			 test_bare_numbers) ||
	    !CU_add_test(s, "strings and names", test_strings_and_names) ||
	    !CU_add_test(s, "evaluation after binding", test_eval) ||
	    !CU_add_test(s, "parse errors and columns", test_parse_errors) ||
	    !CU_add_test(s, "kind and name errors at bind", test_bind_errors) ||
	    !CU_add_test(s, "exact messages", test_messages) ||
	    !CU_add_test(s, "nesting bound", test_depth))
		return CU_get_error();
	return 0;
}
