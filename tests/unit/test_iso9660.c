/* lib/iso9660 against images xorriso and genisoimage build during the
 * test (Rock Ridge + Joliet, Joliet only, plain levels 1 and 3, relocated
 * deep directories), and against images built here record by record for
 * what no tool writes: corrupt structures and a file over 4 GiB. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iso9660.h"

/* ---- image sources ----------------------------------------------------- */

struct mem {
	uint8_t *p;
	size_t n;
	unsigned reads;
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;

	/* the reader promises never to ask past the end */
	assert_true(off <= m->n && len <= m->n - off);
	m->reads++;
	memcpy(buf, m->p + off, len);
	return 0;
}

static int fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread(*(int *)ctx, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

/* ---- a record-by-record builder --------------------------------------- */

#define B ISO_BLOCK

static void both32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
		p[7 - i] = (uint8_t)(v >> (8 * i));
	}
}

static void both16(uint8_t *p, uint16_t v)
{
	p[0] = p[3] = (uint8_t)v;
	p[1] = p[2] = (uint8_t)(v >> 8);
}

struct su {
	uint8_t b[1024];
	size_t n;
};

static void su_raw(struct su *s, const char *sig, const void *data, size_t len)
{
	s->b[s->n] = (uint8_t)sig[0];
	s->b[s->n + 1] = (uint8_t)sig[1];
	s->b[s->n + 2] = (uint8_t)(4 + len);
	s->b[s->n + 3] = 1;
	if (len > 0)
		memcpy(s->b + s->n + 4, data, len);
	s->n += 4 + len;
}

static void su_sp_er(struct su *s)
{
	uint8_t sp[3] = { 0xBE, 0xEF, 0 };
	uint8_t er[4 + 10] = { 10, 0, 0, 1 };

	su_raw(s, "SP", sp, 3);
	memcpy(er + 4, "RRIP_1991A", 10);
	su_raw(s, "ER", er, sizeof(er));
}

static void su_px(struct su *s, uint32_t mode, uint32_t nlink, uint32_t uid, uint32_t gid)
{
	uint8_t px[32];

	both32(px, mode);
	both32(px + 8, nlink);
	both32(px + 16, uid);
	both32(px + 24, gid);
	su_raw(s, "PX", px, 32);
}

static void su_nm(struct su *s, uint8_t flags, const char *name, size_t len)
{
	uint8_t nm[256] = { flags };

	memcpy(nm + 1, name, len);
	su_raw(s, "NM", nm, 1 + len);
}

static void su_blk(struct su *s, const char *sig, uint32_t block)
{
	uint8_t b[8];

	both32(b, block);
	su_raw(s, sig, b, 8);
}

static void su_ce(struct su *s, uint32_t block, uint32_t off, uint32_t len)
{
	uint8_t b[24];

	both32(b, block);
	both32(b + 8, off);
	both32(b + 16, len);
	su_raw(s, "CE", b, 24);
}

/* One record at p; its length. */
static size_t rec(uint8_t *p, uint32_t block, uint32_t size, uint8_t flags, const void *fi,
		  size_t fi_len, const struct su *s)
{
	size_t len = 33 + fi_len + !(fi_len & 1) + (s ? s->n : 0);

	memset(p, 0, len);
	p[0] = (uint8_t)len;
	both32(p + 2, block);
	both32(p + 10, size);
	p[18] = 123;	/* 2023 */
	p[19] = 2;
	p[20] = 11;
	p[25] = flags;
	both16(p + 28, 1);
	p[32] = (uint8_t)fi_len;
	memcpy(p + 33, fi, fi_len);
	if (s != NULL)
		memcpy(p + 33 + fi_len + !(fi_len & 1), s->b, s->n);
	return len;
}

struct img {
	uint8_t *p;
	size_t n;
};

/* Volume descriptors for an image of nsec sectors, root at block 18. */
static struct img img_new(size_t nsec, uint32_t root_size)
{
	struct img im = { calloc(nsec, B), nsec * B };
	uint8_t *pvd = im.p + 16 * B, *term = im.p + 17 * B;

	assert_non_null(im.p);
	pvd[0] = 1;
	memcpy(pvd + 1, "CD001", 5);
	pvd[6] = 1;
	memcpy(pvd + 40, "TESTVOL                         ", 32);
	both32(pvd + 80, (uint32_t)nsec);
	both16(pvd + 128, B);
	rec(pvd + 156, 18, root_size, 2, "\0", 1, NULL);
	term[0] = 255;
	memcpy(term + 1, "CD001", 5);
	term[6] = 1;
	return im;
}

/* A directory's "." and ".." at block; returns the write offset. */
static size_t dir_head(struct img *im, uint32_t block, uint32_t size, uint32_t parent,
		       const struct su *dot_su)
{
	uint8_t *p = im->p + (size_t)block * B;
	size_t o = rec(p, block, size, 2, "\0", 1, dot_su);

	return o + rec(p + o, parent, size, 2, "\1", 1, NULL);
}

static void open_mem(struct iso_volume *v, struct mem *m, struct img *im)
{
	struct iso_source src = { mem_read, m, 0 };

	m->p = im->p;
	m->n = im->n;
	src.size = im->n;
	assert_int_equal(iso_open(v, &src), ISO_OK);
}

/* Every entry of a directory, refused ones included; the count. */
static int list(const struct iso_volume *v, const struct iso_entry *dir, struct iso_entry *out,
		int max)
{
	uint64_t cookie = 0;
	int n = 0, rc;

	while (n < max && (rc = iso_readdir(v, dir, &cookie, &out[n])) == ISO_OK)
		n++;
	assert_true(n < max);
	assert_int_equal(rc, ISO_END);
	return n;
}

/* ---- fixtures from real tools ---------------------------------------- */

static char work[] = "/tmp/pxekit-iso.XXXXXX";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int fixtures_setup(void **state)
{
	(void)state;
	if (sh("command -v xorriso >/dev/null && command -v genisoimage >/dev/null") != 0) {
		fprintf(stderr, "missing xorriso or genisoimage (tools/install-deps --test)\n");
		return -1;
	}
	if (mkdtemp(work) == NULL)
		return -1;
	return sh("set -e; cd %s; mkdir -p src/a/b/c/d/e/f/g/h/i/j/k; "
		  "echo deep >src/a/b/c/d/e/f/g/h/i/j/k/deep.txt; : >src/empty; "
		  "head -c 300000 /dev/urandom >src/rand.bin; "
		  "ln -s a/b/c src/rel; ln -s /etc/passwd src/abs; ln -s ../../../outside src/a/up; "
		  "touch src/$(printf 'L%%.0s' $(seq 200)); touch 'src/caf\xc3\xa9 name.txt'; "
		  "chmod 751 src/a; touch -d '2024-05-06 07:08:09 UTC' src/empty; "
		  "mkdir src/many; for i in $(seq 300); do : >src/many/f$i; done; "
		  "xorriso -as mkisofs -quiet -R -J -V RRJ -o rrj.iso src 2>/dev/null; "
		  "genisoimage -quiet -J -o j.iso src 2>/dev/null; "
		  "genisoimage -quiet -o plain1.iso src 2>/dev/null; "
		  "genisoimage -quiet -iso-level 3 -o plain3.iso src 2>/dev/null; "
		  "genisoimage -quiet -R -o reloc.iso src 2>/dev/null", work) == 0 ? 0 : -1;
}

static int fixtures_teardown(void **state)
{
	(void)state;
	return sh("rm -rf %s", work) == 0 ? 0 : -1;
}

struct fixture {
	int fd;
	struct iso_volume v;
};

static void fx_open(struct fixture *f, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	struct iso_source src = { fd_read, &f->fd, 0 };

	snprintf(path, sizeof(path), "%s/%s", work, name);
	f->fd = open(path, O_RDONLY);
	assert_true(f->fd >= 0);
	assert_int_equal(fstat(f->fd, &st), 0);
	src.size = (uint64_t)st.st_size;
	assert_int_equal(iso_open(&f->v, &src), ISO_OK);
}

/* The file at path in the image has the bytes of src/path. */
static void same_bytes(struct fixture *f, const char *path)
{
	char srcpath[PATH_MAX];
	static uint8_t want[400000], got[400000];
	struct iso_entry e;
	size_t n, wn;
	FILE *fp;

	snprintf(srcpath, sizeof(srcpath), "%s/src/%s", work, path);
	fp = fopen(srcpath, "rb");
	assert_non_null(fp);
	wn = fread(want, 1, sizeof(want), fp);
	fclose(fp);
	assert_int_equal(iso_lookup_path(&f->v, path, &e), ISO_OK);
	assert_int_equal(e.size, wn);
	assert_int_equal(iso_read(&f->v, &e, got, sizeof(got), 0, &n), ISO_OK);
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, wn);
}

static void check_link(struct fixture *f, const char *path, const char *target)
{
	char buf[ISO_LINK_MAX + 1];
	struct iso_entry e;

	assert_int_equal(iso_lookup_path(&f->v, path, &e), ISO_OK);
	assert_true(S_ISLNK(e.mode));
	assert_int_equal(iso_readlink(&f->v, &e, buf, sizeof(buf)), ISO_OK);
	assert_string_equal(buf, target);
	assert_int_equal(e.size, strlen(target));
}

static void test_rock_ridge_and_joliet_image_serves_rock_ridge(void **state)
{
	struct fixture f;
	struct iso_entry e, d;
	char longname[201];
	size_t n;

	(void)state;
	fx_open(&f, "rrj.iso");
	assert_int_equal(f.v.names, ISO_NAMES_ROCKRIDGE);
	assert_string_equal(f.v.volume_id, "RRJ");
	same_bytes(&f, "rand.bin");
	same_bytes(&f, "a/b/c/d/e/f/g/h/i/j/k/deep.txt");
	same_bytes(&f, "empty");
	assert_int_equal(iso_lookup_path(&f.v, "empty", &e), ISO_OK);
	assert_int_equal(e.size, 0);
	assert_int_equal(e.nextents, 0);
	assert_int_equal(e.mtime, 1714979289);	/* 2024-05-06 07:08:09 UTC, from TF */
	assert_int_equal(iso_read(&f.v, &e, longname, 10, 0, &n), ISO_OK);
	assert_int_equal(n, 0);
	check_link(&f, "rel", "a/b/c");
	check_link(&f, "abs", "/etc/passwd");
	check_link(&f, "a/up", "../../../outside");
	assert_int_equal(iso_lookup_path(&f.v, "a", &d), ISO_OK);
	assert_int_equal(d.mode, S_IFDIR | 0751);
	assert_true(d.rock_ridge);
	memset(longname, 'L', 200);
	longname[200] = '\0';
	assert_int_equal(iso_lookup_path(&f.v, longname, &e), ISO_OK);
	assert_int_equal(iso_lookup_path(&f.v, "caf\xc3\xa9 name.txt", &e), ISO_OK);
	/* symbolic links are never followed by the reader */
	assert_int_equal(iso_lookup_path(&f.v, "rel/d", &e), ISO_E_NOTDIR);
	assert_int_equal(iso_lookup_path(&f.v, "missing", &e), ISO_E_NOENT);
	assert_int_equal(iso_lookup_path(&f.v, "a/../a", &e), ISO_E_BADNAME);
	close(f.fd);
}

/* Every entry found by readdir is found again by its id and by its name,
 * and every directory's parent is the directory it was listed in. */
static void walk_ids(struct fixture *f, const struct iso_entry *dir, int depth, int *count)
{
	struct iso_entry *e = malloc(sizeof(*e)), *again = malloc(sizeof(*again));
	uint64_t cookie = 0;

	assert_non_null(e);
	assert_non_null(again);
	assert_true(depth < 32);
	while (iso_readdir(&f->v, dir, &cookie, e) == ISO_OK) {
		assert_int_equal(e->error, ISO_OK);
		(*count)++;
		assert_int_equal(iso_get(&f->v, e->id, again), ISO_OK);
		assert_int_equal(again->id, e->id);
		assert_int_equal(again->mode, e->mode);
		assert_int_equal(again->size, e->size);
		assert_int_equal(iso_lookup(&f->v, dir, e->name, again), ISO_OK);
		assert_int_equal(again->id, e->id);
		if (S_ISDIR(e->mode)) {
			assert_int_equal(iso_parent(&f->v, e, again), ISO_OK);
			/* genisoimage's too-deep "g" names itself as parent */
			if (again->id != e->id)
				assert_int_equal(again->id, dir->id);
			walk_ids(f, e, depth + 1, count);
		}
	}
	free(e);
	free(again);
}

static void test_ids_are_stable_and_found_again(void **state)
{
	static const char *const images[] = { "rrj.iso", "j.iso", "plain1.iso", "plain3.iso",
					      "reloc.iso" };

	(void)state;
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		struct fixture f;
		struct iso_entry root;
		int count = 0;

		fx_open(&f, images[i]);
		assert_int_equal(iso_root(&f.v, &root), ISO_OK);
		assert_int_equal(root.id, (uint64_t)f.v.root_block * B);
		walk_ids(&f, &root, 0, &count);
		assert_true(count >= 10);
		close(f.fd);
	}
}

static void test_joliet_only_image_serves_joliet_names(void **state)
{
	struct fixture f;
	struct iso_entry e;

	(void)state;
	fx_open(&f, "j.iso");
	assert_int_equal(f.v.names, ISO_NAMES_JOLIET);
	assert_int_equal(iso_lookup_path(&f.v, "caf\xc3\xa9 name.txt", &e), ISO_OK);
	assert_int_equal(e.mode, S_IFREG | 0555);
	assert_false(e.rock_ridge);
	same_bytes(&f, "rand.bin");
	close(f.fd);
}

static void test_plain_images_serve_lower_case_names_without_version(void **state)
{
	struct fixture f;
	struct iso_entry e, root, all[32];
	int n;

	(void)state;
	fx_open(&f, "plain1.iso");
	assert_int_equal(f.v.names, ISO_NAMES_PLAIN);
	same_bytes(&f, "rand.bin");
	assert_int_equal(iso_lookup_path(&f.v, "a/b/c", &e), ISO_OK);
	assert_int_equal(e.nlink, 1);	/* find(1) must not take 2 as "no subdirectories" */
	assert_int_equal(iso_root(&f.v, &root), ISO_OK);
	n = list(&f.v, &root, all, 32);
	for (int i = 0; i < n; i++) {
		assert_null(strchr(all[i].name, ';'));
		assert_true(strlen(all[i].name) <= 12);
	}
	close(f.fd);
	fx_open(&f, "plain3.iso");
	same_bytes(&f, "empty");
	/* genisoimage drops "h" (too deep) and gives "g" a ".." naming itself:
	 * kept, because it has no subdirectory that could lead back up */
	assert_int_equal(iso_lookup_path(&f.v, "a/b/c/d/e/f/g", &e), ISO_OK);
	close(f.fd);
}

static void test_relocated_directories_are_followed_and_hidden(void **state)
{
	struct fixture f;
	struct iso_entry e, p, root, all[8];

	(void)state;
	fx_open(&f, "reloc.iso");
	assert_int_equal(f.v.names, ISO_NAMES_ROCKRIDGE);
	same_bytes(&f, "a/b/c/d/e/f/g/h/i/j/k/deep.txt");
	assert_int_equal(iso_lookup_path(&f.v, "a/b/c/d/e/f/g/h/i", &e), ISO_OK);
	assert_int_equal(iso_lookup_path(&f.v, "a/b/c/d/e/f/g/h", &p), ISO_OK);
	assert_int_equal(iso_parent(&f.v, &e, &root), ISO_OK);
	assert_int_equal(root.id, p.id);	/* PL, not rr_moved */
	assert_int_equal(iso_lookup_path(&f.v, "rr_moved", &e), ISO_OK);
	assert_int_equal(list(&f.v, &e, all, 8), 0);	/* RE: shown where CL is */
	close(f.fd);
}

/* ---- crafted images ----------------------------------------------------- */

static void test_volume_descriptor_errors_are_named(void **state)
{
	struct img im = img_new(20, B);
	struct mem m = { im.p, 10 * B, 0 };
	struct iso_source src = { mem_read, &m, 10 * B };
	struct iso_volume v;

	(void)state;
	dir_head(&im, 18, B, 18, NULL);
	assert_int_equal(iso_open(&v, &src), ISO_E_NOT_ISO);	/* too short for sector 16 */
	m.n = src.size = 19 * B;
	assert_int_equal(iso_open(&v, &src), ISO_E_TRUNCATED);	/* volume says 20 sectors */
	m.n = src.size = 20 * B;
	assert_int_equal(iso_open(&v, &src), ISO_OK);
	im.p[17 * B] = 3;	/* no terminator, then zeroes */
	assert_int_equal(iso_open(&v, &src), ISO_E_CORRUPT);
	im.p[17 * B] = 255;
	both16(im.p + 16 * B + 128, 512);
	assert_int_equal(iso_open(&v, &src), ISO_E_UNSUPPORTED);
	both16(im.p + 16 * B + 128, B);
	im.p[16 * B + 1] = 'X';
	assert_int_equal(iso_open(&v, &src), ISO_E_NOT_ISO);
	im.p[16 * B + 1] = 'C';
	both32(im.p + 16 * B + 156 + 10, 0xFFFFFFFF);	/* giant root */
	assert_int_equal(iso_open(&v, &src), ISO_E_RANGE);
	assert_string_equal(iso_strerror(ISO_E_RANGE), "extent or area past the end of the image");
	assert_string_equal(iso_strerror(999), "unknown error");
	free(im.p);
}

static void test_extents_past_the_end_refuse_only_that_entry(void **state)
{
	struct img im = img_new(22, B);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, all[8], e;
	size_t o = dir_head(&im, 18, B, 18, NULL);
	uint8_t *d = im.p + 18 * B;

	(void)state;
	o += rec(d + o, 21, 2048, 0, "A.;1", 4, NULL);
	o += rec(d + o, 21, 4096, 0, "B.;1", 4, NULL);	/* one block too long */
	o += rec(d + o, 0xFFFFFFF0, 10, 0, "C.;1", 4, NULL);
	o += rec(d + o, 21, 0xFFFFFFFF, 0, "D.;1", 4, NULL);
	o += rec(d + o, 19, B, 2, "E", 1, NULL);	/* its extent holds no "." */
	o += rec(d + o, 100, B, 2, "F", 1, NULL);	/* past the end */
	memset(im.p + 21 * B, 'a', B);
	open_mem(&v, &m, &im);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(list(&v, &root, all, 8), 6);
	assert_int_equal(all[0].error, ISO_OK);
	assert_string_equal(all[0].name, "a");
	for (int i = 1; i < 4; i++)
		assert_int_equal(all[i].error, ISO_E_RANGE);
	assert_string_equal(all[1].name, "b");
	assert_int_equal(all[4].error, ISO_E_CORRUPT);
	assert_int_equal(all[5].error, ISO_E_RANGE);
	assert_int_equal(iso_lookup(&v, &root, "c", &e), ISO_E_RANGE);
	assert_int_equal(iso_lookup(&v, &root, "a", &e), ISO_OK);
	free(im.p);
}

static void test_record_over_a_sector_edge_is_skipped(void **state)
{
	struct img im = img_new(22, 2 * B);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, all[16];
	size_t o = dir_head(&im, 18, 2 * B, 18, NULL);
	uint8_t *d = im.p + 18 * B;

	(void)state;
	int k = 0;

	while (o < 1900) {	/* records up to near the sector's end */
		struct su pad = { .n = 180 };

		o += rec(d + o, 21, 5, 0, "A", 1, &pad);
		k++;
	}
	d[o] = 250;	/* runs past the sector */
	rec(d + B, 21, 5, 0, "B", 1, NULL);
	open_mem(&v, &m, &im);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(list(&v, &root, all, 16), k + 2);
	assert_string_equal(all[0].name, "a");
	assert_int_equal(all[k].error, ISO_E_CORRUPT);
	assert_string_equal(all[k + 1].name, "b");
	free(im.p);
}

static void test_directory_loops_are_refused(void **state)
{
	struct img im = img_new(24, B);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, all[8], x, y;
	size_t o = dir_head(&im, 18, B, 18, NULL);
	uint8_t *d = im.p + 18 * B;

	(void)state;
	o += rec(d + o, 18, B, 2, "ROOT", 4, NULL);	/* the root again */
	o += rec(d + o, 19, B, 2, "X", 1, NULL);
	o += rec(d + o, 21, B, 2, "WRONG", 5, NULL);	/* its ".." names X */
	/* X holds itself, and Y whose ".." is X; Y holds X again */
	o = dir_head(&im, 19, B, 18, NULL);
	o += rec(im.p + 19 * B + o, 19, B, 2, "SELF", 4, NULL);
	o += rec(im.p + 19 * B + o, 20, B, 2, "Y", 1, NULL);
	o = dir_head(&im, 20, B, 19, NULL);
	o += rec(im.p + 20 * B + o, 19, B, 2, "X", 1, NULL);
	o += rec(im.p + 20 * B + o, 18, B, 2, "UP", 2, NULL);
	dir_head(&im, 21, B, 19, NULL);
	open_mem(&v, &m, &im);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(list(&v, &root, all, 8), 3);
	assert_int_equal(all[0].error, ISO_E_LOOP);
	assert_int_equal(all[1].error, ISO_OK);
	assert_int_equal(all[2].error, ISO_E_LOOP);
	x = all[1];
	assert_int_equal(list(&v, &x, all, 8), 2);
	assert_int_equal(all[0].error, ISO_E_LOOP);
	assert_int_equal(all[1].error, ISO_OK);
	y = all[1];
	assert_int_equal(list(&v, &y, all, 8), 2);
	assert_int_equal(all[0].error, ISO_E_LOOP);
	assert_int_equal(all[1].error, ISO_E_LOOP);
	assert_int_equal(iso_lookup_path(&v, "x/y/x", &x), ISO_E_LOOP);
	free(im.p);
}

/* A Rock Ridge image: root at 18 with SP and ER; more records per test. */
static struct img rr_img(size_t nsec, size_t *o)
{
	struct img im = img_new(nsec, B);
	struct su s = { .n = 0 };

	su_sp_er(&s);
	su_px(&s, S_IFDIR | 0755, 2, 0, 0);
	*o = dir_head(&im, 18, B, 18, &s);
	return im;
}

static void test_rock_ridge_names_refuse_slash_nul_and_dots(void **state)
{
	size_t o;
	struct img im = rr_img(22, &o);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, all[8], e;
	uint8_t *d = im.p + 18 * B;
	struct su s;

	(void)state;
	s.n = 0;
	su_nm(&s, 0, "a/b", 3);
	o += rec(d + o, 21, 1, 0, "X1", 2, &s);
	s.n = 0;
	su_nm(&s, 0, "a\0b", 3);
	o += rec(d + o, 21, 1, 0, "X2", 2, &s);
	s.n = 0;
	su_nm(&s, 4, "", 0);	/* PARENT */
	o += rec(d + o, 21, 1, 0, "X3", 2, &s);
	s.n = 0;
	su_nm(&s, 0, "..", 2);
	o += rec(d + o, 21, 1, 0, "X4", 2, &s);
	s.n = 0;
	su_nm(&s, 0, "good", 4);
	o += rec(d + o, 21, 1, 0, "X5", 2, &s);
	o += rec(d + o, 21, 1, 0, "A/B", 3, NULL);	/* plain identifier with '/' */
	open_mem(&v, &m, &im);
	assert_int_equal(v.names, ISO_NAMES_ROCKRIDGE);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(list(&v, &root, all, 8), 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(all[i].error, i == 4 ? ISO_OK : ISO_E_BADNAME);
	assert_string_equal(all[4].name, "good");
	assert_int_equal(iso_lookup(&v, &root, "a/b", &e), ISO_E_BADNAME);
	assert_int_equal(iso_lookup(&v, &root, "good", &e), ISO_OK);
	free(im.p);
}

static void test_continuation_areas_are_followed_and_loops_end(void **state)
{
	size_t o;
	struct img im = rr_img(24, &o);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, all[8];
	uint8_t *d = im.p + 18 * B;
	struct su s, ce;
	char big[300];

	(void)state;
	/* NM "first-" CONTINUE, then CE -> block 21 with NM "second" */
	s.n = 0;
	su_px(&s, S_IFREG | 0600, 1, 7, 8);
	su_nm(&s, 1, "first-", 6);
	su_ce(&s, 21, 100, 50);
	o += rec(d + o, 23, 3, 0, "X1", 2, &s);
	ce.n = 0;
	su_nm(&ce, 0, "second", 6);
	memcpy(im.p + 21 * B + 100, ce.b, ce.n);
	/* CE pointing at itself: refused after a bounded number of hops */
	s.n = 0;
	su_ce(&s, 22, 0, 28);
	o += rec(d + o, 23, 3, 0, "X2", 2, &s);
	ce.n = 0;
	su_ce(&ce, 22, 0, 28);
	memcpy(im.p + 22 * B, ce.b, ce.n);
	/* CE past the end of the image, and one running over its block */
	s.n = 0;
	su_ce(&s, 0x7FFFFFFF, 0, 28);
	o += rec(d + o, 23, 3, 0, "X3", 2, &s);
	s.n = 0;
	su_ce(&s, 21, 2000, 100);
	o += rec(d + o, 23, 3, 0, "X4", 2, &s);
	/* a name over 255 bytes, in pieces */
	memset(big, 'n', sizeof(big));
	ce.n = 0;
	su_nm(&ce, 1, big, 200);
	su_nm(&ce, 0, big, 100);
	memcpy(im.p + 21 * B + 300, ce.b, ce.n);
	s.n = 0;
	su_ce(&s, 21, 300, (uint32_t)ce.n);
	o += rec(d + o, 23, 3, 0, "X5", 2, &s);
	open_mem(&v, &m, &im);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	m.reads = 0;
	assert_int_equal(list(&v, &root, all, 8), 5);
	assert_true(m.reads < 100);
	assert_int_equal(all[0].error, ISO_OK);
	assert_string_equal(all[0].name, "first-second");
	assert_int_equal(all[0].mode, S_IFREG | 0600);
	assert_int_equal(all[0].uid, 7);
	assert_int_equal(all[0].gid, 8);
	assert_int_equal(all[1].error, ISO_E_CORRUPT);
	assert_int_equal(all[2].error, ISO_E_RANGE);
	assert_int_equal(all[3].error, ISO_E_CORRUPT);
	assert_int_equal(all[4].error, ISO_E_NAMETOOLONG);
	free(im.p);
}

static void sl_comp(uint8_t *p, size_t *n, uint8_t flags, const char *c)
{
	p[(*n)++] = flags;
	p[(*n)++] = (uint8_t)strlen(c);
	memcpy(p + *n, c, strlen(c));
	*n += strlen(c);
}

static void test_symbolic_links_are_reported_not_followed(void **state)
{
	size_t o;
	struct img im = rr_img(22, &o);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, e;
	uint8_t *d = im.p + 18 * B, sl[200];
	char buf[ISO_LINK_MAX + 1];
	struct su s;
	size_t n;

	(void)state;
	/* "/../x/long-name" split over two SL entries and a continued component */
	s.n = 0;
	su_px(&s, S_IFLNK | 0777, 1, 0, 0);
	su_nm(&s, 0, "out", 3);
	n = 1;
	sl[0] = 1;	/* SL CONTINUE */
	sl_comp(sl, &n, 8, "");
	sl_comp(sl, &n, 4, "");
	sl_comp(sl, &n, 0, "x");
	sl_comp(sl, &n, 1, "long-");
	su_raw(&s, "SL", sl, n);
	n = 1;
	sl[0] = 0;
	sl_comp(sl, &n, 0, "name");
	su_raw(&s, "SL", sl, n);
	o += rec(d + o, 0, 0, 0, "X1", 2, &s);
	/* a component with '/' and a link with no SL at all */
	s.n = 0;
	su_px(&s, S_IFLNK | 0777, 1, 0, 0);
	su_nm(&s, 0, "bad", 3);
	n = 1;
	sl[0] = 0;
	sl_comp(sl, &n, 0, "a/b");
	su_raw(&s, "SL", sl, n);
	o += rec(d + o, 0, 0, 0, "X2", 2, &s);
	s.n = 0;
	su_px(&s, S_IFLNK | 0777, 1, 0, 0);
	su_nm(&s, 0, "none", 4);
	o += rec(d + o, 0, 0, 0, "X3", 2, &s);
	open_mem(&v, &m, &im);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(iso_lookup(&v, &root, "out", &e), ISO_OK);
	assert_int_equal(iso_readlink(&v, &e, buf, sizeof(buf)), ISO_OK);
	assert_string_equal(buf, "/../x/long-name");
	assert_int_equal(e.size, strlen("/../x/long-name"));
	assert_int_equal(iso_readlink(&v, &e, buf, 5), ISO_E_NAMETOOLONG);
	assert_int_equal(iso_read(&v, &e, buf, 5, 0, &n), ISO_E_UNSUPPORTED);
	assert_int_equal(iso_lookup(&v, &root, "bad", &e), ISO_E_BADNAME);
	assert_int_equal(iso_lookup(&v, &root, "none", &e), ISO_E_CORRUPT);
	assert_int_equal(iso_lookup(&v, &root, "out", &e), ISO_OK);
	assert_int_equal(iso_lookup(&v, &root, "out/x", &e), ISO_E_BADNAME);
	free(im.p);
}

static void test_relocation_records_move_directories(void **state)
{
	size_t o;
	struct img im = rr_img(24, &o);
	struct iso_volume v;
	struct mem m;
	struct iso_entry root, all[8], e, p;
	uint8_t *d = im.p + 18 * B;
	struct su s;

	(void)state;
	/* root: "moved" (RE, dir at 20) and "here" (CL -> 20); 20's ".." has PL -> 18 */
	s.n = 0;
	su_nm(&s, 0, "moved", 5);
	su_raw(&s, "RE", NULL, 0);
	o += rec(d + o, 20, B, 2, "MOVED", 5, &s);
	s.n = 0;
	su_nm(&s, 0, "here", 4);
	su_blk(&s, "CL", 20);
	o += rec(d + o, 0, 0, 0, "HERE", 4, &s);
	/* "lost": CL -> 21, whose PL names 19 instead of the root */
	s.n = 0;
	su_nm(&s, 0, "lost", 4);
	su_blk(&s, "CL", 21);
	o += rec(d + o, 0, 0, 0, "LOST", 4, &s);
	o = rec(im.p + 20 * B, 20, B, 2, "\0", 1, NULL);
	s.n = 0;
	su_blk(&s, "PL", 18);
	rec(im.p + 20 * B + o, 22, B, 2, "\1", 1, &s);
	o = rec(im.p + 21 * B, 21, B, 2, "\0", 1, NULL);
	s.n = 0;
	su_blk(&s, "PL", 19);
	rec(im.p + 21 * B + o, 18, B, 2, "\1", 1, &s);
	open_mem(&v, &m, &im);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(list(&v, &root, all, 8), 2);
	assert_string_equal(all[0].name, "here");
	assert_int_equal(all[0].error, ISO_OK);
	assert_true(S_ISDIR(all[0].mode));
	assert_int_equal(all[0].id, 20 * B);
	assert_int_equal(all[1].error, ISO_E_LOOP);
	assert_int_equal(iso_parent(&v, &all[0], &p), ISO_OK);
	assert_int_equal(p.id, root.id);
	assert_int_equal(iso_lookup(&v, &root, "moved", &e), ISO_E_NOENT);
	free(im.p);
}

/* A 5 GiB image: metadata from a buffer, file data computed from the
 * offset, so a file over 4 GiB needs no disk. */
#define HUGE_SIZE (5ull << 30)
#define EXT1_BLOCK 64u
#define EXT1_LEN (0xFFFFF800u)		/* 4 GiB - 2048, the largest extent */
#define EXT2_BLOCK (EXT1_BLOCK + EXT1_LEN / B)
#define EXT2_LEN (300u << 20)

struct huge {
	struct img meta;	/* sectors 0..63 */
};

static uint8_t data_byte(uint64_t off)
{
	return (uint8_t)(off * 2654435761u >> 13);
}

static int huge_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct huge *h = ctx;
	uint8_t *p = buf;

	assert_true(off <= HUGE_SIZE && len <= HUGE_SIZE - off);
	for (size_t i = 0; i < len; i++)
		p[i] = off + i < h->meta.n ? h->meta.p[off + i] : data_byte(off + i);
	return 0;
}

static void test_multi_extent_file_over_4_gib_reads_across_extents(void **state)
{
	struct huge h = { img_new(64, B) };
	struct iso_source src = { huge_read, &h, HUGE_SIZE };
	struct iso_volume v;
	struct iso_entry root, all[4], e;
	uint8_t *d = h.meta.p + 18 * B, buf[4096];
	uint64_t at, run, boundary = EXT1_LEN;
	size_t o = dir_head(&h.meta, 18, B, 18, NULL), n, second;

	(void)state;
	both32(h.meta.p + 16 * B + 80, (uint32_t)(HUGE_SIZE / B));
	o += rec(d + o, EXT1_BLOCK, EXT1_LEN, 0x80, "BIG.;1", 6, NULL);
	second = o;
	o += rec(d + o, EXT2_BLOCK, EXT2_LEN, 0, "BIG.;1", 6, NULL);
	o += rec(d + o, 20, 10, 0, "SMALL.;1", 8, NULL);
	assert_int_equal(iso_open(&v, &src), ISO_OK);
	assert_int_equal(iso_root(&v, &root), ISO_OK);
	assert_int_equal(list(&v, &root, all, 4), 2);
	e = all[0];
	assert_string_equal(e.name, "big");
	assert_int_equal(e.error, ISO_OK);
	assert_int_equal(e.nextents, 2);
	assert_int_equal(e.size, (uint64_t)EXT1_LEN + EXT2_LEN);
	assert_true(e.size > (4ull << 30));
	assert_string_equal(all[1].name, "small");
	assert_int_equal(iso_map(&e, boundary - 1, &at, &run), ISO_OK);
	assert_int_equal(at, (uint64_t)EXT1_BLOCK * B + boundary - 1);
	assert_int_equal(run, 1);
	assert_int_equal(iso_map(&e, boundary, &at, &run), ISO_OK);
	assert_int_equal(at, (uint64_t)EXT2_BLOCK * B);
	assert_int_equal(iso_map(&e, e.size, &at, &run), ISO_END);
	/* a read across the extents' seam */
	assert_int_equal(iso_read(&v, &e, buf, sizeof(buf), boundary - 100, &n), ISO_OK);
	assert_int_equal(n, sizeof(buf));
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(buf[i], data_byte((uint64_t)EXT1_BLOCK * B + boundary - 100 + i));
	for (size_t i = 100; i < n; i++)
		assert_int_equal(buf[i], data_byte((uint64_t)EXT2_BLOCK * B + i - 100));
	assert_int_equal(iso_read(&v, &e, buf, sizeof(buf), e.size - 10, &n), ISO_OK);
	assert_int_equal(n, 10);
	/* by id: the first record; the second alone is not an entry */
	assert_int_equal(iso_get(&v, e.id, &all[2]), ISO_OK);
	assert_int_equal(all[2].size, e.size);
	assert_int_equal(iso_lookup(&v, &root, "big", &all[3]), ISO_OK);
	assert_int_equal(all[3].id, e.id);
	/* a chain whose second record names another file: refused, and the
	 * walk goes on after it */
	d[second + 33] = 'X';	/* "BIG" -> "XIG" */
	assert_int_equal(list(&v, &root, all, 4), 2);
	assert_int_equal(all[0].error, ISO_E_CORRUPT);
	assert_string_equal(all[1].name, "small");
	free(h.meta.p);
}

static void test_readdir_cookies_resume_and_bad_ones_are_refused(void **state)
{
	struct fixture f;
	struct iso_entry root, e, again;
	uint64_t cookie = 0, saved[64];
	char names[64][ISO_NAME_MAX + 1];
	int n = 0;

	(void)state;
	fx_open(&f, "rrj.iso");
	assert_int_equal(iso_root(&f.v, &root), ISO_OK);
	while (n < 64 && iso_readdir(&f.v, &root, &cookie, &e) == ISO_OK) {
		saved[n] = cookie;
		strcpy(names[n++], e.name);
	}
	assert_true(n >= 6);
	for (int i = 0; i + 1 < n; i++) {
		cookie = saved[i];
		assert_int_equal(iso_readdir(&f.v, &root, &cookie, &again), ISO_OK);
		assert_string_equal(again.name, names[i + 1]);
		assert_int_equal(cookie, saved[i + 1]);
	}
	cookie = saved[0] + 1;
	assert_int_equal(iso_readdir(&f.v, &root, &cookie, &again), ISO_E_BADCOOKIE);
	cookie = UINT64_MAX;
	assert_int_equal(iso_readdir(&f.v, &root, &cookie, &again), ISO_END);
	assert_int_equal(iso_get(&f.v, saved[0] + 1, &again), ISO_E_STALE);
	assert_int_equal(iso_get(&f.v, UINT64_MAX - 5, &again), ISO_E_STALE);
	e.mode = S_IFREG;
	assert_int_equal(iso_readdir(&f.v, &e, &cookie, &again), ISO_E_NOTDIR);
	close(f.fd);
}

/* A cursor lists what readdir lists, with the same cookies, reading each
 * directory sector once instead of once per entry. */
static void test_cursor_keeps_its_sector_between_entries(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	struct mem m = { NULL, 0, 0 };
	struct iso_source src = { mem_read, &m, 0 };
	struct iso_volume v;
	struct iso_entry dir, a, b;
	struct iso_cursor c;
	uint64_t ca = 0, cb = 0;
	unsigned by_readdir, n = 0;
	int fd, ra, rb;

	(void)state;
	snprintf(path, sizeof(path), "%s/rrj.iso", work);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	m.n = (size_t)st.st_size;
	m.p = malloc(m.n);
	assert_non_null(m.p);
	assert_int_equal(pread(fd, m.p, m.n, 0), (ssize_t)m.n);
	close(fd);
	src.size = m.n;
	assert_int_equal(iso_open(&v, &src), ISO_OK);
	assert_int_equal(iso_lookup_path(&v, "many", &dir), ISO_OK);
	m.reads = 0;
	while (iso_readdir(&v, &dir, &ca, &a) == ISO_OK)
		n++;
	by_readdir = m.reads;
	assert_int_equal(n, 300);
	ca = 0;
	m.reads = 0;
	assert_int_equal(iso_cursor_open(&v, &dir, 0, &c), ISO_OK);
	for (;;) {
		ra = iso_readdir(&v, &dir, &ca, &a);
		rb = iso_cursor_next(&c, &b, &cb);
		assert_int_equal(ra, rb);
		if (ra != ISO_OK)
			break;
		assert_string_equal(a.name, b.name);
		assert_int_equal(a.id, b.id);
		assert_int_equal(ca, cb);
	}
	m.reads = 0;
	assert_int_equal(iso_cursor_open(&v, &dir, 0, &c), ISO_OK);
	while (iso_cursor_next(&c, &b, &cb) == ISO_OK)
		;
	assert_true(m.reads * 10 < by_readdir);
	assert_int_equal(iso_cursor_open(&v, &b, 0, &c), ISO_E_NOTDIR);
	free(m.p);
}

/* Every truncation and every single-byte change of a small Rock Ridge
 * image keeps the reader inside the image (mem_read asserts it) and ends. */
static void test_truncated_and_mangled_images_stay_in_bounds(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	uint8_t *orig;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/rrj.iso", work);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	orig = malloc((size_t)st.st_size);
	assert_non_null(orig);
	assert_int_equal(pread(fd, orig, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	for (size_t cut = 16 * B; cut < (size_t)st.st_size; cut += 997) {
		struct mem m = { orig, cut, 0 };
		struct iso_source src = { mem_read, &m, cut };
		struct iso_volume v;

		int rc = iso_open(&v, &src);

		assert_int_not_equal(rc, ISO_OK);
		if (cut >= 40 * B)
			assert_int_equal(rc, ISO_E_TRUNCATED);
	}
	/* change bytes of the descriptors and the directories (the first
	 * 40 sectors) one at a time, then list everything */
	for (size_t i = 16 * B; i < 40 * B && i < (size_t)st.st_size; i += 7) {
		uint8_t keep = orig[i];
		struct mem m = { orig, (size_t)st.st_size, 0 };
		struct iso_source src = { mem_read, &m, (uint64_t)st.st_size };
		struct iso_volume v;
		struct iso_entry root;

		orig[i] ^= 0xA5;
		if (iso_open(&v, &src) == ISO_OK && iso_root(&v, &root) == ISO_OK) {
			struct iso_entry *e = malloc(sizeof(*e));
			uint64_t cookie = 0;
			int count = 0;

			assert_non_null(e);
			while (count++ < 100 && iso_readdir(&v, &root, &cookie, e) == ISO_OK)
				;
			assert_true(count < 100);
			free(e);
		}
		orig[i] = keep;
	}
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rock_ridge_and_joliet_image_serves_rock_ridge),
		cmocka_unit_test(test_ids_are_stable_and_found_again),
		cmocka_unit_test(test_joliet_only_image_serves_joliet_names),
		cmocka_unit_test(test_plain_images_serve_lower_case_names_without_version),
		cmocka_unit_test(test_relocated_directories_are_followed_and_hidden),
		cmocka_unit_test(test_volume_descriptor_errors_are_named),
		cmocka_unit_test(test_extents_past_the_end_refuse_only_that_entry),
		cmocka_unit_test(test_record_over_a_sector_edge_is_skipped),
		cmocka_unit_test(test_directory_loops_are_refused),
		cmocka_unit_test(test_rock_ridge_names_refuse_slash_nul_and_dots),
		cmocka_unit_test(test_continuation_areas_are_followed_and_loops_end),
		cmocka_unit_test(test_symbolic_links_are_reported_not_followed),
		cmocka_unit_test(test_relocation_records_move_directories),
		cmocka_unit_test(test_multi_extent_file_over_4_gib_reads_across_extents),
		cmocka_unit_test(test_readdir_cookies_resume_and_bad_ones_are_refused),
		cmocka_unit_test(test_cursor_keeps_its_sector_between_entries),
		cmocka_unit_test(test_truncated_and_mangled_images_stay_in_bounds),
	};

	return cmocka_run_group_tests(tests, fixtures_setup, fixtures_teardown);
}
