/* exports(5) as nfs-utils reads it: which directory is exported to which
 * clients with which options. Parsing and matching one client spec only;
 * reading the files, canonical paths and host names are exports_load.c's
 * job, the access decision access.c's. */
#ifndef PXEKIT_EXPORTS_H
#define PXEKIT_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "strbuf.h"

#define EXPORTS_PATH_MAX 1024	/* MNTPATHLEN */
#define ANON_ID 65534		/* nobody/nogroup, knfsd's default */

struct export_options {
	bool rw;		/* default ro */
	bool secure;		/* default secure: source port < 1024 */
	/* Two flags as in nfs-utils: all_squash wins over no_root_squash
	 * whatever their order. */
	bool root_squash;	/* default on; no_root_squash turns it off */
	bool all_squash;	/* default off */
	uint32_t anonuid, anongid;
	bool async;
	bool subtree_check;
	bool rdirplus;		/* default on; nordirplus turns it off */
	bool has_fsid;
	uint32_t fsid;
};

/* The kinds of client spec, in nfs-utils' order of precedence (MCL_FQDN,
 * MCL_SUBNETWORK, MCL_WILDCARD, MCL_ANONYMOUS): a host given by address
 * or name beats a network, which beats a wildcard, which beats "*". */
enum client_kind {
	CLIENT_ADDRESS,
	CLIENT_NAME,
	CLIENT_NETWORK,
	CLIENT_WILDCARD,
	CLIENT_ANONYMOUS,
	CLIENT_KINDS
};

struct client_addr {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
};

struct export_client {
	enum client_kind kind;
	char *spec;			/* as written, for EXPORT and messages */
	int family;			/* AF_INET or AF_INET6 for addresses */
	unsigned char addr[16];
	unsigned prefixlen;
	/* CLIENT_NAME: the name's addresses, looked up when the exports are
	 * loaded (nfs-utils' check_fqdn matches a host name by address). */
	struct client_addr *addrs;
	size_t naddrs;
	struct export_options opts;
};

struct export {
	/* Absolute, no trailing '/', no "//", "." or "..": as written until
	 * the loader makes it canonical (symlinks resolved). */
	char *path;
	char *written;			/* the path as written, if it differed */
	uint32_t fsid;			/* fsid= or a hash of the path */
	struct export_client *clients;
	size_t nclients;
	char *file;			/* where it was written, for messages */
	unsigned line;
};

struct exports {
	struct export *v;
	size_t n;
};

/* Reading several files (exports.d) into one table: exports_new, then
 * exports_parse_text for each file, then exports_finish, which merges
 * exports that ended up with the same path and gives each its fsid.
 * Errors and warnings go to diag as "FILE:LINE: message" lines; both
 * return the number of errors. */
struct exports *exports_new(void);
unsigned exports_parse_text(struct exports *ex, const char *text, const char *filename,
			    struct strbuf *diag);
unsigned exports_finish(struct exports *ex, struct strbuf *diag);

/* All three on one text; NULL if there was any error. */
struct exports *exports_parse(const char *text, const char *filename,
			      struct strbuf *diag);
void exports_free(struct exports *ex);

/* The client's address as family + bytes, IPv4-mapped IPv6 unwrapped;
 * AF_UNSPEC for another family. */
int client_address(const struct sockaddr *sa, unsigned char out[16]);

/* Whether one client spec covers a client: by its address (an address,
 * a network, a host name's looked-up addresses, or "*"), or, for a
 * wildcard, by its verified name. */
bool export_client_has_address(const struct export_client *c, int family,
			       const unsigned char *addr);
bool export_client_has_name(const struct export_client *c, const char *name);

/* A path as a client sent it, in the form export paths have: repeated
 * and trailing '/' removed. False if it is not absolute or has a "." or
 * ".." component. */
bool exports_normalize_path(char *path);

/* The export whose path (canonical or as written) is path or the
 * nearest ancestor of it, on component boundaries, or NULL. *rest (if
 * not NULL) is set to what follows the export's path in path. */
const struct export *exports_find_path(const struct exports *ex, const char *path,
				       const char **rest);
const struct export *exports_find_fsid(const struct exports *ex, uint32_t fsid);

/* The path to show (EXPORT, DUMP): as the admin wrote it. */
static inline const char *export_shown_path(const struct export *e)
{
	return e->written ? e->written : e->path;
}

/* Renders the options in exports(5) syntax, as exportfs -v shows them. */
void export_options_format(const struct export_options *o, struct strbuf *sb);

#endif
