#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bigmem.h"
#include "diag.h"
#include "fdio.h"
#include "log.h"
#include "output.h"

#define MAX_FILE (16u << 20)
/* ~110 bytes a file, 4 files a host: 10^6 hosts fit. */
#define MAX_MANIFEST ((size_t)1 << 30)
#define TMP_MARK ".pxekit-tmp"
#define INTENT_LINE "# A run is under way (or was killed): files may hold either content."
#define KEY_LINE "# key: "

extern char **environ;

uint64_t content_hash(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;	/* FNV-1a: change detection, not security */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* What pxe-dhcpgen wrote or will replace: never through a symlink. */
static int read_whole(const char *path, struct strbuf *out)
{
	return read_text_file(path, O_NOFOLLOW, MAX_FILE, out);
}

/* The manifest, one line per file pxe-dhcpgen wrote:
 *   HASH INODE SIZE CTIME_NS /absolute/path
 * HASH is the FNV-1a of the content; INODE, SIZE and CTIME_NS are what
 * stat(2) said right after the file was put in place. Only a write to
 * the file can move ctime (no tool can set it), so a file whose stat
 * still matches holds that content and need not be read again: what
 * keeps a no-op run over 10^5 hosts cheap. 0 0 0 means "read it". A
 * path may be listed twice (the old and the new content) while a run
 * is under way, so a run killed half-way leaves every file it may have
 * touched listed with every content it may have. Lines of older
 * versions, "HASH /path", are read too. */
static bool parse_u64(char **p, int base, uint64_t *v)
{
	char *q = *p;

	/* By hand: strtoull's locale and sign handling were 9 % of a no-op
	 * run's instructions (four numbers on each of 4 * 10^5 lines). */
	*v = 0;
	for (;; q++) {
		unsigned d;

		if (*q >= '0' && *q <= '9')
			d = (unsigned)(*q - '0');
		else if (base == 16 && *q >= 'a' && *q <= 'f')
			d = (unsigned)(*q - 'a' + 10);
		else if (base == 16 && *q >= 'A' && *q <= 'F')
			d = (unsigned)(*q - 'A' + 10);
		else
			break;
		if (*v > (UINT64_MAX - d) / (unsigned)base)
			return false;
		*v = *v * (unsigned)base + d;
	}
	if (q == *p || *q != ' ')
		return false;
	*p = q + 1;
	return true;
}

static bool parse_manifest_line(char *line, struct manifest_entry *e)
{
	uint64_t ctime_ns;

	*e = (struct manifest_entry){ 0 };
	if (!parse_u64(&line, 16, &e->hash))
		return false;
	if (*line != '/' && (!parse_u64(&line, 10, &e->ino) || !parse_u64(&line, 10, &e->size) ||
			     !parse_u64(&line, 10, &ctime_ns)))
		return false;
	if (*line != '/')
		return false;
	e->ctime_ns = e->ino ? ctime_ns : 0;
	e->path = line;
	return true;
}

static uint64_t path_hash(const char *path)
{
	return content_hash(path, strlen(path));
}

/* Open addressing over indices into m->entry; the table is twice the
 * size of the manifest, a power of two. */
static int manifest_index(struct manifest *m, size_t room)
{
	size_t size = 16;

	while (size < 2 * (m->n + room))
		size *= 2;
	free(m->slot);
	m->slot = big_reallocarray(NULL, size, sizeof *m->slot);
	if (!m->slot)
		return -1;
	memset(m->slot, 0xff, size * sizeof *m->slot);
	m->nslots = size;
	for (size_t i = 0; i < m->n; i++) {
		uint64_t key = m->entry[i].key = path_hash(m->entry[i].path);
		size_t h = (size_t)key & (size - 1);

		while (m->slot[h].i != SIZE_MAX)
			h = (h + 1) & (size - 1);
		m->slot[h] = (struct manifest_slot){ .key = key, .i = i };
	}
	return 0;
}

static struct manifest_entry *find_key(const struct manifest *m, const char *path, uint64_t key)
{
	if (!m->nslots)
		return NULL;
	for (size_t h = (size_t)key & (m->nslots - 1); m->slot[h].i != SIZE_MAX;
	     h = (h + 1) & (m->nslots - 1))
		if (m->slot[h].key == key && strcmp(m->entry[m->slot[h].i].path, path) == 0)
			return &m->entry[m->slot[h].i];
	return NULL;
}

struct manifest_entry *manifest_find(const struct manifest *m, const char *path)
{
	/* Not indexed (manifest_read alone): a run that keeps its loader
	 * files looks up its DHCP files only, one or two. */
	if (!m->nslots) {
		for (size_t i = 0; i < m->n; i++)
			if (strcmp(m->entry[i].path, path) == 0)
				return &m->entry[i];
		return NULL;
	}
	return find_key(m, path, path_hash(path));
}

static uint64_t ctime_ns(const struct stat *st)
{
	return (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
}

/* What the manifest's stat was when it was read: a run that replaced it
 * since (always by a rename) gave it another inode and ctime. All 0 when
 * there was none. */
static void manifest_stat(const char *path, uint64_t seen[3])
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		seen[0] = seen[1] = seen[2] = 0;
		return;
	}
	seen[0] = (uint64_t)st.st_ino;
	seen[1] = (uint64_t)st.st_size;
	seen[2] = ctime_ns(&st);
}

int manifest_read(const char *path, struct manifest *m)
{
	char *line, *next;
	unsigned lineno = 0;
	size_t cap = 0;

	*m = (struct manifest){ .text = STRBUF_INIT };
	manifest_stat(path, m->seen_as);
	if (read_text_file(path, O_NOFOLLOW, MAX_MANIFEST, &m->text) < 0) {
		if (errno == ENOENT)
			return 0;
		logmsg(LOG_ERR, "%s: %m", path);
		return -1;
	}
	for (line = m->text.buf; line && *line; line = next) {
		struct manifest_entry e;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (line[0] == '#' && strcmp(line, INTENT_LINE) == 0)
			m->interrupted = true;
		if (line[0] == '#' && strncmp(line, KEY_LINE, strlen(KEY_LINE)) == 0)
			snprintf(m->key, sizeof m->key, "%s", line + strlen(KEY_LINE));
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!parse_manifest_line(line, &e)) {
			char msg[PATH_MAX + 100];

			logmsg(LOG_ERR, "%s", diag_format(msg, sizeof msg, (struct diag_pos){ path, lineno, 0 },
							 NULL, "not a manifest line (hash, inode, size, "
							 "ctime, absolute path)"));
			manifest_free(m);
			return -1;
		}
		if (m->n == cap) {
			struct manifest_entry *grown = big_reallocarray(m->entry, cap ? 2 * cap : 1024,
								    sizeof *grown);

			if (!grown) {
				logmsg(LOG_ERR, "out of memory");
				manifest_free(m);
				return -1;
			}
			m->entry = grown;
			cap = cap ? 2 * cap : 1024;
		}
		m->entry[m->n++] = e;
	}
	return 0;
}

int manifest_index_entries(struct manifest *m)
{
	if (manifest_index(m, 0) < 0)
		goto oom;
	/* A path listed twice: one entry that accepts both contents, and
	 * whose stat proves neither (stat_matches). Only has_alt, alt and
	 * dropped are written: loaders_verify_start's threads may be
	 * reading the rest. */
	for (size_t i = 0; i < m->n; i++) {
		struct manifest_entry *dup = find_key(m, m->entry[i].path, m->entry[i].key);

		if (dup != &m->entry[i] && !dup->has_alt) {
			dup->alt = m->entry[i].hash;
			dup->has_alt = true;
			m->entry[i].dropped = true;
		}
	}
	return 0;
oom:
	logmsg(LOG_ERR, "out of memory");
	manifest_free(m);
	return -1;
}

int manifest_load(const char *path, struct manifest *m)
{
	return manifest_read(path, m) < 0 ? -1 : manifest_index_entries(m);
}

void manifest_free(struct manifest *m)
{
	free(m->entry);
	free(m->slot);
	sb_free(&m->text);
	*m = (struct manifest){ 0 };
}

static bool entry_accepts(const struct manifest_entry *e, uint64_t hash)
{
	return e->hash == hash || (e->has_alt && e->alt == hash);
}

/* The file is still what the manifest says pxe-dhcpgen wrote. */
static bool stat_matches(const struct manifest_entry *e, const struct stat *st)
{
	return e->ino && !e->has_alt && e->ino == (uint64_t)st->st_ino &&
	       e->size == (uint64_t)st->st_size && e->ctime_ns == ctime_ns(st);
}

static bool generated_by_us(const char *text)
{
	const char *nl = strchr(text, '\n');
	const char *mark = strstr(text, GENERATED_MARK);

	return mark && (!nl || mark < nl);
}

/* Directory descriptors while files go in place: outputs come grouped
 * by directory, so one cached directory saves most look-ups. */
struct dirs {
	int rootfd;			/* the TFTP root; -1 for absolute paths */
	char *cached;
	int cached_fd;
	dev_t devs[16];			/* file systems written to, for syncfs */
	int dev_fd[16];
	size_t ndevs;
};

static int dir_of(struct dirs *d, const char *path, bool create, const char **base);
static void dirs_close(struct dirs *d);

/* A run's files shared out among threads, a range of indices each. At
 * 10^5 hosts a run is mostly system calls on files (a stat each on a
 * no-op run; create, write, rename on a first run), and the kernel locks
 * one directory at a time, not the file system: two threads on two CPUs
 * take about half the time (bench/results/dhcpgen.md). Small runs stay
 * on one thread. */
#define SHARES_MAX 4
#define SHARE_MIN_FILES 4096

struct share {
	struct plan *plan;
	size_t from, to;		/* indices into plan->out or plan->old.entry */
	struct dirs *tracked, *other;	/* this thread's own caches */
	void (*work)(struct share *);
	int status;			/* -1: a file failed */
	unsigned n;			/* files the work counted */
	atomic_bool *stop;		/* when set, the work is not wanted any more */
	pthread_t thread;
	bool started;
};

static void *share_main(void *arg)
{
	struct share *sh = arg;

	sh->work(sh);
	return NULL;
}

static size_t share_count(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < SHARE_MIN_FILES || cpus < 2)
		return 1;
	return cpus < SHARES_MAX ? (size_t)cpus : SHARES_MAX;
}

/* Starts work on [0, n) in k = share_count(n) shares and returns k:
 * each share on a thread of its own, or with all false every share
 * but sh[0], which finish_shares then runs on the calling thread (as
 * it does any share whose thread could not start). The caller fills in
 * sh[i].tracked and .other for each i < SHARES_MAX. */
static size_t start_shares(struct plan *plan, size_t n, void (*work)(struct share *),
			   struct share sh[SHARES_MAX], bool all)
{
	size_t k = share_count(n);

	for (size_t i = 0; i < k; i++) {
		sh[i].plan = plan;
		sh[i].from = n * i / k;
		sh[i].to = n * (i + 1) / k;
		sh[i].work = work;
		sh[i].status = 0;
		sh[i].n = 0;
		sh[i].started = (all || i > 0) &&
				pthread_create(&sh[i].thread, NULL, share_main, &sh[i]) == 0;
	}
	return k;
}

static void finish_shares(struct share sh[SHARES_MAX], size_t k)
{
	for (size_t i = 0; i < k; i++) {
		if (sh[i].started)
			pthread_join(sh[i].thread, NULL);
		else
			sh[i].work(&sh[i]);
	}
}

static size_t run_shares(struct plan *plan, size_t n, void (*work)(struct share *),
			 struct share sh[SHARES_MAX])
{
	size_t k = start_shares(plan, n, work, sh, false);

	finish_shares(sh, k);
	return k;
}

static const char *rel_of(const struct plan *plan, const char *path);
static bool in_root(const struct plan *plan, const char *path);

/* Whether the file at o->path (tracked, with manifest entry e) is the
 * output; reads it only when its stat does not prove what it holds.
 * Returns -1 on a read error, else 0 with o->exists and o->same set and
 * *edited when it differs from everything pxe-dhcpgen wrote there. */
static int compare_tracked(struct plan *plan, struct dirs *d, struct output *o,
			   const struct manifest_entry *e, struct strbuf *cur, bool *edited)
{
	struct stat st;
	const char *base;
	int dirfd = d->rootfd >= 0 ? dir_of(d, rel_of(plan, o->path), false, &base) : -1;

	*edited = false;
	if (d->rootfd < 0) {	/* no TFTP root yet (plan_start) */
		o->exists = false;
		return 0;
	}
	/* Relative to its directory: 4 files a host, 10^5 hosts, and a
	 * path walk from / for each would be most of a no-op run. */
	if (dirfd < 0 || fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		o->exists = false;
		return errno == ENOENT ? 0 : -1;
	}
	o->exists = true;
	if (e && stat_matches(e, &st)) {
		o->same = e->hash == o->hash;
		if (o->same) {
			o->ino = e->ino;
			o->size = e->size;
			o->ctime_ns = e->ctime_ns;
		}
		return 0;
	}
	plan->restat = true;
	if (read_whole(o->path, cur) < 0)
		return -1;
	o->same = cur->len == o->text.len && memcmp(cur->buf, sb_str(&o->text), cur->len) == 0;
	*edited = e && !o->same && !entry_accepts(e, content_hash(cur->buf, cur->len));
	if (o->same) {
		/* Unchanged, but its stat moved (a chmod, a killed run): the
		 * new one goes into the manifest, so the next run need not
		 * read it. */
		o->ino = (uint64_t)st.st_ino;
		o->size = (uint64_t)st.st_size;
		o->ctime_ns = ctime_ns(&st);
	}
	return 0;
}

int plan_start(struct plan *plan)
{
	plan->dirs = calloc(1, sizeof *plan->dirs);
	if (!plan->dirs) {
		logmsg(LOG_ERR, "out of memory");
		return -1;
	}
	plan->dirs->cached_fd = -1;
	plan->dirs->rootfd = open(plan->tftproot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (plan->dirs->rootfd < 0 && errno != ENOENT) {
		logmsg(LOG_ERR, "%s: %m", plan->tftproot);
		return -1;
	}
	return 0;
}

/* Each manifest entry of the share under the TFTP root still has the
 * stat recorded; status -1 at the first that has not. */
static void verify_share(struct share *sh)
{
	const struct plan *plan = sh->plan;

	for (size_t i = sh->from; i < sh->to; i++) {
		const struct manifest_entry *e = &plan->old.entry[i];
		const char *base;
		struct stat st;
		int dirfd;

		/* Not e->dropped or e->has_alt: manifest_index_entries may be
		 * writing them. A path listed twice fails anyway: pxe-dhcpgen
		 * lists a second content only as "read it" (0 0 0). */
		if (!in_root(plan, e->path))
			continue;
		if (atomic_load_explicit(sh->stop, memory_order_relaxed)) {
			sh->status = -1;
			return;
		}
		dirfd = dir_of(sh->tracked, rel_of(plan, e->path), false, &base);
		if (dirfd < 0 || fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !e->ino || e->ino != (uint64_t)st.st_ino || e->size != (uint64_t)st.st_size ||
		    e->ctime_ns != ctime_ns(&st)) {
			sh->status = -1;
			return;
		}
		sh->n++;
	}
}

/* The stat of every file the manifest lists, checked on threads of
 * its own while the caller reads the inventory. */
struct verify {
	struct share sh[SHARES_MAX];
	struct dirs d[SHARES_MAX];
	size_t k;
	atomic_bool stop;		/* the run's key is another: no use */
};

void loaders_verify_start(struct plan *plan)
{
	const struct manifest *m = &plan->old;
	struct verify *v;

	/* Only a manifest that could prove anything: a finished run's. */
	if (plan->verify || !m->key[0] || m->interrupted || plan->dirs->rootfd < 0 ||
	    !(v = calloc(1, sizeof *v)))
		return;
	atomic_init(&v->stop, false);
	for (size_t i = 0; i < SHARES_MAX; i++) {
		v->d[i] = (struct dirs){ .rootfd = plan->dirs->rootfd, .cached_fd = -1 };
		v->sh[i].tracked = &v->d[i];
		v->sh[i].stop = &v->stop;
	}
	v->k = start_shares(plan, m->n, verify_share, v->sh, true);
	plan->verify = v;
}

/* Waits for the check; whether every file passed, and how many. */
static bool verify_finish(struct plan *plan, unsigned *n)
{
	struct verify *v = plan->verify;
	bool ok = true;

	if (!v)
		return false;
	finish_shares(v->sh, v->k);
	*n = 0;
	for (size_t i = 0; i < v->k; i++) {
		ok &= v->sh[i].status == 0;
		*n += v->sh[i].n;
	}
	for (size_t i = 0; i < SHARES_MAX; i++)
		dirs_close(&v->d[i]);
	free(v);
	plan->verify = NULL;
	return ok;
}

bool loaders_unchanged(struct plan *plan)
{
	const struct manifest *m = &plan->old;
	bool wanted = plan->key && strcmp(m->key, plan->key) == 0;
	unsigned n;
	bool ok;

	if (wanted)
		loaders_verify_start(plan);
	else if (plan->verify)	/* every file is compared again anyway */
		atomic_store(&plan->verify->stop, true);
	ok = verify_finish(plan, &n);
	if (!wanted || !ok)
		return false;
	plan->verified = n;
	return true;
}

/* The manifest, read on a thread of its own: at 10^5 hosts reading it
 * (30 MB) takes about as long as reading the inventory, which the
 * caller does meanwhile. */
struct opener {
	pthread_t thread;
	bool verify, started;
	int status;
};

static void *open_main(void *arg)
{
	struct plan *plan = arg;
	struct opener *op = plan->opener;

	op->status = -1;
	if (manifest_read(plan->manifest_path, &plan->old) < 0 || plan_start(plan) < 0)
		return NULL;
	if (op->verify)
		loaders_verify_start(plan);
	op->status = 0;
	return NULL;
}

int plan_open(struct plan *plan, bool verify)
{
	struct opener *op = calloc(1, sizeof *op);

	if (!op) {
		logmsg(LOG_ERR, "out of memory");
		return -1;
	}
	op->verify = verify;
	plan->opener = op;
	op->started = pthread_create(&op->thread, NULL, open_main, plan) == 0;
	return 0;
}

int plan_opened(struct plan *plan)
{
	struct opener *op = plan->opener;
	uint64_t now[3];
	int status;

	if (!op)
		return 0;
	if (op->started)
		pthread_join(op->thread, NULL);
	else
		open_main(plan);
	status = op->status;
	free(op);
	plan->opener = NULL;
	/* Read before the caller held the lock: another run may have
	 * replaced it since. Then it is read again (loaders_unchanged
	 * checks the files against the new one). */
	manifest_stat(plan->manifest_path, now);
	if (status == 0 && memcmp(now, plan->old.seen_as, sizeof now) != 0) {
		struct verify *v = plan->verify;

		if (v)
			atomic_store(&v->stop, true);
		verify_finish(plan, &(unsigned){ 0 });
		plan_finish(plan);	/* the TFTP root may be new too */
		manifest_free(&plan->old);
		status = manifest_read(plan->manifest_path, &plan->old) < 0 || plan_start(plan) < 0 ? -1 : 0;
	}
	return status;
}

/* A file outside the TFTP root (a DHCP file) that still has the stat
 * recorded with the content this run renders holds it: not read again
 * (12 MB at 10^5 hosts). */
static bool recorded_unchanged(struct output *o, const struct manifest_entry *e)
{
	struct stat st;

	if (!e || e->hash != o->hash || lstat(o->path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !stat_matches(e, &st))
		return false;
	o->exists = o->same = true;
	o->ino = e->ino;
	o->size = e->size;
	o->ctime_ns = e->ctime_ns;
	return true;
}

static void plan_one(struct plan *plan, struct output *o)
{
	struct manifest_entry *e = o->tracked || o->recorded ? manifest_find(&plan->old, o->path) : NULL;
	struct strbuf *cur = &plan->cur;
	bool edited = false;
	int rc;

	o->hash = content_hash(sb_str(&o->text), o->text.len);
	o->was = e;
	if (e)
		e->seen = true;
	if (o->tracked) {
		rc = compare_tracked(plan, plan->dirs, o, e, cur, &edited);
	} else if (recorded_unchanged(o, e)) {
		return;		/* ours as recorded, and what this run renders */
	} else {
		rc = read_whole(o->path, cur);
		o->exists = rc == 0;
		if (rc < 0 && errno == ENOENT)
			rc = 0;
		else if (rc == 0)
			o->same = cur->len == o->text.len &&
				  memcmp(cur->buf, sb_str(&o->text), cur->len) == 0;
	}
	if (rc < 0) {
		if (errno == ELOOP)
			logmsg(LOG_ERR, "%s: a directory on its way is a symlink (pxe-dhcpgen"
			       " writes only inside the TFTP root)", o->path);
		else
			logmsg(LOG_ERR, "%s: %m", o->path);
		plan->status = -1;
		return;
	}
	if (!o->exists)
		return;
	if (o->tracked && !e) {
		logmsg(LOG_ERR, "%s exists and pxe-dhcpgen did not write it: refusing to replace it"
		       " (move it away first)", o->path);
		plan->status = -1;
	} else if (!o->tracked && !generated_by_us(cur->buf)) {
		logmsg(LOG_ERR, "%s exists and was not generated by pxe-dhcpgen: refusing to replace it"
		       " (choose another file with -o, or move it away)", o->path);
		plan->status = -1;
	} else if (edited) {
		logmsg(LOG_WARNING, "%s was edited since pxe-dhcpgen wrote it; the edit is replaced",
		       o->path);
	}
}

void plan_add(struct plan *plan, struct output *in)
{
	struct output *o;

	if (plan->n == plan->cap) {
		size_t cap = plan->cap ? 2 * plan->cap : 64;

		o = big_reallocarray(plan->out, cap, sizeof *o);
		if (!o) {
			logmsg(LOG_ERR, "out of memory");
			plan->status = -1;
			free(in->path);
			sb_free(&in->text);
			return;
		}
		plan->out = o;
		plan->cap = cap;
	}
	o = &plan->out[plan->n++];
	*o = *in;
	*in = (struct output){ 0 };
	plan_one(plan, o);
	/* Unchanged: only its hash and stat go on (into the manifest). */
	if (o->same)
		sb_free(&o->text);
}

int plan_finish(struct plan *plan)
{
	verify_finish(plan, &(unsigned){ 0 });	/* its threads use the root's descriptor */
	if (plan->dirs) {
		dirs_close(plan->dirs);
		if (plan->dirs->rootfd >= 0)
			close(plan->dirs->rootfd);
		free(plan->dirs);
		plan->dirs = NULL;
	}
	sb_free(&plan->cur);
	return plan->status;
}

void plan_free(struct plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->out[i].path);
		sb_free(&plan->out[i].text);
	}
	free(plan->out);
	manifest_free(&plan->old);
	plan_finish(plan);
}

/* Under the TFTP root of this run: the only files it may remove. */
static bool in_root(const struct plan *plan, const char *path)
{
	size_t n = strlen(plan->tftproot);

	while (n > 1 && plan->tftproot[n - 1] == '/')
		n--;
	return strncmp(path, plan->tftproot, n) == 0 && path[n] == '/';
}

/* An old entry this run would remove: not generated again, under its
 * root, and loaders were generated at all. */
static bool is_stale(const struct plan *plan, const struct manifest_entry *e)
{
	if (e->seen || e->dropped)
		return false;
	return in_root(plan, e->path) ? !plan->no_loaders : e->take_back;
}

/* Runs argv, its stdout and stderr into *captured (if not NULL). Returns
 * the exit status, or -1 if it could not run. */
static int run(char *const argv[], struct strbuf *captured)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status;
	pid_t pid;
	char chunk[4096];
	ssize_t n;

	if (captured && pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	if (captured) {
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	}
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (captured)
		close(pipefd[1]);
	if (errno) {
		if (captured)
			close(pipefd[0]);
		return -1;
	}
	while (captured && (n = read(pipefd[0], chunk, sizeof chunk)) > 0)
		if (captured->len < 65536)
			sb_addn(captured, chunk, (size_t)n);
	if (captured)
		close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A private scratch file (checker input, diff side). */
static int write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0)
		return -1;
	if (write_all(fd, text, len) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static const char *checker_name(enum dhcp_format format)
{
	static const char *const names[] = { "dhcpd", "kea-dhcp4", "dnsmasq", "dhcpd", "kea-dhcp6" };

	return names[format];
}

/* In PATH, or in the sbin directories a non-root PATH often lacks. */
static bool find_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[PATH_MAX * 2];
	char *dir, *save = NULL;

	snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(out, len, "%s/%s", dir, name) < len && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static bool is_isc(enum dhcp_format format)
{
	return format == FORMAT_ISC || format == FORMAT_ISC6;
}

/* The Kea map a fragment goes in. */
static const char *kea_map(enum dhcp_format format)
{
	return format == FORMAT_KEA6 ? "Dhcp6" : "Dhcp4";
}

/* Copies the admin's main configuration with its include of output
 * pointed at frag instead: the new fragment checked where it will live,
 * beside the host declarations, classes and subnets already there. A
 * main file that does not include it yet gets the include added (ISC:
 * at the end, at global scope; Kea: first in the Dhcp4 map). Line
 * numbers stay those of the admin's file. */
static bool redirect_include(enum dhcp_format format, const char *text, const char *output,
			     const char *frag, struct strbuf *out)
{
	const char *keyword = is_isc(format) ? "include" : "<?include";
	size_t olen = strlen(output);
	const char *p = text, *q;
	bool found = false;

	while ((q = strstr(p, output)) != NULL) {
		const char *k = q - 1;	/* the opening quote */

		if (k >= text && *k == '"' && q[olen] == '"') {
			const char *w = k - 1;

			while (w >= text && (*w == ' ' || *w == '\t'))
				w--;
			if (w - (ptrdiff_t)strlen(keyword) + 1 >= text &&
			    strncmp(w - strlen(keyword) + 1, keyword, strlen(keyword)) == 0) {
				sb_addn(out, p, (size_t)(q - p));
				sb_add(out, frag);
				p = q + olen;
				found = true;
				continue;
			}
		}
		sb_addn(out, p, (size_t)(q - p + 1));
		p = q + 1;
	}
	sb_add(out, p);
	return found;
}

static int kea_insert_include(const struct strbuf *main_text, const char *map, const char *frag,
			      struct strbuf *out)
{
	char quoted[16];
	const char *dhcp4, *brace, *next;

	snprintf(quoted, sizeof quoted, "\"%s\"", map);
	dhcp4 = strstr(sb_str(main_text), quoted);
	brace = dhcp4 ? strchr(dhcp4, '{') : NULL;

	if (!brace)
		return -1;
	next = brace + 1 + strspn(brace + 1, " \t\r\n");
	sb_addn(out, sb_str(main_text), (size_t)(brace + 1 - sb_str(main_text)));
	sb_addf(out, " <?include \"%s\"?>%s", frag, *next == '}' ? "" : ",");
	sb_add(out, brace + 1);
	return 0;
}

/* A list piece with no members: only its comment lines. */
static bool piece_is_empty(const struct strbuf *text)
{
	for (const char *l = sb_str(text); *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0')) {
		l += strspn(l, " \t");
		if (*l != '\n' && *l != '\0' && strncmp(l, "//", 2) != 0)
			return false;
	}
	return true;
}

static const char *kea_subnet_list(enum dhcp_format format)
{
	return format == FORMAT_KEA6 ? "subnet6" : "subnet4";
}

/* Where the new parts go for the check, dir/generated[-N]. */
static void frag_name(const char *dir, size_t i, size_t nparts, char *out, size_t len)
{
	if (nparts == 1)
		snprintf(out, len, "%s/generated", dir);
	else
		snprintf(out, len, "%s/generated-%zu", dir, i);
}

/* A minimal main file around the parts. */
static void minimal_main(enum dhcp_format format, const char *dir, const struct dhcp_part *part,
			 size_t nparts, struct strbuf *out)
{
	char frag[PATH_MAX];

	if (is_isc(format)) {
		frag_name(dir, 0, nparts, frag, sizeof frag);
		sb_addf(out, "include \"%s\";\n", frag);
		return;
	}
	sb_addf(out, "{ \"%s\": {\n\"interfaces-config\": { \"interfaces\": [ ] }", kea_map(format));
	for (size_t i = 0; i < nparts; i++) {
		frag_name(dir, i, nparts, frag, sizeof frag);
		if (!part[i].list) {
			sb_addf(out, ",\n<?include \"%s\"?>", frag);
			continue;
		}
		if (strcmp(part[i].list, "reservations") == 0)
			sb_add(out, ",\n\"reservations-global\": true, \"reservations-in-subnet\": true");
		sb_addf(out, ",\n\"%s\": [\n<?include \"%s\"?>\n]", part[i].list, frag);
	}
	sb_add(out, "\n} }\n");
}

/* The main file around the parts that each server's test mode needs:
 * the admin's own (main_conf) when given, else a minimal one. Returns
 * 1 when main_conf cannot hold them (said why). */
static int write_check_files(enum dhcp_format format, const char *dir,
			     const struct dhcp_part *part, size_t nparts, const char *main_conf,
			     char *main_path, size_t len)
{
	char frag[PATH_MAX];
	struct strbuf wrapper = STRBUF_INIT, mine = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < nparts; i++) {
		frag_name(dir, i, nparts, frag, sizeof frag);
		if (write_file(frag, sb_str(part[i].text), part[i].text->len, 0600) < 0)
			return -1;
	}
	if (format == FORMAT_DNSMASQ) {
		frag_name(dir, 0, nparts, main_path, len);
		return 0;
	}
	if (main_conf) {
		if (read_text_file(main_conf, 0, MAX_FILE, &mine) < 0) {
			logmsg(LOG_ERR, "%s: %m", main_conf);
			sb_free(&mine);
			return -1;
		}
		for (size_t i = 0; i < nparts && rc >= 0; i++) {
			frag_name(dir, i, nparts, frag, sizeof frag);
			sb_reset(&wrapper);
			if (!redirect_include(format, sb_str(&mine), part[i].path, frag, &wrapper))
				sb_reset(&wrapper);	/* not included: placed below */
			if (wrapper.len) {
				/* in place of the include */
			} else if (part[i].list) {
				/* Where in the admin's list is theirs to say:
				 * the piece cannot be placed for them. */
				if (!piece_is_empty(part[i].text)) {
					logmsg(LOG_ERR, "%s does not include %s: add\n"
					       "    <?include \"%s\"?>\n"
					       "  as the last member of its \"%s\" list, after a comma"
					       " (pxe-dhcpgen(8)); nothing was written",
					       main_conf, part[i].path, part[i].path, part[i].list);
					rc = 1;
				}
				continue;
			} else if (is_isc(format)) {
				sb_addf(&wrapper, "%s%sinclude \"%s\";\n", sb_str(&mine),
					mine.len && mine.buf[mine.len - 1] != '\n' ? "\n" : "", frag);
			} else if (kea_insert_include(&mine, kea_map(format), frag, &wrapper) < 0) {
				logmsg(LOG_ERR, "%s: no \"%s\" map to check the fragment in", main_conf,
				       kea_map(format));
				rc = -1;
				break;
			}
			sb_reset(&mine);
			sb_addn(&mine, sb_str(&wrapper), wrapper.len);
		}
		sb_reset(&wrapper);
		sb_addn(&wrapper, sb_str(&mine), mine.len);
		wrapper.oom |= mine.oom;
		sb_free(&mine);
	} else {
		minimal_main(format, dir, part, nparts, &wrapper);
	}
	snprintf(main_path, len, "%s/main", dir);
	if (rc == 0)
		rc = wrapper.oom ? -1 : write_file(main_path, sb_str(&wrapper), wrapper.len, 0600);
	sb_free(&wrapper);
	return rc;
}

/* Every from in sb becomes to. */
static void replace_all(struct strbuf *sb, const char *from, const char *to)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = sb_str(sb), *q;

	while ((q = strstr(p, from)) != NULL) {
		sb_addn(&out, p, (size_t)(q - p));
		sb_add(&out, to);
		p = q + strlen(from);
	}
	sb_add(&out, p);
	if (!out.oom) {
		sb_free(sb);
		*sb = out;
	} else {
		sb_free(&out);
	}
}

int run_checker(enum dhcp_format format, const char *checker, const struct dhcp_part *part,
		size_t nparts, const char *main_conf, bool quiet)
{
	char prog[PATH_MAX], main_path[PATH_MAX], dir[] = "/tmp/pxe-dhcpgen.XXXXXX", conf_arg[PATH_MAX + 16];
	struct strbuf said = STRBUF_INIT;
	char *argv[6];
	int rc = -1;

	if (format == FORMAT_DNSMASQ)
		main_conf = NULL;	/* its conf-dir would read the live copy too */
	if (checker) {
		snprintf(prog, sizeof prog, "%s", checker);
	} else if (!find_program(checker_name(format), prog, sizeof prog)) {
		logmsg(LOG_WARNING, "%s is not installed: the output was not checked by it",
		       checker_name(format));
		return 0;
	}
	if (!mkdtemp(dir)) {
		logmsg(LOG_ERR, "cannot make a directory for the check (%s): %m", dir);
		goto out;
	}
	rc = write_check_files(format, dir, part, nparts, main_conf, main_path, sizeof main_path);
	if (rc != 0) {
		if (rc < 0)
			logmsg(LOG_ERR, "cannot write files for the check in %s: %m", dir);
		goto out;
	}
	/* Never with -q: dhcpd would hide the reason (and Cobbler restarts anyway). */
	if (format == FORMAT_ISC || format == FORMAT_ISC6) {
		char *isc[] = { prog, "-t", format == FORMAT_ISC ? "-4" : "-6", "-cf", main_path, NULL };
		memcpy(argv, isc, sizeof isc);
	} else if (format == FORMAT_KEA || format == FORMAT_KEA6) {
		char *kea[] = { prog, "-t", main_path, NULL };
		memcpy(argv, kea, sizeof kea);
	} else {
		char *dns[] = { prog, "--test", conf_arg, NULL };
		snprintf(conf_arg, sizeof conf_arg, "--conf-file=%s", main_path);
		memcpy(argv, dns, sizeof dns);
	}
	rc = run(argv, &said);
	if (rc < 0) {
		logmsg(LOG_ERR, "cannot run %s: %m", prog);
	} else if (rc != 0) {
		/* Its messages name the copies: say the real names. The
		 * main file's copy keeps the admin's line numbers. */
		for (size_t i = 0; i < nparts; i++) {
			char frag[PATH_MAX];

			frag_name(dir, i, nparts, frag, sizeof frag);
			replace_all(&said, frag, part[i].path);
		}
		if (main_conf && format != FORMAT_DNSMASQ)
			replace_all(&said, main_path, main_conf);
		logmsg(LOG_ERR, "%s rejected the generated file, nothing was replaced. It said:\n%s",
		       prog, sb_str(&said));
		for (size_t i = 0; i < nparts && main_conf && format != FORMAT_DNSMASQ; i++)
			logmsg(LOG_ERR, "  (checked inside %s, the new %s in place of its include)",
			       main_conf, part[i].path);
		if (main_conf && (format == FORMAT_KEA || format == FORMAT_KEA6) && !part[0].list &&
		    (strstr(sb_str(&said), "client-classes") || strstr(sb_str(&said), "subnet")))
			logmsg(LOG_ERR, "  (when %s has its own client-classes or %s list, --kea-lists"
			       " writes pieces for inside them: pxe-dhcpgen(8))",
			       main_conf, kea_subnet_list(format));
		rc = 1;
	} else if (!quiet) {
		logmsg(LOG_INFO, "checked with %s%s%s", prog, main_conf ? " inside " : "",
		       main_conf ? main_conf : "");
	}
out:
	snprintf(main_path, sizeof main_path, "%s/main", dir);
	unlink(main_path);
	for (size_t i = 0; i < nparts; i++) {
		frag_name(dir, i, nparts, main_path, sizeof main_path);
		unlink(main_path);
	}
	rmdir(dir);
	sb_free(&said);
	return rc < 0 ? -1 : rc;
}

static int diff_one(const char *old, const char *label, const struct strbuf *text)
{
	char tmp[] = "/tmp/pxe-dhcpgen-new.XXXXXX";
	char label_old[PATH_MAX + 8], label_new[PATH_MAX + 8];
	int fd = mkstemp(tmp), rc;

	if (fd < 0)
		return -1;
	close(fd);
	if (write_file(tmp, sb_str(text), text->len, 0600) < 0) {
		unlink(tmp);
		return -1;
	}
	snprintf(label_old, sizeof label_old, "%s", label);
	snprintf(label_new, sizeof label_new, "%s (new)", label);
	fflush(stdout);
	rc = run((char *[]){ "diff", "-u", "--label", label_old, "--label", label_new,
			     (char *)old, tmp, NULL }, NULL);
	unlink(tmp);
	return rc == 0 || rc == 1 ? 0 : -1;
}

int show_diff(const struct plan *plan)
{
	struct strbuf empty = STRBUF_INIT;
	int status = 0;

	for (size_t i = 0; i < plan->n; i++) {
		const struct output *o = &plan->out[i];

		if (!o->same && diff_one(o->exists ? o->path : "/dev/null", o->path, &o->text) < 0)
			status = -1;
	}
	for (size_t i = 0; i < plan->old.n; i++) {
		const char *path = plan->old.entry[i].path;

		if (is_stale(plan, &plan->old.entry[i]) && access(path, F_OK) == 0 &&
		    diff_one(path, path, &empty) < 0)
			status = -1;
	}
	return status;
}

/* ---- putting files in place --------------------------------------- */

static int open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
}

/* The directory reldir under the root (rootfd), made as needed with
 * mode 0755 whatever the umask. No symlink is followed on the way: a
 * symlinked directory inside the TFTP root would have the files written
 * wherever it points (ELOOP instead). */
static int open_dir(int rootfd, const char *reldir, bool create)
{
	char comp[PATH_MAX];
	const char *p = reldir;
	int fd, next;

	fd = open_beneath(rootfd, *reldir ? reldir : ".", O_RDONLY | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if ((fd = dup(rootfd)) < 0)
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n >= sizeof comp) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n + (p[n] == '/');
		if (n == 0)
			continue;
		if (mkdirat(fd, comp, 0755) == 0)
			fchmodat(fd, comp, 0755, 0);
		else if (errno != EEXIST)
			goto fail;
		next = open_beneath(fd, comp, O_RDONLY | O_DIRECTORY);
		if (next < 0)
			goto fail;
		close(fd);
		fd = next;
	}
	return fd;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

/* The directories of an absolute path outside the TFTP root (the DHCP
 * file's, the manifest's), 0755 whatever the umask. */
static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];

	if ((size_t)snprintf(buf, sizeof buf, "%s/", dir) >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) == 0)
			chmod(buf, 0755);
		else if (errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static void dirs_close(struct dirs *d)
{
	if (d->cached_fd >= 0)
		close(d->cached_fd);
	free(d->cached);
	d->cached = NULL;
	d->cached_fd = -1;
	for (size_t i = 0; i < d->ndevs; i++)
		close(d->dev_fd[i]);
	d->ndevs = 0;
}

/* Splits path (absolute, or relative to the root) into its directory's
 * descriptor and *base. */
static int dir_of(struct dirs *d, const char *path, bool create, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	char dir[PATH_MAX];
	int fd;

	*base = slash ? slash + 1 : path;
	if (dlen >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	if (d->cached && strcmp(d->cached, dir) == 0)
		return d->cached_fd;
	if (d->rootfd >= 0) {
		fd = open_dir(d->rootfd, dir, create);
	} else {
		fd = open(dlen ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create && mkdir_p(dir) == 0)
			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	if (d->cached_fd >= 0)
		close(d->cached_fd);
	free(d->cached);
	d->cached = strdup(dir);
	d->cached_fd = fd;
	if (!d->cached) {
		close(fd);
		d->cached_fd = -1;
		errno = ENOMEM;
		return -1;
	}
	return fd;
}

static void remember_fs(struct dirs *d, int dirfd)
{
	struct stat st;

	if (fstat(dirfd, &st) < 0)
		return;
	for (size_t i = 0; i < d->ndevs; i++)
		if (d->devs[i] == st.st_dev)
			return;
	if (d->ndevs < sizeof d->devs / sizeof d->devs[0]) {
		d->dev_fd[d->ndevs] = dup(dirfd);
		if (d->dev_fd[d->ndevs] >= 0)
			d->devs[d->ndevs++] = st.st_dev;
	}
}

static mode_t process_umask(void)
{
	static mode_t mask = (mode_t)-1;

	if (mask == (mode_t)-1) {
		mask = umask(0);
		umask(mask);
	}
	return mask;
}

/* ".NAME.pxekit-tmp.PID": beside its target, so rename(2) is atomic;
 * the PID keeps two runs apart, the mark lets a later run remove what
 * a killed one left. */
static long run_pid;	/* set before any thread starts: not a system call a file */

static void tmp_name(const char *base, char *out, size_t len)
{
	if (!run_pid)
		run_pid = (long)getpid();
	snprintf(out, len, ".%s" TMP_MARK ".%ld", base, run_pid);
}

/* Writes o's text to its temporary file, mode 0644 (or, for a DHCP file
 * that exists, the mode and group it has), whatever the umask. Only the
 * DHCP file is fsync'ed here; the loader files get one syncfs each file
 * system before any is renamed. */
static int write_tmp(struct dirs *d, const struct output *o, const char *rel)
{
	char tmp[NAME_MAX + 32];
	const char *base;
	struct stat old;
	bool keep = !o->tracked && o->exists && stat(o->path, &old) == 0;
	int dirfd = dir_of(d, rel, true, &base), fd;
	int saved;

	if (dirfd < 0)
		return -1;
	tmp_name(base, tmp, sizeof tmp);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST) {	/* a killed run of the same PID */
		unlinkat(dirfd, tmp, 0);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0)
		return -1;
	if (keep && fchown(fd, (uid_t)-1, old.st_gid) < 0)
		logmsg(LOG_WARNING, "%s: cannot keep its group %u: %m", o->path,
		       (unsigned)old.st_gid);
	/* fchmod only when the umask took bits from 0644 (or the mode is
	 * the old file's): one system call less for each of 4 * 10^5 files. */
	if (((keep || (process_umask() & 0644)) && fchmod(fd, keep ? old.st_mode & 07777 : 0644) < 0) ||
	    write_all(fd, sb_str(&o->text), o->text.len) < 0 ||
	    (!o->tracked && fsync(fd) < 0))
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (o->tracked)
		remember_fs(d, dirfd);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

static int rename_tmp(struct dirs *d, struct output *o, const char *rel)
{
	char tmp[NAME_MAX + 32];
	const char *base;
	struct stat st;
	int dirfd = dir_of(d, rel, false, &base), saved;

	if (dirfd < 0)
		return -1;
	tmp_name(base, tmp, sizeof tmp);
	if (renameat(dirfd, tmp, dirfd, base) < 0) {
		saved = errno;
		unlinkat(dirfd, tmp, 0);
		errno = saved;
		return -1;
	}
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		o->ino = (uint64_t)st.st_ino;
		o->size = (uint64_t)st.st_size;
		o->ctime_ns = ctime_ns(&st);
	}
	return 0;
}

/* Removes the temporary files a killed run left in dirfd (the
 * directory of beside). */
static void sweep_tmp(int dirfd, const char *beside)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.' || !strstr(de->d_name, TMP_MARK))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			logmsg(LOG_INFO, "removed %s beside %s, left by an interrupted run",
			       de->d_name, beside);
	}
	closedir(dir);
}

/* Relative to the TFTP root for tracked outputs, as given otherwise. */
static const char *rel_of(const struct plan *plan, const char *path)
{
	size_t n = strlen(plan->tftproot);

	while (n > 1 && plan->tftproot[n - 1] == '/')
		n--;
	return in_root(plan, path) ? path + n + 1 : path;
}

/* Every directory an output goes to (and the manifest's), swept of the
 * temporary files a killed run left. */
static void sweep_all(struct plan *plan, struct dirs *tracked, struct dirs *other)
{
	char **swept = NULL;
	size_t nswept = 0;

	for (size_t i = 0; i <= plan->n; i++) {
		bool is_out = i < plan->n, done = false;
		const char *path = is_out ? plan->out[i].path : plan->manifest_path;
		struct dirs *d = is_out && plan->out[i].tracked ? tracked : other;
		const char *rel = d == tracked ? rel_of(plan, path) : path;
		const char *base;
		char **grown;
		int fd;

		fd = dir_of(d, rel, false, &base);
		if (fd < 0)
			continue;
		for (size_t k = nswept; k-- > 0 && !done;)
			done = strcmp(swept[k], d->cached) == 0 && (d == tracked) == (swept[k][0] != '/');
		if (done)
			continue;
		grown = reallocarray(swept, nswept + 1, sizeof *swept);
		if (!grown)
			break;
		swept = grown;
		swept[nswept] = strdup(d->cached);
		if (!swept[nswept])
			break;
		nswept++;
		sweep_tmp(fd, path);
	}
	for (size_t k = 0; k < nswept; k++)
		free(swept[k]);
	free(swept);
}

static void add_line(struct strbuf *sb, uint64_t hash, uint64_t ino, uint64_t size,
		     uint64_t ctime, const char *path)
{
	sb_addf(sb, "%016llx %llu %llu %llu %s\n", (unsigned long long)hash,
		(unsigned long long)ino, (unsigned long long)size, (unsigned long long)ctime, path);
}

static void add_entry(struct strbuf *sb, const struct manifest_entry *e)
{
	if (e->has_alt)	/* which of the two is on disk is not known */
		add_line(sb, e->hash, 0, 0, 0, e->path);
	else
		add_line(sb, e->hash, e->ino, e->size, e->ctime_ns, e->path);
	if (e->has_alt)
		add_line(sb, e->alt, 0, 0, 0, e->path);
}

/* The manifest text. intent: before anything is written, every file
 * the run may leave behind with every content it may have (old and
 * new). Otherwise what is on disk after the run. */
static void render_manifest(const struct plan *plan, bool intent, struct strbuf *sb)
{
	sb_add(sb, "# pxe-dhcpgen manifest: files it wrote, so it can remove those it no longer\n"
		   "# generates and never touch others. FNV-1a hash of the content, inode, size,\n"
		   "# ctime (ns) after writing, path.\n");
	if (intent)
		sb_add(sb, INTENT_LINE "\n");
	else if (plan->key)
		sb_addf(sb, KEY_LINE "%s\n", plan->key);
	for (size_t i = 0; i < plan->n; i++) {
		const struct output *o = &plan->out[i];

		if (!o->tracked && !(o->recorded && !in_root(plan, o->path)))
			continue;
		if (o->same || o->written) {
			add_line(sb, o->hash, o->ino, o->size, o->ctime_ns, o->path);
			continue;
		}
		/* To be written (intent), or its write failed: either
		 * content may be there. */
		add_line(sb, o->hash, 0, 0, 0, o->path);
		if (o->was && !o->was->dropped) {
			add_line(sb, o->was->hash, 0, 0, 0, o->path);
			if (o->was->has_alt)
				add_line(sb, o->was->alt, 0, 0, 0, o->path);
		}
	}
	for (size_t i = 0; i < plan->old.n; i++) {
		const struct manifest_entry *e = &plan->old.entry[i];

		if (e->seen || e->dropped)
			continue;
		/* Not generated by this run: kept until removed (intent),
		 * then kept when it is not this run's to remove or its
		 * removal failed (removed entries are marked dropped). */
		if (intent || !is_stale(plan, e) || !e->dropped)
			add_entry(sb, e);
	}
}

static int save_manifest(struct plan *plan, bool intent)
{
	struct output o = { .path = (char *)plan->manifest_path, .exists = true };
	struct dirs d = { .rootfd = -1, .cached_fd = -1 };
	int rc;

	render_manifest(plan, intent, &o.text);
	rc = o.text.oom ? -1 : 0;
	if (rc == 0 && (rc = write_tmp(&d, &o, o.path)) == 0)
		rc = rename_tmp(&d, &o, o.path);
	if (rc < 0)
		logmsg(LOG_ERR, "cannot write the manifest %s: %m", plan->manifest_path);
	dirs_close(&d);
	sb_free(&o.text);
	return rc;
}

/* Removes a file this run no longer generates, unless edited by hand. */
static int remove_one(struct dirs *d, struct manifest_entry *e, const char *rel,
		      struct strbuf *cur)
{
	const char *base;
	int dirfd = dir_of(d, rel, false, &base), fd;

	if (dirfd < 0)
		return errno == ENOENT ? 1 : -1;
	fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	close(fd);
	if (read_text_file(e->path, O_NOFOLLOW, MAX_FILE, cur) < 0)
		return errno == ENOENT ? 1 : -1;
	if (!entry_accepts(e, content_hash(cur->buf, cur->len))) {
		logmsg(LOG_WARNING, "%s is no longer generated but was edited by hand: left in place",
		       e->path);
		return 1;
	}
	return unlinkat(dirfd, base, 0) < 0 ? -1 : 0;
}

static void remove_stale(struct plan *plan, struct dirs *tracked, struct dirs *other)
{
	struct strbuf cur = STRBUF_INIT;

	for (size_t i = 0; i < plan->old.n; i++) {
		struct manifest_entry *e = &plan->old.entry[i];
		bool root = in_root(plan, e->path);
		int rc;

		if (!is_stale(plan, e))
			continue;
		rc = remove_one(root ? tracked : other, e, root ? rel_of(plan, e->path) : e->path, &cur);
		if (rc < 0) {
			logmsg(LOG_ERR, "cannot remove %s: %m", e->path);
			plan->key = NULL;	/* the next run must look again */
			continue;	/* still ours: kept in the manifest */
		}
		if (rc == 0)
			plan->removed++;
		e->dropped = true;
	}
	sb_free(&cur);
}

int manifest_lock(const char *manifest_path)
{
	char path[PATH_MAX];
	const char *slash = strrchr(manifest_path, '/');
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s.lock", manifest_path) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Its directory may not exist yet (/var/lib/pxekit). */
	if (slash && slash != manifest_path) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof dir, "%.*s", (int)(slash - manifest_path), manifest_path);
		if (mkdir_p(dir) < 0)
			return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			close(fd);
			return -1;
		}
		logmsg(LOG_INFO, "waiting for another pxe-dhcpgen run (it holds %s)", path);
		if (flock(fd, LOCK_EX) < 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void write_share(struct share *sh)
{
	struct plan *plan = sh->plan;

	for (size_t i = sh->from; i < sh->to; i++) {
		struct output *o = &plan->out[i];

		if (o->same)
			continue;
		if (write_tmp(o->tracked ? sh->tracked : sh->other, o,
			      o->tracked ? rel_of(plan, o->path) : o->path) < 0) {
			logmsg(LOG_ERR, "cannot write %s: %s", o->path,
			       errno == ELOOP ? "a directory on its way is a symlink" : strerror(errno));
			o->failed = true;
			sh->status = -1;
		}
	}
}

static void rename_share(struct share *sh)
{
	struct plan *plan = sh->plan;

	for (size_t i = sh->from; i < sh->to; i++) {
		struct output *o = &plan->out[i];

		if (o->same || o->failed)
			continue;
		if (rename_tmp(o->tracked ? sh->tracked : sh->other, o,
			       o->tracked ? rel_of(plan, o->path) : o->path) < 0) {
			logmsg(LOG_ERR, "cannot write %s: %m", o->path);
			o->failed = true;
			sh->status = -1;
			continue;
		}
		o->written = true;
		sh->n++;
	}
}

/* Every changed output to its temporary file, one syncfs for each file
 * system, then every rename: contents on disk before any name points at
 * them. tracked and other are share 0's caches (its rootfd is every
 * share's). Returns -1 when a file failed (marked failed). */
static int write_all_outputs(struct plan *plan, struct dirs *tracked, struct dirs *other)
{
	struct dirs d[2 * SHARES_MAX];
	struct share sh[SHARES_MAX];
	size_t k;
	int status = 0;

	/* Both read once, before any thread: umask(2) also sets the mask. */
	(void)process_umask();
	run_pid = (long)getpid();
	for (size_t i = 0; i < SHARES_MAX; i++) {
		d[2 * i] = (struct dirs){ .rootfd = tracked->rootfd, .cached_fd = -1 };
		d[2 * i + 1] = (struct dirs){ .rootfd = -1, .cached_fd = -1 };
		sh[i].tracked = i ? &d[2 * i] : tracked;
		sh[i].other = i ? &d[2 * i + 1] : other;
	}
	k = run_shares(plan, plan->n, write_share, sh);
	for (size_t i = 0; i < k; i++) {
		status |= sh[i].status;
		for (size_t j = 0; j < sh[i].tracked->ndevs; j++)
			if (syncfs(sh[i].tracked->dev_fd[j]) < 0)
				logmsg(LOG_WARNING, "syncfs: %m");
	}
	k = run_shares(plan, plan->n, rename_share, sh);
	for (size_t i = 0; i < k; i++) {
		status |= sh[i].status;
		plan->written += sh[i].n;
	}
	for (size_t i = 1; i < SHARES_MAX; i++) {
		dirs_close(&d[2 * i]);
		dirs_close(&d[2 * i + 1]);
	}
	return status;
}

int apply_plan(struct plan *plan)
{
	struct dirs tracked = { .cached_fd = -1 }, other = { .rootfd = -1, .cached_fd = -1 };
	bool changes = false;
	int status = 0;

	for (size_t i = 0; i < plan->n; i++)
		changes |= !plan->out[i].same;
	for (size_t i = 0; i < plan->old.n && !changes; i++)
		changes |= is_stale(plan, &plan->old.entry[i]);
	tracked.rootfd = open(plan->tftproot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tracked.rootfd < 0 && errno == ENOENT && changes) {
		if (mkdir(plan->tftproot, 0755) == 0)
			chmod(plan->tftproot, 0755);
		tracked.rootfd = open(plan->tftproot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (tracked.rootfd < 0 && changes) {
		logmsg(LOG_ERR, "%s: %m", plan->tftproot);
		return -1;
	}
	if (plan->old.interrupted && tracked.rootfd >= 0)
		sweep_all(plan, &tracked, &other);
	if (!changes) {
		plan->unchanged = (unsigned)plan->n;
		if (!plan->restat && !plan->old.interrupted &&
		    (!plan->key || strcmp(plan->key, plan->old.key) == 0))
			goto out;	/* the manifest on disk says it all */
		goto manifest;
	}
	if (save_manifest(plan, true) < 0)
		goto out;
	status = write_all_outputs(plan, &tracked, &other);
	for (size_t i = 0; i < plan->n; i++)
		plan->unchanged += plan->out[i].same;
	remove_stale(plan, &tracked, &other);
manifest:
	if (status < 0)
		plan->key = NULL;	/* a file failed: the next run renders all */
	if (save_manifest(plan, false) < 0)
		status = -1;
out:
	dirs_close(&tracked);
	dirs_close(&other);
	if (tracked.rootfd >= 0)
		close(tracked.rootfd);
	return status;
}

/* For checkers kept in files of their own (nginx, emit_nginx.c). */
int output_run(char *const argv[], struct strbuf *captured)
{
	return run(argv, captured);
}

bool output_find_program(const char *name, char *out, size_t len)
{
	return find_program(name, out, len);
}
