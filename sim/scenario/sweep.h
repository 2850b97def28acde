/*
 * sweep.h - the points of a study: expanding a scenario's `sweep:` block.
 *
 *   sweep:
 *     network.rate: [1Gbps, 10Gbps]                 # a list
 *     apps.src.rate: { from: 10kpps, to: 90kpps, step: 10kpps }
 *     apps.src.size: { from: 64B, to: 64KiB, points: 11, log: true }
 *     zip:                                          # vary together
 *       - { apps.a.rate: [1kpps, 2kpps], apps.b.rate: [3kpps, 4kpps] }
 *     where:                                        # keep points where true
 *       - apps.src.rate * apps.src.size < network.rate
 *
 * vars.NAME is vars.NAME.value, a variable of the study (a swept one the
 * file need not declare); a parameter derived from it ("= EXPR",
 * scenario.h) is computed when each point is loaded, so where: cannot
 * name a derived parameter.
 *
 * A key with '*' in place of an instance name (hosts.*.driver.placement)
 * stands for that path of every declared instance, in file order, all in
 * one dimension as a zip of them would be.
 *
 * Each key other than zip and where is a dimension; each zip group is one
 * dimension whose lists have equal lengths. Points form the full grid of
 * the dimensions, in file order with the last dimension varying fastest,
 * then `where:` expressions (expr.h) prune them. Ranges include `to` when
 * a step lands on it (within a relative 1e-9); `points` spaces values
 * linearly, or geometrically with `log: true`. Values take the units of
 * their parameter and are checked against its type and range.
 *
 * A --set of a swept path (one whose effective value in the loaded
 * scenario comes from an override) restricts the sweep to that value: the
 * points with the path's other values are left out, and a value the sweep
 * does not list is an error at the override ("--set:N:COL: ...").
 *
 * A point is a list of overrides "path=value" (canonical text) applied on
 * top of the scenario like --set, and a JSON object {"path": "value", ...}
 * with sorted keys, which identifies the point in the database. A scenario
 * without `sweep:` has one point, with no overrides and JSON "{}".
 */
#ifndef USNSIM_SWEEP_H
#define USNSIM_SWEEP_H

#include <stddef.h>

struct scn;
struct sweep;

/* Expands the sweep of s. Returns 0; -EINVAL with "file:line:col: ..." in
 * err (unknown path with the nearest one suggested, empty range, step of
 * the wrong sign, zip lists of different lengths, a value of the wrong
 * type, a where: expression that does not parse or bind, no point left
 * after where:); -ENOMEM. */
int sweep_expand(const struct scn *s, struct sweep **out, char *err,
		 size_t errlen);
/* As sweep_expand, keeping only the points where the condition only (the
 * where: language; NULL: every point) holds; its errors are reported as
 * "--only:1:COL: ...". */
int sweep_expand_only(const struct scn *s, const char *only, struct sweep **out,
		      char *err, size_t errlen);
void sweep_destroy(struct sweep *sw); /* NULL is a no-op */

size_t sweep_count(const struct sweep *sw);
/* Overrides of point i; returns their count. Valid while sw lives. */
size_t sweep_point_sets(const struct sweep *sw, size_t i,
			const char *const **sets);
const char *sweep_point_json(const struct sweep *sw, size_t i);
/* The swept paths (dimensions flattened, zip members included), in file
 * order, for listings. */
size_t sweep_paths(const struct sweep *sw, const char *const **paths);
/* Points before where: pruned them. */
size_t sweep_grid_count(const struct sweep *sw);

/* A message about a point's overrides: sets[0..nsets) are the overrides a
 * point was loaded with, the first ncli the command line's own. If msg
 * starts with "--set:K:COL: " for an override past ncli, the sweep set
 * that value, so msg becomes "FILE:LINE:COL: ..." at the swept path's key
 * in base's sweep: block. Returns msg. */
const char *sweep_blame(const struct scn *base, const char *const *sets,
			size_t nsets, size_t ncli, char *msg, size_t n);

#endif
