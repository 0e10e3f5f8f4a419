/* in.tftpd's configuration, filled once from the command line and then
 * only read: the parent and every child see the same values. */
#ifndef TFTPD_TFTPD_H
#define TFTPD_TFTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "options.h"
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
	int workers;			/* --workers; 0: a process per transfer */
	bool workers_auto;		/* not given: 1 up to workers (scale.h) */
	uint64_t memory_limit;		/* --memory-limit, bytes; 0: none */
	unsigned max_per_client;	/* --max-per-client; 0: no cap */
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

/* One request, served after privileges are dropped, on sock (a fresh
 * TID, connected to the client; stranger_sock shares its port for
 * everyone else). session_open applies the remap rules, opens the file
 * and negotiates; NULL when that already answered the request (an
 * ERROR, or silence for a repeated one), else the transfer is ready to
 * run. It owns the sockets from then on: session_close (after the
 * transfer, with its result) closes them and every file, and returns
 * the exit status a process serving only this request would have. */
struct session;
struct transfer;
/* What this server grants a request before the file and the path are
 * known (both can only lower it): session_open's negotiation and the
 * listener's memory admission use the same. */
struct tftp_limits session_limits(const struct tftpd_config *cfg, const struct tftp_request *req);
struct session *session_open(const struct tftpd_config *cfg, const struct tftp_request *req,
			     const struct sockaddr *client, int sock, int stranger_sock);
struct transfer *session_transfer(struct session *s);
int session_close(struct session *s, int transfer_rc);
/* All three, with the transfer run in the calling process. */
int session_run(const struct tftpd_config *cfg, const struct tftp_request *req,
		const struct sockaddr *client, int sock, int stranger_sock);

#endif
