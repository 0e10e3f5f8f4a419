/* The deadlines of every transfer a worker serves, in a binary min-heap:
 * the loop sleeps until the earliest and changes one in O(log n) each
 * time a transfer sends. The timers live in the transfers' own structs;
 * the heap only points at them. Pure: the unit tests drive it. */
#ifndef TFTPD_TIMERHEAP_H
#define TFTPD_TIMERHEAP_H

#include <stddef.h>
#include <stdint.h>

struct timer {
	uint64_t when;		/* microseconds, CLOCK_MONOTONIC */
	size_t slot;		/* position in the heap; TIMER_IDLE: not in it */
};
#define TIMER_IDLE ((size_t)-1)

struct timerheap {
	struct timer **v;
	size_t n, cap;
};

void timerheap_init(struct timerheap *h);
void timer_init(struct timer *t);
/* Arms t for when (or moves it there). -1 (ENOMEM) when the heap cannot
 * grow, with t not armed. */
int timerheap_set(struct timerheap *h, struct timer *t, uint64_t when);
/* Disarms t; nothing when it is not armed. */
void timerheap_remove(struct timerheap *h, struct timer *t);
/* The earliest armed timer, or NULL. */
struct timer *timerheap_first(const struct timerheap *h);
void timerheap_free(struct timerheap *h);

#endif
