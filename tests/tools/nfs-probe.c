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
 *   nfs-probe ... HOST PORT readdir|readdirplus HEXFH [COOKIE]
 *   nfs-probe ... HOST PORT lookup-hex HEXFH HEXNAME   (a name with any bytes)
 *   nfs-probe ... HOST PORT walk HEXFH      (READDIR, then LOOKUP and READ of
 *                                            every entry, on one connection)
 *   nfs-probe ... HOST PORT fetch HEXFH DIR   (the whole tree below a
 *                                            directory copied into DIR: READDIR,
 *                                            LOOKUP, READ, READLINK)
 *   nfs-probe sign KEYFILE FSID TYPE HEXKERNELHANDLE   (a handle signed with
 *                                            the daemons' key, for forgeries)
 *   nfs-probe isofh IMAGEHEX RECORD   (an ISO object's handle, fhandle.h)
 *
 * -U UID:GID sends those AUTH_SYS credentials (default 0:0); -d uses a
 * connected UDP socket instead of TCP; -r BYTES sets a small receive
 * buffer and -w MS waits before reading the reply (a slow client).
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
#include <sys/stat.h>
#include <unistd.h>

#include "fhandle.h"
#include "mount_prot.h"
#include "nfs3_prot.h"

#define BUF (2 * 1024 * 1024)
static unsigned char out[BUF], in[BUF];
static uint32_t cred_uid, cred_gid;
static bool udp;
static int rcvbuf, wait_ms;

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

	if (udp)
		hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("address");
	fd = socket(ai->ai_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
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
	/* AUTH_SYS: stamp, machine "probe", uid, gid, no groups */
	put32(p, 1), put32(p + 4, 28), put32(p + 8, 0), put32(p + 12, 5);
	memcpy(p + 16, "probe\0\0\0", 8);
	put32(p + 24, cred_uid), put32(p + 28, cred_gid), put32(p + 32, 0);
	p += 36;
	put32(p, 0), put32(p + 4, 0);
	p += 8;
	xdrmem_create(&x, (char *)p, (u_int)(out + BUF - p), XDR_ENCODE);
	if (!xargs(&x, args))
		die("encode");
	p += xdr_getpos(&x);
	put32(out, 0x80000000u | (uint32_t)(p - out - 4));
	if (udp) {
		ssize_t r;

		if (send(fd, out + 4, (size_t)(p - out - 4), 0) < 0)
			die("send");
		/* A connected socket takes replies from the address called only. */
		alarm(3);
		r = recv(fd, in, sizeof in, 0);
		alarm(0);
		if (r < 0)
			die("recv");
		n = (uint32_t)r;
	} else if (write(fd, out, (size_t)(p - out)) != p - out) {
		die("write");
	}
	if (wait_ms)
		usleep((useconds_t)wait_ms * 1000);
	/* One record, maybe several fragments; read until the last. */
	for (size_t have = 0, last = udp; !last;) {
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

struct raw_lookup {
	nfs_fh3 *dir;
	char *name;
	u_int len;
};

static bool_t encode_lookup_raw(XDR *x, struct raw_lookup *l)
{
	return xdr_nfs_fh3(x, l->dir) && xdr_bytes(x, &l->name, &l->len, 1024);
}

/* Every entry of a directory looked up and read to its end, all on one
 * connection: many handles in a short time. */
static int walk(int fd, const char *hexdir)
{
	READDIR3args ra = { .count = 32768 };
	unsigned files = 0, errors = 0;
	size_t len;
	bool eof = false;

	parse_fh(hexdir, &ra.dir);
	static char dirfh[64];
	memcpy(dirfh, ra.dir.data.data_val, ra.dir.data.data_len);
	ra.dir.data.data_val = dirfh;
	while (!eof) {
		READDIR3res rr = { 0 };
		unsigned char *r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READDIR,
					(xdrproc_t)xdr_READDIR3args, &ra, &len);
		XDR x;

		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (!xdr_READDIR3res(&x, &rr) || rr.status != NFS3_OK) {
			printf("readdir status=%u\n", rr.status);
			return 1;
		}
		memcpy(ra.cookieverf, rr.READDIR3res_u.resok.cookieverf, NFS3_COOKIEVERFSIZE);
		eof = rr.READDIR3res_u.resok.reply.eof;
		for (entry3 *e = rr.READDIR3res_u.resok.reply.entries; e; e = e->nextentry) {
			LOOKUP3args la = { .what = { ra.dir, e->name } };
			LOOKUP3res lr = { 0 };
			static char fh[64];
			nfs_fh3 file;
			uint64_t off = 0;

			ra.cookie = e->cookie;
			if (e->name[0] == '.')
				continue;
			r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_LOOKUP,
				 (xdrproc_t)xdr_LOOKUP3args, &la, &len);
			xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
			if (!xdr_LOOKUP3res(&x, &lr) || lr.status != NFS3_OK) {
				errors++;
				continue;
			}
			file.data.data_len = lr.LOOKUP3res_u.resok.object.data.data_len;
			memcpy(fh, lr.LOOKUP3res_u.resok.object.data.data_val, file.data.data_len);
			file.data.data_val = fh;
			for (;;) {
				READ3args rd = { .file = file, .offset = off, .count = 65536 };
				READ3res res = { 0 };

				r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READ,
					 (xdrproc_t)xdr_READ3args, &rd, &len);
				xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
				if (!xdr_READ3res(&x, &res) || res.status != NFS3_OK) {
					errors++;
					break;
				}
				off += res.READ3res_u.resok.count;
				if (res.READ3res_u.resok.eof) {
					files++;
					break;
				}
			}
		}
	}
	printf("files=%u errors=%u\n", files, errors);
	return errors != 0;
}

/* fetch: a directory's tree copied to a local directory, for a byte for
 * byte comparison with another extraction. */
struct fetch_count {
	unsigned files, dirs, links, errors;
};

static void fetch_dir(int fd, const nfs_fh3 *dirfh, const char *to, struct fetch_count *c);

static void fetch_one(int fd, const nfs_fh3 *dir, const char *entry, const char *to,
		      struct fetch_count *c)
{
	LOOKUP3args la = { .what = { *dir, (char *)entry } };
	LOOKUP3res lr = { 0 };
	char path[4096], fh[64];
	nfs_fh3 obj;
	size_t len;
	XDR x;
	unsigned char *r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_LOOKUP,
				(xdrproc_t)xdr_LOOKUP3args, &la, &len);

	snprintf(path, sizeof path, "%s/%s", to, entry);
	xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
	if (!xdr_LOOKUP3res(&x, &lr) || lr.status != NFS3_OK ||
	    !lr.LOOKUP3res_u.resok.obj_attributes.attributes_follow) {
		printf("lookup %s status=%u\n", path, lr.status);
		c->errors++;
		return;
	}
	obj.data.data_len = lr.LOOKUP3res_u.resok.object.data.data_len;
	memcpy(fh, lr.LOOKUP3res_u.resok.object.data.data_val, obj.data.data_len);
	obj.data.data_val = fh;
	switch (lr.LOOKUP3res_u.resok.obj_attributes.post_op_attr_u.attributes.type) {
	case NF3DIR:
		if (mkdir(path, 0755) < 0)
			die(path);
		c->dirs++;
		fetch_dir(fd, &obj, path, c);
		break;
	case NF3LNK: {
		READLINK3args ra = { obj };
		READLINK3res rr = { 0 };

		r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READLINK,
			 (xdrproc_t)xdr_READLINK3args, &ra, &len);
		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (!xdr_READLINK3res(&x, &rr) || rr.status != NFS3_OK ||
		    symlink(rr.READLINK3res_u.resok.data, path) < 0) {
			printf("readlink %s status=%u\n", path, rr.status);
			c->errors++;
			return;
		}
		c->links++;
		break;
	}
	default: {
		FILE *f = fopen(path, "w");
		uint64_t off = 0;

		if (f == NULL)
			die(path);
		for (;;) {
			READ3args rd = { .file = obj, .offset = off, .count = 1 << 20 };
			READ3res res = { 0 };

			r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READ,
				 (xdrproc_t)xdr_READ3args, &rd, &len);
			xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
			if (!xdr_READ3res(&x, &res) || res.status != NFS3_OK) {
				printf("read %s status=%u\n", path, res.status);
				c->errors++;
				break;
			}
			bool eof = res.READ3res_u.resok.eof;
			count3 got = res.READ3res_u.resok.count;

			fwrite(res.READ3res_u.resok.data.data_val, 1, got, f);
			off += got;
			xdr_free((xdrproc_t)xdr_READ3res, (char *)&res);
			if (eof) {
				c->files++;
				break;
			}
			if (got == 0) {
				printf("read %s: no progress at %llu\n", path, (unsigned long long)off);
				c->errors++;
				break;
			}
		}
		fclose(f);
	}
	}
}

static void fetch_dir(int fd, const nfs_fh3 *dirfh, const char *to, struct fetch_count *c)
{
	READDIR3args ra = { .count = 32768 };
	char fh[64];
	bool eof = false;

	memcpy(fh, dirfh->data.data_val, dirfh->data.data_len);
	ra.dir.data.data_len = dirfh->data.data_len;
	ra.dir.data.data_val = fh;
	while (!eof) {
		READDIR3res rr = { 0 };
		size_t len;
		XDR x;
		unsigned char *r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READDIR,
					(xdrproc_t)xdr_READDIR3args, &ra, &len);

		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (!xdr_READDIR3res(&x, &rr) || rr.status != NFS3_OK) {
			printf("readdir %s status=%u\n", to, rr.status);
			c->errors++;
			return;
		}
		memcpy(ra.cookieverf, rr.READDIR3res_u.resok.cookieverf, NFS3_COOKIEVERFSIZE);
		eof = rr.READDIR3res_u.resok.reply.eof;
		for (entry3 *e = rr.READDIR3res_u.resok.reply.entries; e; e = e->nextentry) {
			ra.cookie = e->cookie;
			if (strcmp(e->name, ".") != 0 && strcmp(e->name, "..") != 0)
				fetch_one(fd, &ra.dir, e->name, to, c);
		}
		xdr_free((xdrproc_t)xdr_READDIR3res, (char *)&rr);
	}
}

/* isofh IMAGEHEX RECORD: an ISO handle as pxe-nfsd makes them. */
static int isofh(char **a)
{
	struct fh_iso h = { strtoull(a[0], NULL, 16), strtoull(a[1], NULL, 0) };
	unsigned char wire[FH_SIZE_MAX];
	size_t n = fh_iso_encode(&h, wire);

	for (size_t i = 0; i < n; i++)
		printf("%02x", wire[i]);
	printf("\n");
	return 0;
}

/* sign KEYFILE FSID TYPE HEX: a handle the daemons accept as theirs. */
static int sign(char **a)
{
	struct fh_key key;
	struct fh fh = { .fsid = (uint32_t)strtoul(a[1], NULL, 0),
			 .handle_type = (int32_t)strtol(a[2], NULL, 0) };
	unsigned char wire[FH_SIZE_MAX];
	FILE *f = fopen(a[0], "r");
	size_t n;

	if (f == NULL || fread(key.k, 1, sizeof key.k, f) != sizeof key.k)
		die("key");
	fclose(f);
	fh.handle_bytes = (unsigned)(strlen(a[3]) / 2);
	if (fh.handle_bytes > FH_KERNEL_MAX)
		return 2;
	for (unsigned i = 0; i < fh.handle_bytes; i++)
		sscanf(a[3] + 2 * i, "%2hhx", &fh.f_handle[i]);
	n = fh_encode(&key, &fh, wire);
	for (size_t i = 0; i < n; i++)
		printf("%02x", wire[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = NULL;
	bool unpriv = false;
	int opt, fd;
	size_t len;
	unsigned char *r;
	XDR x;

	if (argc == 6 && strcmp(argv[1], "sign") == 0)
		return sign(argv + 2);
	if (argc == 4 && strcmp(argv[1], "isofh") == 0)
		return isofh(argv + 2);
	/* A server that never answers must not hang a test. */
	alarm(30);
	while ((opt = getopt(argc, argv, "s:uU:dr:w:")) != -1) {
		if (opt == 's')
			src = optarg;
		else if (opt == 'u')
			unpriv = true;
		else if (opt == 'U')
			sscanf(optarg, "%u:%u", &cred_uid, &cred_gid);
		else if (opt == 'd')
			udp = true;
		else if (opt == 'r')
			rcvbuf = atoi(optarg);
		else if (opt == 'w')
			wait_ms = atoi(optarg);
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
	} else if (strcmp(op, "readdir") == 0 || strcmp(op, "readdirplus") == 0) {
		bool plus = op[7] == 'p';
		READDIRPLUS3args args = { .dircount = 4096, .maxcount = 8192 };
		READDIRPLUS3res res = { 0 };
		parse_fh(a[0], &args.dir);
		if (a[1])
			args.cookie = strtoull(a[1], NULL, 10);
		if (plus) {
			r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READDIRPLUS,
				 (xdrproc_t)xdr_READDIRPLUS3args, &args, &len);
		} else {
			READDIR3args ra = { .dir = args.dir, .cookie = args.cookie, .count = 8192 };
			r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_READDIR,
				 (xdrproc_t)xdr_READDIR3args, &ra, &len);
		}
		/* status, then the directory's post_op_attr in every arm */
		printf("status=%u attrs=%u", get32(r), get32(r + 4));
		if (get32(r + 4) == 1)
			print_fh("attr", (const char *)r + 8, 84);
		xdrmem_create(&x, (char *)r, (u_int)len, XDR_DECODE);
		if (plus && xdr_READDIRPLUS3res(&x, &res) && res.status == NFS3_OK) {
			unsigned names = 0, handles = 0;
			for (entryplus3 *e = res.READDIRPLUS3res_u.resok.reply.entries; e; e = e->nextentry)
				names++, handles += e->name_handle.handle_follows;
			printf(" names=%u handles=%u", names, handles);
		}
		printf("\n");
	} else if (strcmp(op, "lookup-hex") == 0) {
		LOOKUP3args args;
		static char rawname[512];
		size_t nlen = strlen(a[1]) / 2;
		for (size_t i = 0; i < nlen && i < sizeof rawname; i++)
			sscanf(a[1] + 2 * i, "%2hhx", (unsigned char *)&rawname[i]);
		parse_fh(a[0], &args.what.dir);
		/* xdr_string stops at a NUL: encode the name as an opaque */
		r = call(fd, NFS3_PROGRAM, NFS_V3, NFSPROC3_LOOKUP, (xdrproc_t)encode_lookup_raw,
			 &(struct raw_lookup){ &args.what.dir, rawname, (u_int)nlen }, &len);
		printf("status=%u\n", get32(r));
	} else if (strcmp(op, "fetch") == 0 && a[1]) {
		struct fetch_count c = { 0 };
		nfs_fh3 root;

		alarm(600);
		parse_fh(a[0], &root);
		fetch_dir(fd, &root, a[1], &c);
		printf("files=%u dirs=%u links=%u errors=%u\n", c.files, c.dirs, c.links, c.errors);
		return c.errors != 0;
	} else if (strcmp(op, "walk") == 0) {
		alarm(300);	/* thousands of calls, on a loaded machine */
		return walk(fd, a[0]);
	} else {
		return 2;
	}
	return 0;
}
