/* A transfer's port (its TID): two sockets on one port that no local
 * user can join (issue 21), from the -R range if one was given. Made by
 * whoever still has root: the listening process for the workers, the
 * forked child itself for a transfer of its own. */
#ifndef TFTPD_TID_H
#define TFTPD_TID_H

#include <stdbool.h>
#include <sys/socket.h>

#include "tftpd.h"

/* Once, before anything forks: the lock the port-sharing stretch runs
 * under. Exits on failure. */
void tid_init(void);
/* A process that makes no transfer sockets lets go of the lock. */
void tid_forget(void);
/* Binds the transfer's sockets on *local (the address the request came
 * to; its port is filled in) and connects the first to client; returns
 * it and sets *stranger, or -1 (logged). hint picks where in the -R
 * range the search for a free port starts. */
int tid_sockets(const struct tftpd_config *cfg, struct sockaddr_storage *local, bool rrq,
		const struct sockaddr *client, unsigned hint, int *stranger);

#endif
