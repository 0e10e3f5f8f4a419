#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "fdio.h"
#include "log.h"
#include "netascii.h"
#include "rto.h"
#include "transfer.h"

/* Runtime state of one transfer; lives on the child's stack. */
struct xfer {
	struct transfer *t;
	struct rto rto;
	char peer_text[ADDR_STRLEN];
	uint8_t *rx;
	size_t rxsize;
	uint64_t start_us;
	uint64_t bytes;
	unsigned retransmits;
	uint64_t timeo_us;		/* SO_RCVTIMEO now set on the socket */
	unsigned since_stranger_check;

	/* RRQ: blocks come from the mapped file (octet), from a ring of
	 * blocks read ahead (octet, lock-step) or from a ring of encoded
	 * blocks (netascii, which cannot be addressed by offset). */
	const uint8_t *map;
	uint64_t populated;		/* bytes of the map faulted in so far */
	uint64_t final_block;		/* 0 until known */
	uint8_t *ring;
	size_t *ring_len;
	uint64_t gen_next;
	struct netascii_encoder enc;
	uint8_t *inbuf;
	size_t in_len, in_off;
	bool in_eof;
	uint8_t *stage;			/* lock-step: stage_slots blocks read ahead */
	unsigned stage_slots;
	uint64_t staged_lo, staged_hi;	/* the blocks in it, 0: none */
	struct mmsghdr *msgs;
	struct iovec *iov;
	uint8_t (*hdr)[TFTP_HEADER_SIZE];
};

#define NETASCII_READ_CHUNK 65536
/* Lock-step reads this much of the file ahead in one call (at least
 * two blocks), instead of a system call for every block. */
#define STAGE_BYTES 32768
/* Packets between two looks at the stranger socket. */
#define STRANGER_CHECK 64
/* The mapped file is faulted in this far ahead of the window, in one
 * call, rather than a page fault at a time while sending. */
#define POPULATE_CHUNK (2u << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22	/* Linux 5.14; older kernels fault lazily */
#endif

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Block numbers on the wire are 16 bits; after 65535 comes the
 * negotiated rollover value (tftpd-hpa's "rollover" option, default 0). */
static uint16_t wire_block(uint64_t block, uint16_t rollover)
{
	if (block <= 65535)
		return (uint16_t)block;
	return (uint16_t)(rollover + (block - 65536) % (65536u - rollover));
}

static const char *op_name(const struct transfer *t)
{
	return t->opcode == TFTP_WRQ ? "WRQ" : "RRQ";
}

void transfer_send_error(int sock, const struct sockaddr *addr, enum tftp_error code,
			 const char *msg, int verbosity)
{
	uint8_t buf[TFTP_HEADER_SIZE + 256];
	size_t len = tftp_put_error(buf, sizeof(buf), code, msg);

	if (verbosity >= 2) {
		char text[ADDR_STRLEN];
		struct sockaddr_storage u;

		logmsg(LOG_INFO, "sending NAK (%d, %s) to %s", code,
		       (const char *)buf + TFTP_HEADER_SIZE,
		       addr_ntop(addr_unmap_v4(addr, &u), text, sizeof(text)));
	}
	if (sendto(sock, buf, len, 0, addr, addr_len(addr)) < 0)
		logmsg(LOG_WARNING, "nak: %m");
}

static void send_error(struct xfer *x, enum tftp_error code, const char *msg)
{
	transfer_send_error(x->t->sock, (struct sockaddr *)&x->t->peer, code, msg,
			    x->t->verbosity);
}

/* A send or receive on the transfer socket failed: a datagram the kernel
 * would not take counts as lost (the timer recovers it, return 0); ICMP
 * port unreachable means the client has gone; anything else is logged. */
static int socket_failed(struct xfer *x, const char *what)
{
	if (errno == ENOBUFS || errno == EAGAIN)
		return 0;
	if (errno == ECONNREFUSED) {
		if (x->t->verbosity >= 1)
			logmsg(LOG_NOTICE, "%s %s: %s is gone (port unreachable)",
			       op_name(x->t), x->t->filename, x->peer_text);
	} else {
		logmsg(LOG_WARNING, "tftpd: %s: %m", what);
	}
	return -1;
}

/* RFC 1350 section 4: a packet from another TID gets ERROR 5, and the
 * transfer it intruded on carries on. Strangers arrive on the second,
 * unconnected socket bound to the same port. */
static void answer_strangers(struct xfer *x)
{
	uint8_t junk[16];
	struct sockaddr_storage from, u;
	socklen_t fromlen = sizeof(from);
	char text[ADDR_STRLEN];

	if (x->t->stranger_sock < 0)
		return;
	while (recvfrom(x->t->stranger_sock, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC,
			(struct sockaddr *)&from, &fromlen) >= 0) {
		/* The kernel prefers the connected socket for the peer's
		 * packets; should one still land here, it is no stranger's. */
		if (!addr_equal((struct sockaddr *)&from, (struct sockaddr *)&x->t->peer)) {
			if (x->t->verbosity >= 1)
				logmsg(LOG_NOTICE, "packet from %s port %u to the transfer of %s refused",
				       addr_ntop(addr_unmap_v4((struct sockaddr *)&from, &u),
						 text, sizeof(text)),
				       addr_port((struct sockaddr *)&from), x->t->filename);
			transfer_send_error(x->t->stranger_sock, (struct sockaddr *)&from,
					    TFTP_EBADID, NULL, x->t->verbosity);
		}
		fromlen = sizeof(from);
	}
}

/* The receive timeout of the connected socket is only changed when the
 * wait really differs: in steady lock-step it is the same every packet. */
static void set_recv_timeout(struct xfer *x, uint64_t left)
{
	struct timeval tv;

	if (left + left / 8 >= x->timeo_us && left <= x->timeo_us)
		return;
	tv.tv_sec = (time_t)(left / 1000000u);
	tv.tv_usec = (suseconds_t)(left % 1000000u);
	if (left == 0)
		tv.tv_usec = 1;		/* 0 would mean "wait for ever" */
	if (setsockopt(x->t->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0)
		x->timeo_us = left;
}

/* Waits until the deadline for a packet from the peer. Returns 1 with
 * *len set, 0 on timeout, -1 when the transfer cannot go on (logged).
 * A plain blocking recv, no poll: one system call per packet matters
 * when hundreds of transfers share two cores. Strangers are answered
 * every STRANGER_CHECK packets and at every timeout. */
static int wait_packet(struct xfer *x, uint64_t deadline, size_t *len)
{
	for (;;) {
		uint64_t now = now_us();
		ssize_t n;

		if (++x->since_stranger_check >= STRANGER_CHECK || now >= deadline) {
			x->since_stranger_check = 0;
			answer_strangers(x);
		}
		if (now >= deadline)
			return 0;
		set_recv_timeout(x, deadline - now);
		n = recv(x->t->sock, x->rx, x->rxsize, MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;	/* the deadline check decides */
			socket_failed(x, "read");
			return -1;
		}
		if ((size_t)n > x->rxsize) {
			if (x->t->verbosity >= 1)
				logmsg(LOG_NOTICE, "%s: dropped an oversized packet (%zd bytes) from %s",
				       x->t->filename, n, x->peer_text);
			continue;
		}
		*len = (size_t)n;
		return 1;
	}
}

static void log_peer_error(struct xfer *x, uint16_t code, size_t len, bool during_oack)
{
	char msg[128];

	tftp_printable(msg, sizeof(msg), x->rx + TFTP_HEADER_SIZE, len - TFTP_HEADER_SIZE);
	if (during_oack)
		logmsg(LOG_WARNING, "tftp: client does not accept options");
	if (x->t->verbosity >= 1)
		logmsg(LOG_NOTICE, "%s %s from %s: client sent ERROR %u (%s)", op_name(x->t),
		       x->t->filename, x->peer_text, code, msg);
}

/* The next deadline: the backoff, but never past the give-up time. */
static uint64_t next_deadline(const struct xfer *x, uint64_t from, uint64_t last_progress)
{
	uint64_t deadline = from + rto_wait_us(&x->rto);
	uint64_t give_up = last_progress + rto_give_up_us(&x->rto);

	return deadline < give_up ? deadline : give_up;
}

static bool timed_out_for_good(struct xfer *x, uint64_t last_progress)
{
	if (now_us() - last_progress < rto_give_up_us(&x->rto))
		return false;
	logmsg(LOG_WARNING, "%s %s from %s: no answer for %.0f s, giving up", op_name(x->t),
	       x->t->filename, x->peer_text, (double)(now_us() - last_progress) / 1e6);
	return true;
}

/* The file is shorter than at open (replaced in place, say): an error
 * for the transfer, named in the log. */
static void file_shrank(struct xfer *x)
{
	logmsg(LOG_WARNING, "%s: the file got shorter while being sent", x->t->filename);
	errno = EIO;
}

/* The file could not be read: the client gets an ERROR, the log why. */
static int read_failed(struct xfer *x)
{
	int err = errno;

	logmsg(LOG_ERR, "%s: read: %s", x->t->filename, strerror(err));
	send_error(x, TFTP_EUNDEF, strerror(err));
	return -1;
}

/* Sends msgs[0..n); a datagram the kernel will not take now counts as
 * lost, and the retransmission timer recovers it. */
static int send_msgs(struct xfer *x, unsigned n)
{
	unsigned done = 0;

	while (done < n) {
		int rc = sendmmsg(x->t->sock, x->msgs + done, n - done, 0);

		if (rc < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EFAULT && x->map) {
				/* The kernel met the end of a mapped file
				 * cut short under us. */
				file_shrank(x);
				return read_failed(x);
			}
			return socket_failed(x, "write");
		}
		done += (unsigned)rc;
	}
	return 0;
}

static void set_msg(struct xfer *x, unsigned i, const void *head, size_t headlen,
		    const void *data, size_t datalen)
{
	x->iov[2 * i].iov_base = (void *)head;
	x->iov[2 * i].iov_len = headlen;
	x->iov[2 * i + 1].iov_base = (void *)data;
	x->iov[2 * i + 1].iov_len = datalen;
	x->msgs[i].msg_hdr.msg_iov = &x->iov[2 * i];
	x->msgs[i].msg_hdr.msg_iovlen = 2;
}

/* Encodes the next netascii block into its ring slot. */
static int produce_netascii_block(struct xfer *x)
{
	unsigned blksize = x->t->params.blksize;
	size_t slot = x->gen_next % x->t->params.windowsize, out = 0;
	uint8_t *dst = x->ring + slot * blksize;

	while (out < blksize) {
		size_t used;

		if (x->in_off == x->in_len && !x->in_eof) {
			ssize_t n = read(x->t->fd, x->inbuf, NETASCII_READ_CHUNK);

			if (n < 0)
				return -1;
			x->in_len = (size_t)n;
			x->in_off = 0;
			x->in_eof = n == 0;
		}
		if (x->in_off == x->in_len && x->in_eof && !netascii_encoder_pending(&x->enc))
			break;
		out += netascii_encode(&x->enc, x->inbuf + x->in_off, x->in_len - x->in_off,
				       &used, dst + out, blksize - out);
		x->in_off += used;
	}
	x->ring_len[slot] = out;
	if (out < blksize)
		x->final_block = x->gen_next;
	x->gen_next++;
	return 0;
}

/* Lock-step: reads up to count blocks from first on into their slots
 * of the stage (block n lives in slot n % stage_slots, so the block
 * before first, which may be resent, keeps its data). Unlike a
 * mapping, a file cut short under us is an error here, not a SIGBUS. */
static int read_blocks(struct xfer *x, uint64_t first, uint64_t count)
{
	size_t blksize = x->t->params.blksize, ring = x->stage_slots * blksize;
	uint64_t off = (first - 1) * blksize, size = x->t->file_size;
	size_t want = off >= size ? 0 : (size_t)(size - off < count * blksize ? size - off
									      : count * blksize);
	size_t start = (size_t)(first % x->stage_slots) * blksize, got = 0;

	while (got < want) {
		size_t pos = (start + got) % ring, chunk = want - got;
		ssize_t n;

		if (chunk > ring - pos)
			chunk = ring - pos;
		n = pread(x->t->fd, x->stage + pos, chunk, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				file_shrank(x);
			return -1;
		}
		got += (size_t)n;
	}
	/* Staged now: the blocks just read, and the one before them if it
	 * was staged (its slot was not read into). */
	x->staged_lo = x->staged_hi != 0 && first > x->staged_lo && first - 1 <= x->staged_hi
		       ? first - 1 : first;
	x->staged_hi = first + count - 1;
	return 0;
}

/* Fills the stage from block on, as far as it goes without the block
 * before it and without passing the final block. */
static int stage_from(struct xfer *x, uint64_t block)
{
	uint64_t count = x->final_block - block + 1;

	if (count > x->stage_slots - 1)
		count = x->stage_slots - 1;
	return read_blocks(x, block, count);
}

static int block_data(struct xfer *x, uint64_t block, const uint8_t **data, size_t *len)
{
	unsigned blksize = x->t->params.blksize;

	if (x->t->mode == TFTP_MODE_OCTET) {
		uint64_t off = (block - 1) * blksize;
		uint64_t left = off < x->t->file_size ? x->t->file_size - off : 0;

		*len = left < blksize ? (size_t)left : blksize;
		if (x->stage) {
			if ((block < x->staged_lo || block > x->staged_hi) && stage_from(x, block) < 0)
				return -1;
			*data = x->stage + (block % x->stage_slots) * blksize;
			return 0;
		}
		if (x->map && off + blksize > x->populated && x->populated < x->t->file_size) {
			uint64_t chunk = x->t->file_size - x->populated;

			if (chunk > POPULATE_CHUNK)
				chunk = POPULATE_CHUNK;
			madvise((void *)(x->map + x->populated), chunk, MADV_POPULATE_READ);
			x->populated += chunk;
		}
		*data = x->map + (x->map ? off : 0);
		return 0;
	}
	while (x->gen_next <= block)
		if (produce_netascii_block(x) < 0)
			return -1;
	*data = x->ring + (block % x->t->params.windowsize) * blksize;
	*len = x->ring_len[block % x->t->params.windowsize];
	return 0;
}

/* Fills msgs with the window starting at base; returns its block count.
 * Base 0 stands for the OACK, which is acknowledged like a block 0. */
static int build_window(struct xfer *x, uint64_t base, unsigned *count)
{
	unsigned i;

	if (base == 0) {
		set_msg(x, 0, x->t->oack, x->t->oack_len, NULL, 0);
		*count = 1;
		return 0;
	}
	for (i = 0; i < x->t->params.windowsize; i++) {
		uint64_t block = base + i;
		const uint8_t *data;
		size_t len;

		if (x->final_block && block > x->final_block)
			break;
		if (block_data(x, block, &data, &len) < 0)
			return -1;
		tftp_put_header(x->hdr[i], TFTP_DATA, wire_block(block, x->t->params.rollover));
		set_msg(x, i, x->hdr[i], TFTP_HEADER_SIZE, data, len);
	}
	*count = i;
	return 0;
}

/* In lock-step, while the client takes the block, the next ones are read
 * ahead into a buffer that stays in the CPU cache, so that after the ACK
 * only the send remains (tftpd-hpa reads ahead for the same reason): the
 * round trip, not the CPU, is what limits windowsize 1. Reading 32 KiB a
 * call instead of a block saves 6-8% of the CPU at blksize 512-1468. */
static int stage_block(struct xfer *x, uint64_t block)
{
	if (x->stage == NULL || block <= x->staged_hi || block > x->final_block)
		return 0;
	return stage_from(x, block);
}

/* How many blocks of the window [base, base + n) an ACK acknowledges;
 * 0 for a duplicate or stray ACK, which must never trigger a resend
 * (the Sorcerer's Apprentice bug, RFC 1123 section 4.2.3.1). */
static unsigned acked_blocks(uint64_t base, unsigned n, uint16_t ack, uint16_t rollover)
{
	unsigned j;

	for (j = n; j >= 1; j--)
		if (wire_block(base - 1 + j, rollover) == ack)
			return j;
	return 0;
}

static int rrq_setup(struct xfer *x)
{
	struct transfer *t = x->t;
	unsigned w = t->params.windowsize;

	x->msgs = calloc(w, sizeof(*x->msgs));
	x->iov = calloc(2 * (size_t)w, sizeof(*x->iov));
	x->hdr = calloc(w, sizeof(*x->hdr));
	if (!x->msgs || !x->iov || !x->hdr)
		return -1;
	if (t->mode == TFTP_MODE_OCTET) {
		x->final_block = t->file_size / t->params.blksize + 1;
		if (w == 1) {
			/* Lock-step reads ahead of the ACKs, many blocks a call. */
			x->stage_slots = STAGE_BYTES / t->params.blksize;
			if (x->stage_slots < 2)
				x->stage_slots = 2;
			x->stage = malloc((size_t)x->stage_slots * t->params.blksize);
			return x->stage ? 0 : -1;
		}
		if (t->file_size > 0) {
			void *m = mmap(NULL, t->file_size, PROT_READ, MAP_SHARED, t->fd, 0);

			if (m == MAP_FAILED)
				return -1;
			/* No MADV_SEQUENTIAL: it would have the kernel drop
			 * the pages behind us, and the next client wants the
			 * same initrd from the page cache. */
			x->map = m;
		}
		return 0;
	}
	netascii_encoder_init(&x->enc);
	x->gen_next = 1;
	x->ring = malloc((size_t)w * t->params.blksize);
	x->ring_len = calloc(w, sizeof(*x->ring_len));
	x->inbuf = malloc(NETASCII_READ_CHUNK);
	return x->ring && x->ring_len && x->inbuf ? 0 : -1;
}

static int rrq_run(struct xfer *x)
{
	struct transfer *t = x->t;
	uint64_t base = t->oack ? 0 : 1, last_progress = now_us();

	if (rrq_setup(x) < 0) {
		logmsg(LOG_ERR, "%s: cannot set up the transfer: %m", t->filename);
		send_error(x, TFTP_EUNDEF, strerror(errno));
		return -1;
	}
	for (;;) {
		bool resent = false;
		uint64_t sent_at;
		unsigned n;

		if (build_window(x, base, &n) < 0)
			return read_failed(x);
send:
		if (send_msgs(x, n) < 0)
			return -1;
		sent_at = now_us();
		if (stage_block(x, base + n) < 0)
			return read_failed(x);
		for (;;) {
			uint16_t op, arg;
			unsigned acked;
			size_t len;
			int rc = wait_packet(x, next_deadline(x, sent_at, last_progress), &len);

			if (rc < 0)
				return -1;
			if (rc == 0) {
				if (timed_out_for_good(x, last_progress))
					return -1;
				rto_backoff(&x->rto);
				x->retransmits++;
				resent = true;
				goto send;
			}
			if (tftp_parse_header(x->rx, len, &op, &arg) < 0)
				continue;
			if (op == TFTP_ERROR) {
				log_peer_error(x, arg, len, base == 0);
				return -1;
			}
			if (op != TFTP_ACK)
				continue;
			acked = acked_blocks(base, n, arg, t->params.rollover);
			if (acked == 0)
				continue;
			if (!resent)
				rto_sample(&x->rto, now_us() - sent_at);
			rto_reset_backoff(&x->rto);
			last_progress = now_us();
			for (unsigned i = 0; base > 0 && i < acked; i++)
				x->bytes += x->iov[2 * i + 1].iov_len;
			base += acked;
			if (x->final_block && base > x->final_block)
				return 0;
			break;
		}
	}
}

static int store_block(struct xfer *x, struct netascii_decoder *dec, uint8_t *scratch,
		       const uint8_t *data, size_t len, bool last)
{
	int rc;

	if (x->t->mode == TFTP_MODE_OCTET) {
		rc = write_all(x->t->fd, data, len);
	} else {
		size_t n = netascii_decode(dec, data, len, scratch);

		if (last)
			n += netascii_decode_finish(dec, scratch + n);
		rc = write_all(x->t->fd, scratch, n);
	}
	if (rc < 0) {
		logmsg(LOG_WARNING, "WRQ %s from %s: write: %m", x->t->filename, x->peer_text);
		if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG)
			send_error(x, TFTP_ENOSPACE, NULL);
		else
			send_error(x, TFTP_EUNDEF, strerror(errno));
		return -1;
	}
	x->bytes += len;
	return 0;
}

/* The old contents go only when the new ones start to come: a WRQ that
 * is refused in negotiation, or never sends a block, leaves the file as
 * it was. */
static int empty_file(struct xfer *x)
{
	if (ftruncate(x->t->fd, 0) == 0)
		return 0;
	logmsg(LOG_WARNING, "WRQ %s from %s: ftruncate: %m", x->t->filename, x->peer_text);
	send_error(x, TFTP_EACCESS, "Cannot reset file size");
	return -1;
}

static int send_reply(struct xfer *x, const uint8_t *buf, size_t len)
{
	return send(x->t->sock, buf, len, 0) < 0 ? socket_failed(x, "write(ack)") : 0;
}

/* After the final ACK the client may not have heard it: answer a repeat
 * of the last DATA for one base timeout, then stop. */
static void linger_final(struct xfer *x, const uint8_t *ack, uint16_t last_wire)
{
	uint64_t deadline = now_us() + x->rto.base_us;
	size_t len;

	while (wait_packet(x, deadline, &len) == 1) {
		uint16_t op, arg;

		if (tftp_parse_header(x->rx, len, &op, &arg) == 0 && op == TFTP_DATA &&
		    arg == last_wire)
			send_reply(x, ack, TFTP_HEADER_SIZE);
	}
}

static int wrq_run(struct xfer *x)
{
	struct transfer *t = x->t;
	struct netascii_decoder dec;
	uint8_t ack[TFTP_HEADER_SIZE], *scratch = NULL;
	const uint8_t *reply = t->oack ? t->oack : ack;
	size_t reply_len = t->oack ? t->oack_len : TFTP_HEADER_SIZE;
	uint64_t expected = 1, last_progress = now_us(), deadline;
	unsigned unacked = 0;
	bool resync_sent = false;
	int ret = -1;

	netascii_decoder_init(&dec);
	tftp_put_header(ack, TFTP_ACK, 0);
	if (t->mode == TFTP_MODE_NETASCII && (scratch = malloc(t->params.blksize + 1)) == NULL)
		goto out;
send:
	if (send_reply(x, reply, reply_len) < 0)
		goto out;
	deadline = next_deadline(x, now_us(), last_progress);
	for (;;) {
		uint16_t op, arg;
		size_t len, payload;
		int rc = wait_packet(x, deadline, &len);

		if (rc < 0)
			goto out;
		if (rc == 0) {
			if (timed_out_for_good(x, last_progress))
				goto out;
			rto_backoff(&x->rto);
			x->retransmits++;
			goto send;
		}
		if (tftp_parse_header(x->rx, len, &op, &arg) < 0)
			continue;
		if (op == TFTP_ERROR) {
			log_peer_error(x, arg, len, false);
			goto out;
		}
		if (op != TFTP_DATA)
			continue;
		payload = len - TFTP_HEADER_SIZE;
		if (payload > t->params.blksize)
			continue;	/* cannot be ours: larger than negotiated */
		if (arg != wire_block(expected, t->params.rollover)) {
			/* An old block (our ACK was lost) or a gap (their DATA
			 * was): say once where we are (RFC 7440 section 4). */
			if (resync_sent)
				continue;
			resync_sent = true;
			unacked = 0;
			reply = ack;
			reply_len = TFTP_HEADER_SIZE;
			goto send;
		}
		if (expected == 1 && empty_file(x) < 0)
			goto out;
		if (store_block(x, &dec, scratch, x->rx + TFTP_HEADER_SIZE, payload,
				payload < t->params.blksize) < 0)
			goto out;
		tftp_put_header(ack, TFTP_ACK, arg);
		reply = ack;
		reply_len = TFTP_HEADER_SIZE;
		last_progress = now_us();
		rto_reset_backoff(&x->rto);
		resync_sent = false;
		expected++;
		if (payload < t->params.blksize) {
			/* Close (and unlock) before lingering, so the next
			 * request for this file need not wait for us. */
			if (close(t->fd) < 0) {
				t->fd = -1;
				logmsg(LOG_WARNING, "WRQ %s from %s: close: %m", t->filename,
				       x->peer_text);
				send_error(x, TFTP_ENOSPACE, NULL);
				goto out;
			}
			t->fd = -1;
			if (t->commit && t->commit(t->commit_arg) < 0) {
				logmsg(LOG_WARNING, "WRQ %s from %s: cannot put the file in place: %m",
				       t->filename, x->peer_text);
				send_error(x, TFTP_EUNDEF, strerror(errno));
				goto out;
			}
			if (send_reply(x, ack, TFTP_HEADER_SIZE) == 0) {
				linger_final(x, ack, arg);
				ret = 0;
			}
			goto out;
		}
		if (++unacked >= t->params.windowsize) {
			unacked = 0;
			goto send;
		}
		deadline = next_deadline(x, now_us(), last_progress);
	}
out:
	free(scratch);
	return ret;
}

static void log_done(const struct xfer *x, int rc)
{
	const struct transfer *t = x->t;
	double secs = (double)(now_us() - x->start_us) / 1e6;

	if (rc != 0 || t->verbosity < 1)
		return;
	logmsg(LOG_NOTICE, "%s from %s filename %s: %s %ju bytes in %.3f s "
	       "(blksize %u, windowsize %u, %u retransmissions)",
	       op_name(t), x->peer_text, t->filename,
	       t->opcode == TFTP_WRQ ? "received" : "sent", (uintmax_t)x->bytes, secs,
	       t->params.blksize, t->params.windowsize, x->retransmits);
}

int transfer_run(struct transfer *t)
{
	struct xfer x = { .t = t };
	struct sockaddr_storage u;
	int rc;

	x.start_us = now_us();
	addr_ntop(addr_unmap_v4((struct sockaddr *)&t->peer, &u), x.peer_text,
		  sizeof(x.peer_text));
	rto_init(&x.rto, t->params.timeout_us, !t->params.timeout_negotiated);
	/* One byte more than a full block, to tell an oversized one. */
	x.rxsize = (t->params.blksize > 512 ? t->params.blksize : 512) + TFTP_HEADER_SIZE + 1;
	x.rx = malloc(x.rxsize);
	if (x.rx == NULL) {
		logmsg(LOG_ERR, "out of memory");
		return -1;
	}
	rc = t->opcode == TFTP_WRQ ? wrq_run(&x) : rrq_run(&x);
	log_done(&x, rc);
	if (x.map)
		munmap((void *)x.map, t->file_size);
	free(x.rx);
	free(x.msgs);
	free(x.iov);
	free(x.hdr);
	free(x.ring);
	free(x.stage);
	free(x.ring_len);
	free(x.inbuf);
	return rc;
}
