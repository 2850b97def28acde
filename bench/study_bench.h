/*
 * study_bench.h - the study lines of `make bench` (bench/study.c).
 */
#ifndef USNSIM_STUDY_BENCH_H
#define USNSIM_STUDY_BENCH_H

#include <stdbool.h>

/* Validates a scenario of 10,000 apps, runs studies of 1,000 and 10,000
 * runs and one of 2,000 runs with one worker then two, and prints their
 * table and PASS/FAIL lines on stdout (progress on stderr). Returns 0, or
 * 1 if something could not be measured. */
int bench_study(void);

/* Prints "PASS  " or "FAIL  ", then fmt, then a newline (bench/bench.c). */
void bench_verdict(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
