/* ONC RPC version 2 messages (RFC 5531): the call header, AUTH_SYS
 * credentials, reply headers, and one dispatcher that checks program,
 * version and procedure, decodes the arguments with the rpcgen routines,
 * calls the procedure and encodes its result. No I/O here: server.c moves
 * the bytes. */
#ifndef PXEKIT_RPC_H
#define PXEKIT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <rpc/rpc.h>

#define RPC_AUTH_NONE 0
#define RPC_AUTH_SYS 1
#define RPC_AUTH_SYS_NGROUPS 16
#define RPC_AUTH_BODY_MAX 400
/* xid, REPLY, MSG_ACCEPTED, a null verifier, accept_stat */
#define RPC_REPLY_HDR 24

struct rpc_cred {
	uint32_t flavor;		/* RPC_AUTH_NONE or RPC_AUTH_SYS */
	uint32_t uid, gid;
	uint32_t gids[RPC_AUTH_SYS_NGROUPS];
	unsigned ngids;
};

struct rpc_req {
	/* set by the transport */
	const struct sockaddr *peer;
	bool tcp;
	unsigned char *reply;		/* where the reply message goes */
	size_t reply_cap;
	void *ctx;			/* the daemon's state */
	/* Set by a procedure: send no reply at all (the client retransmits);
	 * the transport closes a TCP connection, since a client retransmits
	 * over TCP only on a new one. */
	bool drop;
	/* Set by a procedure whose result ends with file data sent straight
	 * from the page cache (READ over TCP): tail_len bytes of tail_fd at
	 * tail_off follow the encoded reply, then XDR padding. rpc_handle
	 * closes tail_fd if the reply fails, the transport after sending. */
	int tail_fd;
	off_t tail_off;
	size_t tail_len;
	/* from the call */
	uint32_t xid, prog, vers, proc;
	struct rpc_cred cred;
	const char *proc_name;
};

struct rpc_proc {
	const char *name;
	xdrproc_t xdr_args, xdr_res;
	size_t args_size, res_size;
	/* NULL: the procedure is not served (PROC_UNAVAIL) */
	void (*fn)(struct rpc_req *req, void *args, void *res);
};

struct rpc_version {
	uint32_t vers;
	const struct rpc_proc *procs;
	unsigned nprocs;
};

struct rpc_program {
	uint32_t prog;
	const struct rpc_version *versions;
	unsigned nversions;
};

/* The argument or result of a procedure that has none (xdr_void takes
 * no object; the dispatcher wants a size to zero). */
typedef int rpc_void;
bool_t xdr_rpc_void(XDR *xdrs, rpc_void *v);

/* Arguments and results of every procedure fit in this (checked). */
#define RPC_ARGS_MAX 512

/* Handles one call message. Returns the length of the reply written to
 * req->reply, or 0 when nothing must be sent (not a call, too short). */
size_t rpc_handle(const struct rpc_program *prog, struct rpc_req *req,
		  const unsigned char *msg, size_t len);

/* Where a procedure's encoded result starts in req->reply, so that READ
 * can pread file data straight to its final place. */
static inline unsigned char *rpc_result_area(const struct rpc_req *req)
{
	return req->reply + RPC_REPLY_HDR;
}

#endif
