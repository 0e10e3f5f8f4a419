#include "config.h"

#include <string.h>

#include "access.h"
#include "addr.h"

/* The first client on the line of one of the kinds that covers the
 * address. An address and a host name are one kind in nfs-utils
 * (MCL_FQDN): between them, the order on the line decides. */
static const struct export_client *match_by_address(const struct export *e, int family,
						    const unsigned char *addr,
						    enum client_kind kind, enum client_kind also)
{
	for (size_t i = 0; i < e->nclients; i++) {
		const struct export_client *c = &e->clients[i];

		if ((c->kind == kind || c->kind == also) &&
		    export_client_has_address(c, family, addr))
			return c;
	}
	return NULL;
}

static bool has_kind(const struct export *e, enum client_kind kind)
{
	for (size_t i = 0; i < e->nclients; i++)
		if (e->clients[i].kind == kind)
			return true;
	return false;
}

static const struct export_client *find_client(const struct export *e,
					       const struct sockaddr *peer,
					       const struct name_lookup *names,
					       struct access_result *out)
{
	unsigned char addr[16];
	int family = client_address(peer, addr);
	const struct export_client *c;

	if (family == AF_UNSPEC)
		return NULL;
	if ((c = match_by_address(e, family, addr, CLIENT_ADDRESS, CLIENT_NAME)) != NULL ||
	    (c = match_by_address(e, family, addr, CLIENT_NETWORK, CLIENT_NETWORK)) != NULL)
		return c;
	if (has_kind(e, CLIENT_WILDCARD)) {
		out->looked_up = true;
		if (!names->lookup(names->ctx, peer, &out->name)) {
			out->reason = ACCESS_NAME_PENDING;
			return NULL;
		}
		for (size_t i = 0; i < e->nclients; i++)
			if (export_client_has_name(&e->clients[i], out->name.name))
				return &e->clients[i];
	}
	return match_by_address(e, family, addr, CLIENT_ANONYMOUS, CLIENT_ANONYMOUS);
}

enum access_reason access_check(const struct export *e, const struct sockaddr *peer,
				const struct name_lookup *names, struct access_result *out)
{
	memset(out, 0, sizeof *out);
	out->reason = ACCESS_NOT_EXPORTED_TO_HOST;
	out->client = find_client(e, peer, names, out);
	if (out->client == NULL)
		return out->reason;
	if (out->client->opts.secure && addr_port(peer) >= 1024)
		return out->reason = ACCESS_INSECURE_PORT;
	return out->reason = ACCESS_OK;
}

const char *access_reason_text(enum access_reason reason)
{
	switch (reason) {
	case ACCESS_OK:
		return "allowed";
	case ACCESS_NOT_EXPORTED_TO_HOST:
		return "not exported to it";
	case ACCESS_INSECURE_PORT:
		return "exported 'secure' and the request came from a port >= 1024 "
		       "(use 'insecure' for unprivileged clients)";
	case ACCESS_NAME_PENDING:
		return "its host name is being looked up";
	}
	return "?";
}

void squash_identity(const struct export_options *o, const struct rpc_cred *cred,
		     struct identity *id)
{
	memset(id, 0, sizeof *id);
	if (cred->flavor != RPC_AUTH_SYS || o->all_squash) {
		id->uid = o->anonuid;
		id->gid = o->anongid;
		return;
	}
	id->uid = cred->uid;
	id->gid = cred->gid;
	id->ngids = cred->ngids;
	memcpy(id->gids, cred->gids, sizeof id->gids);
	if (!o->root_squash)
		return;
	/* knfsd squashes group 0 as well as user 0. */
	if (id->uid == 0)
		id->uid = o->anonuid;
	if (id->gid == 0)
		id->gid = o->anongid;
	for (unsigned i = 0; i < id->ngids; i++)
		if (id->gids[i] == 0)
			id->gids[i] = o->anongid;
}
