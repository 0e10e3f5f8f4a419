/* Putting rendered files in place safely: validation by the DHCP server's
 * own checker, refusal to touch files pxe-dhcpgen did not write, a
 * manifest of the files it did write (TFTP root, and the DHCP files so
 * a later run can take back those it no longer writes), diffs, and atomic
 * replacement that leaves unchanged files (and their mtimes) alone. */
#ifndef PXEKIT_OUTPUT_H
#define PXEKIT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "emit.h"

struct dirs;

struct output {
	char *path;			/* absolute; owned */
	struct strbuf text;		/* owned; freed once it is known unchanged */
	bool tracked;			/* listed in the manifest (TFTP-root files) */
	bool recorded;			/* a DHCP file: listed too when outside the
					 * TFTP root, so a later run can take it back */
	bool exists, same;		/* filled in by plan_outputs */
	bool written, failed;		/* filled in by apply_plan */
	uint64_t hash;			/* of text */
	uint64_t ino, size, ctime_ns;	/* stat after it was put in place */
	const struct manifest_entry *was;	/* its manifest entry, if any */
};

struct manifest_entry {
	char *path;			/* into the manifest's text */
	uint64_t key;			/* hash of path */
	uint64_t hash, alt;		/* alt: a second content it may have */
	bool has_alt;
	bool dropped;			/* a second line for a path listed before */
	bool seen;			/* generated again by this run */
	bool take_back;			/* outside the TFTP root: the caller says this
					 * run is to remove it (pxe-dhcpgen(8) FILES) */
	uint64_t ino, size, ctime_ns;	/* 0: unknown, read the file */
};

/* The hash of a path beside its entry's index: most probes of a table
 * of 4 * 10^5 paths are decided without touching the entry. */
struct manifest_slot {
	uint64_t key;
	size_t i;			/* SIZE_MAX: empty */
};

struct manifest {
	size_t n;
	struct manifest_entry *entry;
	size_t nslots;
	struct manifest_slot *slot;	/* index by path */
	struct strbuf text;
	bool interrupted;		/* written by a run that did not finish */
	uint64_t seen_as[3];		/* its inode, size, ctime when read */
	char key[65];			/* of the run that wrote it, or "" */
};

struct plan {
	size_t n;
	struct output *out;
	struct manifest old;
	const char *manifest_path;
	const char *tftproot;		/* stale files are removed under it only */
	bool no_loaders;		/* --no-loaders: the loader files are left as they are */
	bool restat;			/* a file was read: the manifest learns its stat */
	size_t cap;			/* of out */
	int status;			/* of plan_add so far */
	struct strbuf cur;		/* scratch */
	struct dirs *dirs;		/* the TFTP root's, while planning */
	const char *key;		/* recorded when the run succeeds (see main.c) */
	unsigned written, unchanged, removed;
	unsigned verified;		/* loader files proved unchanged by loaders_unchanged */
	struct verify *verify;		/* loaders_verify_start's, until it is joined */
	struct opener *opener;		/* plan_open's, until plan_opened */
};

uint64_t content_hash(const char *data, size_t len);

/* Serializes runs that share a manifest (flock on MANIFEST.lock, held
 * until exit): returns the descriptor or -1. */
int manifest_lock(const char *manifest_path);

/* Reads the manifest; a missing file is an empty manifest. */
int manifest_load(const char *path, struct manifest *m);
/* manifest_load in two steps: its lines, then the index by path (and a
 * path listed twice made one entry) that manifest_find needs for more
 * than a few look-ups (loaders_verify_start may run between them). */
int manifest_read(const char *path, struct manifest *m);
int manifest_index_entries(struct manifest *m);
void manifest_free(struct manifest *m);
struct manifest_entry *manifest_find(const struct manifest *m, const char *path);

/* plan_start, plan_add for each output (it takes o's path and text),
 * plan_finish: compares every output with what is on disk as it comes,
 * drops the text of those that will not change, and refuses (with a
 * message per file) to replace a file that pxe-dhcpgen did not write.
 * plan_finish returns -1 when anything was refused or failed. */
int plan_start(struct plan *plan);
/* manifest_read and plan_start on a thread, while the caller reads the
 * inventory; with verify, loaders_verify_start too. The caller takes
 * manifest_lock only once the inventory is good (a refused inventory
 * leaves nothing behind, not even the lock file), then plan_opened waits
 * for the thread and reads the manifest again if another run replaced
 * it in the meantime: 0, or -1 when it failed (and said why). Nothing
 * else may use the plan in between; after, manifest_index_entries
 * unless the loader files are kept (loaders_unchanged). */
int plan_open(struct plan *plan, bool verify);
int plan_opened(struct plan *plan);
void plan_add(struct plan *plan, struct output *o);
int plan_finish(struct plan *plan);
void plan_free(struct plan *plan);

/* One DHCP file of the run: the whole fragment (list NULL), or with
 * --kea-lists the members of the Kea list named list, for an
 * <?include?> inside the administrator's own list. */
struct dhcp_part {
	const char *path;
	const struct strbuf *text;
	const char *list;
};

/* Whether the manifest was written by a run with plan->key that
 * succeeded and every file it lists under the TFTP root still has the
 * stat recorded: then this run's loader files are those, unchanged, and
 * need not be rendered. Sets plan->verified. */
bool loaders_unchanged(struct plan *plan);
/* Starts what loaders_unchanged checks, on threads, after plan_start:
 * the stat of 3 * 10^5 files then takes no time of its own while the
 * inventory is read (its key is known only then). */
void loaders_verify_start(struct plan *plan);

/* Runs the checker on the parts: format's server in test mode. checker
 * may be NULL (looked up in PATH). main_conf, when not NULL, is the
 * server's real configuration: the parts are checked inside it, each in
 * place of its include (a whole fragment that is not included yet is
 * added; a list piece with members must be included already). Returns 0
 * when it passed or none was found (with a warning), 1 when it refused
 * the files (its message is shown, with the real file names). */
int run_checker(enum dhcp_format format, const char *checker, const struct dhcp_part *part,
		size_t nparts, const char *main_conf, bool quiet);

/* Prints diff -u of every change the plan would make. */
int show_diff(const struct plan *plan);

/* Writes changed files, removes stale ones, saves the manifest. */
int apply_plan(struct plan *plan);

/* For checkers kept in files of their own: runs argv (stdout and stderr
 * into captured when not NULL) and returns its exit status or -1; finds
 * name in PATH or the sbin directories. */
int output_run(char *const argv[], struct strbuf *captured);
bool output_find_program(const char *name, char *out, size_t len);

#endif
