/* A worker: many transfers in one process, one epoll loop, a struct per
 * transfer and their deadlines in a timer heap. Requests come from the
 * listening process with their transfer sockets already made. */
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

/* What a worker sends back: the tickets of transfers that ended, as
 * uint64_t, up to this many in one message. The listener's own ledger
 * decides what they are worth; a worker sends nothing else. */
#define ENGINE_REPORT_MAX 128

/* Serves what comes on conn until the listening process closes it and
 * the last transfer has ended, telling it on conn of every transfer
 * that ends; returns the exit status. Runs already unprivileged. */
int engine_run(const struct tftpd_config *cfg, int conn);

#endif
