/* pxe-nfsd's procedures for handles into exported ISO images (version 2,
 * fhandle.h): nfsd.c hands every call whose handle is one to these. */
#ifndef PXEKIT_NFSD_ISO_H
#define PXEKIT_NFSD_ISO_H

#include "nfs3_prot.h"
#include "rpc.h"

void nfsd_iso_getattr(struct rpc_req *req, void *args, void *res);
void nfsd_iso_lookup(struct rpc_req *req, void *args, void *res);
void nfsd_iso_access(struct rpc_req *req, void *args, void *res);
void nfsd_iso_readlink(struct rpc_req *req, void *args, void *res);
void nfsd_iso_read(struct rpc_req *req, void *args, void *res);
void nfsd_iso_readdir(struct rpc_req *req, void *args, void *res);
void nfsd_iso_readdirplus(struct rpc_req *req, void *args, void *res);
void nfsd_iso_fsstat(struct rpc_req *req, void *args, void *res);
void nfsd_iso_fsinfo(struct rpc_req *req, void *args, void *res);
void nfsd_iso_pathconf(struct rpc_req *req, void *args, void *res);
/* The status of a modifying procedure: the handle's error, else ROFS. */
nfsstat3 nfsd_iso_rofs(struct rpc_req *req, const nfs_fh3 *h);

/* Hands the call to the ISO procedure when the handle is an ISO one. */
#define NFSD_ISO_HOOK(proc, fh) do { \
		if (fh_is_iso((const unsigned char *)(fh).data.data_val, (fh).data.data_len)) { \
			nfsd_iso_##proc(req, args, res); \
			return; \
		} \
	} while (0)

#endif
