#include "config.h"

#include "caller.h"
#include "daemon.h"

const struct export_options *export_access(const struct export *e, struct rpc_req *req)
{
	const struct daemon_ctx *d = req->ctx;
	struct export_caller who = { req->peer, req->proc_name, d->resolver };
	bool pending;
	const struct export_options *o = export_decide(e, &who, &pending);

	if (pending)
		rpc_drop(req);
	return o;
}

bool export_access_quiet(const struct export *e, const struct rpc_req *req)
{
	const struct daemon_ctx *d = req->ctx;
	struct export_caller who = { req->peer, req->proc_name, d->resolver };

	return export_allows(e, &who);
}
