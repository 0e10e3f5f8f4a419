/* iso-cat: lib/iso9660 from the command line, for the integration test
 * that compares it with xorriso's own reading of the same images.
 *   iso-cat IMAGE info            which names are served, volume id
 *   iso-cat IMAGE ls              every entry: path type mode size nlink uid gid mtime [target]
 *   iso-cat IMAGE cat PATH        a file's bytes to stdout
 *   iso-cat IMAGE extract DIR     the tree under DIR (files, directories, links, modes, mtimes) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fdio.h"
#include "iso9660.h"

#define MAX_DEPTH 256

static int read_fd(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static char type_char(uint32_t mode)
{
	return S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISREG(mode) ? 'f' : '?';
}

static int failures;

static void refuse(const char *path, const char *what, int rc)
{
	printf("%s\tREFUSED\t%s\n", path, iso_strerror(rc));
	fprintf(stderr, "iso-cat: %s: %s: %s\n", path, what, iso_strerror(rc));
	failures++;
}

static int copy_out(const struct iso_volume *v, const struct iso_entry *e, int out)
{
	static char buf[1 << 16];
	uint64_t off = 0;

	for (;;) {
		size_t got;
		int rc = iso_read(v, e, buf, sizeof(buf), off, &got);

		if (rc != ISO_OK)
			return rc;
		if (got == 0)
			return ISO_OK;
		if (write_all(out, buf, got) != 0)
			return ISO_E_IO;
		off += got;
	}
}

static void extract_one(const struct iso_volume *v, const struct iso_entry *e, const char *dst)
{
	char target[ISO_LINK_MAX + 1];
	struct timeval tv[2] = { { (time_t)e->atime, 0 }, { (time_t)e->mtime, 0 } };
	int fd, rc;

	if (S_ISDIR(e->mode)) {
		if (mkdir(dst, 0700) != 0 && errno != EEXIST)
			fprintf(stderr, "iso-cat: mkdir %s: %m\n", dst), failures++;
		return;		/* mode and times after its contents */
	}
	if (S_ISLNK(e->mode)) {
		rc = iso_readlink(v, e, target, sizeof(target));
		if (rc != ISO_OK)
			return refuse(dst, "readlink", rc);
		if (symlink(target, dst) != 0)
			fprintf(stderr, "iso-cat: symlink %s: %m\n", dst), failures++;
		lchown(dst, e->uid, e->gid);
		lutimes(dst, tv);
		return;
	}
	if (!S_ISREG(e->mode))
		return;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		fprintf(stderr, "iso-cat: %s: %m\n", dst);
		failures++;
		return;
	}
	rc = copy_out(v, e, fd);
	if (rc != ISO_OK)
		refuse(dst, "read", rc);
	fchown(fd, e->uid, e->gid);	/* before fchmod, which it would clear set-id bits of */
	fchmod(fd, e->mode & 07777);
	futimes(fd, tv);
	close(fd);
}

static void finish_dir(const struct iso_entry *e, const char *dst)
{
	struct timeval tv[2] = { { (time_t)e->atime, 0 }, { (time_t)e->mtime, 0 } };

	chown(dst, e->uid, e->gid);
	chmod(dst, e->mode & 07777);
	utimes(dst, tv);
}

/* Depth-first over the tree; dst non-NULL extracts. */
static void walk(const struct iso_volume *v, const struct iso_entry *dir, const char *path,
		 const char *dst, int depth)
{
	uint64_t cookie = 0;
	struct iso_entry *e = malloc(sizeof(*e));

	if (e == NULL) {
		fprintf(stderr, "iso-cat: out of memory\n");
		exit(1);
	}
	if (depth > MAX_DEPTH) {
		refuse(path, "depth", ISO_E_LOOP);
		free(e);
		return;
	}
	for (;;) {
		char sub[8192], subdst[8192];
		int rc = iso_readdir(v, dir, &cookie, e);

		if (rc == ISO_END)
			break;
		if (rc != ISO_OK) {
			refuse(path, "readdir", rc);
			break;
		}
		snprintf(sub, sizeof(sub), "%s/%s", path, e->error ? "?" : e->name);
		if (e->error) {
			refuse(sub, "entry", e->error);
			continue;
		}
		printf("%s\t%c\t%04o\t%" PRIu64 "\t%u\t%u\t%u\t%" PRId64, sub, type_char(e->mode),
		       e->mode & 07777, S_ISDIR(e->mode) ? 0 : e->size, e->nlink, e->uid, e->gid,
		       e->mtime);
		if (S_ISLNK(e->mode)) {
			char target[ISO_LINK_MAX + 1];

			if (iso_readlink(v, e, target, sizeof(target)) == ISO_OK)
				printf("\t%s", target);
		}
		putchar('\n');
		if (dst != NULL) {
			snprintf(subdst, sizeof(subdst), "%s/%s", dst, e->name);
			extract_one(v, e, subdst);
		}
		if (S_ISDIR(e->mode)) {
			walk(v, e, sub, dst != NULL ? subdst : NULL, depth + 1);
			if (dst != NULL)
				finish_dir(e, subdst);
		}
	}
	free(e);
}

int main(int argc, char **argv)
{
	struct iso_volume v;
	struct iso_source src;
	static struct iso_entry root;	/* large: not on the stack */
	struct iso_entry *e = &root;
	struct stat st;
	int fd, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: iso-cat IMAGE info|ls|cat PATH|extract DIR\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "iso-cat: %s: %m\n", argv[1]);
		return 1;
	}
	src.read = read_fd;
	src.ctx = &fd;
	src.size = (uint64_t)st.st_size;
	rc = iso_open(&v, &src);
	if (rc != ISO_OK) {
		fprintf(stderr, "iso-cat: %s: %s\n", argv[1], iso_strerror(rc));
		return 1;
	}
	if (!strcmp(argv[2], "info")) {
		static const char *const names[] = { "plain", "joliet", "rockridge" };

		printf("names: %s\nvolume-id: %s\n", names[v.names], v.volume_id);
		return 0;
	}
	if (!strcmp(argv[2], "cat") && argc == 4) {
		rc = iso_lookup_path(&v, argv[3], e);
		if (rc == ISO_OK)
			rc = copy_out(&v, e, STDOUT_FILENO);
		if (rc != ISO_OK) {
			fprintf(stderr, "iso-cat: %s: %s\n", argv[3], iso_strerror(rc));
			return 1;
		}
		return 0;
	}
	rc = iso_root(&v, e);
	if (rc != ISO_OK) {
		fprintf(stderr, "iso-cat: root: %s\n", iso_strerror(rc));
		return 1;
	}
	if (!strcmp(argv[2], "ls") && argc == 3) {
		walk(&v, e, "", NULL, 0);
	} else if (!strcmp(argv[2], "extract") && argc == 4) {
		if (mkdir(argv[3], 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "iso-cat: %s: %m\n", argv[3]);
			return 1;
		}
		walk(&v, e, "", argv[3], 0);
	} else {
		fprintf(stderr, "usage: iso-cat IMAGE info|ls|cat PATH|extract DIR\n");
		return 2;
	}
	close(fd);
	return failures ? 1 : 0;
}
