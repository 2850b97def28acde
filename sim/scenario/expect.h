/*
 * expect.h - a scenario's `expect:` block: assertions on the results of a
 * run, for `usnsim check` and any other command that runs scenarios.
 *
 *   expect:
 *     - apps.src.latency.p99 < 20us
 *     - network.drops.queue_full == apps.src.dropped
 *     - repetition != 0 or fingerprint == "0123456789abcdef"
 *
 * Each item is an expression of expr.h. Its names are resolved, for one
 * run, in this order:
 *   - `fingerprint` (the run's trajectory hash, a string) and `repetition`
 *     (the run's repetition number);
 *   - the run's statistics: `component.metric` for a counter or a scalar,
 *     `component.metric.STAT` for a histogram (STAT one of count, mean,
 *     stddev, min, p50, p90, p99, p999, max) or a gauge (mean, min, max).
 *     Components and metrics contain dots themselves, so every split of
 *     the name is tried, longest component first;
 *   - the run's effective parameters by path (`network.rate`,
 *     `apps.src.size`), swept values included, in canonical units.
 * An item that names GROUP.*.REST (`apps.*.latency.p99 < 20us`) is one
 * expectation per declared instance of the group, in file order, with
 * the instance's name in place of every '*' of the item (so
 * `apps.*.received == apps.*.sent` compares each app with itself); '*' of
 * two groups in one item, or of a group without instances, is an error.
 * A statistic's unit gives its kind ("ps" a time, "B" a size, "bps" a bit
 * rate, "pps" a packet rate; "packets" and "" a plain number), so
 * `apps.src.latency.p99 < 8MiB` is refused when it is bound.
 *
 * Parsing needs only the scenario; binding needs a finished run, since
 * the statistics exist only then. An expect set does not refer to the
 * scenario it was parsed from, so it may be bound to runs of other
 * scenarios loaded from the same file (its sweep points).
 */
#ifndef USNSIM_EXPECT_H
#define USNSIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr.h"

struct expect;
struct scn;
struct stats;

/* What names are resolved against: one finished run. */
struct expect_env {
	const struct scn *s;	 /* the run's scenario (its point) */
	const struct stats *st;	 /* the run's statistics */
	const char *fingerprint; /* the run's trajectory hash */
	uint32_t repetition;
};

/* Parses the expect: block of s (none, or an empty one: zero
 * expectations). Returns 0 and *out; -EINVAL with "FILE:LINE:COL: expect:
 * ..." in err for an item that is not an expression or does not parse;
 * -ENOMEM. */
int expect_parse(const struct scn *s, struct expect **out, char *err,
		 size_t errlen);
void expect_destroy(struct expect *x); /* NULL is a no-op */

size_t expect_count(const struct expect *x);
/* The text of expectation i, as written (with the instance's name in
 * place of '*'). */
const char *expect_text(const struct expect *x, size_t i);
/* "FILE:LINE:COL" of expectation i, into buf. */
int expect_where(const struct expect *x, size_t i, char *buf, size_t n);

/* Resolves every name of every expectation in env and checks unit kinds.
 * Returns 0, or -EINVAL with "FILE:LINE:COL: expect: ..." in err (an
 * unknown name with the nearest known one suggested, a histogram without
 * a statistic, kinds that do not go together). Bind again before
 * evaluating in another run. */
int expect_bind(struct expect *x, const struct expect_env *env, char *err,
		size_t errlen);

/* Evaluates expectation i in env (bound). Returns 0 and *pass; -EINVAL if
 * a name does not resolve as it did when bound. */
int expect_eval(const struct expect *x, size_t i, const struct expect_env *env,
		bool *pass);

/* "name = value, name = value" for the names of expectation i in env,
 * values with units ("apps.src.latency.p99 = 23.1us"), for failure
 * reports. Returns the length like snprintf. */
int expect_explain(const struct expect *x, size_t i,
		   const struct expect_env *env, char *buf, size_t n);

/* The value of one name in env, as an expectation sees it. Returns 0;
 * -ENOENT (unknown) or -EDOM (known but not a value, e.g. a histogram
 * without a statistic), with a hint in hint either way ("" if none). */
int expect_lookup(const struct expect_env *env, const char *name,
		  struct expr_value *out, char *hint, size_t hintlen);

/* The kind of a statistic with unit string unit ("ps" a time, "B" a
 * size, "bps", "pps"; anything else, "packets" and "" included, a plain
 * number). */
enum unit_kind expect_unit_kind(const char *unit);

/* A value for people, with its unit and 6 significant digits ("5.0161us",
 * "1500B", "1.1Gbps", "42", "\"0123abcd\""). Returns the length like
 * snprintf. */
int expect_format(const struct expr_value *v, char *buf, size_t n);

#endif
