#include "config.h"

#include <string.h>
#include <unistd.h>

#include "byteorder.h"
#include "rpc.h"

enum { MSG_CALL = 0, MSG_REPLY = 1 };
enum { REPLY_ACCEPTED = 0, REPLY_DENIED = 1 };
enum { ACCEPT_SUCCESS = 0, ACCEPT_PROG_UNAVAIL = 1, ACCEPT_PROG_MISMATCH = 2,
       ACCEPT_PROC_UNAVAIL = 3, ACCEPT_GARBAGE_ARGS = 4, ACCEPT_SYSTEM_ERR = 5 };
enum { DENIED_RPC_MISMATCH = 0, DENIED_AUTH_ERROR = 1 };
enum { AUTHERR_BADCRED = 1 };

bool_t xdr_rpc_void(XDR *xdrs, rpc_void *v)
{
	(void)xdrs, (void)v;
	return TRUE;
}

/* A read cursor with an explicit end: every field is checked against the
 * bytes that arrived before it is used. */
struct cursor {
	const unsigned char *p, *end;
	bool bad;
};

static uint32_t take_u32(struct cursor *c)
{
	uint32_t v;

	if (c->bad || c->end - c->p < 4) {
		c->bad = true;
		return 0;
	}
	v = get_be32(c->p);
	c->p += 4;
	return v;
}

/* An opaque<max>: returns its bytes and skips the XDR padding. */
static const unsigned char *take_opaque(struct cursor *c, uint32_t max, uint32_t *len)
{
	const unsigned char *start;
	uint32_t n = take_u32(c);
	size_t padded = ((size_t)n + 3) & ~(size_t)3;

	if (c->bad || n > max || (size_t)(c->end - c->p) < padded) {
		c->bad = true;
		return NULL;
	}
	start = c->p;
	c->p += padded;
	*len = n;
	return start;
}

/* struct authsys_parms (RFC 5531, appendix A). */
static bool parse_auth_sys(const unsigned char *body, uint32_t len, struct rpc_cred *cred)
{
	struct cursor c = { body, body + len, false };
	uint32_t namelen = 0;

	take_u32(&c);				/* stamp */
	take_opaque(&c, 255, &namelen);		/* machinename */
	cred->uid = take_u32(&c);
	cred->gid = take_u32(&c);
	cred->ngids = take_u32(&c);
	if (c.bad || cred->ngids > RPC_AUTH_SYS_NGROUPS)
		return false;
	for (unsigned i = 0; i < cred->ngids; i++)
		cred->gids[i] = take_u32(&c);
	return !c.bad && c.p == c.end;
}

static size_t accepted(struct rpc_req *req, uint32_t stat)
{
	unsigned char *p = req->reply;

	p = put_be32(p, req->xid);
	p = put_be32(p, MSG_REPLY);
	p = put_be32(p, REPLY_ACCEPTED);
	p = put_be32(p, RPC_AUTH_NONE);
	p = put_be32(p, 0);
	p = put_be32(p, stat);
	return (size_t)(p - req->reply);
}

static size_t mismatch(struct rpc_req *req, uint32_t low, uint32_t high)
{
	unsigned char *p = req->reply + accepted(req, ACCEPT_PROG_MISMATCH);

	p = put_be32(p, low);
	p = put_be32(p, high);
	return (size_t)(p - req->reply);
}

static size_t denied(struct rpc_req *req, uint32_t reject, uint32_t a, uint32_t b)
{
	unsigned char *p = req->reply;

	p = put_be32(p, req->xid);
	p = put_be32(p, MSG_REPLY);
	p = put_be32(p, REPLY_DENIED);
	p = put_be32(p, reject);
	p = put_be32(p, a);
	if (reject == DENIED_RPC_MISMATCH)
		p = put_be32(p, b);
	return (size_t)(p - req->reply);
}

/* Parses the call header up to the arguments. Returns 0 to go on, or the
 * length of the denial already written, or SIZE_MAX to stay silent. */
static size_t parse_call(struct rpc_req *req, struct cursor *c)
{
	uint32_t flavor, len = 0, verflen = 0;
	const unsigned char *body;

	req->xid = take_u32(c);
	if (take_u32(c) != MSG_CALL || c->bad)
		return SIZE_MAX;
	if (take_u32(c) != 2)
		return c->bad ? SIZE_MAX : denied(req, DENIED_RPC_MISMATCH, 2, 2);
	req->prog = take_u32(c);
	req->vers = take_u32(c);
	req->proc = take_u32(c);
	flavor = take_u32(c);
	body = take_opaque(c, RPC_AUTH_BODY_MAX, &len);
	take_u32(c);				/* verifier flavour: ignored */
	take_opaque(c, RPC_AUTH_BODY_MAX, &verflen);
	if (c->bad)
		return SIZE_MAX;
	memset(&req->cred, 0, sizeof req->cred);
	req->cred.flavor = flavor;
	if (flavor == RPC_AUTH_SYS && parse_auth_sys(body, len, &req->cred))
		return 0;
	if (flavor == RPC_AUTH_NONE)
		return 0;
	return denied(req, DENIED_AUTH_ERROR, AUTHERR_BADCRED, 0);
}

static const struct rpc_proc *find_proc(const struct rpc_program *prog, struct rpc_req *req,
					size_t *reply_len)
{
	uint32_t low = UINT32_MAX, high = 0;

	if (req->prog != prog->prog) {
		*reply_len = accepted(req, ACCEPT_PROG_UNAVAIL);
		return NULL;
	}
	for (unsigned i = 0; i < prog->nversions; i++) {
		const struct rpc_version *v = &prog->versions[i];

		if (v->vers == req->vers) {
			if (req->proc >= v->nprocs || v->procs[req->proc].fn == NULL) {
				*reply_len = accepted(req, ACCEPT_PROC_UNAVAIL);
				return NULL;
			}
			return &v->procs[req->proc];
		}
		low = v->vers < low ? v->vers : low;
		high = v->vers > high ? v->vers : high;
	}
	/* What makes mount.nfs fall back from v4 to v3 (never stay silent). */
	*reply_len = mismatch(req, low, high);
	return NULL;
}

void rpc_drop(struct rpc_req *req)
{
	req->drop = true;
}

void rpc_set_tail(struct rpc_req *req, int fd, off_t off, size_t len)
{
	if (req->tail.len)
		close(req->tail.fd);
	req->tail = (struct rpc_tail){ fd, off, len };
	if (len == 0)
		close(fd);
}

/* The reply as the transport gets it; an error reply or a dropped call
 * takes no file data with it. */
static struct rpc_reply finish(struct rpc_req *req, size_t len, bool ok)
{
	struct rpc_reply r = { .len = len, .drop = req->drop, .tail = { -1, 0, 0 } };

	if (req->tail.len && ok && !req->drop)
		r.tail = req->tail;
	else if (req->tail.len)
		close(req->tail.fd);
	if (r.drop)
		r.len = 0;
	req->tail = (struct rpc_tail){ -1, 0, 0 };
	return r;
}

static size_t handle(const struct rpc_program *prog, struct rpc_req *req,
		     const unsigned char *msg, size_t len, bool *ok)
{
	_Alignas(max_align_t) unsigned char args[RPC_ARGS_MAX], res[RPC_ARGS_MAX];
	struct cursor c = { msg, msg + len, false };
	const struct rpc_proc *proc;
	size_t reply_len;
	XDR xdrs;

	*ok = false;
	if (req->reply_cap < RPC_REPLY_HDR + 8)
		return 0;
	reply_len = parse_call(req, &c);
	if (reply_len == SIZE_MAX)
		return 0;
	if (reply_len != 0)
		return reply_len;
	proc = find_proc(prog, req, &reply_len);
	if (proc == NULL)
		return reply_len;
	req->proc_name = proc->name;
	if (proc->args_size > sizeof args || proc->res_size > sizeof res)
		return accepted(req, ACCEPT_SYSTEM_ERR);

	memset(args, 0, sizeof args);
	memset(res, 0, sizeof res);
	xdrmem_create(&xdrs, (char *)(uintptr_t)c.p, (u_int)(c.end - c.p), XDR_DECODE);
	if (!proc->xdr_args(&xdrs, args)) {
		xdr_destroy(&xdrs);
		xdr_free(proc->xdr_args, (char *)args);
		return accepted(req, ACCEPT_GARBAGE_ARGS);
	}
	xdr_destroy(&xdrs);

	proc->fn(req, args, res);

	reply_len = accepted(req, ACCEPT_SUCCESS);
	xdrmem_create(&xdrs, (char *)req->reply + reply_len,
		      (u_int)(req->reply_cap - reply_len), XDR_ENCODE);
	if (proc->xdr_res(&xdrs, res)) {
		reply_len += xdr_getpos(&xdrs);
		*ok = true;
	} else {
		reply_len = accepted(req, ACCEPT_SYSTEM_ERR);
	}
	xdr_destroy(&xdrs);
	xdr_free(proc->xdr_args, (char *)args);
	return reply_len;
}

struct rpc_reply rpc_handle(const struct rpc_program *prog, struct rpc_req *req,
			    const unsigned char *msg, size_t len)
{
	bool ok;
	size_t n;

	req->drop = false;
	req->tail = (struct rpc_tail){ -1, 0, 0 };
	n = handle(prog, req, msg, len, &ok);
	return finish(req, n, ok);
}
