/* The processes that serve transfers, seen from the listening process.
 * Two ways (in.tftpd(8), --workers):
 * - workers (the default): a few long-lived processes, by default one
 *   and more while they are busy and a CPU is idle (scale.h), each
 *   serving many transfers from one event loop (engine.c). While there
 *   is one, it takes requests from the listening sockets itself, with
 *   sockets the listening process made for it while it had root; with
 *   more, the listening process takes them, makes each transfer's
 *   sockets and hands them over with the request.
 * - a process per transfer (--workers 0): a spare child, forked ahead,
 *   takes the next request, makes its sockets and serves it alone.
 * Either way what serves transfers runs chrooted (-s), as the -u user,
 * with no-new-privs. */
#ifndef TFTPD_WORKER_H
#define TFTPD_WORKER_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "packet.h"
#include "tftpd.h"

/* Once, before serving: what every forked process needs to know (the
 * listening sockets, to close or to take requests from, and their
 * addresses; the signal mask to restore). */
void servers_init(struct tftpd_config *cfg, int *listen_fds, const struct sockaddr_storage *bound,
		  size_t nfds, const sigset_t *child_mask);
/* Forks what waits for the first request (the spare), if anything. */
void servers_start(void);
/* CLOCK_MONOTONIC, in ns. */
uint64_t servers_now_ns(void);
/* When the worker that takes requests itself last said it took one
 * (CLOCK_MONOTONIC, ns; 0: never), and how long after one it may say
 * so (0 without such a worker). */
uint64_t servers_last_request(void);
uint64_t servers_news_delay_ns(void);
/* What the listening process does with the listening sockets: reads
 * them; or, while a worker takes requests from them itself, watches
 * them (servers_requests_waiting when one comes), or leaves them
 * alone. */
enum servers_listen { SERVERS_LISTEN_READ, SERVERS_LISTEN_WATCH, SERVERS_LISTEN_NONE };
enum servers_listen servers_listening(void);
/* Watched, a request came. */
void servers_requests_waiting(void);
/* Serves a parsed request (buf, n: its bytes) that came from *from to
 * *local. */
void servers_dispatch(const uint8_t *buf, size_t n, const struct tftp_request *req,
		      struct sockaddr_storage *from, struct sockaddr_storage *local);
/* The processes waiting for requests are let go: they finish what they
 * serve and end (a reload: they have the old rules; idle: inetd or
 * systemd is to get the socket back). New ones are forked on demand. */
void servers_retire(void);
/* What the listening loop waits for besides its sockets: the workers'
 * connections (ends of transfers, a worker gone) and the children's
 * (their end). servers_npoll says how many there are now;
 * servers_pollfds fills in at most room and says how many it did;
 * servers_polled takes the results of the wait, in the same order. */
size_t servers_npoll(void);
size_t servers_pollfds(struct pollfd *pfd, size_t room);
void servers_polled(const struct pollfd *pfd, size_t n);

#endif
