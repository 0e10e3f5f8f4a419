/* RFC 5531 section 11 record marking on a byte stream, without I/O: the
 * transport puts received bytes in, and takes whole records out. Each
 * fragment has a 4-byte mark (top bit: the last one, then 31 bits of
 * length); a record may span fragments, and a fragment may be empty. */
#ifndef PXEKIT_RECORD_H
#define PXEKIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#define RM_MARK 4
#define RM_LAST 0x80000000u

struct rm_reader {
	size_t max_record;		/* longest record taken */
	unsigned char *in;		/* received, not yet taken */
	size_t in_off, in_len, in_cap;
	unsigned char *rec;		/* a record of several fragments */
	size_t rec_len, rec_cap;
	size_t need;			/* bytes in[] must hold to go on */
};

enum rm_status {
	RM_MORE,	/* no whole record yet */
	RM_RECORD,	/* *msg, *len: one record, valid until the next call */
	RM_TOO_BIG,	/* longer than max_record: close the connection */
	RM_NOMEM,
};

void rm_init(struct rm_reader *r, size_t max_record);
void rm_free(struct rm_reader *r);

/* Where to receive to; *room bytes are free there (NULL: no memory).
 * The buffer grows to what the fragment being read needs, and no more. */
unsigned char *rm_space(struct rm_reader *r, size_t *room);
void rm_received(struct rm_reader *r, size_t n);

enum rm_status rm_next(struct rm_reader *r, const unsigned char **msg, size_t *len);

/* Moves what is left to the start and gives back big buffers that hold
 * nothing; call when done taking records. */
void rm_compact(struct rm_reader *r);

/* Bytes of memory held, and how many more rm_space may ask for now. */
size_t rm_held(const struct rm_reader *r);
size_t rm_growth(const struct rm_reader *r);

/* A partial record or fragment is waiting. */
bool rm_pending(const struct rm_reader *r);

#endif
