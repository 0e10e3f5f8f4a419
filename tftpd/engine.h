/* A worker: many transfers in one process, one epoll loop, a struct per
 * transfer and their deadlines in a timer heap. Requests come from the
 * listening process with their transfer sockets already made. */
#ifndef TFTPD_ENGINE_H
#define TFTPD_ENGINE_H

#include <stdint.h>
#include <sys/socket.h>

#include "tftpd.h"

#define ENGINE_MAX_WORKERS 64

/* Shared between the listening process and one worker: the listener
 * adds a transfer's cost when it hands one over, the worker takes it
 * off when the transfer ends. */
struct engine_slot {
	uint32_t active;	/* transfers handed over and not yet ended */
	uint64_t reserved;	/* their budget_transfer_bytes, summed */
};

/* What goes with each hand-off, before the request's bytes; the
 * transfer's two sockets go as SCM_RIGHTS. */
struct engine_handoff {
	struct sockaddr_storage client;
	uint64_t cost;
};

/* Serves what comes on conn until the listening process closes it and
 * the last transfer has ended; returns the exit status. Runs already
 * unprivileged. */
int engine_run(const struct tftpd_config *cfg, int conn, struct engine_slot *slot);

#endif
