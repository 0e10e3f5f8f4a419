/* libFuzzer target: RPC call headers, AUTH_SYS credentials and the XDR
 * decoding of every NFSv3 procedure's arguments, as pxe-nfsd receives
 * them; the procedures themselves are replaced by ones that fail with
 * NFS3ERR_IO (the real ones need a file system), and that is encoded. */
#include <stdlib.h>
#include <string.h>

#include "nfsd.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void fail_io(struct rpc_req *req, void *args, void *res)
{
	(void)args;
	if (req->proc != 0)
		*(nfsstat3 *)res = NFS3ERR_IO;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct rpc_proc procs[NFSD_NPROCS];
	static const struct rpc_version versions[] = { { 3, procs, NFSD_NPROCS } };
	static const struct rpc_program prog = { 100003, versions, 1 };
	static unsigned char reply[65536];
	struct rpc_req req = { .reply = reply, .reply_cap = sizeof reply, .tcp = true };

	if (procs[0].fn == NULL) {
		memcpy(procs, nfsd_procs, sizeof procs);
		for (unsigned i = 0; i < NFSD_NPROCS; i++) {
			procs[i].fn = fail_io;
			/* READ's in-place encoder expects proc_read's data */
			if (i == NFSPROC3_READ)
				procs[i].xdr_res = (xdrproc_t)xdr_READ3res;
		}
	}
	rpc_handle(&prog, &req, data, size);
	return 0;
}
