#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bigmem.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

void *big_reallocarray(void *p, size_t n, size_t size)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), from, to;

	p = reallocarray(p, n, size);
	if (!p || n * size < HUGE_PAGE)
		return p;
	/* The whole block, to its pages' edges: a block this large is a
	 * mapping of its own (malloc's mmap threshold), and advice on part
	 * of it would split it in two or three, which realloc can then no
	 * longer grow with mremap(2): it copies instead. */
	from = (uintptr_t)p & ~(page - 1);
	to = ((uintptr_t)p + n * size + page - 1) & ~(page - 1);
	(void)madvise((void *)from, to - from, MADV_HUGEPAGE);	/* a hint */
	return p;
}
