/* Retransmission timeout: RFC 6298's estimator where the client left the
 * timeout to us, a fixed value where it negotiated one (RFC 2349), and
 * doubling backoff with a give-up time either way. */
#ifndef TFTPD_RTO_H
#define TFTPD_RTO_H

#include <stdbool.h>
#include <stdint.h>

/* Floor of the adaptive timeout: below this, scheduler noise on a busy
 * server looks like loss. */
#define RTO_MIN_US 20000u
/* tftpd-hpa gives up once the backoff reaches 63 times the base timeout
 * (six sends with the default second); so do we, counted in time. */
#define RTO_GIVE_UP_FACTOR 63u

struct rto {
	bool adaptive;
	bool have_sample;
	uint64_t base_us;	/* negotiated timeout, or -T */
	uint64_t srtt_us, rttvar_us;
	uint64_t min_us;	/* floor: RTO_MIN_US, raised by spurious
				 * retransmissions */
	uint64_t rto_us;	/* current, before backoff */
	uint64_t backoff_us;	/* current, after backoff */
};

void rto_init(struct rto *r, uint64_t base_us, bool adaptive);
/* A round trip measured on a packet that was not retransmitted (Karn). */
void rto_sample(struct rto *r, uint64_t rtt_us);
/* A retransmission turned out to be needless: the client acknowledged
 * the same block twice, once for the original (which came rtt_us after
 * it was first sent) and once for the copy. The original's round trip
 * is then a valid sample after all, and the floor is raised above it
 * (at least doubled, never past the base): on a loaded host the delay
 * comes from the CPU, not the link, and it comes again. */
void rto_spurious(struct rto *r, uint64_t rtt_us);
/* Raises the floor to floor_us (bounded by the base), as rto_spurious
 * does, for a floor learnt by another transfer on this host. */
void rto_raise_floor(struct rto *r, uint64_t floor_us);
/* Progress was made: the backoff starts again from the estimate. */
void rto_reset_backoff(struct rto *r);
/* A timeout fired: doubles the wait. */
void rto_backoff(struct rto *r);
uint64_t rto_wait_us(const struct rto *r);
uint64_t rto_give_up_us(const struct rto *r);

#endif
