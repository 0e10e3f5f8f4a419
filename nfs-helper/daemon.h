/* What pxe-mountd and pxe-nfsd share: the command line, the exports table
 * with an open descriptor per export, the handle key, the access decision
 * for a caller, start-up and shutdown. */
#ifndef PXEKIT_NFS_DAEMON_H
#define PXEKIT_NFS_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "access.h"
#include "exports.h"
#include "fhandle.h"
#include "isofs.h"
#include "rpc.h"
#include "server.h"

struct export_state {
	const struct export *ex;
	int root_fd;		/* the exported directory, -1 if unusable */
	dev_t dev;
	ino_t ino;
	struct isofs *iso;	/* a regular file: an ISO image served as a tree */
};

struct export_table {
	struct exports *exports;
	struct export_state *st;
	size_t n;
	unsigned generation;	/* bumped by every reload */
};

struct daemon_opts {
	const char *progname;
	const char *exports_file;
	const char *key_file;
	const char *pid_file;
	const char *bind_addr;
	const char *user;	/* run as this user after start-up */
	unsigned port;
	bool foreground;
	bool rpcbind;
	bool debug;
};

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

/* The --help text both daemons share: what the program does (lines
 * ending in newlines), which daemon shares the key, the default port. */
__attribute__((noreturn))
void daemon_usage(int status, const char *name, const char *what, const char *peer,
		  const char *default_port);

/* Options both daemons take; usage text and version are the caller's. */
void daemon_parse_args(struct daemon_opts *o, int argc, char **argv,
		       void (*usage)(int status), unsigned default_port);

/* Loads the key (creating it and the directories above it at first
 * start) and the exports; binds, registers, detaches, writes the pid file
 * (RUNSTATEDIR/NAME.pid unless -P says otherwise). */
void daemon_start(struct daemon_ctx *d, const struct rpc_program *prog,
		  size_t max_record, size_t max_datagram);
void daemon_serve(struct daemon_ctx *d);

/* Re-reads the exports (file and drop-ins); on any error keeps the
 * table it had. */
bool export_table_load(struct export_table *t, const char *file);
void export_table_free(struct export_table *t);
const struct export_state *export_table_fsid(const struct export_table *t, uint32_t fsid);

/* The options that apply to this caller for this export (access.c's
 * decision), or NULL; every refusal is logged here, in one place. While
 * the caller's name is being looked up the request is refused and marked
 * to be dropped (req->drop): the client retransmits. req->ctx is the
 * struct daemon_ctx. */
const struct export_options *export_access(const struct export *e, struct rpc_req *req);

/* The handle of an open object, or false when it cannot be made (no
 * kernel handle, or one too long for NFSv3). */
bool fh_of_fd(int dirfd, const char *name, uint32_t fsid, struct fh *out);

/* Creates or reads the 16-byte handle key (mode 0600). */
void load_key(const char *path, struct fh_key *key);

/* The key file no longer holds this key (it was replaced since). */
bool key_file_changed(const char *path, const struct fh_key *key);

#endif
