/* One TFTP transfer on its own socket (its TID), after negotiation:
 * RRQ sends a file window by window (RFC 7440), WRQ receives one. */
#ifndef TFTPD_TRANSFER_H
#define TFTPD_TRANSFER_H

#include <stdint.h>
#include <sys/socket.h>

#include "options.h"
#include "packet.h"

/* The most a netascii RRQ's window may hold (windowsize x blksize): it
 * is kept encoded in memory, one per transfer, and a request that asks
 * for 64 x 65464 must not cost 4 MB. Octet windows are read from the
 * page cache and cost nothing per transfer. */
#define TRANSFER_NETASCII_WINDOW_BYTES 65536

struct transfer {
	int sock;			/* connected to the peer: its packets only */
	int stranger_sock;		/* same port, unconnected: all others, who
					 * get ERROR 5 (RFC 1350); or -1 */
	struct sockaddr_storage peer;
	int fd;				/* the open file */
	enum tftp_opcode opcode;
	enum tftp_mode mode;
	struct tftp_params params;
	uint64_t file_size;		/* RRQ: size at open */
	const uint8_t *oack;		/* NULL: no options were granted */
	size_t oack_len;
	int verbosity;
	const char *filename;		/* for log lines */
	/* WRQ: called once the last block is written and the file closed,
	 * before the final ACK tells the client it is done; -1 (errno set)
	 * fails the transfer. NULL: nothing to do. */
	int (*commit)(void *arg);
	void *commit_arg;
};

/* Run to the end; returns 0 when the last block was acknowledged. Every
 * way it can end is logged here. */
int transfer_run(struct transfer *t);

/* Called once before the first fork: a page shared by every transfer
 * process, where a transfer that found a retransmission needless leaves
 * the floor it raised (rto_spurious), so that the others, running and
 * to come, start from it instead of each paying a needless resend to
 * learn that the host is loaded. It lapses RTO_SHARED_HOLD_US after the
 * last raise. Without the page (mmap failed) each learns alone. */
void transfer_share_floor(void);

/* ERROR packet to addr from sock. */
void transfer_send_error(int sock, const struct sockaddr *addr, enum tftp_error code,
			 const char *msg, int verbosity);

#endif
