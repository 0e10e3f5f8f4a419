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

/* File data that follows a reply message, sent straight from the page
 * cache (READ over TCP): len bytes of fd from off, then XDR padding. */
struct rpc_tail {
	int fd;
	off_t off;
	size_t len;			/* 0: no tail (fd is not open) */
};

/* What rpc_handle hands the transport: the message (header and result)
 * in the buffer the transport lent, and any file tail, whose descriptor
 * is the transport's to close once sent. */
struct rpc_reply {
	size_t len;			/* 0: send nothing */
	/* No reply at all (the client retransmits); the transport closes a
	 * TCP connection, since a client retransmits over TCP only on a new
	 * one. */
	bool drop;
	struct rpc_tail tail;
};

struct rpc_req {
	/* set by the transport */
	const struct sockaddr *peer;
	bool tcp;
	unsigned char *reply;		/* where the reply message goes */
	size_t reply_cap;
	void *ctx;			/* the daemon's state */
	/* from the call */
	uint32_t xid, prog, vers, proc;
	struct rpc_cred cred;
	const char *proc_name;
	/* what the procedure asked for (rpc_drop, rpc_set_tail); rpc.c's */
	bool drop;
	struct rpc_tail tail;
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

/* Handles one call message: the reply is written to req->reply. A tail
 * comes only with a successful reply: on any error reply, or a dropped
 * one, rpc_handle has closed it. */
struct rpc_reply rpc_handle(const struct rpc_program *prog, struct rpc_req *req,
			    const unsigned char *msg, size_t len);

/* For a procedure: no reply to this call at all. */
void rpc_drop(struct rpc_req *req);

/* For a procedure: its encoded result is followed by len bytes of fd
 * from off (the descriptor becomes rpc's: closed with an error reply,
 * handed to the transport otherwise). */
void rpc_set_tail(struct rpc_req *req, int fd, off_t off, size_t len);

/* Whether the procedure set a tail (its result then encodes only the
 * length of the data). */
static inline bool rpc_has_tail(const struct rpc_req *req)
{
	return req->tail.len != 0;
}

/* Where a procedure's encoded result starts in req->reply, so that READ
 * can pread file data straight to its final place. */
static inline unsigned char *rpc_result_area(const struct rpc_req *req)
{
	return req->reply + RPC_REPLY_HDR;
}

#endif
