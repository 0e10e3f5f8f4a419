#include "config.h"

#include "window.h"

uint16_t wire_block(uint64_t block, uint16_t rollover)
{
	if (block <= 65535)
		return (uint16_t)block;
	return (uint16_t)(rollover + (block - 65536) % (65536u - rollover));
}

unsigned acked_blocks(uint64_t base, unsigned n, uint16_t ack, uint16_t rollover)
{
	unsigned j;

	/* From the top: in a window wider than the rollover cycle (a
	 * rollover of 65535 repeats one number), the furthest block that
	 * matches is the one the client means. */
	for (j = n; j >= 1; j--)
		if (wire_block(base - 1 + j, rollover) == ack)
			return j;
	return 0;
}
