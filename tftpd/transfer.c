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
#include "blocksrc.h"
#include "fdio.h"
#include "log.h"
#include "netascii.h"
#include "rto.h"
#include "transfer.h"
#include "window.h"

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
	uint64_t late_deadline;		/* wait_packet's looks after a deadline */
	unsigned late_looks;
	unsigned spurious;		/* retransmissions found needless */

	struct blocksrc src;		/* RRQ: where the blocks come from */
	struct mmsghdr *msgs;
	struct iovec *iov;
	uint8_t (*hdr)[TFTP_HEADER_SIZE];
};

/* Packets taken from the queue after a deadline passed, at most. */
#define LATE_LOOKS 8
/* Packets between two looks at the stranger socket. */
#define STRANGER_CHECK 64

/* The floor shared by the transfer processes (transfer_share_floor). */
struct shared_floor {
	uint64_t floor_us;
	uint64_t raised_at_us;
};
static struct shared_floor *shared_floor;
#define RTO_SHARED_HOLD_US 10000000u

void transfer_share_floor(void)
{
	void *p = mmap(NULL, sizeof(*shared_floor), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		shared_floor = p;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Takes up the shared floor, if another transfer raised it lately. */
static void adopt_shared_floor(struct xfer *x)
{
	uint64_t floor, at;

	if (shared_floor == NULL)
		return;
	floor = __atomic_load_n(&shared_floor->floor_us, __ATOMIC_RELAXED);
	at = __atomic_load_n(&shared_floor->raised_at_us, __ATOMIC_RELAXED);
	if (floor > x->rto.min_us && now_us() - at < RTO_SHARED_HOLD_US)
		rto_raise_floor(&x->rto, floor);
}

/* A needless retransmission: raise our floor and offer it to the rest. */
static void found_spurious(struct xfer *x, uint64_t original_rtt)
{
	x->spurious++;
	rto_spurious(&x->rto, original_rtt);
	if (shared_floor == NULL)
		return;
	/* Racing writers each store a floor one of them measured: any is
	 * good, so plain relaxed stores do. */
	if (x->rto.min_us > __atomic_load_n(&shared_floor->floor_us, __ATOMIC_RELAXED) ||
	    now_us() - __atomic_load_n(&shared_floor->raised_at_us, __ATOMIC_RELAXED) >=
	    RTO_SHARED_HOLD_US)
		__atomic_store_n(&shared_floor->floor_us, x->rto.min_us, __ATOMIC_RELAXED);
	__atomic_store_n(&shared_floor->raised_at_us, now_us(), __ATOMIC_RELAXED);
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
		if (now >= deadline) {
			/* The timer fired, but on a busy host the process may
			 * have waited for the CPU since, and the kernel does not
			 * look at the queue again once the wait has run out:
			 * an answer that came meanwhile is no loss. A few such
			 * looks per deadline, so a flood cannot hold it off. */
			if (x->late_deadline != deadline) {
				x->late_deadline = deadline;
				x->late_looks = 0;
			}
			if (x->late_looks++ >= LATE_LOOKS)
				return 0;
			n = recv(x->t->sock, x->rx, x->rxsize, MSG_TRUNC | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
		} else {
			set_recv_timeout(x, deadline - now);
			n = recv(x->t->sock, x->rx, x->rxsize, MSG_TRUNC);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;	/* the deadline check decides */
		}
		if (n < 0) {
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
			if (errno == EFAULT && blocksrc_mapped(&x->src)) {
				/* The kernel met the end of a mapped file
				 * cut short under us. */
				blocksrc_shrank(&x->src);
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

static int rrq_run(struct xfer *x)
{
	struct transfer *t = x->t;
	uint64_t base = t->oack ? 0 : 1, last_progress = now_us();

	unsigned w = t->params.windowsize;

	x->msgs = calloc(w, sizeof(*x->msgs));
	x->iov = calloc(2 * (size_t)w, sizeof(*x->iov));
	x->hdr = calloc(w, sizeof(*x->hdr));
	if (!x->msgs || !x->iov || !x->hdr ||
	    blocksrc_open(&x->src, t->fd, t->mode, t->file_size, t->params.blksize, w,
			  t->filename) < 0) {
		logmsg(LOG_ERR, "%s: cannot set up the transfer: %m", t->filename);
		send_error(x, TFTP_EUNDEF, strerror(errno));
		return -1;
	}
	/* After a window that was resent and then acknowledged, a second
	 * ACK of its last block means the client had the original too:
	 * the resend was needless (rto_spurious). */
	bool check_spurious = false;
	/* But a client (or a link) that repeats ACKs when nothing was
	 * resent, a duplicating link or a windowed client telling of a
	 * gap, makes a repeat no proof: then the floor stays as it is. */
	bool dups_unprovoked = false;
	uint16_t spurious_ack = 0;
	uint64_t original_rtt = 0;

	for (;;) {
		bool resent = false;
		uint64_t sent_at, first_sent_at;
		unsigned n;

		if (build_window(x, base, &n) < 0)
			return read_failed(x);
		first_sent_at = 0;
send:
		if (send_msgs(x, n) < 0)
			return -1;
		sent_at = now_us();
		if (first_sent_at == 0)
			first_sent_at = sent_at;
		if (blocksrc_prefetch(&x->src, base + n) < 0)
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
				/* Before resending, a floor another transfer
				 * learnt meanwhile: resend only if that has
				 * run out too. */
				if (!resent) {
					uint64_t floor = x->rto.min_us;

					adopt_shared_floor(x);
					if (x->rto.min_us > floor) {
						rto_reset_backoff(&x->rto);
						if (now_us() < next_deadline(x, sent_at, last_progress))
							continue;
					}
				}
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
			if (acked == 0) {
				/* A repeat of the ACK that brought us here. */
				if (base > 0 && arg == wire_block(base - 1, t->params.rollover)) {
					if (!check_spurious)
						dups_unprovoked = true;
					else if (arg == spurious_ack && !dups_unprovoked)
						found_spurious(x, original_rtt);
					check_spurious = false;
				}
				continue;
			}
			check_spurious = resent;
			if (resent) {
				spurious_ack = arg;
				original_rtt = now_us() - first_sent_at;
			} else {
				rto_sample(&x->rto, now_us() - sent_at);
			}
			rto_reset_backoff(&x->rto);
			last_progress = now_us();
			for (unsigned i = 0; base > 0 && i < acked; i++)
				x->bytes += x->iov[2 * i + 1].iov_len;
			base += acked;
			if (blocksrc_final(&x->src) && base > blocksrc_final(&x->src))
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
	       "(blksize %u, windowsize %u, %u retransmissions, %u needless)",
	       op_name(t), x->peer_text, t->filename,
	       t->opcode == TFTP_WRQ ? "received" : "sent", (uintmax_t)x->bytes, secs,
	       t->params.blksize, t->params.windowsize, x->retransmits, x->spurious);
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
	adopt_shared_floor(&x);
	/* One byte more than a full block, to tell an oversized one. */
	x.rxsize = (t->params.blksize > 512 ? t->params.blksize : 512) + TFTP_HEADER_SIZE + 1;
	x.rx = malloc(x.rxsize);
	if (x.rx == NULL) {
		logmsg(LOG_ERR, "out of memory");
		return -1;
	}
	rc = t->opcode == TFTP_WRQ ? wrq_run(&x) : rrq_run(&x);
	log_done(&x, rc);
	blocksrc_close(&x.src);
	free(x.rx);
	free(x.msgs);
	free(x.iov);
	free(x.hdr);
	return rc;
}
