/* Putting rendered files in place safely: validation by the DHCP server's
 * own checker, refusal to touch files pxe-dhcpgen did not write, a
 * manifest of the TFTP-root files it did write, diffs, and atomic
 * replacement that leaves unchanged files (and their mtimes) alone. */
#ifndef PXEKIT_OUTPUT_H
#define PXEKIT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "emit.h"

struct output {
	char *path;			/* absolute */
	const struct strbuf *text;
	bool tracked;			/* listed in the manifest (TFTP-root files) */
	bool exists, same;		/* filled in by plan_outputs */
};

struct manifest_entry {
	char *path;
	uint64_t hash;
};

struct manifest {
	size_t n;
	struct manifest_entry *entry;
};

struct plan {
	size_t n;
	struct output *out;
	struct manifest old;
	const char *manifest_path;
	bool no_loaders;		/* --no-loaders: the loader files are left as they are */
	unsigned written, unchanged, removed;
};

uint64_t content_hash(const char *data, size_t len);

/* Reads the manifest; a missing file is an empty manifest. */
int manifest_load(const char *path, struct manifest *m);
void manifest_free(struct manifest *m);

/* Compares every output with what is on disk and refuses (with a message
 * per file) to replace a file that pxe-dhcpgen did not write. */
int plan_outputs(struct plan *plan);

/* Runs the checker on text: format's server in test mode. checker may be
 * NULL (looked up in PATH). Returns 0 when it passed or none was found
 * (with a warning), 1 when it refused the file (its message is shown). */
int run_checker(enum dhcp_format format, const char *checker, const struct strbuf *text,
		bool quiet);

/* Prints diff -u of every change the plan would make. */
int show_diff(const struct plan *plan);

/* Writes changed files, removes stale ones, saves the manifest. */
int apply_plan(struct plan *plan);

#endif
