/* What the procedures of both programs ask about the caller of a call. */
#ifndef PXEKIT_NFS_CALLER_H
#define PXEKIT_NFS_CALLER_H

#include "exports.h"
#include "rpc.h"

/* The options that apply to this caller for this export, or NULL
 * (export_decide logged why). While the caller's name is being looked up
 * the call is dropped (rpc_drop): the client retransmits. req->ctx is
 * the struct daemon_ctx. */
const struct export_options *export_access(const struct export *e, struct rpc_req *req);
/* export_allows for this call's caller: nothing logged, never dropped. */
bool export_access_quiet(const struct export *e, const struct rpc_req *req);

#endif
