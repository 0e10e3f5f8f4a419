/* Admission of transfers to the workers: what a transfer's buffers cost,
 * whether one more fits under the memory limit, and which worker takes
 * it. Pure arithmetic; the listening process applies it before it makes
 * a transfer's sockets, so a request over the limit costs nothing more. */
#ifndef TFTPD_BUDGET_H
#define TFTPD_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

/* What every transfer costs besides its block buffers: its state, the
 * session, the OACK, the log strings. */
#define BUDGET_FIXED_BYTES 4096u

/* The most memory a transfer with these parameters holds, also if the
 * path MTU lowers its blksize later: the receive buffer, the octet
 * stage or the netascii ring (blocksrc), and the per-packet send
 * headers of a window. */
uint64_t budget_transfer_bytes(enum tftp_opcode op, enum tftp_mode mode, unsigned blksize,
			       unsigned windowsize);

/* Whether cost more fits: in_use + cost <= limit, without overflow;
 * limit 0 means no limit. */
bool budget_admit(uint64_t in_use, uint64_t cost, uint64_t limit);

/* The worker with the fewest transfers; on a tie the first at or after
 * from (the caller rotates it, so equal workers take turns). n > 0. */
unsigned budget_pick_worker(const uint32_t *active, unsigned n, unsigned from);

#endif
