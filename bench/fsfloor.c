/* fsfloor: the least work that puts a tree of small files in place the
 * way pxe-dhcpgen must (each under a temporary name, written, then one
 * syncfs, then renamed over its name and stat'ed for the manifest), with
 * nothing rendered and no manifest: the file system's floor for a first
 * run. Reads "relative/path size" lines (find -printf '%P %s\n', sorted
 * by directory) on stdin and writes them under DIR, one thread per
 * directory, as pxe-dhcpgen spreads its files over threads. Prints the
 * seconds it took.
 *
 *   find TREE -type f -printf '%P %s\n' | sort | fsfloor NEWDIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct file {
	char *name;	/* within its directory */
	size_t size;
};

struct dir {
	char *path;
	struct file *file;
	size_t n, cap;
	pthread_t thread;
};

static char text[65536];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int open_dir(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		die(buf);
	return open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void *put(void *arg)
{
	struct dir *d = arg;
	int dfd = open_dir(d->path);
	char tmp[512];
	struct stat st;

	if (dfd < 0)
		die(d->path);
	for (size_t i = 0; i < d->n; i++) {
		int fd;

		snprintf(tmp, sizeof tmp, ".%s.tmp", d->file[i].name);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 || write(fd, text, d->file[i].size) != (ssize_t)d->file[i].size || close(fd) < 0)
			die(tmp);
	}
	syncfs(dfd);
	for (size_t i = 0; i < d->n; i++) {
		snprintf(tmp, sizeof tmp, ".%s.tmp", d->file[i].name);
		if (renameat(dfd, tmp, dfd, d->file[i].name) < 0 ||
		    fstatat(dfd, d->file[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(d->file[i].name);
	}
	close(dfd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct dir *dir = NULL;
	size_t ndirs = 0;
	char line[4096];
	struct timespec a, b;

	if (argc != 2) {
		fprintf(stderr, "usage: find TREE -type f -printf '%%P %%s\\n' | sort | fsfloor NEWDIR\n");
		return 2;
	}
	memset(text, 'x', sizeof text);
	while (fgets(line, sizeof line, stdin)) {
		char *sp = strrchr(line, ' '), *slash;
		char path[4096];
		struct dir *d;

		if (!sp)
			continue;
		*sp = '\0';
		slash = strrchr(line, '/');
		snprintf(path, sizeof path, "%s/%.*s", argv[1], slash ? (int)(slash - line) : 0, line);
		if (!ndirs || strcmp(dir[ndirs - 1].path, path) != 0) {
			dir = realloc(dir, (ndirs + 1) * sizeof *dir);
			if (!dir)
				die("realloc");
			dir[ndirs++] = (struct dir){ .path = strdup(path) };
		}
		d = &dir[ndirs - 1];
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 1024;
			d->file = realloc(d->file, d->cap * sizeof *d->file);
			if (!d->file)
				die("realloc");
		}
		d->file[d->n].name = strdup(slash ? slash + 1 : line);
		d->file[d->n].size = (size_t)strtoul(sp + 1, NULL, 10);
		if (d->file[d->n].size > sizeof text)	/* loader files are < 1 KiB */
			d->file[d->n].size = sizeof text;
		d->n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < ndirs; i++)
		if (pthread_create(&dir[i].thread, NULL, put, &dir[i]) != 0)
			die("pthread_create");
	for (size_t i = 0; i < ndirs; i++)
		pthread_join(dir[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
