/* rpc owns a reply's file tail: handed to the transport only with a
 * successful reply, closed with any error reply or dropped call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "byteorder.h"
#include "rpc.h"

#define PROG 400123
enum { PROC_TAIL, PROC_TAIL_BAD_RESULT, PROC_TAIL_DROP };

static int tail_fd;

static void with_tail(struct rpc_req *req, void *args, void *res)
{
	(void)args, (void)res;
	rpc_set_tail(req, tail_fd, 100, 4093);
	if (req->proc == PROC_TAIL_DROP)
		rpc_drop(req);
}

/* A result that cannot be encoded: the reply becomes SYSTEM_ERR. */
static bool_t xdr_fail(XDR *xdrs, rpc_void *v)
{
	(void)xdrs, (void)v;
	return FALSE;
}

static const struct rpc_proc procs[] = {
	[PROC_TAIL] = { "TAIL", (xdrproc_t)xdr_rpc_void, (xdrproc_t)xdr_rpc_void,
			sizeof(rpc_void), sizeof(rpc_void), with_tail },
	[PROC_TAIL_BAD_RESULT] = { "BAD", (xdrproc_t)xdr_rpc_void, (xdrproc_t)xdr_fail,
				   sizeof(rpc_void), sizeof(rpc_void), with_tail },
	[PROC_TAIL_DROP] = { "DROP", (xdrproc_t)xdr_rpc_void, (xdrproc_t)xdr_rpc_void,
			     sizeof(rpc_void), sizeof(rpc_void), with_tail },
};
static const struct rpc_version versions[] = { { 1, procs, 3 } };
static const struct rpc_program program = { PROG, versions, 1 };

/* A call with AUTH_NONE credentials and verifier. */
static size_t call(unsigned char *buf, uint32_t proc)
{
	unsigned char *p = buf;
	const uint32_t words[] = { 7, 0, 2, PROG, 1, proc, 0, 0, 0, 0 };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		p = put_be32(p, words[i]);
	return (size_t)(p - buf);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

static struct rpc_reply run(uint32_t proc, unsigned char *reply, size_t cap)
{
	unsigned char msg[64];
	size_t len = call(msg, proc);
	struct rpc_req req = { .tcp = true, .reply = reply, .reply_cap = cap };

	tail_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(tail_fd >= 0);
	return rpc_handle(&program, &req, msg, len);
}

static void test_a_successful_reply_hands_the_tail_over(void **state)
{
	unsigned char reply[256];
	struct rpc_reply r = run(PROC_TAIL, reply, sizeof reply);

	(void)state;
	assert_int_equal(r.len, RPC_REPLY_HDR);
	assert_int_equal(get_be32(reply + 20), 0);	/* SUCCESS */
	assert_false(r.drop);
	assert_int_equal(r.tail.fd, tail_fd);
	assert_int_equal(r.tail.off, 100);
	assert_int_equal(r.tail.len, 4093);
	assert_true(fd_open(tail_fd));
	close(r.tail.fd);
}

static void test_an_error_reply_closes_the_tail(void **state)
{
	unsigned char reply[256];
	struct rpc_reply r = run(PROC_TAIL_BAD_RESULT, reply, sizeof reply);

	(void)state;
	assert_int_equal(r.len, RPC_REPLY_HDR);
	assert_int_equal(get_be32(reply + 20), 5);	/* SYSTEM_ERR */
	assert_int_equal(r.tail.len, 0);
	assert_false(fd_open(tail_fd));
}

static void test_a_dropped_call_sends_nothing_and_closes_the_tail(void **state)
{
	unsigned char reply[256];
	struct rpc_reply r = run(PROC_TAIL_DROP, reply, sizeof reply);

	(void)state;
	assert_true(r.drop);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.tail.len, 0);
	assert_false(fd_open(tail_fd));
}

static void test_an_unknown_procedure_has_no_tail(void **state)
{
	unsigned char reply[256];
	struct rpc_reply r;

	(void)state;
	r = run(9, reply, sizeof reply);
	assert_int_equal(r.len, RPC_REPLY_HDR);
	assert_int_equal(get_be32(reply + 20), 3);	/* PROC_UNAVAIL */
	assert_int_equal(r.tail.len, 0);
	close(tail_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_successful_reply_hands_the_tail_over),
		cmocka_unit_test(test_an_error_reply_closes_the_tail),
		cmocka_unit_test(test_a_dropped_call_sends_nothing_and_closes_the_tail),
		cmocka_unit_test(test_an_unknown_procedure_has_no_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
