/* share.h over libtirpc: the portmapper finds the MOUNT service, as a
 * client's mount does, so whichever server runs (pxe-mountd, rpc.mountd)
 * answers. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rpc/pmap_clnt.h>
#include <rpc/rpc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"

#define MOUNTPROG 100005
#define MOUNTVERS3 3
#define MOUNTPROC_EXPORT 5
#define MNTPATHLEN 1024
#define MNTNAMLEN 255
#define MAX_EXPORTS 65536	/* bounds the walk of a hostile reply */

/* xdr_void takes no object: a typed stand-in that matches xdrproc_t */
static bool_t xdr_none(XDR *x, void *arg)
{
	(void)x;
	(void)arg;
	return TRUE;
}

struct find {
	const char *want;
	bool found;
};

/* exports: a list of (directory, list of group names) */
static bool_t xdr_exports_find(XDR *x, void *arg)
{
	struct find *f = arg;
	bool_t more;
	unsigned n = 0;

	if (!xdr_bool(x, &more))
		return FALSE;
	while (more) {
		char *dir = NULL;
		bool_t g;

		if (++n > MAX_EXPORTS || !xdr_string(x, &dir, MNTPATHLEN))
			return FALSE;
		if (!strcmp(dir, f->want))
			f->found = true;
		free(dir);
		if (!xdr_bool(x, &g))
			return FALSE;
		while (g) {
			char *name = NULL;

			if (++n > MAX_EXPORTS || !xdr_string(x, &name, MNTNAMLEN))
				return FALSE;
			free(name);
			if (!xdr_bool(x, &g))
				return FALSE;
		}
		if (!xdr_bool(x, &more))
			return FALSE;
	}
	return TRUE;
}

/* One client for the whole run: libtirpc keeps state from an rpcbind
 * lookup that a second clnt_create does not give back (LeakSanitizer). */
static CLIENT *client;
static bool tried;

int share_check(const char *path, char *why, size_t len)
{
	struct timeval tv = { 3, 0 };
	struct find f = { .want = path };
	enum clnt_stat rc;

	if (!tried) {
		/* portmapper v2 GETPORT answers a number; rpcbind v3/v4 (what
		 * clnt_create asks) a string, which libtirpc 1.3 leaks when the
		 * program is not registered */
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int sock = RPC_ANYSOCK;

		tried = true;
		sin.sin_port = htons(pmap_getport(&sin, MOUNTPROG, MOUNTVERS3, IPPROTO_UDP));
		if (sin.sin_port != 0)
			client = clntudp_create(&sin, MOUNTPROG, MOUNTVERS3, tv, &sock);
	}
	if (client == NULL) {
		snprintf(why, len, "not checked: no MOUNT service on localhost "
			 "(is pxe-mountd running?)");
		return 0;
	}
	rc = clnt_call(client, NULLPROC, (xdrproc_t)xdr_none, NULL, (xdrproc_t)xdr_none, NULL, tv);
	if (rc == RPC_SUCCESS)
		rc = clnt_call(client, MOUNTPROC_EXPORT, (xdrproc_t)xdr_none, NULL,
			       (xdrproc_t)xdr_exports_find, (char *)&f, tv);
	if (rc != RPC_SUCCESS) {
		snprintf(why, len, "the MOUNT service on localhost fails: %s", clnt_sperrno(rc));
		return -1;
	}
	if (!f.found) {
		snprintf(why, len, "%s is not in the MOUNT service's export list "
			 "(pxe-exportfs -r, or exportfs -r, reloads the drop-ins)", path);
		return -1;
	}
	snprintf(why, len, "%s is exported (MOUNT EXPORT on localhost)", path);
	return 1;
}

void share_done(void)
{
	if (client)
		clnt_destroy(client);
	client = NULL;
}
