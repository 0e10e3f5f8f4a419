/* Arrays and texts that grow to megabytes: pxe-dhcpgen at 10^5 hosts
 * reads a 30 MB manifest, renders a 12 MB DHCP file and keeps arrays of
 * 10^5 records, each touched first page by page. */
#ifndef PXEKIT_BIGMEM_H
#define PXEKIT_BIGMEM_H

#include <stddef.h>

/* reallocarray(3), and for a block of 2 MiB or more, transparent huge
 * pages allowed over it (madvise MADV_HUGEPAGE), as THP's "madvise"
 * mode wants: the first touch then costs a fault per 2 MiB, not one per
 * 4 KiB, which was most of a no-op run's page faults
 * (bench/results/dhcpgen.md). Where THP is off it is reallocarray. */
void *big_reallocarray(void *p, size_t n, size_t size);

#endif
