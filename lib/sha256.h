/* SHA-256 (FIPS 180-4): the checksums pxe-image records for the files it
 * writes, in the form sha256sum(1) prints. */
#ifndef PXEKIT_SHA256_H
#define PXEKIT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t out[32]);
/* 64 lower-case hex digits and a NUL */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
