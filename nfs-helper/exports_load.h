/* Reading the exports as the daemons and pxe-exportfs see them: the file,
 * then FILE.d/ *.exports in sorted order (nfs-utils reads /etc/exports.d),
 * each export path made canonical (symlinks resolved, as knfsd exports the
 * directory and not its spelling) and each host name looked up. */
#ifndef PXEKIT_EXPORTS_LOAD_H
#define PXEKIT_EXPORTS_LOAD_H

#include "exports.h"
#include "strbuf.h"

#define EXPORTS_FILE_MAX (1u << 20)

/* The table, or NULL if any file has an error. Diagnostics go to diag as
 * "FILE:LINE: message" lines: errors, and warnings for paths that do not
 * exist or are not directories, paths that changed when made canonical,
 * and host names that do not resolve. Name look-ups block: this runs at
 * start and on SIGHUP, never for a request. */
struct exports *exports_load(const char *file, struct strbuf *diag);

/* The drop-in directory of an exports file: FILE.d (/etc/exports.d). */
void exports_dropin_dir(const char *file, char *out, size_t len);

#endif
