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
/* The timeout covers the transfer's smoothed round trip plus this many
 * times the host's jitter (rto_set_jitter), as RFC 6298 covers it plus
 * K = 4 times the transfer's own variance. With 2 a loaded host still
 * resent needlessly whenever a stall outlasted twice the longest one
 * before it (bench/run-atftp-load). */
#define RTO_JITTER_FACTOR 4u
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
	uint64_t jitter_us;	/* the host's lately: rto_set_jitter */
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
/* How much later than the smoothed round trip this one came (0 before
 * the first sample, or if it came sooner). */
uint64_t rto_excess(const struct rto *r, uint64_t rtt_us);
/* The longest excess any transfer on this host saw lately. A round trip
 * on a LAN is well under a millisecond; what stretches it by tens of
 * milliseconds is a CPU the client or the server waited for, and that
 * comes to every transfer on a loaded host at once, with no warning in
 * the transfer's own recent samples: RFC 6298's variance, learnt per
 * transfer, decays in a few dozen quick round trips and the next stall
 * then fires the timer of every transfer it catches. So the timeout
 * also covers srtt + RTO_JITTER_FACTOR * jitter_us (within the floor and
 * the base), which an idle host (jitter of a few hundred microseconds)
 * does not notice and a loaded one learns from its first slow ACK, not
 * from its first needless resend. */
void rto_set_jitter(struct rto *r, uint64_t jitter_us);
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
