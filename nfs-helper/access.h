/* The access decision for one caller and one export, as nfs-utils' auth.c
 * makes it: which client spec applies (nfs-utils' precedence), whether
 * its port is acceptable, and why not. Pure: the caller's name comes
 * from a look-up it is given, and the caller logs the reason. */
#ifndef PXEKIT_ACCESS_H
#define PXEKIT_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "exports.h"
#include "rpc.h"

enum access_reason {
	ACCESS_OK,
	ACCESS_NOT_EXPORTED_TO_HOST,	/* no client spec covers the caller */
	ACCESS_INSECURE_PORT,		/* 'secure' and a port >= 1024 */
	ACCESS_NAME_PENDING,		/* a wildcard needs the caller's name, not known yet */
};

/* What reverse DNS said about an address: a name confirmed by its own
 * addresses, or none; unconfirmed is a PTR name that failed the
 * confirmation (for the log only). */
struct peer_name {
	const char *name;
	const char *unconfirmed;
};

struct name_lookup {
	/* false while the answer is not known yet; never blocks. */
	bool (*lookup)(void *ctx, const struct sockaddr *sa, struct peer_name *out);
	void *ctx;
};

struct access_result {
	enum access_reason reason;
	const struct export_client *client;	/* the spec that applied */
	bool looked_up;				/* name was asked for */
	struct peer_name name;
};

/* Addresses, host names (by their addresses) and networks are decided
 * without reverse DNS; only a wildcard needs the caller's name, and only
 * when nothing before it in the precedence matched. */
enum access_reason access_check(const struct export *e, const struct sockaddr *peer,
				const struct name_lookup *names, struct access_result *out);

const char *access_reason_text(enum access_reason reason);

/* The caller's identity after root_squash / all_squash (knfsd's
 * nfsd_setuser): all_squash maps everyone to anonuid/anongid without
 * groups; root_squash maps uid 0 and gid 0, also in the groups. */
struct identity {
	uint32_t uid, gid;
	uint32_t gids[RPC_AUTH_SYS_NGROUPS];
	unsigned ngids;
};
void squash_identity(const struct export_options *o, const struct rpc_cred *cred,
		     struct identity *id);

#endif
