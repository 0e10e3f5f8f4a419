/* exports(5) as nfs-utils reads it: which directory is exported to which
 * clients with which options. Parsing and host matching only; opening
 * the directories is the daemons' job (export_table in nfs-helper.h). */
#ifndef PXEKIT_EXPORTS_H
#define PXEKIT_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "strbuf.h"

#define EXPORTS_PATH_MAX 1024	/* MNTPATHLEN */
#define ANON_ID 65534		/* nobody/nogroup, knfsd's default */

enum squash {
	SQUASH_ROOT,		/* root_squash (default) */
	SQUASH_NONE,		/* no_root_squash */
	SQUASH_ALL,		/* all_squash */
};

struct export_options {
	bool rw;		/* default ro */
	bool secure;		/* default secure: source port < 1024 */
	enum squash squash;
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

struct export_client {
	enum client_kind kind;
	char *spec;			/* as written, for EXPORT and messages */
	int family;			/* AF_INET or AF_INET6 for addresses */
	unsigned char addr[16];
	unsigned prefixlen;
	struct export_options opts;
};

struct export {
	char *path;			/* absolute, no trailing '/', no "." or ".." */
	uint32_t fsid;			/* fsid= or a hash of the path */
	struct export_client *clients;
	size_t nclients;
	unsigned line;
};

struct exports {
	struct export *v;
	size_t n;
};

/* Parses the text of an exports file. Errors and warnings go to diag as
 * "FILE:LINE: message" lines; returns NULL if there was any error. */
struct exports *exports_parse(const char *text, const char *filename,
			      struct strbuf *diag);
void exports_free(struct exports *ex);

/* The client spec of the export that applies to a client, by nfs-utils'
 * precedence; NULL if the export does not allow it. hostname is the
 * client's name from reverse DNS, or NULL if it has none. IPv4-mapped
 * IPv6 addresses match IPv4 specs. */
const struct export_client *export_match(const struct export *e,
					 const struct sockaddr *sa,
					 const char *hostname);

/* The export whose path is path or the nearest ancestor of it (component
 * boundaries), or NULL. */
const struct export *exports_find_path(const struct exports *ex, const char *path);
const struct export *exports_find_fsid(const struct exports *ex, uint32_t fsid);

/* Renders the options in exports(5) syntax, as exportfs -v shows them. */
void export_options_format(const struct export_options *o, struct strbuf *sb);

#endif
