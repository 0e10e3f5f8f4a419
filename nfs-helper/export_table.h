/* The exports in force, with an open descriptor per export, and the
 * access decision for a caller: the one place a refusal is logged, as
 * nfs-utils' auth.c. */
#ifndef PXEKIT_NFS_EXPORT_TABLE_H
#define PXEKIT_NFS_EXPORT_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "access.h"
#include "exports.h"
#include "fhandle.h"
#include "isofs.h"

struct resolver;

struct export_state {
	const struct export *ex;
	int root_fd;		/* the exported directory, -1 if unusable */
	dev_t dev;
	ino_t ino;
	struct isofs *iso;	/* a regular file: an ISO image served as a tree */
};

struct export_table {
	struct exports *exports;
	struct export_state *st;
	size_t n;
	unsigned generation;	/* bumped by every reload */
};

/* Re-reads the exports (file and drop-ins); on any error keeps the
 * table it had. */
bool export_table_load(struct export_table *t, const char *file);
void export_table_free(struct export_table *t);
const struct export_state *export_table_fsid(const struct export_table *t, uint32_t fsid);

/* The handle of an open object, or false when it cannot be made (no
 * kernel handle, or one too long for NFSv3). */
bool fh_of_fd(int dirfd, const char *name, uint32_t fsid, struct fh *out);

/* Who asks: the caller's address, what it asks for (for the log), the
 * names of callers for wildcard clients. */
struct export_caller {
	const struct sockaddr *peer;
	const char *what;
	struct resolver *resolver;
};

/* The options that apply to this caller for this export (access.c's
 * decision), or NULL, the refusal logged. *pending: refused only while
 * the caller's name is being looked up (the request is best dropped, so
 * that the client retransmits). */
const struct export_options *export_decide(const struct export *e,
					   const struct export_caller *who, bool *pending);
/* Whether the caller may use the export, logging nothing and deciding
 * nothing: for choosing among exports that serve the same ISO bytes,
 * where a refusal by one is no refusal of the call. */
bool export_allows(const struct export *e, const struct export_caller *who);

#endif
