/* nfs-probe: one RPC call to pxe-mountd or pxe-nfsd over TCP, from a
 * chosen source address and a reserved or unprivileged port, with handles
 * given in hex so tests can forge, cut and flip them; HOST is IPv4 or
 * IPv6. Prints what came
 * back as "key=value" words.
 *
 *   nfs-probe [-s SRC] [-u] HOST PORT mnt PATH
 *   nfs-probe ... HOST PORT mnt-hex HEXPATH   (a path with any bytes, NUL too)
 *   nfs-probe ... HOST PORT getattr|fsinfo HEXFH
 *   nfs-probe ... HOST PORT lookup HEXFH NAME
 *   nfs-probe ... HOST PORT read HEXFH OFFSET COUNT
 *   nfs-probe ... HOST PORT remove HEXFH NAME
 *   nfs-probe ... HOST PORT null PROG VERS
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mount_prot.h"
#include "nfs3_prot.h"

#define BUF (2 * 1024 * 1024)
static unsigned char out[BUF], in[BUF];

static bool_t encode_nothing(XDR *x, void *p)
{
	(void)x, (void)p;
	return TRUE;
}

/* A one-shot tool: what the decoders allocate lives until exit. Without
 * this a sanitizer build reports it and the exit status fails the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* The length of the path of mnt-hex, set before the call. */
static u_int mnt_bytes_len;

static bool_t xdr_mnt_bytes(XDR *x, char **p)
{
	return xdr_bytes(x, p, &mnt_bytes_len, 2048);
}

static void die(const char *what)
{
	fprintf(stderr, "nfs-probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* TCP to HOST:PORT (IPv4 or IPv6 numeric) from SRC, from a reserved port
 * unless asked not to, as the kernel client does. */
static int connect_from(const char *src, bool unprivileged, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai;
	struct sockaddr_storage s;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("address");
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	memset(&s, 0, sizeof s);
	s.ss_family = (sa_family_t)ai->ai_family;
	if (src)
		inet_pton(ai->ai_family, src, ai->ai_family == AF_INET6 ?
			  (void *)&((struct sockaddr_in6 *)&s)->sin6_addr :
			  (void *)&((struct sockaddr_in *)&s)->sin_addr);
	for (int p = unprivileged ? 0 : 1023; p >= (unprivileged ? 0 : 600); p--) {
		uint16_t nport = htons((uint16_t)p);

		if (ai->ai_family == AF_INET6)
			((struct sockaddr_in6 *)&s)->sin6_port = nport;
		else
			((struct sockaddr_in *)&s)->sin_port = nport;
		if (bind(fd, (struct sockaddr *)&s, ai->ai_addrlen) == 0)
			break;
		if (p == 600 || unprivileged)
			die("bind");
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	freeaddrinfo(ai);
	return fd;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Sends one call (AUTH_SYS uid 0) and returns the reply's results after
 * an accepted SUCCESS header, or exits printing what else came back. */
static unsigned char *call(int fd, uint32_t prog, uint32_t vers, uint32_t proc,
			   xdrproc_t xargs, void *args, size_t *len)
{
	static const uint32_t head[] = { 0x1234, 0, 2 };
	unsigned char *p = out + 4;
	uint32_t n = 0;
	XDR x;

	for (int i = 0; i < 3; i++, p += 4)
		put32(p, head[i]);
	put32(p, prog), put32(p + 4, vers), put32(p + 8, proc);
	p += 12;
	/* AUTH_SYS: stamp, machine "probe", uid 0, gid 0, no groups */
	put32(p, 1), put32(p + 4, 28), put32(p + 8, 0), put32(p + 12, 5);
	memcpy(p + 16, "probe\0\0\0", 8);
	put32(p + 24, 0), put32(p + 28, 0), put32(p + 32, 0);
	p += 36;
	put32(p, 0), put32(p + 4, 0);
	p += 8;
	xdrmem_create(&x, (char *)p, (u_int)(out + BUF - p), XDR_ENCODE);
	if (!xargs(&x, args))
		die("encode");
	p += xdr_getpos(&x);
	put32(out, 0x80000000u | (uint32_t)(p - out - 4));
	if (write(fd, out, (size_t)(p - out)) != p - out)
		die("write");
	/* One record, maybe several fragments; read until the last. */
	for (size_t have = 0, last = 0; !last;) {
		unsigned char mark[4];
		if (read(fd, mark, 4) != 4)
			die("read");
		size_t flen = get32(mark) & 0x7fffffff;
		last = get32(mark) >> 31;
		for (size_t got = 0; got < flen;) {
			ssize_t r = read(fd, in + have + got, flen - got);
			if (r <= 0)
				die("read");
			got += (size_t)r;
		}
		have += flen;
		n = (uint32_t)have;
	}
	if (get32(in + 8) == 1) {
		printf("denied=%u\n", get32(in + 12));
		exit(0);
	}
	if (get32(in + 20) != 0) {
		printf("accept=%u", get32(in + 20));
		if (get32(in + 20) == 2)
			printf(" low=%u high=%u", get32(in + 24), get32(in + 28));
		printf("\n");
		exit(0);
	}
	*len = n - 24;
	return in + 24;
}

static void parse_fh(const char *hex, nfs_fh3 *fh)
{
	static char bytes[256];
	size_t n = strlen(hex) / 2;

	if (n > sizeof bytes)
		n = sizeof bytes;
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", (unsigned char *)&bytes[i]);
	fh->data.data_len = (u_int)n;
	fh->data.data_val = bytes;
}

static void print_fh(const char *key, const char *p, size_t n)
{
	printf(" %s=", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", (unsigned char)p[i]);
}

int main(int argc, char **argv)
{
	const char *src = NULL;
	bool unpriv = false;
	int opt, fd;
	size_t len;
	unsigned char *r;
	XDR x;

	while ((opt = getopt(argc, argv, "s:u")) != -1) {
		if (opt == 's')
			src = optarg;
		else if (opt == 'u')
			unpriv = true;
		else
			return 2;
	}
	if (argc - optind < 4)
		return 2;
	fd = connect_from(src, unpriv, argv[optind], argv[optind + 1]);
	const char *op = argv[optind + 2];
	char **a = argv + optind + 3;

	if (strcmp(op, "null") == 0 && a[1]) {
		call(fd, (uint32_t)atoi(a[0]), (uint32_t)atoi(a[1]), 0, (xdrproc_t)encode_nothing, NULL, &len);
		printf("accept=0\n");
	} else if (strcmp(op, "mnt") == 0) {
		mountres3 res = { 0 };
		dirpath path = a[0];
		r = call(fd, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC_MNT, (xdrproc_t)xdr_dirpath, &path, &len);
		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (!xdr_mountres3(&x, &res))
			die("decode");
		printf("status=%d", res.fhs_status);
		if (res.fhs_status == MNT3_OK)
			print_fh("fh", res.mountres3_u.mountinfo.fhandle.fhandle3_val,
				 res.mountres3_u.mountinfo.fhandle.fhandle3_len);
		printf("\n");
	} else if (strcmp(op, "mnt-hex") == 0) {
		static char bytes[2048];
		char *p = bytes;
		u_int n = (u_int)(strlen(a[0]) / 2);

		for (u_int i = 0; i < n && i < sizeof bytes; i++)
			sscanf(a[0] + 2 * i, "%2hhx", (unsigned char *)&bytes[i]);
		mnt_bytes_len = n < sizeof bytes ? n : (u_int)sizeof bytes;
		r = call(fd, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC_MNT, (xdrproc_t)xdr_mnt_bytes, &p, &len);
		printf("status=%u\n", get32(r));
	} else if (strcmp(op, "getattr") == 0 || strcmp(op, "fsinfo") == 0) {
		GETATTR3args args;
		parse_fh(a[0], &args.object);
		r = call(fd, NFS3_PROGRAM, NFS_V3, op[0] == 'g' ? NFSPROC3_GETATTR : NFSPROC3_FSINFO,
			 (xdrproc_t)xdr_GETATTR3args, &args, &len);
		printf("status=%u\n", get32(r));
	} else if (strcmp(op, "lookup") == 0 || strcmp(op, "remove") == 0) {
		LOOKUP3args args;
		LOOKUP3res res = { 0 };
		parse_fh(a[0], &args.what.dir);
		args.what.name = a[1];
		r = call(fd, NFS3_PROGRAM, NFS_V3, op[0] == 'l' ? NFSPROC3_LOOKUP : NFSPROC3_REMOVE,
			 (xdrproc_t)xdr_LOOKUP3args, &args, &len);
		printf("status=%u", get32(r));
		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (op[0] == 'l' && xdr_LOOKUP3res(&x, &res) && res.status == NFS3_OK)
			print_fh("fh", res.LOOKUP3res_u.resok.object.data.data_val,
				 res.LOOKUP3res_u.resok.object.data.data_len);
		printf("\n");
	} else if (strcmp(op, "read") == 0) {
		READ3args args;
		READ3res res = { 0 };
		parse_fh(a[0], &args.file);
		args.offset = strtoull(a[1], NULL, 10);
		args.count = (count3)strtoul(a[2], NULL, 10);
		r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READ, (xdrproc_t)xdr_READ3args, &args, &len);
		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (!xdr_READ3res(&x, &res))
			die("decode");
		printf("status=%u", res.status);
		if (res.status == NFS3_OK) {
			printf(" count=%u eof=%d", res.READ3res_u.resok.count, res.READ3res_u.resok.eof);
			if (a[3])
				fwrite(res.READ3res_u.resok.data.data_val, 1,
				       res.READ3res_u.resok.data.data_len, fopen(a[3], "w"));
		}
		printf("\n");
	} else {
		return 2;
	}
	return 0;
}
