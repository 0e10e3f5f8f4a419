/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit MAC, short
 * enough for NFS file handles and fast on the few bytes they hold. */
#ifndef PXEKIT_SIPHASH_H
#define PXEKIT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_SIZE 16

uint64_t siphash24(const unsigned char key[SIPHASH_KEY_SIZE], const void *data, size_t len);

#endif
