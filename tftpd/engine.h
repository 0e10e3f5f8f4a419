/* A worker: many transfers in one process, one epoll loop, a struct per
 * transfer and their deadlines in a timer heap. Requests come from the
 * listening process with their transfer sockets already made, or, for
 * the one worker that takes requests itself (worker.h), from the
 * listening sockets: then it admits them in a ledger of its own and
 * binds their sockets from a stock the listening process made. */
#ifndef TFTPD_ENGINE_H
#define TFTPD_ENGINE_H

#include <stdint.h>
#include <sys/socket.h>

#include "tftpd.h"

#define ENGINE_MAX_WORKERS 64

/* What goes with each hand-off, before the request's bytes; the
 * transfer's two sockets go as SCM_RIGHTS. The ticket is the
 * listener's name for the transfer in its ledger (ledger.h). */
struct engine_handoff {
	struct sockaddr_storage client;
	uint64_t ticket;
};

/* What else the listening process sends, to the worker that takes
 * requests itself: a message of exactly this struct, apart from a
 * hand-off by its size. */
struct engine_order {
	uint32_t what;
	int32_t family;		/* ENGINE_SOCKETS: of the sockets */
};
enum {
	/* 2 * n sockets of family, n <= ENGINE_SOCKETS_BATCH, as SCM_RIGHTS:
	 * pairs from tid_make_pair; the answer to ENGINE_WANT_SOCKETS,
	 * also with none. */
	ENGINE_SOCKETS = 1,
	/* Take no more requests from the listening sockets: from now on
	 * they come as hand-offs only. */
	ENGINE_STOP_TAKING,
};
#define ENGINE_SOCKETS_BATCH 64
_Static_assert(2 * ENGINE_SOCKETS_BATCH <= 253, "one message passes SCM_MAX_FD descriptors at most");

/* What a worker sends back: messages of uint64_t, the first saying
 * what the rest are. The listener's own ledger decides what tickets
 * are worth. */
enum {
	ENGINE_ENDED = 1,	/* tickets of transfers that ended, up to
				 * ENGINE_REPORT_MAX in one message */
	ENGINE_RUNNING,		/* how many transfers it admitted itself
				 * run now, and when it last took a request
				 * (CLOCK_MONOTONIC, ns: the listener's -t
				 * counts from it); once a second at most,
				 * when either changed */
	ENGINE_WANT_SOCKETS,	/* its stock of family (the second) runs
				 * low */
};
#define ENGINE_REPORT_MAX 128

/* How often at most a worker that takes requests itself says so
 * (ENGINE_RUNNING): each second, or under -t 4 a quarter of -t. */
uint64_t engine_note_every_us(const struct tftpd_config *cfg);

/* Serves what comes on conn until the listening process closes it and
 * the last transfer has ended, telling it on conn of every transfer
 * that ends; returns the exit status. Runs already unprivileged. With
 * nlisten > 0 it also takes requests from fds (bound: their addresses,
 * listen_prepare) until told otherwise. */
int engine_run(const struct tftpd_config *cfg, int conn, const int *fds,
	       const struct sockaddr_storage *bound, size_t nlisten);

#endif
