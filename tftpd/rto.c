#include "config.h"

#include "rto.h"

void rto_init(struct rto *r, uint64_t base_us, bool adaptive)
{
	r->adaptive = adaptive;
	r->have_sample = false;
	r->base_us = base_us;
	r->srtt_us = r->rttvar_us = 0;
	r->min_us = RTO_MIN_US;
	r->jitter_us = 0;
	r->rto_us = r->backoff_us = base_us;
}

/* RFC 6298 section 2.3, with the host's jitter, the floor and the base. */
static void rto_update(struct rto *r)
{
	uint64_t rto = r->srtt_us + 4 * r->rttvar_us;
	uint64_t jittered = r->srtt_us + RTO_JITTER_FACTOR * r->jitter_us;

	if (rto < jittered)
		rto = jittered;
	if (rto < r->min_us)
		rto = r->min_us;
	if (rto > r->base_us)
		rto = r->base_us;
	r->rto_us = rto;
}

void rto_sample(struct rto *r, uint64_t rtt_us)
{
	if (!r->adaptive)
		return;
	if (!r->have_sample) {
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
		r->have_sample = true;
	} else {
		uint64_t err = rtt_us > r->srtt_us ? rtt_us - r->srtt_us : r->srtt_us - rtt_us;

		r->rttvar_us = (3 * r->rttvar_us + err) / 4;
		r->srtt_us = (7 * r->srtt_us + rtt_us) / 8;
	}
	rto_update(r);
}

uint64_t rto_excess(const struct rto *r, uint64_t rtt_us)
{
	if (!r->adaptive || !r->have_sample || rtt_us <= r->srtt_us)
		return 0;
	return rtt_us - r->srtt_us;
}

void rto_set_jitter(struct rto *r, uint64_t jitter_us)
{
	if (!r->adaptive || jitter_us == r->jitter_us)
		return;
	/* Bounded here so that the sum below cannot wrap. */
	r->jitter_us = jitter_us < r->base_us ? jitter_us : r->base_us;
	/* Before the first sample the base stands (RFC 6298 (2.1)). */
	if (r->have_sample)
		rto_update(r);
}

void rto_spurious(struct rto *r, uint64_t rtt_us)
{
	uint64_t floor = 2 * r->min_us;

	if (!r->adaptive)
		return;
	if (floor < rtt_us + rtt_us / 2)
		floor = rtt_us + rtt_us / 2;
	r->min_us = floor < r->base_us ? floor : r->base_us;
	rto_sample(r, rtt_us);
}

void rto_raise_floor(struct rto *r, uint64_t floor_us)
{
	if (!r->adaptive || floor_us <= r->min_us)
		return;
	r->min_us = floor_us < r->base_us ? floor_us : r->base_us;
	if (r->have_sample && r->rto_us < r->min_us)
		r->rto_us = r->min_us;
}

void rto_reset_backoff(struct rto *r)
{
	r->backoff_us = r->rto_us;
}

void rto_backoff(struct rto *r)
{
	if (r->backoff_us < RTO_GIVE_UP_FACTOR * r->base_us)
		r->backoff_us *= 2;
}

uint64_t rto_wait_us(const struct rto *r)
{
	return r->backoff_us;
}

uint64_t rto_give_up_us(const struct rto *r)
{
	return RTO_GIVE_UP_FACTOR * r->base_us;
}
