/*
 * heap.h - the process's heap on transparent huge pages.
 *
 * A large scenario's state (about 100 KB a host) is touched a few lines
 * at a time by every packet, host after host: with 4 KiB pages nearly
 * every cold line also misses the TLB, and its page walk costs about as
 * much again (more under a hypervisor's nested paging). On 2 MiB pages
 * the state of a thousand hosts takes a few dozen TLB entries.
 */
#ifndef USNSIM_HEAP_H
#define USNSIM_HEAP_H

#include <stddef.h>

/* Asks, once, before the simulation allocates, that malloc's heap be
 * backed by transparent huge pages where the kernel's policy allows them
 * ("always" or "madvise"): the heap is extended by HEAP_HUGE_SPAN bytes of
 * address space (memory comes only as it is touched), marked
 * MADV_HUGEPAGE, and malloc keeps its blocks there rather than in
 * mappings of their own. Nothing is done if the environment already sets
 * glibc's own switch (GLIBC_TUNABLES with glibc.malloc.hugetlb, which
 * also turns it off: glibc.malloc.hugetlb=0) or the policy is "never";
 * if the heap cannot grow so far, malloc's settings go back to their
 * defaults. Returns the bytes marked, or 0. Results never depend on it. */
size_t heap_use_huge_pages(void);

#endif
