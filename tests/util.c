/*
 * util.c - what every test suite may use (util.h): checks that print their
 * values, child processes, temporary files and directories, one-value SQL
 * queries.
 *
 * A child's stdout and stderr go to anonymous temporary files (tmpfile),
 * read once it has exited, so that a child writing much never blocks on a
 * pipe nobody reads.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"

extern char **environ;

/*
 * Checks.
 */

static void report(int ok, const char *file, int line, int fatal,
		   const char *msg)
{
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				file, "", fatal ? CU_TRUE : CU_FALSE);
}

void tu_checkf(int cond, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (cond) {
		report(1, file, line, 0, "");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(0, file, line, 0, msg);
}

/* The shortest %g that reads back as d. */
static void fmt_double(char *buf, size_t n, double d)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, d);
		if (isnan(d) || strtod(buf, NULL) == d)
			return;
	}
}

static void fmt_num(char *buf, size_t n, struct tu_num v)
{
	switch (v.kind) {
	case TU_SIGNED:
		snprintf(buf, n, "%lld", v.i);
		break;
	case TU_UNSIGNED:
		snprintf(buf, n, "%llu", v.u);
		break;
	default:
		fmt_double(buf, n, v.d);
		break;
	}
}

void tu_check_cmp(int ok, const char *file, int line, int fatal, const char *ea,
		  const char *op, const char *eb, struct tu_num a,
		  struct tu_num b)
{
	char msg[2048], va[64], vb[64];

	if (ok) {
		report(1, file, line, fatal, "");
		return;
	}
	fmt_num(va, sizeof(va), a);
	fmt_num(vb, sizeof(vb), b);
	snprintf(msg, sizeof(msg), "%s %s %s (%s vs %s)", ea, op, eb, va, vb);
	report(0, file, line, fatal, msg);
}

void tu_check_close(const char *file, int line, int fatal, const char *ea,
		    const char *eb, double a, double b, double abs, double rel)
{
	char msg[2048], va[64], vb[64], vo[64], vt[64], vr[64];
	double off = fabs(a - b), tol;

	/* each form exactly as it is written out in util.h */
	if (rel == 0)
		tol = fabs(abs);
	else if (abs == 0)
		tol = rel * fabs(b);
	else
		tol = fmax(fabs(abs), rel * fabs(b));
	if (off <= tol) {
		report(1, file, line, fatal, "");
		return;
	}
	fmt_double(va, sizeof(va), a);
	fmt_double(vb, sizeof(vb), b);
	snprintf(vo, sizeof(vo), "%.6g", off);
	snprintf(vt, sizeof(vt), "%.6g", fabs(abs));
	snprintf(vr, sizeof(vr), "%.6g", rel);
	if (rel == 0)
		snprintf(msg, sizeof(msg),
			 "%s == %s within %s (%s vs %s, off by %s)", ea, eb, vt,
			 va, vb, vo);
	else if (abs == 0)
		snprintf(msg, sizeof(msg),
			 "%s == %s within %s relative (%s vs %s, off by %s)",
			 ea, eb, vr, va, vb, vo);
	else
		snprintf(
			msg, sizeof(msg),
			"%s == %s within %s or %s relative (%s vs %s, off by %s)",
			ea, eb, vt, vr, va, vb, vo);
	report(0, file, line, fatal, msg);
}

/*
 * Child processes.
 */

const char *tu_usnsim(void)
{
	const char *bin = getenv("USNSIM_BIN");

	return bin && *bin ? bin : "build/usnsim";
}

/* environ with the entries of extra in place of those of the same name
 * (malloc'ed array; the strings are not copied). */
static char **merged_env(const char *const *extra)
{
	size_t n = 0, k = 0;
	char **env;

	for (size_t i = 0; environ[i]; i++)
		n++;
	for (size_t i = 0; extra[i]; i++)
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; extra[i]; i++)
		env[k++] = (char *)extra[i];
	for (size_t i = 0; environ[i]; i++) {
		bool replaced = false;

		for (size_t j = 0; extra[j]; j++)
			replaced |= strncmp(environ[i], extra[j],
					    strcspn(extra[j], "=") + 1) == 0;
		if (!replaced)
			env[k++] = environ[i];
	}
	return env;
}

pid_t tu_start(struct tu_proc *p, const char *const *argv, int flags,
	       const char *const *env)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char **envp = env ? merged_env(env) : environ;
	int rc;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->status = -1;
	p->out_f = tmpfile();
	if (!(flags & (TU_MERGE | TU_OWN_STDERR)))
		p->err_f = tmpfile();
	if (!envp || !p->out_f ||
	    (!(flags & (TU_MERGE | TU_OWN_STDERR)) && !p->err_f)) {
		p->reaped = true;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (flags & TU_GROUP) {
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
		posix_spawnattr_setpgroup(&at, 0);
	}
	posix_spawn_file_actions_adddup2(&fa, fileno(p->out_f), 1);
	if (flags & TU_MERGE)
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	else if (p->err_f)
		posix_spawn_file_actions_adddup2(&fa, fileno(p->err_f), 2);
	posix_spawn_file_actions_addclose(&fa, fileno(p->out_f));
	if (p->err_f)
		posix_spawn_file_actions_addclose(&fa, fileno(p->err_f));
	rc = posix_spawnp(&p->pid, argv[0], &fa, &at, (char *const *)argv,
			  envp);
	if (rc) {
		p->pid = -1;
		p->reaped = true;
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
out:
	if (envp != environ)
		free(envp);
	return p->pid;
}

/* Exit status, 128 + signal, or -1. */
static int decode(int status)
{
	return WIFEXITED(status)     ? WEXITSTATUS(status)
	       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
				     : -1;
}

bool tu_running(struct tu_proc *p)
{
	int status;
	pid_t got;

	if (p->reaped)
		return false;
	got = waitpid(p->pid, &status, WNOHANG);
	if (got == 0)
		return true;
	p->reaped = true;
	p->status = got == p->pid ? decode(status) : -1;
	return false;
}

/* The rest of f from its start, NUL-terminated (malloc'ed; "" if f is
 * NULL or unreadable). */
static char *read_all(FILE *f, size_t *len)
{
	char *buf = NULL, *n;
	size_t cap = 0, got = 0, r;

	*len = 0;
	if (f && fseek(f, 0, SEEK_SET) == 0) {
		do {
			if (got == cap) {
				cap = cap ? cap * 2 : 65536;
				n = realloc(buf, cap + 1);
				if (!n)
					break;
				buf = n;
			}
			r = fread(buf + got, 1, cap - got, f);
			got += r;
		} while (r > 0);
	}
	if (!buf)
		return calloc(1, 1);
	buf[got] = '\0';
	*len = got;
	return buf;
}

int tu_wait(struct tu_proc *p)
{
	int status;
	pid_t got;

	if (!p->reaped) {
		do
			got = waitpid(p->pid, &status, 0);
		while (got < 0 && errno == EINTR);
		p->reaped = true;
		p->status = got == p->pid ? decode(status) : -1;
	}
	if (!p->out) {
		p->out = read_all(p->out_f, &p->out_len);
		p->err = read_all(p->err_f, &p->err_len);
	}
	return p->status;
}

void tu_proc_free(struct tu_proc *p)
{
	if (p->out_f)
		fclose(p->out_f);
	if (p->err_f)
		fclose(p->err_f);
	free(p->out);
	free(p->err);
	memset(p, 0, sizeof(*p));
	p->pid = -1;
}

int tu_run(struct tu_proc *p, const char *const *argv, int flags)
{
	struct tu_proc own;
	int status;

	tu_start(p ? p : &own, argv, flags, NULL);
	status = tu_wait(p ? p : &own);
	if (!p)
		tu_proc_free(&own);
	return status;
}

/*
 * Files and directories.
 */

int tu_mkdtemp(char *dir, size_t n, const char *name)
{
	const char *t = getenv("TMPDIR");
	int len = snprintf(dir, n, "%s/usnsim-%s-XXXXXX", t && *t ? t : "/tmp",
			   name);

	if (len < 0 || (size_t)len >= n)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

int tu_rmtree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return access(path, F_OK) == 0 ? -1 : 0;
}

const char *tu_path(const char *dir, const char *name)
{
	static char buf[64][512];
	static unsigned k;
	char *p = buf[k++ % 64];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

int tu_write_tmp(char *path, size_t n, const char *text)
{
	FILE *f;
	int fd, ok;

	snprintf(path, n, "/tmp/usnsim-test-XXXXXX.yaml");
	fd = mkstemps(path, 5);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -1;
	}
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int tu_write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t got;
	char *buf;

	if (len)
		*len = 0;
	if (!f)
		return NULL;
	buf = read_all(f, &got);
	fclose(f);
	if (len)
		*len = got;
	return buf;
}

int tu_count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * SQL.
 */

static sqlite3_stmt *prepare(sqlite3 *h, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_vmprintf(fmt, ap);

	if (sql && sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	sqlite3_free(sql);
	if (st && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		return st;
	sqlite3_finalize(st);
	return NULL;
}

static long long v_int(sqlite3 *h, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = h ? prepare(h, fmt, ap) : NULL;
	long long v = st ? sqlite3_column_int64(st, 0) : TU_SQL_NONE;

	sqlite3_finalize(st);
	return v;
}

static double v_double(sqlite3 *h, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = h ? prepare(h, fmt, ap) : NULL;
	double v = st ? sqlite3_column_double(st, 0) : NAN;

	sqlite3_finalize(st);
	return v;
}

static const char *v_text(sqlite3 *h, char *buf, size_t n, const char *fmt,
			  va_list ap)
{
	sqlite3_stmt *st = h ? prepare(h, fmt, ap) : NULL;

	snprintf(buf, n, "%s",
		 st ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	return buf;
}

long long tu_sql_int(sqlite3 *h, const char *fmt, ...)
{
	long long v;
	va_list ap;

	va_start(ap, fmt);
	v = v_int(h, fmt, ap);
	va_end(ap);
	return v;
}

double tu_sql_double(sqlite3 *h, const char *fmt, ...)
{
	double v;
	va_list ap;

	va_start(ap, fmt);
	v = v_double(h, fmt, ap);
	va_end(ap);
	return v;
}

const char *tu_sql_text(sqlite3 *h, char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	v_text(h, buf, n, fmt, ap);
	va_end(ap);
	return buf;
}

int tu_sql_exec(sqlite3 *h, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	rc = sql ? sqlite3_exec(h, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	return rc;
}

sqlite3 *tu_sql_open(const char *path, int flags)
{
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, 10000);
	return h;
}

long long tu_db_int(const char *db, const char *fmt, ...)
{
	sqlite3 *h = tu_sql_open(db, SQLITE_OPEN_READONLY);
	long long v;
	va_list ap;

	va_start(ap, fmt);
	v = v_int(h, fmt, ap);
	va_end(ap);
	sqlite3_close(h);
	return v;
}

double tu_db_double(const char *db, const char *fmt, ...)
{
	sqlite3 *h = tu_sql_open(db, SQLITE_OPEN_READONLY);
	double v;
	va_list ap;

	va_start(ap, fmt);
	v = v_double(h, fmt, ap);
	va_end(ap);
	sqlite3_close(h);
	return v;
}

const char *tu_db_text(const char *db, char *buf, size_t n, const char *fmt,
		       ...)
{
	sqlite3 *h = tu_sql_open(db, SQLITE_OPEN_READONLY);
	va_list ap;

	va_start(ap, fmt);
	v_text(h, buf, n, fmt, ap);
	va_end(ap);
	sqlite3_close(h);
	return buf;
}

bool tu_db_integrity(const char *db, char *why, size_t n)
{
	sqlite3 *h = tu_sql_open(db, SQLITE_OPEN_READWRITE);
	sqlite3_stmt *st = NULL;
	bool ok = false;

	snprintf(why, n, "cannot open");
	if (h && sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st,
				    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(why, n, "%s", sqlite3_column_text(st, 0));
			ok = !strcmp(why, "ok");
		} else {
			snprintf(why, n, "%s", sqlite3_errmsg(h));
		}
	} else if (h) {
		snprintf(why, n, "%s", sqlite3_errmsg(h));
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return ok;
}

long long tu_db_differences(const char *a, const char *b,
			    const char *const *rows, size_t nrows)
{
	sqlite3 *h = tu_sql_open(a, SQLITE_OPEN_READONLY);
	char x[1024], y[1024];
	long long n = 0, d;

	if (!h || tu_sql_exec(h, "ATTACH %Q AS b", b) != SQLITE_OK)
		n = -1;
	for (size_t i = 0; n >= 0 && i < nrows; i++) {
		snprintf(x, sizeof(x), rows[i], "main", "main");
		snprintf(y, sizeof(y), rows[i], "b", "b");
		d = tu_sql_int(h,
			       "SELECT (SELECT count(*) FROM (%s EXCEPT %s)) +"
			       " (SELECT count(*) FROM (%s EXCEPT %s))",
			       x, y, y, x);
		n = d == TU_SQL_NONE ? -1 : n + d;
	}
	sqlite3_close(h);
	return n;
}

long long tu_db_run_differences(const char *a, const char *b)
{
	static const char *const rows[] = {
		"SELECT point, repetition, hash, seed, events, status"
		" FROM %s.runs",
		"SELECT r.point, r.repetition, s.component, s.metric, s.count,"
		" s.mean, s.stddev, s.min, s.p50, s.p90, s.p99, s.p999, s.max"
		" FROM %s.runs r JOIN %s.summaries s ON s.run_id = r.id",
		"SELECT r.point, r.repetition, s.component, s.metric, s.value"
		" FROM %s.runs r JOIN %s.scalars s ON s.run_id = r.id",
		"SELECT r.point, r.repetition, p.path, p.value"
		" FROM %s.runs r JOIN %s.params p ON p.run_id = r.id",
	};

	return tu_db_differences(a, b, rows, sizeof(rows) / sizeof(rows[0]));
}
