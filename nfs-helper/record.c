#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "record.h"

#define IN_START 4096

void rm_init(struct rm_reader *r, size_t max_record)
{
	memset(r, 0, sizeof *r);
	r->max_record = max_record;
	r->need = RM_MARK;
}

void rm_free(struct rm_reader *r)
{
	free(r->in);
	free(r->rec);
	rm_init(r, r->max_record);
}

static size_t want_cap(const struct rm_reader *r)
{
	size_t n = IN_START;

	while (n < r->need)
		n *= 2;
	return n;
}

size_t rm_growth(const struct rm_reader *r)
{
	size_t n = want_cap(r);

	return n > r->in_cap ? n - r->in_cap : 0;
}

unsigned char *rm_space(struct rm_reader *r, size_t *room)
{
	size_t n = want_cap(r);

	if (r->in_off != 0)
		rm_compact(r);
	if (n > r->in_cap) {
		unsigned char *p = realloc(r->in, n);

		if (p == NULL)
			return NULL;
		r->in = p;
		r->in_cap = n;
	}
	*room = r->in_cap - r->in_len;
	return r->in + r->in_len;
}

void rm_received(struct rm_reader *r, size_t n)
{
	r->in_len += n;
}

static bool append(struct rm_reader *r, const unsigned char *p, size_t n)
{
	if (n == 0)		/* an empty fragment: nothing to copy */
		return true;
	if (r->rec_len + n > r->rec_cap) {
		size_t cap = r->rec_cap ? r->rec_cap : IN_START;
		unsigned char *q;

		while (cap < r->rec_len + n)
			cap *= 2;
		q = realloc(r->rec, cap);
		if (q == NULL)
			return false;
		r->rec = q;
		r->rec_cap = cap;
	}
	memcpy(r->rec + r->rec_len, p, n);
	r->rec_len += n;
	return true;
}

enum rm_status rm_next(struct rm_reader *r, const unsigned char **msg, size_t *len)
{
	for (;;) {
		const unsigned char *m = r->in + r->in_off;
		size_t have = r->in_len - r->in_off, flen;
		uint32_t mark;

		if (have < RM_MARK) {
			r->need = RM_MARK;
			return RM_MORE;
		}
		mark = get_be32(m);
		flen = mark & ~RM_LAST;
		if (flen > r->max_record || r->rec_len + flen > r->max_record)
			return RM_TOO_BIG;
		if (have - RM_MARK < flen) {
			r->need = RM_MARK + flen;
			return RM_MORE;
		}
		r->in_off += RM_MARK + flen;
		r->need = RM_MARK;
		if ((mark & RM_LAST) && r->rec_len == 0) {
			/* the usual case: one fragment, taken where it lies */
			*msg = m + RM_MARK;
			*len = flen;
			return RM_RECORD;
		}
		if (!append(r, m + RM_MARK, flen))
			return RM_NOMEM;
		if (mark & RM_LAST) {
			*msg = r->rec;
			*len = r->rec_len;
			r->rec_len = 0;	/* the bytes stay until the next call */
			return RM_RECORD;
		}
	}
}

void rm_compact(struct rm_reader *r)
{
	if (r->in_off != 0) {
		memmove(r->in, r->in + r->in_off, r->in_len - r->in_off);
		r->in_len -= r->in_off;
		r->in_off = 0;
	}
	/* One big call must not keep its buffer for the connection's life. */
	if (r->in_len == 0 && r->in_cap > IN_START) {
		free(r->in);
		r->in = NULL;
		r->in_cap = 0;
	}
	if (r->rec_len == 0 && r->rec_cap != 0) {
		free(r->rec);
		r->rec = NULL;
		r->rec_cap = 0;
	}
}

size_t rm_held(const struct rm_reader *r)
{
	return r->in_cap + r->rec_cap;
}

bool rm_pending(const struct rm_reader *r)
{
	return r->in_len != r->in_off || r->rec_len != 0;
}
