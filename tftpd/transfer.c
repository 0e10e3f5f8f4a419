#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "blocksrc.h"
#include "fdio.h"
#include "log.h"
#include "netascii.h"
#include "rto.h"
#include "transfer.h"
#include "window.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103		/* Linux 4.18 */
#endif
/* The kernel's cap on segments per UDP GSO send (UDP_MAX_SEGMENTS, 64
 * before Linux 5.4), and the most bytes one send may carry. */
#define GSO_MAX_SEGMENTS 64u
#define GSO_MAX_BYTES 65000u

enum phase { PHASE_RRQ, PHASE_WRQ, PHASE_LINGER };

/* Runtime state of one transfer: what the blocking loop kept in local
 * variables, kept here so that one process can serve many. */
struct xfer {
	struct transfer *t;
	enum phase phase;
	struct rto rto;
	char peer_text[ADDR_STRLEN];
	uint8_t *rx;
	size_t rxsize;
	uint64_t start_us;
	uint64_t bytes;
	unsigned retransmits;
	unsigned spurious;		/* retransmissions found needless */
	unsigned oversized;		/* packets dropped as larger than a block */
	uint64_t deadline;
	uint64_t last_progress;
	uint64_t progress;		/* counts windows and blocks done */

	/* RRQ */
	struct blocksrc src;
	struct mmsghdr *msgs;
	struct iovec *iov;
	uint8_t (*hdr)[TFTP_HEADER_SIZE];
	uint64_t base;			/* first block of the window out */
	unsigned n;			/* its block count */
	bool resent;
	uint64_t sent_at, first_sent_at;
	/* After a window that was resent and then acknowledged, a second
	 * ACK of its last block means the client had the original too:
	 * the resend was needless (rto_spurious). */
	bool check_spurious;
	/* But a client (or a link) that repeats ACKs when nothing was
	 * resent, a duplicating link or a windowed client telling of a
	 * gap, makes a repeat no proof: then the floor stays as it is. */
	bool dups_unprovoked;
	uint16_t spurious_ack;
	uint64_t original_rtt;

	/* WRQ */
	struct netascii_decoder dec;
	uint8_t ack[TFTP_HEADER_SIZE];
	uint8_t *scratch;
	const uint8_t *reply;
	size_t reply_len;
	uint64_t expected;
	unsigned unacked;
	bool resync_sent;
	uint16_t last_wire;
};

/* Packets taken from the queue after a deadline passed, at most, before
 * the timeout counts: on a busy host an answer may have come while the
 * process waited for the CPU. A few, so a flood cannot hold it off. */
#define LATE_LOOKS 8

/* What the transfers on this host learn about its delays, shared by the
 * transfer processes (transfer_share_floor): the floor raised by
 * needless retransmissions, and the jitter (rto_set_jitter). Both only
 * ever lengthen a timeout, and both lapse RTO_SHARED_HOLD_US after they
 * were last seen, so that a host that is no longer loaded recovers
 * losses quickly again. */
struct shared_floor {
	uint64_t floor_us;
	uint64_t raised_at_us;
	uint64_t jitter_us;
	uint64_t jitter_at_us;
};
/* Until transfer_share_floor, shared by the transfers of this process. */
static struct shared_floor own_floor;
static struct shared_floor *shared_floor = &own_floor;
#define RTO_SHARED_HOLD_US 10000000u
/* The jitter counts only while this process serves at least this many
 * transfers. A stall costs a lone transfer one needless DATA, and its
 * losses are recovered at the floor; but with many, every transfer the
 * stall catches resends at once, when the host is busiest
 * (bench/run-atftp-load: 13 in one stall). tests/integration/tftp-
 * impaired, one transfer at a time on a loaded host, took 1.7-2.9x as
 * long for its lock-step transfers with the jitter always counted. */
#define JITTER_MIN_RUNNING 8u
static unsigned running;
/* An excess at least half the jitter on record keeps it from lapsing;
 * written at most this often, since every ACK brings one. */
#define JITTER_REFRESH_US 1000000u

static bool gso_on = true;

void transfer_use_gso(int on)
{
	gso_on = on != 0;
}

void transfer_share_floor(void)
{
	void *p = mmap(NULL, sizeof(*shared_floor), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		shared_floor = p;	/* own_floor is all zero still */
}

uint64_t transfer_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
#define now_us transfer_now_us

/* Takes up the floor and the jitter other transfers learnt lately. */
static void adopt_shared(struct xfer *x, uint64_t now)
{
	uint64_t floor = __atomic_load_n(&shared_floor->floor_us, __ATOMIC_RELAXED);
	uint64_t at = __atomic_load_n(&shared_floor->raised_at_us, __ATOMIC_RELAXED);
	uint64_t jitter = __atomic_load_n(&shared_floor->jitter_us, __ATOMIC_RELAXED);

	if (floor > x->rto.min_us && now - at < RTO_SHARED_HOLD_US)
		rto_raise_floor(&x->rto, floor);
	at = __atomic_load_n(&shared_floor->jitter_at_us, __ATOMIC_RELAXED);
	rto_set_jitter(&x->rto, now - at < RTO_SHARED_HOLD_US && running >= JITTER_MIN_RUNNING ?
		       jitter : 0);
}

/* How much later than the transfer's estimate a round trip came, for
 * the host's jitter: the record goes up to a longer excess at once, and
 * is kept up (at most once a JITTER_REFRESH_US) by excesses at least half
 * as long. */
static void share_excess(struct xfer *x, uint64_t excess)
{
	uint64_t now = now_us();
	uint64_t jitter = __atomic_load_n(&shared_floor->jitter_us, __ATOMIC_RELAXED);
	uint64_t at = __atomic_load_n(&shared_floor->jitter_at_us, __ATOMIC_RELAXED);

	if (now - at >= RTO_SHARED_HOLD_US)
		jitter = 0;
	if (excess > jitter) {
		__atomic_store_n(&shared_floor->jitter_us, excess, __ATOMIC_RELAXED);
		__atomic_store_n(&shared_floor->jitter_at_us, now, __ATOMIC_RELAXED);
	} else if (2 * excess >= jitter && jitter > 0 && now - at >= JITTER_REFRESH_US) {
		__atomic_store_n(&shared_floor->jitter_at_us, now, __ATOMIC_RELAXED);
	}
	adopt_shared(x, now);
}

/* A needless retransmission: raise our floor and offer it to the rest;
 * how late the original's ACK came is the host's jitter too. */
static void found_spurious(struct xfer *x, uint64_t original_rtt)
{
	uint64_t excess = rto_excess(&x->rto, original_rtt);

	x->spurious++;
	rto_spurious(&x->rto, original_rtt);
	/* Racing writers each store a floor one of them measured: any is
	 * good, so plain relaxed stores do. */
	if (x->rto.min_us > __atomic_load_n(&shared_floor->floor_us, __ATOMIC_RELAXED) ||
	    now_us() - __atomic_load_n(&shared_floor->raised_at_us, __ATOMIC_RELAXED) >=
	    RTO_SHARED_HOLD_US)
		__atomic_store_n(&shared_floor->floor_us, x->rto.min_us, __ATOMIC_RELAXED);
	__atomic_store_n(&shared_floor->raised_at_us, now_us(), __ATOMIC_RELAXED);
	share_excess(x, excess);
}

/* A round trip on a window sent once (Karn). Only an ACK of the whole
 * window tells how late the host answered: an ACK of part of it is a
 * client that found a gap, often after its own timeout (tftp-impaired:
 * seconds, which then held every transfer's timeout at the base). */
static void take_sample(struct xfer *x, uint64_t rtt, bool whole_window)
{
	uint64_t excess = whole_window ? rto_excess(&x->rto, rtt) : 0;

	rto_sample(&x->rto, rtt);
	share_excess(x, excess);
}

static const char *op_name(const struct transfer *t)
{
	return t->opcode == TFTP_WRQ ? "WRQ" : "RRQ";
}

void transfer_send_error(int sock, const struct sockaddr *addr, enum tftp_error code,
			 const char *msg)
{
	uint8_t buf[TFTP_HEADER_SIZE + 256];
	size_t len = tftp_put_error(buf, sizeof(buf), code, msg);

	if (log_verbose(2)) {
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
	transfer_send_error(x->t->sock, (struct sockaddr *)&x->t->peer, code, msg);
}

/* A send or receive on the transfer socket failed: a datagram the kernel
 * would not take counts as lost (the timer recovers it, return 0); ICMP
 * port unreachable means the client has gone; anything else is logged. */
static int socket_failed(struct xfer *x, const char *what)
{
	if (errno == ENOBUFS || errno == EAGAIN)
		return 0;
	if (errno == ECONNREFUSED) {
		if (log_verbose(1))
			logmsg(LOG_NOTICE, "%s %s: %s is gone (port unreachable)",
			       op_name(x->t), x->t->filename, x->peer_text);
	} else {
		logmsg(LOG_WARNING, "tftpd: %s: %m", what);
	}
	return -1;
}

/* RFC 1350 section 4: a packet from another TID gets ERROR 5, and the
 * transfer it intruded on carries on. Strangers arrive on the second,
 * unconnected socket bound to the same port; at most max are answered
 * a call, so that a flood of them is paid for in turns like any other. */
void transfer_strangers(struct xfer *x, unsigned max)
{
	uint8_t junk[16];
	struct sockaddr_storage from, u;
	socklen_t fromlen = sizeof(from);
	char text[ADDR_STRLEN];
	ssize_t n;

	if (x->t->stranger_sock < 0)
		return;
	while (max-- > 0 &&
	       (n = recvfrom(x->t->stranger_sock, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen)) >= 0) {
		/* The kernel prefers the connected socket for the peer's
		 * packets; should one still land here, it is no stranger's.
		 * An ERROR is never answered (RFC 1350 section 7): our ERROR 5
		 * to another transfer's port is a stranger's packet there,
		 * and one forged packet between two transfers would have them
		 * answer each other for as long as both run. */
		if (!addr_equal((struct sockaddr *)&from, (struct sockaddr *)&x->t->peer) &&
		    !(n >= 2 && (junk[0] << 8 | junk[1]) == TFTP_ERROR)) {
			if (log_verbose(1))
				logmsg(LOG_NOTICE, "packet from %s port %u to the transfer of %s refused",
				       addr_ntop(addr_unmap_v4((struct sockaddr *)&from, &u),
						 text, sizeof(text)),
				       addr_port((struct sockaddr *)&from), x->t->filename);
			transfer_send_error(x->t->stranger_sock, (struct sockaddr *)&from,
					    TFTP_EBADID, NULL);
		}
		fromlen = sizeof(from);
	}
}

static void log_peer_error(struct xfer *x, uint16_t code, size_t len, bool during_oack)
{
	char msg[128];

	tftp_printable(msg, sizeof(msg), x->rx + TFTP_HEADER_SIZE, len - TFTP_HEADER_SIZE);
	if (during_oack)
		logmsg(LOG_WARNING, "tftp: client does not accept options");
	if (log_verbose(1))
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

/* The file could not be read: the client gets an ERROR, the log why. */
static int read_failed(struct xfer *x)
{
	int err = errno;

	logmsg(LOG_ERR, "%s: read: %s", x->t->filename, strerror(err));
	send_error(x, TFTP_EUNDEF, strerror(err));
	return -1;
}

/* Sends msgs[first..first+n) as one UDP GSO datagram cut into segments
 * of the first one's size (only the last may be shorter). 1: sent (or
 * lost as any datagram may be), 0: the kernel refuses GSO here, -1:
 * failed (logged). */
static int send_segmented(struct xfer *x, unsigned first, unsigned n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(uint16_t))];
	} control;
	struct msghdr msg = {
		.msg_iov = &x->iov[2 * first], .msg_iovlen = 2 * (size_t)n,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	uint16_t seg = (uint16_t)(x->iov[2 * first].iov_len + x->iov[2 * first + 1].iov_len);

	memset(&control, 0, sizeof(control));
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	while (sendmsg(x->t->sock, &msg, 0) < 0) {
		if (errno == EINTR)
			continue;
		/* No GSO on this kernel or this route (EIO: no checksum
		 * offload on the device): plain sends from now on. */
		if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT ||
		    errno == EOPNOTSUPP) {
			if (gso_on)
				logmsg(LOG_NOTICE, "UDP_SEGMENT refused (%m): sending windows "
				       "a datagram at a time");
			gso_on = false;
			return 0;
		}
		return socket_failed(x, "write") < 0 ? -1 : 1;
	}
	return 1;
}

/* Sends msgs[0..n) with sendmmsg; a datagram the kernel will not take
 * now counts as lost, and the retransmission timer recovers it. */
static int send_each(struct xfer *x, unsigned done, unsigned n)
{
	while (done < n) {
		int rc = sendmmsg(x->t->sock, x->msgs + done, n - done, 0);

		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return socket_failed(x, "write");
		}
		done += (unsigned)rc;
	}
	return 0;
}

/* A window of DATA: with GSO, as few sends as the kernel's limits
 * allow; a window of one, the OACK, and blocks too large to pair go
 * one datagram each. */
static int send_msgs(struct xfer *x, unsigned n)
{
	unsigned done = 0;

	if (gso_on && n > 1 && x->base > 0) {
		size_t seg = TFTP_HEADER_SIZE + x->t->params.blksize;
		unsigned per = (unsigned)(GSO_MAX_BYTES / seg);

		if (per > GSO_MAX_SEGMENTS)
			per = GSO_MAX_SEGMENTS;
		while (per > 1 && n - done > 1) {
			unsigned k = n - done < per ? n - done : per;
			int rc = send_segmented(x, done, k);

			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
			done += k;
		}
	}
	return send_each(x, done, n);
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

		if (blocksrc_final(&x->src) && block > blocksrc_final(&x->src))
			break;
		if (blocksrc_get(&x->src, block, &data, &len) < 0)
			return -1;
		tftp_put_header(x->hdr[i], TFTP_DATA, wire_block(block, x->t->params.rollover));
		set_msg(x, i, x->hdr[i], TFTP_HEADER_SIZE, data, len);
	}
	*count = i;
	return 0;
}

/* (Re)sends the window at x->base, reads ahead behind it, and sets the
 * deadline. */
static enum transfer_status send_window(struct xfer *x)
{
	if (send_msgs(x, x->n) < 0)
		return TRANSFER_FAILED;
	x->sent_at = now_us();
	if (x->first_sent_at == 0)
		x->first_sent_at = x->sent_at;
	if (blocksrc_prefetch(&x->src, x->base + x->n) < 0) {
		read_failed(x);
		return TRANSFER_FAILED;
	}
	x->deadline = next_deadline(x, x->sent_at, x->last_progress);
	return TRANSFER_RUNNING;
}

static enum transfer_status next_window(struct xfer *x)
{
	if (build_window(x, x->base, &x->n) < 0) {
		read_failed(x);
		return TRANSFER_FAILED;
	}
	x->resent = false;
	x->first_sent_at = 0;
	return send_window(x);
}

static enum transfer_status rrq_begin(struct xfer *x)
{
	struct transfer *t = x->t;
	unsigned w = t->params.windowsize;

	x->base = t->oack ? 0 : 1;
	x->msgs = calloc(w, sizeof(*x->msgs));
	x->iov = calloc(2 * (size_t)w, sizeof(*x->iov));
	x->hdr = calloc(w, sizeof(*x->hdr));
	if (!x->msgs || !x->iov || !x->hdr ||
	    blocksrc_open(&x->src, t->fd, t->mode, t->file_size, t->params.blksize, w,
			  t->filename) < 0) {
		logmsg(LOG_ERR, "%s: cannot set up the transfer: %m", t->filename);
		send_error(x, TFTP_EUNDEF, strerror(errno));
		return TRANSFER_FAILED;
	}
	return next_window(x);
}

/* An ACK that acknowledges nothing new: a repeat of the one that brought
 * us here, which may prove a resend needless. */
static void rrq_repeat(struct xfer *x, uint16_t arg)
{
	if (x->base == 0 || arg != wire_block(x->base - 1, x->t->params.rollover))
		return;
	if (!x->check_spurious)
		x->dups_unprovoked = true;
	else if (arg == x->spurious_ack && !x->dups_unprovoked)
		found_spurious(x, x->original_rtt);
	x->check_spurious = false;
}

static enum transfer_status rrq_packet(struct xfer *x, size_t len)
{
	struct transfer *t = x->t;
	uint16_t op, arg;
	unsigned acked;
	uint64_t now;

	if (tftp_parse_header(x->rx, len, &op, &arg) < 0)
		return TRANSFER_RUNNING;
	if (op == TFTP_ERROR) {
		log_peer_error(x, arg, len, x->base == 0);
		return TRANSFER_FAILED;
	}
	if (op != TFTP_ACK)
		return TRANSFER_RUNNING;
	acked = acked_blocks(x->base, x->n, arg, t->params.rollover);
	if (acked == 0) {
		rrq_repeat(x, arg);
		return TRANSFER_RUNNING;
	}
	now = now_us();
	x->check_spurious = x->resent;
	if (x->resent) {
		x->spurious_ack = arg;
		x->original_rtt = now - x->first_sent_at;
	} else {
		take_sample(x, now - x->sent_at, acked == x->n);
	}
	rto_reset_backoff(&x->rto);
	x->last_progress = now;
	x->progress++;
	for (unsigned i = 0; x->base > 0 && i < acked; i++)
		x->bytes += x->iov[2 * i + 1].iov_len;
	x->base += acked;
	if (blocksrc_final(&x->src) && x->base > blocksrc_final(&x->src))
		return TRANSFER_DONE;
	return next_window(x);
}

static enum transfer_status rrq_timeout(struct xfer *x)
{
	/* Before resending, a floor or a jitter another transfer learnt
	 * meanwhile (a stall that held up our ACK held up theirs, and some
	 * came in before our timer ran out): resend only if that has run
	 * out too. */
	if (!x->resent) {
		uint64_t rto = x->rto.rto_us;

		adopt_shared(x, now_us());
		if (x->rto.rto_us > rto) {
			rto_reset_backoff(&x->rto);
			x->deadline = next_deadline(x, x->sent_at, x->last_progress);
			if (now_us() < x->deadline)
				return TRANSFER_RUNNING;
		}
	}
	rto_backoff(&x->rto);
	x->retransmits++;
	x->resent = true;
	return send_window(x);
}
static int store_block(struct xfer *x, const uint8_t *data, size_t len, bool last)
{
	int rc;

	if (x->t->mode == TFTP_MODE_OCTET) {
		rc = write_all(x->t->fd, data, len);
	} else {
		size_t n = netascii_decode(&x->dec, data, len, x->scratch);

		if (last)
			n += netascii_decode_finish(&x->dec, x->scratch + n);
		rc = write_all(x->t->fd, x->scratch, n);
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

static enum transfer_status wrq_send(struct xfer *x)
{
	if (send_reply(x, x->reply, x->reply_len) < 0)
		return TRANSFER_FAILED;
	x->deadline = next_deadline(x, now_us(), x->last_progress);
	return TRANSFER_RUNNING;
}

static enum transfer_status wrq_begin(struct xfer *x)
{
	struct transfer *t = x->t;

	netascii_decoder_init(&x->dec);
	tftp_put_header(x->ack, TFTP_ACK, 0);
	x->reply = t->oack ? t->oack : x->ack;
	x->reply_len = t->oack ? t->oack_len : TFTP_HEADER_SIZE;
	x->expected = 1;
	if (t->mode == TFTP_MODE_NETASCII &&
	    (x->scratch = malloc(t->params.blksize + 1)) == NULL) {
		logmsg(LOG_ERR, "out of memory");
		return TRANSFER_FAILED;
	}
	return wrq_send(x);
}

/* The last block is in: close (and unlock) before lingering, so the
 * next request for this file need not wait for us, put the file in
 * place, and only then tell the client it is done. */
static enum transfer_status wrq_last(struct xfer *x, uint16_t arg)
{
	struct transfer *t = x->t;
	int rc = close(t->fd);

	t->fd = -1;
	if (rc < 0) {
		logmsg(LOG_WARNING, "WRQ %s from %s: close: %m", t->filename, x->peer_text);
		send_error(x, TFTP_ENOSPACE, NULL);
		return TRANSFER_FAILED;
	}
	if (t->commit && t->commit(t->commit_arg) < 0) {
		logmsg(LOG_WARNING, "WRQ %s from %s: cannot put the file in place: %m",
		       t->filename, x->peer_text);
		send_error(x, TFTP_EUNDEF, strerror(errno));
		return TRANSFER_FAILED;
	}
	if (send_reply(x, x->ack, TFTP_HEADER_SIZE) < 0)
		return TRANSFER_FAILED;
	/* The client may not have heard the final ACK: a repeat of the
	 * last DATA is answered for one base timeout, then we stop. */
	x->phase = PHASE_LINGER;
	x->last_wire = arg;
	x->deadline = now_us() + x->rto.base_us;
	return TRANSFER_RUNNING;
}

static enum transfer_status wrq_packet(struct xfer *x, size_t len)
{
	struct transfer *t = x->t;
	uint16_t op, arg;
	size_t payload;

	if (tftp_parse_header(x->rx, len, &op, &arg) < 0)
		return TRANSFER_RUNNING;
	if (op == TFTP_ERROR) {
		log_peer_error(x, arg, len, false);
		return TRANSFER_FAILED;
	}
	if (op != TFTP_DATA)
		return TRANSFER_RUNNING;
	payload = len - TFTP_HEADER_SIZE;
	if (payload > t->params.blksize)
		return TRANSFER_RUNNING;	/* cannot be ours: larger than negotiated */
	if (arg != wire_block(x->expected, t->params.rollover)) {
		/* An old block (our ACK was lost) or a gap (their DATA
		 * was): say once where we are (RFC 7440 section 4). */
		if (x->resync_sent)
			return TRANSFER_RUNNING;
		x->resync_sent = true;
		x->unacked = 0;
		x->reply = x->ack;
		x->reply_len = TFTP_HEADER_SIZE;
		return wrq_send(x);
	}
	if (x->expected == 1 && empty_file(x) < 0)
		return TRANSFER_FAILED;
	if (store_block(x, x->rx + TFTP_HEADER_SIZE, payload, payload < t->params.blksize) < 0)
		return TRANSFER_FAILED;
	tftp_put_header(x->ack, TFTP_ACK, arg);
	x->reply = x->ack;
	x->reply_len = TFTP_HEADER_SIZE;
	x->last_progress = now_us();
	x->progress++;
	rto_reset_backoff(&x->rto);
	x->resync_sent = false;
	x->expected++;
	if (payload < t->params.blksize)
		return wrq_last(x, arg);
	if (++x->unacked >= t->params.windowsize) {
		x->unacked = 0;
		return wrq_send(x);
	}
	x->deadline = next_deadline(x, now_us(), x->last_progress);
	return TRANSFER_RUNNING;
}

static enum transfer_status linger_packet(struct xfer *x, size_t len)
{
	uint16_t op, arg;

	if (tftp_parse_header(x->rx, len, &op, &arg) == 0 && op == TFTP_DATA &&
	    arg == x->last_wire && send(x->t->sock, x->ack, TFTP_HEADER_SIZE, 0) < 0)
		return TRANSFER_DONE;
	return TRANSFER_RUNNING;
}

static enum transfer_status handle_packet(struct xfer *x, size_t len)
{
	switch (x->phase) {
	case PHASE_RRQ:
		return rrq_packet(x, len);
	case PHASE_WRQ:
		return wrq_packet(x, len);
	case PHASE_LINGER:
		break;
	}
	return linger_packet(x, len);
}

enum transfer_status transfer_input(struct xfer *x, unsigned max)
{
	uint64_t progress;

	while (max-- > 0) {
		ssize_t n = recv(x->t->sock, x->rx, x->rxsize, MSG_TRUNC | MSG_DONTWAIT);
		enum transfer_status st;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (x->phase == PHASE_LINGER)
				return TRANSFER_DONE;
			return socket_failed(x, "read") < 0 ? TRANSFER_FAILED : TRANSFER_RUNNING;
		}
		if ((size_t)n > x->rxsize) {
			/* Once a transfer: a flood of them is no flood of the log. */
			if (x->oversized++ == 0 && log_verbose(1))
				logmsg(LOG_NOTICE, "%s: dropped an oversized packet (%zd bytes) from %s",
				       x->t->filename, n, x->peer_text);
			continue;
		}
		progress = x->progress;
		st = handle_packet(x, (size_t)n);
		if (st != TRANSFER_RUNNING)
			return st;
		/* A read that moved us on sent the next window: the client
		 * cannot have answered it yet, and what else is queued (a
		 * repeat) the next wait reports. Not looking saves a recv
		 * that fails with EAGAIN for every ACK of a lock-step read. */
		if (x->phase == PHASE_RRQ && x->progress != progress)
			break;
	}
	return TRANSFER_RUNNING;
}

enum transfer_status transfer_expired(struct xfer *x)
{
	uint64_t progress = x->progress;
	enum transfer_status st;

	if (x->phase == PHASE_LINGER)
		return TRANSFER_DONE;
	/* The timer fired, but on a busy host the process may have waited
	 * for the CPU since: an answer that came meanwhile is no loss. */
	st = transfer_input(x, LATE_LOOKS);
	if (st != TRANSFER_RUNNING || x->progress != progress || x->phase == PHASE_LINGER)
		return st;
	if (timed_out_for_good(x, x->last_progress))
		return TRANSFER_FAILED;
	if (x->phase == PHASE_WRQ) {
		rto_backoff(&x->rto);
		x->retransmits++;
		return wrq_send(x);
	}
	return rrq_timeout(x);
}

uint64_t transfer_deadline(const struct xfer *x)
{
	return x->deadline;
}

static void log_done(const struct xfer *x, enum transfer_status st)
{
	const struct transfer *t = x->t;
	double secs = (double)(now_us() - x->start_us) / 1e6;

	if (st != TRANSFER_DONE || !log_verbose(1))
		return;
	logmsg(LOG_NOTICE, "%s from %s filename %s: %s %ju bytes in %.3f s "
	       "(blksize %u, windowsize %u, %u retransmissions, %u needless)",
	       op_name(t), x->peer_text, t->filename,
	       t->opcode == TFTP_WRQ ? "received" : "sent", (uintmax_t)x->bytes, secs,
	       t->params.blksize, t->params.windowsize, x->retransmits, x->spurious);
}

struct xfer *transfer_begin(struct transfer *t, enum transfer_status *status)
{
	struct xfer *x = calloc(1, sizeof(*x));
	struct sockaddr_storage u;

	if (x == NULL) {
		logmsg(LOG_ERR, "out of memory");
		return NULL;
	}
	x->t = t;
	running++;
	x->src.fd = -1;
	x->start_us = x->last_progress = now_us();
	addr_ntop(addr_unmap_v4((struct sockaddr *)&t->peer, &u), x->peer_text,
		  sizeof(x->peer_text));
	rto_init(&x->rto, t->params.timeout_us, !t->params.timeout_negotiated);
	adopt_shared(x, x->start_us);
	/* One byte more than a full block, to tell an oversized one. */
	x->rxsize = (t->params.blksize > 512 ? t->params.blksize : 512) + TFTP_HEADER_SIZE + 1;
	x->rx = malloc(x->rxsize);
	if (x->rx == NULL) {
		logmsg(LOG_ERR, "out of memory");
		*status = TRANSFER_FAILED;
		return x;
	}
	x->phase = t->opcode == TFTP_WRQ ? PHASE_WRQ : PHASE_RRQ;
	*status = x->phase == PHASE_WRQ ? wrq_begin(x) : rrq_begin(x);
	return x;
}

void transfer_end(struct xfer *x, enum transfer_status status)
{
	log_done(x, status);
	running--;
	if (x->t->opcode == TFTP_RRQ)
		blocksrc_close(&x->src);
	free(x->scratch);
	free(x->rx);
	free(x->msgs);
	free(x->iov);
	free(x->hdr);
	free(x);
}

/* Packets read per wake-up of a transfer that has its process alone. */
#define RUN_BATCH 64

int transfer_run(struct transfer *t)
{
	enum transfer_status st;
	struct xfer *x = transfer_begin(t, &st);

	if (x == NULL)
		return -1;
	while (st == TRANSFER_RUNNING) {
		struct pollfd pfd[2] = { { t->sock, POLLIN, 0 }, { t->stranger_sock, POLLIN, 0 } };
		uint64_t now = now_us();
		int ms = x->deadline > now ? (int)((x->deadline - now + 999) / 1000) : 0;
		int rc = poll(pfd, t->stranger_sock >= 0 ? 2 : 1, ms);

		if (rc < 0 && errno != EINTR) {
			logmsg(LOG_ERR, "poll: %m");
			st = TRANSFER_FAILED;
			break;
		}
		if (rc > 0 && (pfd[1].revents & POLLIN))
			transfer_strangers(x, RUN_BATCH);
		if (rc > 0 && pfd[0].revents)
			st = transfer_input(x, RUN_BATCH);
		if (st == TRANSFER_RUNNING && now_us() >= x->deadline)
			st = transfer_expired(x);
	}
	transfer_end(x, st);
	return st == TRANSFER_DONE ? 0 : -1;
}
