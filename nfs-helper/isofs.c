#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isofs.h"
#include "log.h"
#include "sha256.h"
#include "siphash.h"

/* ---- the image id -------------------------------------------------------- */

int isofs_image_id(const struct iso_volume *v, uint64_t *id)
{
	static const char tag[] = "pxekit iso image id 1";
	uint8_t buf[64 * 1024], digest[32], size[8];
	uint64_t start = 16 * (uint64_t)ISO_BLOCK, end = v->end;
	struct sha256 c;

	if (end > start + ISOFS_ID_SPAN)
		end = start + ISOFS_ID_SPAN;
	sha256_init(&c);
	sha256_update(&c, tag, sizeof tag - 1);
	for (int i = 0; i < 8; i++)
		size[i] = (uint8_t)(v->end >> (8 * i));
	sha256_update(&c, size, sizeof size);
	for (uint64_t off = start; off < end;) {
		size_t n = end - off < sizeof buf ? (size_t)(end - off) : sizeof buf;

		if (v->src.read(v->src.ctx, buf, n, off) < 0)
			return ISO_E_IO;
		sha256_update(&c, buf, n);
		off += n;
	}
	sha256_final(&c, digest);
	*id = 0;
	for (int i = 0; i < 8; i++)
		*id = *id << 8 | digest[i];
	if (*id == 0)
		*id = 1;	/* 0 means "no image" here */
	return ISO_OK;
}

/* ---- name indexes -------------------------------------------------------- */

/* One directory's names: the hash of each name and the readdir cookie
 * just before its record, sorted by hash. A hit is confirmed by reading
 * that one record, so a hash collision costs a record read, never a
 * wrong answer. */
struct isofs_slot {
	uint32_t hash;
	uint64_t cookie;
} __attribute__((packed));

struct isofs_index {
	uint64_t dir_id;
	uint64_t used;		/* fs->clock at the last use */
	size_t bytes;		/* as allocated */
	size_t n;
	struct isofs_slot slot[];
};

static uint32_t name_hash(const char *name)
{
	static const unsigned char k[SIPHASH_KEY_SIZE] = "pxekit iso names";

	return (uint32_t)siphash24(k, name, strlen(name));
}

static int slot_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct isofs_slot *)a)->hash, y = ((const struct isofs_slot *)b)->hash;

	return x < y ? -1 : x > y;
}

static void drop_index(struct isofs *fs, size_t i)
{
	fs->indexed_names -= fs->idx[i]->n;
	fs->index_bytes -= fs->idx[i]->bytes;
	free(fs->idx[i]);
	fs->idx[i] = fs->idx[--fs->nidx];
}

static void drop_indexes(struct isofs *fs)
{
	while (fs->nidx > 0)
		drop_index(fs, 0);
}

/* Room for n more names, dropping the least recently used indexes. */
static bool make_room(struct isofs *fs, size_t n)
{
	if (n > ISOFS_INDEX_NAMES_MAX)
		return false;
	while (fs->nidx > 0 && (fs->nidx == ISOFS_INDEX_DIRS_MAX ||
				fs->indexed_names + n > ISOFS_INDEX_NAMES_MAX)) {
		size_t old = 0;

		for (size_t i = 1; i < fs->nidx; i++)
			if (fs->idx[i]->used < fs->idx[old]->used)
				old = i;
		drop_index(fs, old);
	}
	return true;
}

/* Reads the directory once; NULL if it cannot be read (the caller falls
 * back to a scan, which reports the error) or is too big to index. */
static struct isofs_index *build_index(struct isofs *fs, const struct iso_entry *dir)
{
	/* A record is at least 34 bytes: this bounds the names. */
	size_t cap = dir->extents[0].len / 34 + 1, n = 0;
	struct isofs_index *x, *fit;
	struct iso_cursor c;
	struct iso_entry e;
	uint64_t cookie = 0, before = 0;
	int rc;

	if (!make_room(fs, cap))
		return NULL;
	x = malloc(sizeof *x + cap * sizeof x->slot[0]);
	if (x == NULL)
		return NULL;
	if (iso_cursor_open(&fs->vol, dir, 0, &c) != ISO_OK)
		goto fail;
	while ((rc = iso_cursor_next(&c, &e, &cookie)) == ISO_OK && n < cap) {
		if (e.error == ISO_OK) {
			x->slot[n].hash = name_hash(e.name);
			x->slot[n].cookie = before;
			n++;
		}
		before = cookie;
	}
	if (rc != ISO_END)
		goto fail;
	qsort(x->slot, n, sizeof x->slot[0], slot_cmp);
	/* Kept at the names found, not at the records the size could hold:
	 * a big directory of padding or refused records would otherwise
	 * keep up to 12 MiB each while counting as a few names. */
	x->bytes = sizeof *x + n * sizeof x->slot[0];
	fit = realloc(x, x->bytes);
	if (fit != NULL)
		x = fit;
	else
		x->bytes = sizeof *x + cap * sizeof x->slot[0];
	x->dir_id = dir->id;
	x->n = n;
	fs->idx[fs->nidx++] = x;
	fs->indexed_names += n;
	fs->index_bytes += x->bytes;
	return x;
fail:
	free(x);
	return NULL;
}

static struct isofs_index *find_index(struct isofs *fs, const struct iso_entry *dir)
{
	for (size_t i = 0; i < fs->nidx; i++)
		if (fs->idx[i]->dir_id == dir->id)
			return fs->idx[i];
	return build_index(fs, dir);
}

int isofs_lookup(struct isofs *fs, const struct iso_entry *dir, const char *name,
		 struct iso_entry *out)
{
	struct isofs_index *x;
	uint32_t h;
	size_t lo, hi;

	if (!S_ISDIR(dir->mode) || dir->nextents != 1 ||
	    dir->extents[0].len < ISOFS_INDEX_MIN_BYTES || strlen(name) > ISO_NAME_MAX ||
	    (x = find_index(fs, dir)) == NULL)
		return iso_lookup(&fs->vol, dir, name, out);
	x->used = ++fs->clock;
	h = name_hash(name);
	lo = 0;
	hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->slot[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n && x->slot[lo].hash == h; lo++) {
		uint64_t cookie = x->slot[lo].cookie;
		int rc = iso_readdir(&fs->vol, dir, &cookie, out);

		if (rc != ISO_OK)
			return rc;
		if (out->error == ISO_OK && strcmp(out->name, name) == 0)
			return ISO_OK;
	}
	/* Absent, or an entry the reader refuses (never indexed): either
	 * way there is nothing to serve under that name. */
	return ISO_E_NOENT;
}

/* ---- the image file ------------------------------------------------------ */

static int read_image(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct isofs *fs = ctx;
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fs->fd, p, len, (off_t)off);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void close_image(struct isofs *fs)
{
	drop_indexes(fs);
	for (unsigned i = 0; i < ISOFS_ENTRY_CACHE; i++)
		fs->recent[i].id = 0;
	if (fs->fd >= 0)
		close(fs->fd);
	fs->fd = -1;
	fs->image_id = 0;
}

/* Logs only a change of state: a broken image is tried at every request. */
static bool open_image(struct isofs *fs)
{
	struct iso_source src = { read_image, fs, 0 };
	int old_status = fs->status, old_errno = fs->open_errno;
	uint64_t old_id = fs->image_id;
	int rc;

	close_image(fs);
	fs->open_errno = 0;
	fs->status = ISO_OK;
	/* O_NONBLOCK: a FIFO put at the path would hang the daemon in
	 * open() until a writer came; it is refused below like any other
	 * file that is not regular, and a regular one gets it cleared. */
	fs->fd = open(fs->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fs->fd < 0 || fstat(fs->fd, &fs->sb) < 0 || !S_ISREG(fs->sb.st_mode) ||
	    fcntl(fs->fd, F_SETFL, 0) < 0) {
		fs->open_errno = fs->fd < 0 ? errno : EINVAL;
		if (fs->open_errno != old_errno)
			logmsg(LOG_ERR, "%s: cannot open the ISO image: %s", fs->path,
			       fs->open_errno == EINVAL ? "not a regular file" :
			       strerror(fs->open_errno));
		/* the next refresh tries again whatever the file looks like */
		memset(&fs->sb, 0, sizeof fs->sb);
		goto fail;
	}
	src.size = (uint64_t)fs->sb.st_size;
	rc = iso_open(&fs->vol, &src);
	if (rc == ISO_OK)
		rc = iso_root(&fs->vol, &fs->root);
	if (rc == ISO_OK)
		rc = isofs_image_id(&fs->vol, &fs->image_id);
	if (rc != ISO_OK) {
		fs->status = rc;
		fs->image_id = 0;
		if (rc != old_status)
			logmsg(LOG_ERR, "%s: not served: %s", fs->path, iso_strerror(rc));
		goto fail;
	}
	if (fs->image_id != old_id)
		logmsg(LOG_INFO, "%s: ISO 9660 image \"%s\", %s names, image id %016llx",
		       fs->path, fs->vol.volume_id,
		       fs->vol.names == ISO_NAMES_ROCKRIDGE ? "Rock Ridge" :
		       fs->vol.names == ISO_NAMES_JOLIET ? "Joliet" : "plain ISO 9660",
		       (unsigned long long)fs->image_id);
	return true;
fail:
	/* A broken image keeps its stat: it is read again only once the
	 * file changes (isofs_refresh), not for every request. */
	if (fs->fd >= 0)
		close(fs->fd);
	fs->fd = -1;
	return false;
}

struct isofs *isofs_open(const char *path)
{
	struct isofs *fs = calloc(1, sizeof *fs);

	if (fs == NULL || (fs->path = strdup(path)) == NULL) {
		free(fs);
		return NULL;
	}
	fs->fd = -1;
	open_image(fs);
	return fs;
}

void isofs_free(struct isofs *fs)
{
	if (fs == NULL)
		return;
	close_image(fs);
	free(fs->path);
	free(fs);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* One stat of the path per request: a replaced or rewritten image must
 * not answer an old handle with the new image's bytes. */
bool isofs_refresh(struct isofs *fs)
{
	struct stat now;

	if (stat(fs->path, &now) < 0) {
		if (fs->fd >= 0 || fs->open_errno != errno)
			logmsg(LOG_WARNING, "%s: the ISO image is gone (%m): its handles are stale",
			       fs->path);
		close_image(fs);
		fs->open_errno = errno;
		memset(&fs->sb, 0, sizeof fs->sb);
		return false;
	}
	if (fs->fd >= 0 && same_file(&now, &fs->sb))
		return true;
	if (fs->fd < 0 && fs->sb.st_ino != 0 && same_file(&now, &fs->sb))
		return false;	/* still the broken file */
	return open_image(fs);
}

int isofs_get(struct isofs *fs, uint64_t id, struct iso_entry *out)
{
	int rc;

	if (id == fs->root.id) {
		*out = fs->root;
		return ISO_OK;
	}
	for (unsigned i = 0; i < ISOFS_ENTRY_CACHE; i++)
		if (fs->recent[i].id == id && id != 0) {
			*out = fs->recent[i];
			return ISO_OK;
		}
	rc = iso_get(&fs->vol, id, out);
	/* Only what iso_get accepted: a refused id is read again, and a
	 * cached one always named a record. */
	if (rc == ISO_OK && out->error == ISO_OK && out->id == id) {
		fs->recent[fs->recent_next] = *out;
		fs->recent_next = (fs->recent_next + 1) % ISOFS_ENTRY_CACHE;
	}
	return rc;
}

size_t isofs_handle(const struct isofs *fs, const struct iso_entry *e,
		    unsigned char out[FH_SIZE_MAX])
{
	struct fh_iso h = { fs->image_id, e->id };

	return fh_iso_encode(&h, out);
}

void isofs_stat(const struct iso_entry *e, struct stat *sb)
{
	memset(sb, 0, sizeof *sb);
	sb->st_mode = (mode_t)e->mode;
	sb->st_nlink = e->nlink ? e->nlink : 1;
	sb->st_uid = e->uid;
	sb->st_gid = e->gid;
	sb->st_size = (off_t)e->size;
	sb->st_blocks = (blkcnt_t)((e->size + ISO_BLOCK - 1) / ISO_BLOCK * (ISO_BLOCK / 512));
	sb->st_ino = (ino_t)e->id;
	sb->st_atim.tv_sec = e->atime;
	sb->st_mtim.tv_sec = e->mtime;
	sb->st_ctim.tv_sec = e->ctime;
}

int isofs_mount(struct isofs *fs, const char *rest, unsigned char out[FH_SIZE_MAX],
		size_t *len)
{
	struct iso_entry e;
	int rc;

	if (!isofs_refresh(fs))
		return fs->status == ISO_OK ? ENOENT : EIO;
	rc = iso_lookup_path(&fs->vol, rest, &e);
	if (rc == ISO_E_IO)
		return EIO;
	if (rc != ISO_OK)
		return rc == ISO_E_NOTDIR ? ENOTDIR : ENOENT;
	if (!S_ISDIR(e.mode))
		return ENOTDIR;
	*len = isofs_handle(fs, &e, out);
	return 0;
}

bool isofs_is_image_path(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

bool isofs_has_signature(const char *path)
{
	char id[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool yes;

	if (fd < 0)
		return errno == EACCES;	/* the daemons may read what this cannot */
	yes = pread(fd, id, sizeof id, 16 * ISO_BLOCK + 1) == (ssize_t)sizeof id &&
	      memcmp(id, "CD001", sizeof id) == 0;
	close(fd);
	return yes;
}
