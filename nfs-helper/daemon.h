/* Start-up and shutdown of pxe-mountd and pxe-nfsd: the state both hold,
 * and the order in which a daemon acquires, detaches, drops and serves.
 * The command line, the key file and the export table each have a file
 * of their own (included here for the programs); the procedures' access
 * check is caller.h. */
#ifndef PXEKIT_NFS_DAEMON_H
#define PXEKIT_NFS_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "daemon_opts.h"
#include "export_table.h"
#include "fhandle.h"
#include "handle_key.h"
#include "rpc.h"
#include "server.h"

struct daemon_ctx {
	struct daemon_opts opts;
	struct export_table exports;
	struct fh_key key;
	struct server *svc;
	struct resolver *resolver;	/* names for wildcard clients */
	unsigned nofile;	/* the descriptor limit, raised to the hard one */
	/* called after every successful reload of the exports */
	void (*after_reload)(struct daemon_ctx *d);
};

/* Loads the key (creating it and the directories above it at first
 * start) and the exports; binds, registers, detaches, writes the pid file
 * (RUNSTATEDIR/NAME.pid unless -P says otherwise), drops privileges. */
void daemon_start(struct daemon_ctx *d, const struct rpc_program *prog,
		  size_t max_record, size_t max_datagram);
/* Serves until SIGTERM, re-reading the exports on SIGHUP. */
void daemon_serve(struct daemon_ctx *d);

#endif
