#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "timerheap.h"

void timerheap_init(struct timerheap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void timer_init(struct timer *t)
{
	t->when = 0;
	t->slot = TIMER_IDLE;
}

static void place(struct timerheap *h, size_t i, struct timer *t)
{
	h->v[i] = t;
	t->slot = i;
}

static void sift_up(struct timerheap *h, size_t i)
{
	struct timer *t = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent]->when <= t->when)
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct timerheap *h, size_t i)
{
	struct timer *t = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->when < h->v[c]->when)
			c++;
		if (t->when <= h->v[c]->when)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

int timerheap_set(struct timerheap *h, struct timer *t, uint64_t when)
{
	uint64_t old = t->when;

	if (t->slot != TIMER_IDLE) {
		t->when = when;
		if (when < old)
			sift_up(h, t->slot);
		else
			sift_down(h, t->slot);
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct timer **v = reallocarray(h->v, cap, sizeof(*v));

		if (v == NULL) {
			errno = ENOMEM;
			return -1;
		}
		h->v = v;
		h->cap = cap;
	}
	t->when = when;
	place(h, h->n++, t);
	sift_up(h, t->slot);
	return 0;
}

void timerheap_remove(struct timerheap *h, struct timer *t)
{
	size_t i = t->slot;
	struct timer *last;

	if (i == TIMER_IDLE)
		return;
	t->slot = TIMER_IDLE;
	last = h->v[--h->n];
	if (last == t)
		return;
	place(h, i, last);
	/* The one moved into the hole may belong above it or below it. */
	if (i > 0 && h->v[(i - 1) / 2]->when > last->when)
		sift_up(h, i);
	else
		sift_down(h, i);
}

struct timer *timerheap_first(const struct timerheap *h)
{
	return h->n ? h->v[0] : NULL;
}

void timerheap_free(struct timerheap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->slot = TIMER_IDLE;
	free(h->v);
	timerheap_init(h);
}
