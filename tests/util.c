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
