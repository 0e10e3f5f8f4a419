#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocksrc.h"
#include "log.h"

static void shrank(const struct blocksrc *b)
{
	logmsg(LOG_WARNING, "%s: the file got shorter while being sent", b->name);
	errno = EIO;
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
		/* While the client takes a window, the next blocks are read
		 * ahead into a stage, so that after the ACK only the send
		 * remains (tftpd-hpa reads ahead for the same reason). A
		 * send from a mapping of the file instead cost more CPU
		 * than the pread and the send from the stage together
		 * (bench/README.md). */
		b->stage_slots = blocksrc_stage_slots(blksize, windowsize);
		b->stage = malloc((size_t)b->stage_slots * blksize);
		return b->stage ? 0 : -1;
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
	free(b->stage);
	free(b->ring);
	free(b->ring_len);
	free(b->inbuf);
	b->stage = b->ring = b->inbuf = NULL;
	b->ring_len = NULL;
}

uint64_t blocksrc_final(const struct blocksrc *b)
{
	return b->final_block;
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

/* Reads up to count blocks from first on into their slots of the stage
 * (block n lives in slot n % stage_slots, so the window before first,
 * which may be resent, keeps its data). A file cut short under us is
 * an error here: its end is never sent as if it were the file's. */
static int read_blocks(struct blocksrc *b, uint64_t first, uint64_t count)
{
	size_t blksize = b->blksize, ring = b->stage_slots * blksize;
	uint64_t off = (first - 1) * blksize, size = b->file_size;
	size_t want = off >= size ? 0 : (size_t)(size - off < count * blksize ? size - off
									      : count * blksize);
	size_t start = (size_t)(first % b->stage_slots) * blksize, got = 0;
	uint64_t keep;
	bool follows;

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
				shrank(b);
			return -1;
		}
		got += (size_t)n;
	}
	/* Staged now: the blocks just read, and before them those of the
	 * range staged so far whose slots were not read into. */
	follows = b->staged_hi != 0 && first >= b->staged_lo && first <= b->staged_hi + 1;
	keep = first + count > b->stage_slots ? first + count - b->stage_slots : 1;
	b->staged_lo = !follows ? first : keep > b->staged_lo ? keep : b->staged_lo;
	b->staged_hi = first + count - 1;
	return 0;
}

/* Fills the stage from block on, as far as it goes without the window
 * before it and without passing the final block. */
static int stage_from(struct blocksrc *b, uint64_t block)
{
	uint64_t count = b->final_block - block + 1;

	if (count > b->stage_slots - b->windowsize)
		count = b->stage_slots - b->windowsize;
	return read_blocks(b, block, count);
}

int blocksrc_get(struct blocksrc *b, uint64_t block, const uint8_t **data, size_t *len)
{
	unsigned blksize = b->blksize;

	if (b->mode == TFTP_MODE_OCTET) {
		uint64_t off = (block - 1) * blksize;
		uint64_t left = off < b->file_size ? b->file_size - off : 0;

		*len = left < blksize ? (size_t)left : blksize;
		if ((block < b->staged_lo || block > b->staged_hi) && stage_from(b, block) < 0)
			return -1;
		*data = b->stage + (block % b->stage_slots) * blksize;
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
