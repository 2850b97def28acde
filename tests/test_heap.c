/*
 * test_heap.c - the heap on transparent huge pages (sim/engine/heap.c).
 *
 * With glibc's malloc and a kernel that allows huge pages: the heap's
 * mapping spans at least the reserved span and is marked for huge pages
 * (VmFlags "hg" in /proc/self/smaps), and a block malloc hands out
 * afterwards, a large one included, lies inside it. Set in the
 * environment, glibc's own switch leaves the heap alone. Elsewhere (the
 * AddressSanitizer build, whose allocator is its own, or a kernel without
 * huge pages) nothing is marked and malloc works as before.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "heap.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_OWN_ALLOCATOR 1
#endif
#endif
#ifndef HEAP_OWN_ALLOCATOR
#define HEAP_OWN_ALLOCATOR 0
#endif

/* The [heap] mapping: bounds and whether its VmFlags hold "hg". */
static bool heap_mapping(uintptr_t *lo, uintptr_t *hi, bool *huge)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false, found = false;

	if (!f)
		return false;
	*huge = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			in = strstr(line, "[heap]") != NULL;
			if (in) {
				*lo = a;
				*hi = b;
				found = true;
			}
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			*huge = strstr(line, " hg") != NULL;
		}
	}
	fclose(f);
	return found;
}

/* The kernel's policy, read as a whole: "always" or "madvise" chosen. */
static bool thp_allowed(void)
{
	char *policy =
		tu_slurp("/sys/kernel/mm/transparent_hugepage/enabled", NULL);
	bool ok = policy &&
		  (strstr(policy, "[always]") || strstr(policy, "[madvise]"));

	free(policy);
	return ok;
}

static void test_huge_heap(void)
{
	const char *was = getenv("GLIBC_TUNABLES");
	char *saved = was ? strdup(was) : NULL;
	uintptr_t lo0 = 0, hi0 = 0, lo = 0, hi = 0;
	bool huge, had = heap_mapping(&lo0, &hi0, &huge);
	size_t n;

	/* glibc's own switch in the environment: the heap is left alone */
	CHECK_EQ_FATAL(setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0", 1),
		       0);
	CHECK_EQ(heap_use_huge_pages(), 0);
	if (had)
		CHECKF(heap_mapping(&lo, &hi, &huge) && hi - lo == hi0 - lo0,
		       "the heap grew from %lu to %lu bytes",
		       (unsigned long)(hi0 - lo0), (unsigned long)(hi - lo));
	unsetenv("GLIBC_TUNABLES");

	n = heap_use_huge_pages();
	if (HEAP_OWN_ALLOCATOR || !thp_allowed()) {
		void *p = malloc(1 << 20);

		CU_ASSERT_PTR_NOT_NULL(p);
		free(p);
	} else {
		char *small = malloc(64), *large = malloc(8 << 20);

		CHECKF(n >= (1ul << 30), "%zu bytes marked", n);
		CHECKF(heap_mapping(&lo, &hi, &huge) && huge && hi - lo == n,
		       "heap %lu bytes, marked %d", (unsigned long)(hi - lo),
		       (int)huge);
		CHECKF(small && large && (uintptr_t)small >= lo &&
			       (uintptr_t)small < hi &&
			       (uintptr_t)large >= lo &&
			       (uintptr_t)large + (8 << 20) <= hi,
		       "blocks %p %p outside the heap %lx-%lx", (void *)small,
		       (void *)large, (unsigned long)lo, (unsigned long)hi);
		if (large)
			memset(large, 1, 8 << 20);
		free(small);
		free(large);
	}
	if (saved)
		setenv("GLIBC_TUNABLES", saved, 1);
	free(saved);
}

int suite_heap(void)
{
	CU_pSuite s = CU_add_suite("heap", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "heap on huge pages", test_huge_heap))
		return CU_get_error();
	return 0;
}
