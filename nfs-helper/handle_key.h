/* The file holding the key that signs file handles, shared by pxe-mountd
 * (which hands handles out) and pxe-nfsd (which checks them). */
#ifndef PXEKIT_NFS_HANDLE_KEY_H
#define PXEKIT_NFS_HANDLE_KEY_H

#include <stdbool.h>

#include "fhandle.h"

/* Creates (with the directories above it) or reads the 16-byte key,
 * mode 0600; exits on any error, as the daemons cannot serve without. */
void load_key(const char *path, struct fh_key *key);

/* The key file no longer holds this key (it was replaced since). */
bool key_file_changed(const char *path, const struct fh_key *key);

#endif
