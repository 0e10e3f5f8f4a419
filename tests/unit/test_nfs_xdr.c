#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mount_prot.h"
#include "nfsd.h"

#define BUF 4096

/* Decodes bytes with a routine, encodes the result again and compares;
 * returns how many bytes the object took. */
static size_t round_trip(xdrproc_t proc, size_t size, const char *bytes, size_t len)
{
	char out[BUF];
	void *obj = calloc(1, size);
	XDR x;
	size_t used;

	xdrmem_create(&x, (char *)bytes, (u_int)len, XDR_DECODE);
	assert_true(proc(&x, obj));
	used = xdr_getpos(&x);
	xdrmem_create(&x, out, sizeof out, XDR_ENCODE);
	assert_true(proc(&x, obj));
	assert_int_equal(xdr_getpos(&x), used);
	assert_memory_equal(out, bytes, used);
	xdr_free(proc, obj);
	free(obj);
	return used;
}

/* Zeros are a valid encoding of every argument and result of NFSv3 (empty
 * handles and names, FALSE and void arms, NFS3_OK with zero fields). */
static void test_every_procedure_round_trips(void **state)
{
	static const char zeros[BUF];

	(void)state;
	for (unsigned p = 0; p < NFSD_NPROCS; p++) {
		const struct rpc_proc *proc = &nfsd_procs[p];

		assert_non_null(proc->fn);
		assert_true(proc->args_size <= RPC_ARGS_MAX && proc->res_size <= RPC_ARGS_MAX);
		round_trip(proc->xdr_args, proc->args_size, zeros, sizeof zeros);
		round_trip(proc->xdr_res, proc->res_size, zeros, sizeof zeros);
	}
}

static void test_arguments_with_handles_and_names_round_trip(void **state)
{
	char fh[64], buf[BUF];
	READDIRPLUS3args rdp = { .cookie = 0x123456789abcULL, .dircount = 8192, .maxcount = 1 << 20 };
	LOOKUP3args lookup = { .what.name = "initrd.gz" };
	READ3args rd = { .offset = 1ULL << 40, .count = 1 << 20 };
	XDR x;

	(void)state;
	for (int i = 0; i < 64; i++)
		fh[i] = (char)i;
	rdp.dir.data.data_len = 64, rdp.dir.data.data_val = fh;
	memcpy(rdp.cookieverf, "verifier", 8);
	lookup.what.dir.data.data_len = 30, lookup.what.dir.data.data_val = fh;
	rd.file.data.data_len = 13, rd.file.data.data_val = fh;

	xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
	assert_true(xdr_READDIRPLUS3args(&x, &rdp));
	assert_int_equal(round_trip((xdrproc_t)xdr_READDIRPLUS3args, sizeof rdp, buf, BUF),
			 xdr_getpos(&x));
	xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
	assert_true(xdr_LOOKUP3args(&x, &lookup));
	assert_int_equal(round_trip((xdrproc_t)xdr_LOOKUP3args, sizeof lookup, buf, BUF),
			 xdr_getpos(&x));
	xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
	assert_true(xdr_READ3args(&x, &rd));
	/* 13 bytes of handle are padded to 16 on the wire */
	assert_int_equal(xdr_getpos(&x), 4 + 16 + 8 + 4);
}

static void test_a_handle_over_64_bytes_does_not_decode(void **state)
{
	char buf[BUF] = { 0 };
	GETATTR3args a;
	XDR x;

	(void)state;
	buf[3] = 65;
	memset(&a, 0, sizeof a);
	xdrmem_create(&x, buf, sizeof buf, XDR_DECODE);
	assert_false(xdr_GETATTR3args(&x, &a));
	xdr_free((xdrproc_t)xdr_GETATTR3args, (char *)&a);
}

/* READ's own encoder leaves the data where proc_read put it; the result
 * must decode with the RFC's routine to the same bytes. */
static void test_read_result_decodes_with_the_standard_routine(void **state)
{
	char buf[BUF], data[100];
	READ3res r = { .status = NFS3_OK }, back;
	XDR x;

	(void)state;
	for (int i = 0; i < 100; i++)
		data[i] = (char)(i * 3);
	r.READ3res_u.resok.file_attributes.attributes_follow = TRUE;
	r.READ3res_u.resok.count = 99;
	r.READ3res_u.resok.eof = TRUE;
	r.READ3res_u.resok.data.data_len = 99;
	r.READ3res_u.resok.data.data_val = data;
	xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
	assert_true(nfsd_procs[NFSPROC3_READ].xdr_res(&x, &r));
	memset(&back, 0, sizeof back);
	xdrmem_create(&x, buf, sizeof buf, XDR_DECODE);
	assert_true(xdr_READ3res(&x, &back));
	assert_int_equal(back.READ3res_u.resok.count, 99);
	assert_true(back.READ3res_u.resok.eof);
	assert_int_equal(back.READ3res_u.resok.data.data_len, 99);
	assert_memory_equal(back.READ3res_u.resok.data.data_val, data, 99);
	xdr_free((xdrproc_t)xdr_READ3res, (char *)&back);
}

static void test_directory_lists_decode_with_the_standard_routine(void **state)
{
	char buf[BUF], fh[20] = "0123456789abcdefghi";
	entryplus3 e[3] = {
		{ .fileid = 1, .name = ".", .cookie = 10 },
		{ .fileid = 2, .name = "vmlinuz", .cookie = 20 },
		{ .fileid = 3, .name = "initrd.img", .cookie = 30 },
	};
	READDIRPLUS3res r = { .status = NFS3_OK }, back;
	entryplus3 *got;
	XDR x;
	int n = 0;

	(void)state;
	e[0].nextentry = &e[1];
	e[1].nextentry = &e[2];
	e[2].name_handle.handle_follows = TRUE;
	e[2].name_handle.post_op_fh3_u.handle.data.data_len = 20;
	e[2].name_handle.post_op_fh3_u.handle.data.data_val = fh;
	r.READDIRPLUS3res_u.resok.reply.entries = e;
	r.READDIRPLUS3res_u.resok.reply.eof = TRUE;
	xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
	assert_true(nfsd_procs[NFSPROC3_READDIRPLUS].xdr_res(&x, &r));
	memset(&back, 0, sizeof back);
	xdrmem_create(&x, buf, sizeof buf, XDR_DECODE);
	assert_true(xdr_READDIRPLUS3res(&x, &back));
	for (got = back.READDIRPLUS3res_u.resok.reply.entries; got; got = got->nextentry, n++) {
		assert_string_equal(got->name, e[n].name);
		assert_int_equal(got->cookie, e[n].cookie);
		assert_int_equal(got->fileid, e[n].fileid);
	}
	assert_int_equal(n, 3);
	assert_true(back.READDIRPLUS3res_u.resok.reply.eof);
	xdr_free((xdrproc_t)xdr_READDIRPLUS3res, (char *)&back);
}

static void test_mount_arguments_and_results_round_trip(void **state)
{
	static const char zeros[BUF];
	char buf[BUF], fh[40] = { 1, 2, 3 };
	int flavors[] = { 1 };
	mountres3 m = { .fhs_status = MNT3_OK };
	XDR x;

	(void)state;
	round_trip((xdrproc_t)xdr_dirpath, sizeof(dirpath), zeros, BUF);
	round_trip((xdrproc_t)xdr_mountres3, sizeof(mountres3), zeros, BUF);
	round_trip((xdrproc_t)xdr_fhstatus, sizeof(fhstatus), zeros, BUF);
	round_trip((xdrproc_t)xdr_exports, sizeof(exports), zeros, BUF);
	round_trip((xdrproc_t)xdr_mountlist, sizeof(mountlist), zeros, BUF);
	m.mountres3_u.mountinfo.fhandle.fhandle3_len = 40;
	m.mountres3_u.mountinfo.fhandle.fhandle3_val = fh;
	m.mountres3_u.mountinfo.auth_flavors.auth_flavors_len = 1;
	m.mountres3_u.mountinfo.auth_flavors.auth_flavors_val = flavors;
	xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
	assert_true(xdr_mountres3(&x, &m));
	assert_int_equal(round_trip((xdrproc_t)xdr_mountres3, sizeof m, buf, BUF), 4 + 44 + 8);
}

static void test_permissions_follow_owner_group_other(void **state)
{
	struct stat sb = { .st_mode = S_IFREG | 0640, .st_uid = 1000, .st_gid = 100 };
	struct identity owner = { .uid = 1000, .gid = 1 };
	struct identity member = { .uid = 2000, .gid = 1, .ngids = 2, .gids = { 5, 100 } };
	struct identity other = { .uid = 2000, .gid = 1 };
	struct identity root = { .uid = 0, .gid = 0 };

	(void)state;
	assert_int_equal(nfsd_permitted(&sb, &owner), 6);
	assert_int_equal(nfsd_permitted(&sb, &member), 4);
	assert_int_equal(nfsd_permitted(&sb, &other), 0);
	assert_int_equal(nfsd_permitted(&sb, &root), 6);
	sb.st_mode = S_IFDIR | 0700;
	assert_int_equal(nfsd_permitted(&sb, &root), 7);
	assert_int_equal(nfsd_permitted(&sb, &other), 0);
}

static void test_squashing_maps_root_and_everyone(void **state)
{
	struct export_options o = { .root_squash = true, .anonuid = 65534, .anongid = 65534 };
	struct rpc_cred cred = { .flavor = RPC_AUTH_SYS, .uid = 0, .gid = 0, .ngids = 2,
				 .gids = { 0, 4 } };
	struct identity id;

	(void)state;
	squash_identity(&o, &cred, &id);
	assert_int_equal(id.uid, 65534);
	assert_int_equal(id.gid, 65534);
	assert_int_equal(id.gids[0], 65534);
	assert_int_equal(id.gids[1], 4);
	o.root_squash = false;
	squash_identity(&o, &cred, &id);
	assert_int_equal(id.uid, 0);
	o.all_squash = true;
	cred.uid = 1000;
	squash_identity(&o, &cred, &id);
	assert_int_equal(id.uid, 65534);
	assert_int_equal(id.ngids, 0);
	o.all_squash = false;
	cred.flavor = RPC_AUTH_NONE;
	squash_identity(&o, &cred, &id);
	assert_int_equal(id.uid, 65534);
}

static void test_attributes_carry_the_export_fsid(void **state)
{
	struct stat sb = { .st_mode = S_IFLNK | 0777, .st_ino = 42, .st_size = 7,
			   .st_blocks = 8, .st_nlink = 1 };
	fattr3 a;

	(void)state;
	nfsd_fattr(&sb, 99, &a);
	assert_int_equal(a.type, NF3LNK);
	assert_int_equal(a.mode, 0777);
	assert_int_equal(a.fsid, 99);
	assert_int_equal(a.fileid, 42);
	assert_int_equal(a.size, 7);
	assert_int_equal(a.used, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_procedure_round_trips),
		cmocka_unit_test(test_arguments_with_handles_and_names_round_trip),
		cmocka_unit_test(test_a_handle_over_64_bytes_does_not_decode),
		cmocka_unit_test(test_read_result_decodes_with_the_standard_routine),
		cmocka_unit_test(test_directory_lists_decode_with_the_standard_routine),
		cmocka_unit_test(test_mount_arguments_and_results_round_trip),
		cmocka_unit_test(test_permissions_follow_owner_group_other),
		cmocka_unit_test(test_squashing_maps_root_and_everyone),
		cmocka_unit_test(test_attributes_carry_the_export_fsid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
