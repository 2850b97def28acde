/*
 * plot_study.c - `usnsim plot --study FILE`: the figures of a study file.
 *
 * Every item of the study's figures: block is a mapping of the command's
 * options (plot.c; '_' may stand for '-' in a key), output being a bare
 * name. Every item is checked before the first is drawn, a mistake
 * reported as FILE:LINE:COL; then each is rendered into DIR/OUTPUT.pdf
 * and DIR/OUTPUT.png from the runs of that study only: those of the
 * file's current hash if the database has any, else the newest runs of
 * its name.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "analysis.h"
#include "errmsg.h"
#include "plot_int.h"
#include "scenario.h"
#include "scn_node.h"
#include "strbuf.h"

/* Makes directory dir and its parents, as mkdir -p. */
static int plot_mkdirs(const char *dir, char *err, size_t errlen)
{
	char buf[PLOT_PATH];

	errmsg(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0777) && errno != EEXIST) {
				errmsg(err, errlen, "%s: %s", buf,
				       strerror(errno));
				return -errno;
			}
			*p = c;
			if (!c)
				return 0;
		}
	}
}

/* Edit distance, for "did you mean" hints. */
static size_t plot_distance(const char *a, const char *b)
{
	size_t lb = strlen(b), row[64], diag, up;

	if (lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = a[i - 1] == b[j - 1] ? diag : diag + 1;
			if (row[j] > up + 1)
				row[j] = up + 1;
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/* The option a figures: item's key names, '_' standing for '-'. */
static const struct plot_field *plot_field_find(const char *key)
{
	const struct plot_field *fd;
	char name[64];

	errmsg(name, sizeof(name), "%s", key);
	for (char *p = name; *p; p++)
		if (*p == '_')
			*p = '-';
	for (size_t i = 0; (fd = plot_field_at(i)); i++)
		if (strcmp(fd->name, name) == 0)
			return fd;
	return NULL;
}

/* Reads one figures: item into o. Returns 0, or -EINVAL with
 * "FILE:LINE:COL: message" in err. */
static int plot_study_item(const char *file, const struct scn_node *item,
			   struct plot_opts *o, char *err, size_t errlen)
{
	const struct scn_node *bad = item;

	if (item->kind != SCN_MAP) {
		errmsg(err, errlen,
		       "%s:%d:%d: expected a figure, a mapping such as "
		       "{output: NAME, kind: percentile, metric: latency}",
		       file, item->line, item->col);
		return -EINVAL;
	}
	for (size_t i = 0; i + 1 < item->n; i += 2) {
		const struct scn_node *key = item->kid[i],
				      *val = item->kid[i + 1];
		const struct plot_field *fd = plot_field_find(key->text);

		if (!fd) {
			const char *best = NULL;
			size_t bd = 4;

			for (size_t j = 0; (fd = plot_field_at(j)); j++) {
				size_t d = plot_distance(key->text, fd->name);
				if (d < bd) {
					bd = d;
					best = fd->name;
				}
			}
			errmsg(err, errlen,
			       "%s:%d:%d: unknown figure key '%s'%s%s%s", file,
			       key->line, key->col, key->text,
			       best ? "; did you mean '" : "", best ? best : "",
			       best ? "'?" : "");
			return -EINVAL;
		}
		if (val->kind != SCN_SCALAR || val->null) {
			errmsg(err, errlen, "%s:%d:%d: %s: expected %s", file,
			       val->line, val->col, key->text,
			       fd->flag ? "true or false" : "a value");
			return -EINVAL;
		}
		if (fd->flag && strcmp(val->text, "true") &&
		    strcmp(val->text, "false")) {
			errmsg(err, errlen,
			       "%s:%d:%d: %s: expected true or false, found "
			       "'%s'",
			       file, val->line, val->col, key->text, val->text);
			return -EINVAL;
		}
		if (!fd->flag || strcmp(val->text, "true") == 0)
			plot_set_field(o, fd, val->text);
		if (strcmp(fd->name, "kind") == 0 && !plot_kind_find(val->text))
			bad = val;
		if (strcmp(fd->name, "output") == 0 &&
		    (!val->text[0] || strchr(val->text, '/') ||
		     strchr(val->text, '.'))) {
			errmsg(err, errlen,
			       "%s:%d:%d: output: expected a file name "
			       "without directory or extension, such as "
			       "md1_load_wq",
			       file, val->line, val->col);
			return -EINVAL;
		}
	}
	if (!o->kind || !o->out) {
		errmsg(err, errlen, "%s:%d:%d: a figure needs %s", file,
		       item->line, item->col,
		       !o->out ? "output: NAME" : "kind: KIND");
		return -EINVAL;
	}
	if (bad != item) {
		char list[128];

		plot_kind_list(list, sizeof(list));
		errmsg(err, errlen,
		       "%s:%d:%d: kind: unknown plot kind '%s'; expected %s",
		       file, bad->line, bad->col, bad->text, list);
		return -EINVAL;
	}
	return 0;
}

/* The SQL condition selecting the study's runs: the file's current hash
 * if the database has runs of it, else the newest runs of its name. */
static int plot_study_filter(const struct scn *s, const char *dbpath,
			     struct strbuf *f, char *err, size_t errlen)
{
	char *hash = NULL;
	sqlite3 *db;
	int rc;

	rc = analysis_open_runs(dbpath, NULL, NULL, &db, err, errlen);
	if (rc)
		return rc;
	rc = plot_sql_text(db,
			   "SELECT hash FROM runs WHERE hash = ?1 UNION ALL"
			   " SELECT * FROM (SELECT hash FROM runs WHERE"
			   " scenario = ?2 ORDER BY id DESC LIMIT 1)",
			   scn_hash(s), scn_name(s), &hash, err, errlen);
	sqlite3_close(db);
	if (rc)
		return rc;
	if (!hash) {
		errmsg(err, errlen,
		       "%s: no runs of scenario '%s' in %s; run `usnsim "
		       "sweep %s --db %s` first",
		       scn_path(s), scn_name(s), dbpath, scn_path(s), dbpath);
		return -ENODATA;
	}
	if (strspn(hash, "0123456789abcdef") != strlen(hash)) {
		errmsg(err, errlen, "%s: run hash '%s' is not hex digits",
		       dbpath, hash);
		free(hash);
		return -EILSEQ;
	}
	if (strcmp(hash, scn_hash(s)))
		fprintf(stderr,
			"usnsim: plot: %s: using the runs of an earlier "
			"version of the file (hash %s)\n",
			scn_path(s), hash);
	strbuf_add(f, "r.hash = '%s'", hash);
	free(hash);
	return f->oom ? -ENOMEM : 0;
}

/* The options of every item of figs (a non-empty list), each from base:
 * 0 with *out malloc'ed; -EINVAL with err set (with print_all, every bad
 * item has been reported on stderr, the last one is in err); -ENOMEM. */
static int plot_study_items(const char *file, const struct scn_node *figs,
			    const struct plot_opts *base, bool print_all,
			    struct plot_opts **out, char *err, size_t errlen)
{
	struct plot_opts *opts = calloc(figs->n, sizeof(*opts));
	int rc = 0;

	*out = opts;
	if (!opts)
		return -ENOMEM;
	for (size_t i = 0; i < figs->n; i++) {
		opts[i] = *base;
		if (plot_study_item(file, figs->kid[i], &opts[i], err,
				    errlen)) {
			rc = -EINVAL;
		} else if (opts[i].theory &&
			   plot_check_theory(opts[i].theory, err, errlen)) {
			char why[PLOT_ERR];

			errmsg(why, sizeof(why), "%s", err);
			errmsg(err, errlen, "%s:%d:%d: %s", file,
			       figs->kid[i]->line, figs->kid[i]->col, why);
			rc = -EINVAL;
		} else {
			for (size_t j = 0; !rc && j < i; j++)
				if (strcmp(opts[i].out, opts[j].out) == 0) {
					errmsg(err, errlen,
					       "%s:%d:%d: output %s is "
					       "already the output of figure "
					       "%zu",
					       file, figs->kid[i]->line,
					       figs->kid[i]->col, opts[i].out,
					       j + 1);
					rc = -EINVAL;
				}
			if (!rc)
				continue;
		}
		if (!print_all)
			return rc;
		fprintf(stderr, "usnsim: plot: %s\n", err);
	}
	return rc;
}

int analysis_check_figures(const struct scn *s, char *err, size_t errlen)
{
	const struct scn_node *figs = scn_block(s, "figures");
	struct plot_opts base = { 0 }, *opts = NULL;
	int rc;

	if (!figs)
		return 0;
	if (figs->kind != SCN_SEQ || !figs->n) {
		errmsg(err, errlen,
		       "%s:%d:%d: figures: expected a list of figures such "
		       "as - { output: NAME, kind: percentile, metric: "
		       "latency }",
		       scn_path(s), figs->line, figs->col);
		return -EINVAL;
	}
	rc = plot_study_items(scn_path(s), figs, &base, false, &opts, err,
			      errlen);
	free(opts);
	return rc;
}

int plot_study(const struct plot_opts *base, const char *file, const char *dir,
	       bool quiet)
{
	static const char *const ext[] = { "pdf", "png" };
	struct strbuf filter = { 0 };
	const struct scn_node *figs;
	struct plot_opts *opts = NULL;
	struct scn *s = NULL;
	char err[PLOT_ERR], out[PLOT_PATH];
	int failed = 0;

	if (scn_load(file, NULL, 0, &s, err, sizeof(err))) {
		fprintf(stderr, "usnsim: plot: %s\n", err);
		return PLOT_EXIT_INPUT;
	}
	figs = scn_block(s, "figures");
	if (!figs || figs->kind != SCN_SEQ || !figs->n) {
		fprintf(stderr,
			"usnsim: plot: %s: no figures: block; add a list such "
			"as figures: [ { output: NAME, kind: percentile, "
			"metric: latency } ]\n",
			file);
		failed = 1;
		goto out;
	}
	failed = plot_study_items(file, figs, base, true, &opts, err,
				  sizeof(err));
	if (failed)
		goto out;
	if (plot_study_filter(s, base->db, &filter, err, sizeof(err)) ||
	    plot_mkdirs(dir, err, sizeof(err))) {
		fprintf(stderr, "usnsim: plot: %s\n", err);
		failed = 1;
		goto out;
	}
	for (size_t i = 0; i < figs->n; i++) {
		const char *name = opts[i].out;

		opts[i].filter = filter.p;
		for (size_t e = 0; e < 2; e++) {
			errmsg(out, sizeof(out), "%s/%s.%s", dir, name, ext[e]);
			opts[i].out = out;
			if (plot_figure(&opts[i], err, sizeof(err))) {
				fprintf(stderr,
					"usnsim: plot: %s:%d:%d: figure %s: "
					"%s\n",
					file, figs->kid[i]->line,
					figs->kid[i]->col, name, err);
				failed = 1;
				break;
			}
			if (!quiet)
				printf("%s\n", out);
		}
	}
out:
	free(opts);
	free(filter.p);
	scn_destroy(s);
	return failed ? PLOT_EXIT_INPUT : 0;
}
