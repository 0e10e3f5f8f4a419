/* Where a read request's blocks come from, block by block: a stage
 * read ahead of the ACKs (octet), or a ring of encoded blocks
 * (netascii, which cannot be addressed by offset). The transfer loop
 * above it knows only windows, ACKs and timers; this knows only files
 * and block numbers (64-bit, from 1). */
#ifndef TFTPD_BLOCKSRC_H
#define TFTPD_BLOCKSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netascii.h"
#include "packet.h"

/* Netascii reads the file this much at a time. */
#define BLOCKSRC_NETASCII_READ_CHUNK 65536
/* Octet reads this much of the file ahead in one call (at least two
 * blocks), instead of a system call for every block. Reading 32 KiB a
 * call instead of a block saves 6-8% of the CPU at blksize 512-1468. */
#define BLOCKSRC_STAGE_BYTES 32768

struct blocksrc {
	int fd;
	enum tftp_mode mode;
	unsigned blksize, windowsize;
	uint64_t file_size;		/* at open */
	const char *name;		/* for the log */
	uint64_t final_block;		/* 0 until known */

	uint8_t *stage;			/* octet: stage_slots blocks */
	unsigned stage_slots;
	uint64_t staged_lo, staged_hi;	/* the blocks in it, 0: none */

	uint8_t *ring;			/* netascii: one window of encoded blocks */
	size_t *ring_len;
	uint64_t gen_next;
	struct netascii_encoder enc;
	uint8_t *inbuf;
	size_t in_len, in_off;
	bool in_eof;
};

/* Blocks the stage holds: a window, and what one read adds ahead of
 * it (BLOCKSRC_STAGE_BYTES, at least one block). */
static inline unsigned blocksrc_stage_slots(unsigned blksize, unsigned windowsize)
{
	unsigned ahead = BLOCKSRC_STAGE_BYTES / blksize;

	return (ahead < 2 ? 2 : ahead) + windowsize - 1;
}

/* The most the stage takes at blksize or any smaller one (a transfer is
 * charged before the path MTU may lower its blksize, and the slots'
 * rounding makes their bytes no monotonic function of it). */
static inline uint64_t blocksrc_stage_bound(unsigned blksize, unsigned windowsize)
{
	uint64_t ahead = 2 * (uint64_t)blksize;

	if (ahead < BLOCKSRC_STAGE_BYTES)
		ahead = BLOCKSRC_STAGE_BYTES;
	return ahead + (uint64_t)(windowsize - 1) * blksize;
}
/* Sets up for fd (open, file_size bytes at open); -1 with errno set.
 * blocksrc_close undoes it either way. */
int blocksrc_open(struct blocksrc *b, int fd, enum tftp_mode mode, uint64_t file_size,
		  unsigned blksize, unsigned windowsize, const char *name);
/* Block number block (the window's blocks may all be held at once; a
 * netascii block must be within windowsize of the highest asked for).
 * The data stays valid until a block windowsize or more further on is
 * asked for. -1 with errno set when the file cannot be read (logged if
 * it got shorter). */
int blocksrc_get(struct blocksrc *b, uint64_t block, const uint8_t **data, size_t *len);
/* Octet: while the client takes a window, reads ahead from block on (a
 * no-op for netascii, or when already staged). -1 as blocksrc_get. */
int blocksrc_prefetch(struct blocksrc *b, uint64_t block);
/* The last block's number; 0 while unknown (netascii, not yet reached). */
uint64_t blocksrc_final(const struct blocksrc *b);
void blocksrc_close(struct blocksrc *b);

#endif
