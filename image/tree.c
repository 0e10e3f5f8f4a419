/* The two kinds of tree detection reads: a directory (every path opened
 * with openat2 RESOLVE_IN_ROOT, so a symlink in the tree cannot lead out
 * of it) and an ISO image through lib/iso9660 (which never follows
 * symbolic links). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdio.h"
#include "tree.h"

/* ---- a directory ------------------------------------------------------ */

static int open_in(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
}

static enum image_kind dir_kind(void *ctx, const char *path)
{
	struct dir_tree *d = ctx;
	struct stat st;
	int fd = open_in(d->root, path, O_PATH);
	int rc;

	if (fd < 0)
		return IMAGE_MISSING;
	rc = fstat(fd, &st);
	close(fd);
	if (rc != 0)
		return IMAGE_MISSING;
	return S_ISDIR(st.st_mode) ? IMAGE_DIR : S_ISREG(st.st_mode) ? IMAGE_FILE : IMAGE_OTHER;
}

static ssize_t dir_read(void *ctx, const char *path, char *buf, size_t max)
{
	struct dir_tree *d = ctx;
	struct stat st;
	size_t got = 0;
	int fd = open_in(d->root, path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	while (got < max) {
		ssize_t n = read(fd, buf + got, max - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static int dir_list(void *ctx, const char *path, void (*fn)(void *, const char *), void *arg)
{
	struct dir_tree *d = ctx;
	int fd = open_in(d->root, path, O_RDONLY | O_DIRECTORY);
	struct dirent *de;
	DIR *dir;
	size_t n = 0;

	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -1;
	}
	while (n < IMAGE_LIST_MAX && (de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		fn(arg, de->d_name);
		n++;
	}
	closedir(dir);
	return 0;
}

static const struct image_tree_ops dir_ops = { dir_kind, dir_read, dir_list };

int dir_tree_open(struct dir_tree *d, const char *path, struct image_tree *t)
{
	d->root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->root < 0)
		return -1;
	t->ops = &dir_ops;
	t->ctx = d;
	return 0;
}

void dir_tree_close(struct dir_tree *d)
{
	if (d->root >= 0)
		close(d->root);
	d->root = -1;
}

/* ---- an ISO image ----------------------------------------------------- */

static enum image_kind iso_kind(void *ctx, const char *path)
{
	struct iso_tree *it = ctx;
	int rc = iso_lookup_path(&it->v, path, &it->e);

	if (rc != ISO_OK)
		return IMAGE_MISSING;
	return S_ISDIR(it->e.mode) ? IMAGE_DIR : S_ISREG(it->e.mode) ? IMAGE_FILE : IMAGE_OTHER;
}

static ssize_t iso_read_file(void *ctx, const char *path, char *buf, size_t max)
{
	struct iso_tree *it = ctx;
	size_t got;

	if (iso_lookup_path(&it->v, path, &it->e) != ISO_OK || !S_ISREG(it->e.mode) ||
	    iso_read(&it->v, &it->e, buf, max, 0, &got) != ISO_OK)
		return -1;
	return (ssize_t)got;
}

static int iso_list(void *ctx, const char *path, void (*fn)(void *, const char *), void *arg)
{
	struct iso_tree *it = ctx;
	struct iso_entry dir;
	uint64_t cookie = 0;
	size_t n = 0;

	if (iso_lookup_path(&it->v, path, &dir) != ISO_OK ||
	    iso_cursor_open(&it->v, &dir, 0, &it->cursor) != ISO_OK)
		return -1;
	while (n++ < IMAGE_LIST_MAX && iso_cursor_next(&it->cursor, &it->e, &cookie) == ISO_OK)
		if (it->e.error == ISO_OK)
			fn(arg, it->e.name);
	return 0;
}

static const struct image_tree_ops iso_ops = { iso_kind, iso_read_file, iso_list };

static int fd_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct iso_tree *it = ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(it->fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int iso_tree_open(struct iso_tree *it, const char *path, struct image_tree *t)
{
	struct iso_source src = { fd_pread, it, 0 };
	struct stat st;
	int rc;

	it->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (it->fd < 0)
		return -errno;
	if (fstat(it->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(it->fd);
		it->fd = -1;
		return -EINVAL;
	}
	src.size = (uint64_t)st.st_size;
	rc = iso_open(&it->v, &src);
	if (rc != ISO_OK) {
		close(it->fd);
		it->fd = -1;
		return rc;
	}
	t->ops = &iso_ops;
	t->ctx = it;
	return 0;
}

void iso_tree_close(struct iso_tree *it)
{
	if (it->fd >= 0)
		close(it->fd);
	it->fd = -1;
}

/* ---- copying a file out of either kind of tree -------------------------- */

#define COPY_CHUNK (1u << 20)

static int64_t copy_out(int in, uint64_t pos, uint64_t size, uint64_t total, uint64_t done,
			const struct tree_copy *c)
{
	char *buf = malloc(COPY_CHUNK);

	if (buf == NULL)
		return -1;
	while (size > 0) {
		size_t want = size < COPY_CHUNK ? (size_t)size : COPY_CHUNK;
		ssize_t n = pread(in, buf, want, (off_t)pos);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EIO;	/* shorter than it says */
			free(buf);
			return -1;
		}
		sha256_update(c->sum, buf, (size_t)n);
		if (c->out >= 0 && write_all(c->out, buf, (size_t)n) != 0) {
			free(buf);
			return -1;
		}
		pos += (uint64_t)n;
		size -= (uint64_t)n;
		done += (uint64_t)n;
		if (c->progress)
			c->progress(c->arg, done, total);
	}
	free(buf);
	return (int64_t)done;
}

int64_t dir_tree_copy(struct dir_tree *d, const char *path, const struct tree_copy *c)
{
	struct stat st;
	int64_t rc = -1;
	int fd = open_in(d->root, path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	rc = copy_out(fd, 0, (uint64_t)st.st_size, (uint64_t)st.st_size, 0, c);
out:
	close(fd);
	return rc;
}

int64_t iso_tree_copy(struct iso_tree *it, const char *path, const struct tree_copy *c)
{
	uint64_t off = 0, done = 0;
	int rc = iso_lookup_path(&it->v, path, &it->e);

	if (rc != 0 || !S_ISREG(it->e.mode)) {
		errno = rc == ISO_E_NOENT ? ENOENT : rc != 0 ? EIO : EINVAL;
		return -1;
	}
	while (off < it->e.size) {
		uint64_t pos, run;
		int64_t n;

		if (iso_map(&it->e, off, &pos, &run) != 0 || run == 0) {
			errno = EIO;
			return -1;
		}
		if (run > it->e.size - off)
			run = it->e.size - off;
		n = copy_out(it->fd, pos, run, it->e.size, done, c);
		if (n < 0)
			return -1;
		done = (uint64_t)n;
		off += run;
	}
	return (int64_t)done;
}

int64_t fd_copy(int fd, const struct tree_copy *c)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	return copy_out(fd, 0, (uint64_t)st.st_size, (uint64_t)st.st_size, 0, c);
}
