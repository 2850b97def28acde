/*
 * util.h - what every test suite may use: checks that print the values
 * they compare, child processes (build/usnsim run as a user would, its
 * output captured), temporary files and directories, and one-value SQL
 * queries on results databases. Running scenarios in the suite's own
 * process, and reading their statistics by name, is runs.h.
 *
 * A failed check reports FILE:LINE, the expressions and their values:
 *
 *   CHECK_EQ(q1, 45)           q1 == 45 (44 vs 45)
 *   CHECK_NEAR(wq, 10.0, 0.1)  wq == 10.0 within 0.1 (10.3 vs 10, off by 0.3)
 *
 * The comparisons are C's own: both sides are converted to their common
 * type (the usual arithmetic conversions) and each is evaluated once. They
 * take numbers only; pointers, strings and booleans keep CUnit's
 * assertions. The _FATAL forms end the test on failure, as
 * CU_ASSERT_FATAL does.
 */
#ifndef USNSIM_TEST_UTIL_H
#define USNSIM_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <sqlite3.h>

/* A CUnit assertion whose failure message is formatted like printf, so a
 * table-driven test names the case that failed. */
#define CHECKF(cond, ...) tu_checkf((cond), __FILE__, __LINE__, __VA_ARGS__)

void tu_checkf(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Checks of numbers.
 */

/* a OP b, OP one of == != < <= > >=. */
#define CHECK_EQ(a, b) TU_CMP(a, ==, b, 0)
#define CHECK_NE(a, b) TU_CMP(a, !=, b, 0)
#define CHECK_LT(a, b) TU_CMP(a, <, b, 0)
#define CHECK_LE(a, b) TU_CMP(a, <=, b, 0)
#define CHECK_GT(a, b) TU_CMP(a, >, b, 0)
#define CHECK_GE(a, b) TU_CMP(a, >=, b, 0)
#define CHECK_EQ_FATAL(a, b) TU_CMP(a, ==, b, 1)
#define CHECK_NE_FATAL(a, b) TU_CMP(a, !=, b, 1)
#define CHECK_LT_FATAL(a, b) TU_CMP(a, <, b, 1)
#define CHECK_LE_FATAL(a, b) TU_CMP(a, <=, b, 1)
#define CHECK_GT_FATAL(a, b) TU_CMP(a, >, b, 1)
#define CHECK_GE_FATAL(a, b) TU_CMP(a, >=, b, 1)

/* |a - b| <= |tol|, in double: CU_ASSERT_DOUBLE_EQUAL(a, b, tol). */
#define CHECK_NEAR(a, b, tol) TU_CLOSE(a, b, tol, 0, 0)
#define CHECK_NEAR_FATAL(a, b, tol) TU_CLOSE(a, b, tol, 0, 1)
/* |a - b| <= rel |b|: b is the expected value. */
#define CHECK_REL(a, b, rel) TU_CLOSE(a, b, 0, rel, 0)
#define CHECK_REL_FATAL(a, b, rel) TU_CLOSE(a, b, 0, rel, 1)
/* |a - b| <= max(|abs|, rel |b|): relative, with a floor for b near 0. */
#define CHECK_CLOSE(a, b, abs, rel) TU_CLOSE(a, b, abs, rel, 0)

/* A value as the failure message prints it. */
struct tu_num {
	enum { TU_SIGNED, TU_UNSIGNED, TU_FLOAT } kind;
	union {
		long long i;
		unsigned long long u;
		double d;
	};
};

static inline struct tu_num tu_num_i(long long v)
{
	return (struct tu_num){ .kind = TU_SIGNED, .i = v };
}

static inline struct tu_num tu_num_u(unsigned long long v)
{
	return (struct tu_num){ .kind = TU_UNSIGNED, .u = v };
}

static inline struct tu_num tu_num_d(double v)
{
	return (struct tu_num){ .kind = TU_FLOAT, .d = v };
}

/* Only arithmetic types have an entry: a pointer does not compile. */
#define TU_NUM(x)                               \
	_Generic((x), char                      \
		 : tu_num_i, signed char        \
		 : tu_num_i, short              \
		 : tu_num_i, int                \
		 : tu_num_i, long               \
		 : tu_num_i, long long          \
		 : tu_num_i, unsigned char      \
		 : tu_num_u, unsigned short     \
		 : tu_num_u, unsigned int       \
		 : tu_num_u, unsigned long      \
		 : tu_num_u, unsigned long long \
		 : tu_num_u, float              \
		 : tu_num_d, double             \
		 : tu_num_d, long double        \
		 : tu_num_d)(x)

/* Both sides in their common type, the one C compares them in. */
#define TU_CMP(a, op, b, fatal)                                             \
	do {                                                                \
		__typeof__(1 ? (a) : (b)) tu_a_ = (a), tu_b_ = (b);         \
		tu_check_cmp(tu_a_ op tu_b_, __FILE__, __LINE__, fatal, #a, \
			     #op, #b, TU_NUM(tu_a_), TU_NUM(tu_b_));        \
	} while (0)

#define TU_CLOSE(a, b, abs, rel, fatal)                                \
	tu_check_close(__FILE__, __LINE__, fatal, #a, #b, (double)(a), \
		       (double)(b), (double)(abs), (double)(rel))

void tu_check_cmp(int ok, const char *file, int line, int fatal, const char *ea,
		  const char *op, const char *eb, struct tu_num a,
		  struct tu_num b);
/* Passes if |a - b| <= max(|abs|, rel |b|). */
void tu_check_close(const char *file, int line, int fatal, const char *ea,
		    const char *eb, double a, double b, double abs, double rel);

/*
 * Child processes.
 */

/* The usnsim binary the tests run: $USNSIM_BIN, or build/usnsim (the
 * sanitizer build sets it to its own binary). */
const char *tu_usnsim(void);

#define TU_MERGE 1	/* stderr into the same capture as stdout */
#define TU_OWN_STDERR 2 /* stderr is the suite's own, not captured */
#define TU_GROUP 4	/* a process group of its own: kill(-pid, sig) */

/* A command started by tu_start: its pid, then, once tu_wait returns, its
 * status and what it wrote (NUL-terminated; "" if nothing). */
struct tu_proc {
	pid_t pid;
	int status; /* exit status, 128 + signal, or -1 if it never ran */
	char *out, *err;
	size_t out_len, err_len;
	FILE *out_f, *err_f; /* private: the captures */
	bool reaped;	     /* private */
};

/* Starts argv (argv[0] is looked up in PATH if it has no '/'), stdout and
 * stderr captured as flags say. env: NAME=VALUE entries (NULL-terminated,
 * or NULL) that replace or join the suite's environment. Returns the pid,
 * or -1 (p->status -1; tu_wait then returns -1 at once). */
pid_t tu_start(struct tu_proc *p, const char *const *argv, int flags,
	       const char *const *env);
/* Whether p is still running; if not, it is reaped and p->status set. */
bool tu_running(struct tu_proc *p);
/* Waits for p and reads its output; returns p->status. */
int tu_wait(struct tu_proc *p);
/* Frees what tu_start and tu_wait allocated; p may be reused. */
void tu_proc_free(struct tu_proc *p);
/* tu_start and tu_wait. p may be NULL: the output is dropped. */
int tu_run(struct tu_proc *p, const char *const *argv, int flags);

/*
 * Files and directories.
 */

/* Creates $TMPDIR/usnsim-NAME-XXXXXX (or under /tmp) and writes its path
 * into dir; 0, or -1 if it cannot. */
int tu_mkdtemp(char *dir, size_t n, const char *name);
/* Removes path and everything under it; 0, or -1 if something stays. */
int tu_rmtree(const char *path);
/* dir/name in one of 64 buffers used in turn: valid for 63 more calls. */
const char *tu_path(const char *dir, const char *name);
/* Writes text to a new temporary .yaml file named in path; 0 or -1. */
int tu_write_tmp(char *path, size_t n, const char *text);
/* Writes n bytes of data to path; 0 or -1. */
int tu_write_file(const char *path, const void *data, size_t n);
/* The bytes of a file, NUL-terminated (malloc'ed), their number in *len
 * (if len); NULL if it cannot be opened. */
char *tu_slurp(const char *path, size_t *len);
/* How many times needle occurs in hay (overlaps count). */
int tu_count(const char *hay, const char *needle);

/*
 * SQL. Queries are sqlite3_mprintf formats (%Q quotes a string, %lld takes
 * a long long); each returns the first column of the first row, or its
 * "none" if there is no row, the value is NULL or the query fails.
 */

#define TU_SQL_NONE (-0x7fffffffffffffffLL - 1) /* INT64_MIN */

/* On an open connection. */
long long tu_sql_int(sqlite3 *h, const char *fmt, ...);	 /* TU_SQL_NONE */
double tu_sql_double(sqlite3 *h, const char *fmt, ...);	 /* NAN */
const char *tu_sql_text(sqlite3 *h, char *buf, size_t n, /* "" in buf */
			const char *fmt, ...);
/* sqlite3_exec of the formatted statements: an SQLite result code. */
int tu_sql_exec(sqlite3 *h, const char *fmt, ...);
/* Opens path with sqlite3_open_v2 flags and a 10 s busy timeout; NULL if
 * it cannot. */
sqlite3 *tu_sql_open(const char *path, int flags);

/* On a database file, opened read-only for the one query. */
long long tu_db_int(const char *db, const char *fmt, ...);
double tu_db_double(const char *db, const char *fmt, ...);
const char *tu_db_text(const char *db, char *buf, size_t n, const char *fmt,
		       ...);
/* PRAGMA integrity_check, on a read-write connection (a database left by
 * a killed writer may hold a hot WAL only a writer recovers): true if
 * "ok", else why it is not in why. */
bool tu_db_integrity(const char *db, char *why, size_t n);
/* Rows that a has and b lacks plus rows that b has and a lacks, over each
 * query of rows (SELECTs with two %s for the schema, main or b); -1 on
 * error. */
long long tu_db_differences(const char *a, const char *b,
			    const char *const *rows, size_t nrows);
/* tu_db_differences over every run's key, seed and events, summaries,
 * scalars and parameters, matched by (point, repetition): 0 when two
 * studies gave the same results, whoever ran them and in what order. */
long long tu_db_run_differences(const char *a, const char *b);

#endif
