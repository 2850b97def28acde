/*
 * heap.c - the process's heap on transparent huge pages (heap.h).
 *
 * glibc's malloc serves a single-threaded process from its main arena,
 * which grows the program break. M_TOP_PAD makes the next growth reserve
 * HEAP_HUGE_SPAN bytes more than asked; M_MMAP_THRESHOLD keeps blocks up
 * to 32 MiB (its largest) in the heap rather than in mappings of their
 * own; M_TRIM_THRESHOLD keeps free() from handing the span back. One
 * allocation then grows the break, and madvise() marks the heap's mapping
 * (found in /proc/self/maps) MADV_HUGEPAGE, so that faults in it are
 * served with 2 MiB pages. glibc's own switch for this, the tunable
 * glibc.malloc.hugetlb, is read from the environment at start-up only.
 */
#include <limits.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "heap.h"

#define HEAP_HUGE_SPAN (1ul << 30)
#define HEAP_MMAP_MAX (32ul << 20)
#define HEAP_KICK (4ul << 20)	  /* more than the heap has spare at start */
#define HEAP_DEFAULT (128 * 1024) /* the three settings' defaults */

/* Whether the kernel may back the heap with huge pages. */
static bool heap_thp_allowed(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128];
	bool ok;

	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) && !strstr(line, "[never]");
	fclose(f);
	return ok;
}

/* The [heap] mapping's bounds; false if there is none. */
static bool heap_bounds(uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (strstr(line, "[heap]") &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*lo = a;
			*hi = b;
			found = true;
		}
	}
	fclose(f);
	return found;
}

size_t heap_use_huge_pages(void)
{
	const char *tun = getenv("GLIBC_TUNABLES");
	uintptr_t lo, hi;
	void *volatile p; /* volatile: not elided with its free() */

	if ((tun && strstr(tun, "glibc.malloc.hugetlb")) || !heap_thp_allowed())
		return 0;
	if (!mallopt(M_TOP_PAD, (int)HEAP_HUGE_SPAN) ||
	    !mallopt(M_TRIM_THRESHOLD, INT_MAX) ||
	    !mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_MAX))
		goto undo;
	p = malloc(HEAP_KICK);
	free(p);
	if (!heap_bounds(&lo, &hi) || hi - lo < HEAP_HUGE_SPAN ||
	    madvise((void *)lo, hi - lo, MADV_HUGEPAGE))
		goto undo;
	return hi - lo;
undo: /* a limit on address space, or no such heap (another allocator) */
	mallopt(M_TOP_PAD, HEAP_DEFAULT);
	mallopt(M_TRIM_THRESHOLD, HEAP_DEFAULT);
	mallopt(M_MMAP_THRESHOLD, HEAP_DEFAULT);
	return 0;
}
