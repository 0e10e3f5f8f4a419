/* One TFTP transfer on its own socket (its TID), after negotiation:
 * RRQ sends a file window by window (RFC 7440), WRQ receives one. */
#ifndef TFTPD_TRANSFER_H
#define TFTPD_TRANSFER_H

#include <stdint.h>
#include <sys/socket.h>

#include "options.h"
#include "packet.h"

/* The most an RRQ's window may hold (windowsize x blksize): it is kept
 * in memory, one per transfer (octet: read into the stage; netascii:
 * encoded), and is charged against the memory limit before the path
 * MTU is known, so a request that asks for 64 x 65464 must not cost
 * 4 MB. Octet windows of blocks that fit the MTU (64 x 1468 is 92 KiB)
 * are not lowered; 256 KiB is 4 blocks of 65464 and 32 of 8192, as
 * fast on loopback as larger windows (bench/README.md). */
#define TRANSFER_NETASCII_WINDOW_BYTES 65536
#define TRANSFER_OCTET_WINDOW_BYTES (256u << 10)

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
	const char *filename;		/* for log lines */
	/* WRQ: called once the last block is written and the file closed,
	 * before the final ACK tells the client it is done; -1 (errno set)
	 * fails the transfer. NULL: nothing to do. */
	int (*commit)(void *arg);
	void *commit_arg;
};

/* A transfer is driven by events: the loop that serves it (a worker's
 * epoll loop, or transfer_run for a process of its own) calls
 * transfer_input when its socket is readable, transfer_expired once
 * transfer_deadline has passed, and transfer_strangers when the stranger
 * socket is readable. Each returns TRANSFER_RUNNING while the transfer
 * goes on, then TRANSFER_DONE (the last block was acknowledged) or
 * TRANSFER_FAILED; every way it can end is logged here. */
enum transfer_status { TRANSFER_FAILED = -1, TRANSFER_DONE = 0, TRANSFER_RUNNING = 1 };

struct xfer;

/* Sets up t's run and sends its first packet; NULL (logged) when it
 * cannot start, else *status says whether it goes on. */
struct xfer *transfer_begin(struct transfer *t, enum transfer_status *status);
/* Reads at most max packets that are waiting (never blocks). */
enum transfer_status transfer_input(struct xfer *x, unsigned max);
/* The deadline passed: what was waiting is looked at first, then the
 * window (or the ACK) is sent again, or the transfer given up. */
enum transfer_status transfer_expired(struct xfer *x);
/* When transfer_expired is due (CLOCK_MONOTONIC microseconds). */
uint64_t transfer_deadline(const struct xfer *x);
/* Answers at most max packets waiting on the stranger socket. */
void transfer_strangers(struct xfer *x, unsigned max);
/* Logs the outcome and frees x (not t). */
void transfer_end(struct xfer *x, enum transfer_status status);

/* A whole transfer in the calling process; returns 0 when the last
 * block was acknowledged. */
int transfer_run(struct transfer *t);

/* CLOCK_MONOTONIC in microseconds, the clock of every deadline. */
uint64_t transfer_now_us(void);

/* UDP_SEGMENT (UDP GSO): a window of equal-size DATA packets goes to
 * the kernel in one send, not one per block. On by default; off, or off
 * once the kernel refuses it (then each window is sent with sendmmsg). */
void transfer_use_gso(int on);

/* Called once before the first fork: a page shared by every transfer
 * process, where a transfer that found a retransmission needless leaves
 * the floor it raised (rto_spurious), so that the others, running and
 * to come, start from it instead of each paying a needless resend to
 * learn that the host is loaded. It lapses RTO_SHARED_HOLD_US after the
 * last raise. Without the page (mmap failed) each learns alone. */
void transfer_share_floor(void);

/* ERROR packet to addr from sock. */
void transfer_send_error(int sock, const struct sockaddr *addr, enum tftp_error code,
			 const char *msg);

#endif
