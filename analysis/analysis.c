/*
 * analysis.c - finding and reading the files under analysis/ (see
 * analysis.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis.h"
#include "db.h"
#include "errmsg.h"
#include "strbuf.h"

/* True if dir/name is readable; the path is left in buf. */
static int analysis_try(const char *dir, const char *name, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s/%s", dir, name);

	return len > 0 && (size_t)len < n && access(buf, R_OK) == 0;
}

int analysis_find(const char *name, char *buf, size_t n)
{
	const char *env = getenv("USNSIM_ANALYSIS");
	char exe[PATH_MAX];
	ssize_t len;
	char *slash;

	if (env && *env && analysis_try(env, name, buf, n))
		return 0;
	if (analysis_try("analysis", name, buf, n))
		return 0;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 32);
	if (len <= 0)
		return -ENOENT;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	/* Beside the build (build/usnsim), or as installed (PREFIX/bin). */
	strcpy(slash, "/../analysis");
	if (analysis_try(exe, name, buf, n))
		return 0;
	strcpy(slash, "/../share/usnsim/analysis");
	return analysis_try(exe, name, buf, n) ? 0 : -ENOENT;
}

char *analysis_slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (!f)
		goto fail;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto fail_close;
	s = malloc((size_t)n + 1);
	if (!s || fread(s, 1, (size_t)n, f) != (size_t)n)
		goto fail_close;
	s[n] = '\0';
	fclose(f);
	return s;
fail_close:
	fclose(f);
	free(s);
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
	return NULL;
}

int analysis_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errmsg_one_line(msg);
	fprintf(stderr, "usnsim: %s: %s (`usnsim %s --help` for the options)\n",
		cmd, msg, cmd);
	return 2;
}

int analysis_bad_option(const char *cmd, int c, char **argv)
{
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *last = argv[optind - 1];
	const char *what = !strncmp(last, "--", 2) || !optopt || optopt > 0x7f
				   ? last
				   : opt;

	return analysis_usage_error(cmd,
				    c == ':' ? "option '%s' wants a value"
					     : "unknown option '%s'",
				    what);
}

int analysis_not_a_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (!*path) {
		errmsg(err, errlen,
		       "'': an empty path; give a results database such as results.db");
		return -EINVAL;
	}
	if (stat(path, &sb) || S_ISREG(sb.st_mode))
		return 0;
	errmsg(err, errlen, "%s: is %s, not a database file", path,
	       S_ISFIFO(sb.st_mode)  ? "a FIFO"
	       : S_ISDIR(sb.st_mode) ? "a directory"
	       : S_ISCHR(sb.st_mode) ? "a character device"
				     : "not a regular file");
	return -EINVAL;
}

int analysis_db_open(const char *path, sqlite3 **out)
{
	int rc = sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE, NULL);

	if (rc == SQLITE_OK)
		return rc;
	sqlite3_close(*out);
	return sqlite3_open_v2(path, out, SQLITE_OPEN_READONLY, NULL);
}

static int analysis_exists(void *ctx, int ncol, char **v, char **names)
{
	(void)ncol;
	(void)v;
	(void)names;
	*(int *)ctx = 1;
	return 0;
}

int analysis_open_runs(const char *path, const char *filter, const char *where,
		       sqlite3 **out, char *err, size_t errlen)
{
	struct strbuf sql = { 0 };
	sqlite3_stmt *st = NULL;
	const char *tail = "";
	sqlite3 *db = NULL;
	int rc = 0, has_paired = 0;

	*out = NULL;
	if (analysis_not_a_file(path, err, errlen))
		return -EINVAL;
	if (access(path, R_OK)) {
		errmsg(err, errlen, "%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	/* the busy timeout before the first read: a sweep may be writing */
	if (analysis_db_open(path, &db) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 10000) != SQLITE_OK ||
	    sqlite3_exec(db, "SELECT id, point FROM runs LIMIT 0", NULL, NULL,
			 NULL) != SQLITE_OK) {
		errmsg(err, errlen, "%s: not a usnsim results database (%s)",
		       path, db ? sqlite3_errmsg(db) : "out of memory");
		rc = -EILSEQ;
		goto out;
	}
	/* a file of schema version 2, opened read-only, lacks the view
	 * paired: it is made for this connection */
	strbuf_add(&sql, "CREATE TEMP VIEW IF NOT EXISTS paired%s",
		   db_paired_sql());
	if (!sql.oom &&
	    sqlite3_exec(db,
			 "SELECT 1 FROM main.sqlite_master WHERE"
			 " name = 'paired'",
			 analysis_exists, &has_paired, NULL) == SQLITE_OK &&
	    !has_paired && sql.p)
		sqlite3_exec(db, sql.p, NULL, NULL, NULL);
	free(sql.p);
	sql = (struct strbuf){ 0 };
	strbuf_add(&sql,
		   "CREATE TEMP VIEW selected_runs AS SELECT * FROM main.runs"
		   " AS r WHERE (%s) AND (%s\n)",
		   filter ? filter : "1", where && *where ? where : "1");
	if (sql.oom) {
		rc = -ENOMEM;
		errmsg(err, errlen, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql.p, -1, &st, &tail) != SQLITE_OK ||
	    *tail || sqlite3_step(st) != SQLITE_DONE ||
	    sqlite3_exec(db, "SELECT * FROM selected_runs LIMIT 0", NULL, NULL,
			 NULL) != SQLITE_OK) {
		errmsg(err, errlen, "--where '%s': %s", where ? where : "",
		       *tail ? "expected one SQL condition"
			     : sqlite3_errmsg(db));
		rc = -EINVAL;
	}
out:
	sqlite3_finalize(st);
	free(sql.p);
	if (rc)
		sqlite3_close(db);
	else
		*out = db;
	return rc;
}
