/* A transfer's port (its TID): two sockets on one port that no local
 * user can join (issue 21), from the -R range if one was given. Made by
 * whoever still has root (the listening process for the workers it
 * hands requests to, the forked child itself for a transfer of its
 * own), or by the worker that takes requests itself, from sockets the
 * listening process made for it while it had root (tid_make_pair). */
#ifndef TFTPD_TID_H
#define TFTPD_TID_H

#include <stdbool.h>
#include <sys/socket.h>

#include "tftpd.h"

/* Once, before anything forks: the lock the port-sharing stretch runs
 * under. Exits on failure. */
void tid_init(void);
/* A process that makes no transfer sockets lets go of the locks. */
void tid_forget(void);
/* A worker that takes requests itself keeps the workers' lock only. */
void tid_for_worker(void);
/* Binds the transfer's sockets on *local (the address the request came
 * to; its port is filled in) and connects the first to client; returns
 * it and sets *stranger, or -1 (logged). hint picks where in the -R
 * range the search for a free port starts. made: two sockets from
 * tid_make_pair (of local's family) to use, closed on failure; NULL:
 * new ones, whose buffers only root can size past the system's
 * maximum. */
int tid_sockets(const struct tftpd_config *cfg, struct sockaddr_storage *local, bool rrq,
		const struct sockaddr *client, unsigned hint, const int *made, int *stranger);
/* Two unbound sockets for tid_sockets in a worker, owned by owner (the
 * -u user), buffers sized for a whole window either way; 0, or -1
 * (errno). */
int tid_make_pair(int family, uid_t owner, int fds[2]);

#endif
