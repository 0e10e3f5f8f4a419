/* The parts of pxe-nfsd the unit tests reach: the procedure table (for
 * XDR round-trips of every argument and result) and the attribute and
 * permission rules. */
#ifndef PXEKIT_NFSD_H
#define PXEKIT_NFSD_H

#include <stdbool.h>
#include <sys/stat.h>

#include "daemon.h"
#include "nfs3_prot.h"
#include "rpc.h"

#define NFSD_NPROCS 22
#define TCP_TRANSFER_MAX (1024 * 1024)	/* rtmax, dtpref: 1 MiB as knfsd */
#define UDP_TRANSFER_MAX (32 * 1024)
#define FATTR3_SIZE 84
#define POST_OP_ATTR_SIZE (4 + FATTR3_SIZE)
/* The READ reply's data starts here in the result: status, attributes,
 * count, eof and the opaque's length come first. */
#define READ_DATA_OFFSET (4 + POST_OP_ATTR_SIZE + 4 + 4 + 4)
#define SENDFILE_MIN (64 * 1024)

extern const struct rpc_proc nfsd_procs[NFSD_NPROCS];

void nfsd_fattr(const struct stat *sb, uint32_t fsid, fattr3 *a);

/* rwx bits (4, 2, 1) the identity has on the object, as knfsd decides
 * without ACLs. */
unsigned nfsd_permitted(const struct stat *sb, const struct identity *id);

/* READ's checks and result, shared by files and ISO contents:
 * nfsd_read_admit answers NFS3_OK and the count one reply may carry, or
 * why not; the data goes to nfsd_read_data(req) (or an rpc tail), then
 * nfsd_read_done fills the result. */
nfsstat3 nfsd_read_admit(const struct rpc_req *req, const struct stat *sb,
			 const struct identity *id, count3 asked, size_t *count);
char *nfsd_read_data(struct rpc_req *req);
void nfsd_read_done(struct rpc_req *req, READ3res *r, size_t got, bool eof);

/* The whole daemon, for main(). */
int nfsd_run(int argc, char **argv);

#endif
