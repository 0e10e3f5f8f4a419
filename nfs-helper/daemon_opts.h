/* The command line pxe-mountd and pxe-nfsd share. */
#ifndef PXEKIT_NFS_DAEMON_OPTS_H
#define PXEKIT_NFS_DAEMON_OPTS_H

#include <stdbool.h>

/* The service user: the package makes it; without it, nobody. */
#define DEFAULT_USER "pxekit"

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
};

/* The --help text both daemons share: what the program does (lines
 * ending in newlines), which daemon shares the key, the default port. */
__attribute__((noreturn))
void daemon_usage(int status, const char *name, const char *what, const char *peer,
		  const char *default_port);

/* Options both daemons take; usage text and version are the caller's.
 * -d raises lib/log's verbosity to 1 (every call logged). */
void daemon_parse_args(struct daemon_opts *o, int argc, char **argv,
		       void (*usage)(int status), unsigned default_port);

#endif
