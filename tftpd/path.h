/* Which directory a requested name is served from, and the name relative
 * to it. Pure string policy; the open itself (openat2 with RESOLVE_IN_ROOT
 * or RESOLVE_BENEATH) is what keeps symlinks and ".." inside. */
#ifndef TFTPD_PATH_H
#define TFTPD_PATH_H

#include <stdbool.h>
#include <stddef.h>

struct path_policy {
	bool secure;		/* -s: one root, names relative to it */
	size_t ndirs;		/* without -s: allowed directories, absolute */
	char *const *dirs;
};

/* Returns 0 with *dir (index into dirs; 0 with -s or no dirs) and *rel
 * (pointing into name, never starting with '/'), or a TFTP error code
 * with tftpd-hpa's message in *errmsg. */
int path_resolve(const struct path_policy *pol, const char *name, size_t *dir,
		 const char **rel, const char **errmsg);

/* True if name has a ".." component. */
bool path_has_dotdot(const char *name);

#endif
