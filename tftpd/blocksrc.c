#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blocksrc.h"
#include "log.h"

/* The mapped file is faulted in this far ahead of the window, in one
 * call, rather than a page fault at a time while sending. */
#define POPULATE_CHUNK (2u << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22	/* Linux 5.14; older kernels fault lazily */
#endif

void blocksrc_shrank(const struct blocksrc *b)
{
	logmsg(LOG_WARNING, "%s: the file got shorter while being sent", b->name);
	errno = EIO;
}

/* A file cut short under a mapping faults (EFAULT to a send) only in the
 * pages wholly past its new end: the page holding that end reads as
 * zeros after it, and a send would carry them as if they were the file,
 * up to a transfer the client takes for complete. So the length is
 * looked at before each send; only a cut during the send itself (the
 * last window's: an earlier one's is seen before the next) gets by. */
int blocksrc_intact(const struct blocksrc *b)
{
	struct stat st;

	if (b->map == NULL)
		return 0;
	if (fstat(b->fd, &st) < 0)
		return -1;
	if ((uint64_t)st.st_size >= b->file_size)
		return 0;
	blocksrc_shrank(b);
	return -1;
}

int blocksrc_open(struct blocksrc *b, int fd, enum tftp_mode mode, uint64_t file_size,
		  unsigned blksize, unsigned windowsize, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->mode = mode;
	b->file_size = file_size;
	b->blksize = blksize;
	b->windowsize = windowsize;
	b->name = name;
	if (mode == TFTP_MODE_OCTET) {
		b->final_block = file_size / blksize + 1;
		if (windowsize == 1) {
			/* In lock-step, while the client takes the block, the
			 * next ones are read ahead into a buffer that stays in
			 * the CPU cache, so that after the ACK only the send
			 * remains (tftpd-hpa reads ahead for the same reason). */
			b->stage_slots = blocksrc_stage_slots(blksize);
			b->stage = malloc((size_t)b->stage_slots * blksize);
			return b->stage ? 0 : -1;
		}
		if (file_size > 0) {
			void *m = mmap(NULL, file_size, PROT_READ, MAP_SHARED, fd, 0);

			if (m == MAP_FAILED)
				return -1;
			/* No MADV_SEQUENTIAL: it would have the kernel drop
			 * the pages behind us, and the next client wants the
			 * same initrd from the page cache. */
			b->map = m;
		}
		return 0;
	}
	netascii_encoder_init(&b->enc);
	b->gen_next = 1;
	b->ring = malloc((size_t)windowsize * blksize);
	b->ring_len = calloc(windowsize, sizeof(*b->ring_len));
	b->inbuf = malloc(BLOCKSRC_NETASCII_READ_CHUNK);
	return b->ring && b->ring_len && b->inbuf ? 0 : -1;
}

void blocksrc_close(struct blocksrc *b)
{
	if (b->map)
		munmap((void *)b->map, b->file_size);
	free(b->stage);
	free(b->ring);
	free(b->ring_len);
	free(b->inbuf);
	b->map = NULL;
	b->stage = b->ring = b->inbuf = NULL;
	b->ring_len = NULL;
}

uint64_t blocksrc_final(const struct blocksrc *b)
{
	return b->final_block;
}

bool blocksrc_mapped(const struct blocksrc *b)
{
	return b->map != NULL;
}

/* Encodes the next netascii block into its ring slot. */
static int produce_netascii_block(struct blocksrc *b)
{
	size_t slot = b->gen_next % b->windowsize, out = 0;
	uint8_t *dst = b->ring + slot * b->blksize;

	while (out < b->blksize) {
		size_t used;

		if (b->in_off == b->in_len && !b->in_eof) {
			ssize_t n = read(b->fd, b->inbuf, BLOCKSRC_NETASCII_READ_CHUNK);

			if (n < 0)
				return -1;
			b->in_len = (size_t)n;
			b->in_off = 0;
			b->in_eof = n == 0;
		}
		if (b->in_off == b->in_len && b->in_eof && !netascii_encoder_pending(&b->enc))
			break;
		out += netascii_encode(&b->enc, b->inbuf + b->in_off, b->in_len - b->in_off,
				       &used, dst + out, b->blksize - out);
		b->in_off += used;
	}
	b->ring_len[slot] = out;
	if (out < b->blksize)
		b->final_block = b->gen_next;
	b->gen_next++;
	return 0;
}

/* Lock-step: reads up to count blocks from first on into their slots
 * of the stage (block n lives in slot n % stage_slots, so the block
 * before first, which may be resent, keeps its data). Unlike a
 * mapping, a file cut short under us is an error here, not a SIGBUS. */
static int read_blocks(struct blocksrc *b, uint64_t first, uint64_t count)
{
	size_t blksize = b->blksize, ring = b->stage_slots * blksize;
	uint64_t off = (first - 1) * blksize, size = b->file_size;
	size_t want = off >= size ? 0 : (size_t)(size - off < count * blksize ? size - off
									      : count * blksize);
	size_t start = (size_t)(first % b->stage_slots) * blksize, got = 0;

	while (got < want) {
		size_t pos = (start + got) % ring, chunk = want - got;
		ssize_t n;

		if (chunk > ring - pos)
			chunk = ring - pos;
		n = pread(b->fd, b->stage + pos, chunk, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				blocksrc_shrank(b);
			return -1;
		}
		got += (size_t)n;
	}
	/* Staged now: the blocks just read, and the one before them if it
	 * was staged (its slot was not read into). */
	b->staged_lo = b->staged_hi != 0 && first > b->staged_lo && first - 1 <= b->staged_hi
		       ? first - 1 : first;
	b->staged_hi = first + count - 1;
	return 0;
}

/* Fills the stage from block on, as far as it goes without the block
 * before it and without passing the final block. */
static int stage_from(struct blocksrc *b, uint64_t block)
{
	uint64_t count = b->final_block - block + 1;

	if (count > b->stage_slots - 1)
		count = b->stage_slots - 1;
	return read_blocks(b, block, count);
}

int blocksrc_get(struct blocksrc *b, uint64_t block, const uint8_t **data, size_t *len)
{
	unsigned blksize = b->blksize;

	if (b->mode == TFTP_MODE_OCTET) {
		uint64_t off = (block - 1) * blksize;
		uint64_t left = off < b->file_size ? b->file_size - off : 0;

		*len = left < blksize ? (size_t)left : blksize;
		if (b->stage) {
			if ((block < b->staged_lo || block > b->staged_hi) && stage_from(b, block) < 0)
				return -1;
			*data = b->stage + (block % b->stage_slots) * blksize;
			return 0;
		}
		if (b->map && off + blksize > b->populated && b->populated < b->file_size) {
			uint64_t chunk = b->file_size - b->populated;

			if (chunk > POPULATE_CHUNK)
				chunk = POPULATE_CHUNK;
			madvise((void *)(b->map + b->populated), chunk, MADV_POPULATE_READ);
			b->populated += chunk;
		}
		*data = b->map + (b->map ? off : 0);
		return 0;
	}
	while (b->gen_next <= block)
		if (produce_netascii_block(b) < 0)
			return -1;
	*data = b->ring + (block % b->windowsize) * blksize;
	*len = b->ring_len[block % b->windowsize];
	return 0;
}

int blocksrc_prefetch(struct blocksrc *b, uint64_t block)
{
	if (b->stage == NULL || block <= b->staged_hi || block > b->final_block)
		return 0;
	return stage_from(b, block);
}
