#include "config.h"

#include <sys/socket.h>

#include "blocksrc.h"
#include "budget.h"

uint64_t budget_transfer_bytes(enum tftp_opcode op, enum tftp_mode mode, unsigned blksize,
			       unsigned windowsize)
{
	uint64_t rx = (blksize > 512 ? blksize : 512) + TFTP_HEADER_SIZE + 1;
	uint64_t bytes = BUDGET_FIXED_BYTES + rx;

	if (op == TFTP_WRQ)
		return bytes + (mode == TFTP_MODE_NETASCII ? (uint64_t)blksize + 1 : 0);
	bytes += (uint64_t)windowsize * (sizeof(struct mmsghdr) + 2 * sizeof(struct iovec) +
					 TFTP_HEADER_SIZE);
	if (mode == TFTP_MODE_NETASCII)
		return bytes + (uint64_t)windowsize * (blksize + sizeof(size_t)) +
		       BLOCKSRC_NETASCII_READ_CHUNK;
	return bytes + blocksrc_stage_bound(blksize, windowsize);
}

bool budget_admit(uint64_t in_use, uint64_t cost, uint64_t limit)
{
	if (limit == 0)
		return true;
	return in_use <= limit && cost <= limit - in_use;
}

unsigned budget_pick_worker(const uint32_t *active, unsigned n, unsigned from)
{
	unsigned best = from % n;

	for (unsigned k = 1; k < n; k++) {
		unsigned i = (from + k) % n;

		if (active[i] < active[best])
			best = i;
	}
	return best;
}
