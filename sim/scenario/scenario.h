/*
 * scenario.h - loading and validating a scenario file.
 *
 * A scenario is a YAML mapping whose leaves are parameters of the registry
 * (param.h). Loading parses the file with libyaml, merges the fragments
 * its `include:` names beneath its own values, applies `like: NAME`
 * inheritance between instances of a group (the named sibling's keys are
 * copied, then the instance's own keys override them; chains allowed,
 * cycles are an error), gives the values of a group's "*" entry to every
 * instance that has none of its own or through like:, applies `--set path=value` overrides (a '*' for an
 * instance name stands for every instance of the group; an override of a
 * like: source reaches the instances that inherit that key), checks every
 * key, type, unit and range, and fills in the defaults of every parameter
 * of every instance. A value written "= EXPR" is derived: computed from
 * the other effective values by the expression (expr.h; vars.NAME stands
 * for vars.NAME.value), once they are known, checked against the
 * parameter's kind and range ("apps.a.rate: = vars.load * network.rate /
 * (apps.a.size + 20B)" is a packet rate). The result is the set of
 * effective parameters: what a run uses, and what the database stores.
 *
 * Errors are reported as one line, "FILE:LINE:COL: message", with the nearest
 * valid key suggested for an unknown key. Lines and columns count from 1.
 * Overrides given with --set are reported as "--set:N:COL" (N-th override).
 */
#ifndef USNSIM_SCENARIO_H
#define USNSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "param.h"

struct scn;
struct scn_node;

/* Loads path with overrides sets[0..nsets) ("apps.src.rate=90kpps").
 * Returns 0 and a scenario in *out; -EINVAL with a "file:line:col: ..." line
 * in err for bad input; -errno with "path: strerror" in err if the file
 * cannot be read. */
int scn_load(const char *path, const char *const *sets, size_t nsets,
	     struct scn **out, char *err, size_t errlen);
/* As scn_load for a sweep point: sets[0..ninherit) are the command
 * line's, which reach like: inheritors, and the rest the point's, which
 * set the path they name only (a sweep varies what it names). */
int scn_load_point(const char *path, const char *const *sets, size_t nsets,
		   size_t ninherit, struct scn **out, char *err, size_t errlen);
void scn_destroy(struct scn *s); /* NULL is a no-op */

const char *scn_path(const struct scn *s);
/* The `name:` parameter, or the file's base name without extension. */
const char *scn_name(const struct scn *s);
/* Hex hash (16 digits) of what is simulated: every effective parameter
 * and the sweep: block. Comments, layout, expect: and figures: do not
 * change it; any value does. Part of every run's key. */
const char *scn_hash(const struct scn *s);

/* Instance names of a group ("apps") in file order; returns the count. */
size_t scn_instances(const struct scn *s, const char *group,
		     const char *const **names);

/* The effective value of a concrete path; NULL if there is no such
 * parameter (a programming error in the caller). */
const struct param_val *scn_get(const struct scn *s, const char *path);
/* The canonical text of a concrete path's effective value; NULL if there
 * is no such parameter. */
const char *scn_text(const struct scn *s, const char *path);
/* Typed shortcuts; they abort() on a path that is not declared with a
 * matching type, since that is a bug, not bad input. */
sim_time scn_time(const struct scn *s, const char *path);
double scn_double(const struct scn *s,
		  const char *path); /* float, fraction, rates */
uint64_t scn_size(const struct scn *s, const char *path);
int64_t scn_int(const struct scn *s, const char *path);	    /* int, bool */
const char *scn_str(const struct scn *s, const char *path); /* string, enum */

/* A path as a name may write it: vars.NAME stands for vars.NAME.value
 * (in expressions, sweep: keys and --set). Returns path itself, or buf
 * holding the full path. */
const char *scn_alias(const char *path, char *buf, size_t n);
/* The expression a parameter's value is derived from ("= EXPR" in the
 * file or a --set: the text after '='), or NULL for a plain value or an
 * unknown path. */
const char *scn_expr(const struct scn *s, const char *path);

/* Where a value came from, for errors found after loading (e.g. warmup >=
 * duration): "file:line:col" for a value from the file, "--set:N:COL" for an
 * override, or the file name alone for a default. */
int scn_where(const struct scn *s, const char *path, char *buf, size_t n);

/* The value of a top-level key of the file that is not a parameter (so
 * far `sweep`), as a YAML tree with positions (scn_node.h); NULL if the
 * file has no such key. Valid while s lives. */
const struct scn_node *scn_block(const struct scn *s, const char *key);

/* Every effective parameter, sorted by path. */
size_t scn_param_count(const struct scn *s);
/* path and canonical text of parameter i (valid while s lives). */
void scn_param_at(const struct scn *s, size_t i, const char **path,
		  const char **text);

/* The scenario as a parameter source for the models' config loaders
 * (param.h); valid while s lives. */
struct param_src scn_source(const struct scn *s);

/*
 * Profiles: fragments a scenario pulls in with `include: NAME` (a bundled
 * profile) or `include: PATH` (a .yaml file, relative to the including
 * file); their values are defaults beneath the including file's own.
 */

/* The path of the bundled profile NAME into buf: $USNSIM_PROFILES/NAME.yaml,
 * scenarios/profiles/NAME.yaml, or beside the binary (../scenarios/profiles,
 * or ../share/usnsim/profiles as installed). Returns 0, -EINVAL for a name
 * that is not one (letters, digits, '-', '_', '.'), -ENOENT if none. */
int scn_profile_path(const char *name, char *buf, size_t n);

/* A profile on its own, merged with what it includes and checked: every
 * value it sets (path as written, '*' for "*"), with its source. */
struct scn_profile;
/* name: a bundled profile's name, or a path (with '/' or ending in
 * .yaml). Returns 0; -EINVAL with "file:line:col: ..." in err for bad
 * input; -ENOENT or -errno with a message if the file cannot be read. */
int scn_profile_load(const char *name, struct scn_profile **out, char *err,
		     size_t errlen);
void scn_profile_destroy(struct scn_profile *p); /* NULL is a no-op */
const char *scn_profile_file(const struct scn_profile *p);
/* The profile's about: paragraph ("" for a fragment without profile:). */
const char *scn_profile_text(const struct scn_profile *p);
size_t scn_profile_count(const struct scn_profile *p);
/* Value i in file order: path, text as written ("[N rows]" for a table)
 * and its source ("" if the fragment has no profile: block). */
void scn_profile_at(const struct scn_profile *p, size_t i, const char **path,
		    const char **value, const char **source);

#endif
