/*
 * util.c - helpers shared by the test suites.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "util.h"

void tu_checkf(int cond, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(cond ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				file, "", CU_FALSE);
}

const char *tu_usnsim(void)
{
	const char *bin = getenv("USNSIM_BIN");

	return bin && *bin ? bin : "build/usnsim";
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *n;
	size_t cap = 0, got = 0, r;

	if (len)
		*len = 0;
	if (!f)
		return NULL;
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
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[got] = '\0';
	if (len)
		*len = got;
	return buf;
}
