/* in.tftpd's configuration, filled once from the command line and then
 * only read: the parent and every child see the same values. */
#ifndef TFTPD_TFTPD_H
#define TFTPD_TFTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "packet.h"
#include "path.h"

struct remap;

struct tftpd_config {
	bool ipv4_only, ipv6_only;
	bool standalone, foreground;
	bool create, secure, permissive;
	bool log_stderr;
	const char *address;		/* -a */
	const char *user;		/* -u */
	mode_t umask;
	bool umask_set;
	const char *pidfile;		/* -P */
	unsigned idle_timeout;		/* -t, seconds */
	uint32_t retransmit_us;		/* -T */
	const char *mapfile;		/* -m */
	int verbosity;
	unsigned refused;		/* -r, bit per enum tftp_option_id */
	unsigned max_blksize;		/* -B */
	unsigned max_windowsize;
	unsigned port_lo, port_hi;	/* -R */
	size_t ndirs;
	char **dirs;

	/* Resolved at start-up, before any request. */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	struct remap *remap;
	int *dirfds;			/* without -s: one per directory */
	struct path_policy policy;
};

/* The child's whole life after fork and privilege drop: answers the
 * request on sock (a fresh TID, connected to the client; stranger_sock
 * shares its port for everyone else). Returns the exit status. */
int session_run(const struct tftpd_config *cfg, const struct tftp_request *req,
		const struct sockaddr *client, int sock, int stranger_sock);

#endif
