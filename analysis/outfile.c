/*
 * outfile.c - checked, atomic output files (see outfile.h).
 *
 * The kind of an existing file is told by its first bytes: SQLite's
 * 16-byte header, the magic numbers of PDF, PNG and EPS, an SVG or XML
 * opening, or text (no NUL byte in the first 4 KiB) for tables and data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "outfile.h"

#define OUTFILE_PEEK 4096

/* What a non-regular file is, for the message. */
static const char *outfile_what(mode_t m)
{
	return S_ISLNK(m)    ? "a symbolic link"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a regular file";
}

static bool outfile_starts(const char *buf, size_t n, const char *magic,
			   size_t len)
{
	return n >= len && !memcmp(buf, magic, len);
}

/* The kind of the first n bytes of a file, or -1 for a SQLite database,
 * -2 for anything else. */
static int outfile_kind_of(const char *buf, size_t n)
{
	const char *p = buf;

	if (outfile_starts(buf, n, "SQLite format 3", 16))
		return -1;
	if (n == 0 || outfile_starts(buf, n, "%PDF", 4) ||
	    outfile_starts(buf, n, "\x89PNG", 4) ||
	    outfile_starts(buf, n, "%!PS", 4))
		return n == 0 ? OUTFILE_TEXT : OUTFILE_FIGURE;
	while (p < buf + n && (*p == ' ' || *p == '\n' || *p == '\r'))
		p++;
	if (outfile_starts(p, (size_t)(buf + n - p), "<svg", 4) ||
	    outfile_starts(p, (size_t)(buf + n - p), "<?xml", 5))
		return OUTFILE_FIGURE;
	return memchr(buf, '\0', n) ? -2 : OUTFILE_TEXT;
}

/* Whether path is named as a table of data (so that an existing text file
 * there, say a scenario, is not taken for an earlier export). */
static bool outfile_table_name(const char *path)
{
	static const char *const ext[] = { ".csv", ".tsv", ".json", ".txt",
					   ".dat" };
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(ext) / sizeof(ext[0]); i++)
		if (!strcasecmp(dot, ext[i]))
			return true;
	return false;
}

int outfile_check(const char *path, enum outfile_kind kind, bool force,
		  char *err, size_t errlen)
{
	char buf[OUTFILE_PEEK];
	struct stat sb;
	ssize_t n;
	int fd, have;

	if (lstat(path, &sb)) {
		if (errno == ENOENT)
			return 0;
		errmsg(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(sb.st_mode)) {
		errmsg(err, errlen,
		       "%s: is %s; usnsim writes its output only to regular files",
		       path, outfile_what(sb.st_mode));
		return -EPERM;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		errmsg(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	have = outfile_kind_of(buf, n > 0 ? (size_t)n : 0);
	if (force || (have == (int)kind &&
		      (kind != OUTFILE_TEXT || outfile_table_name(path))))
		return 0;
	if (have == OUTFILE_TEXT && kind == OUTFILE_TEXT) {
		errmsg(err, errlen,
		       "%s: exists and is a text file that is not a table (.csv, .tsv, .json, .txt or .dat); give another output file, or --force to replace it",
		       path);
		return -EEXIST;
	}
	errmsg(err, errlen,
	       "%s: exists and is %s; give another output file, or --force to replace it",
	       path,
	       have == -1		? "a SQLite database"
	       : have == OUTFILE_FIGURE ? "a figure"
	       : have == OUTFILE_TEXT	? "a text file"
					: "a binary file");
	return -EEXIST;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	mode_t mask = umask(0);
	int fd, len;

	umask(mask);
	o->path = path;
	o->f = NULL;
	len = snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path);
	if (len < 0 || (size_t)len >= sizeof(o->tmp)) {
		errmsg(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0 || fchmod(fd, 0666 & ~mask) || !(o->f = fdopen(fd, "wb"))) {
		int e = errno ? errno : EIO;

		errmsg(err, errlen, "%s: %s", path, strerror(e));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		return -e;
	}
	return 0;
}

int outfile_close(struct outfile *o, bool ok, char *err, size_t errlen)
{
	int rc = 0;

	if (fclose(o->f) && ok) {
		rc = -(errno ? errno : EIO);
		errmsg(err, errlen, "%s: %s", o->path, strerror(-rc));
	}
	o->f = NULL;
	if (ok && !rc && rename(o->tmp, o->path)) {
		rc = -errno;
		errmsg(err, errlen, "%s: %s", o->path, strerror(errno));
	}
	if (!ok || rc)
		unlink(o->tmp);
	return rc;
}
