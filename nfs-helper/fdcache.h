/* The descriptors pxe-nfsd keeps open for the handles it saw lately, so
 * that a READ of a big file costs a fstat and a read, not an
 * open_by_handle_at each time. The cache counts the descriptors it holds
 * and never holds more than it was given: the least recently used entries
 * are closed first, and fdcache_shrink gives descriptors back when the
 * process runs out of them (EMFILE). No file system access here: entries
 * are keyed by the wire handle and hold what the caller opened. */
#ifndef PXEKIT_FDCACHE_H
#define PXEKIT_FDCACHE_H

#include <stdbool.h>
#include <stddef.h>

#define FDCACHE_KEY_MAX 64

struct fdcache_entry {
	unsigned char key[FDCACHE_KEY_MAX];
	size_t key_len;
	int path_fd;		/* O_PATH, always open */
	int read_fd;		/* O_RDONLY, -1 until fdcache_set_read_fd */
	unsigned tag;		/* the caller's: which export table it came from */
	/* private */
	unsigned prev, next;	/* LRU list, most recent first */
	unsigned chain;		/* hash chain */
	bool used;
};

struct fdcache;

/* A cache that holds at most max_fds descriptors (at least 4). */
struct fdcache *fdcache_new(unsigned max_fds);
void fdcache_free(struct fdcache *c);

/* The entry of this key, made the most recent; NULL if none. */
struct fdcache_entry *fdcache_get(struct fdcache *c, const void *key, size_t len);

/* Takes path_fd for a new entry of this key (replacing an old one),
 * closing the least recently used entries to stay within the limit. The
 * entry is valid until the next call that adds descriptors. NULL (and
 * path_fd closed) if the key is too long. */
struct fdcache_entry *fdcache_put(struct fdcache *c, const void *key, size_t len,
				  int path_fd, unsigned tag);

/* Takes fd as the entry's read descriptor; other entries may be closed
 * to make room, never this one. */
void fdcache_set_read_fd(struct fdcache *c, struct fdcache_entry *e, int fd);

/* Closes and forgets one entry. */
void fdcache_remove(struct fdcache *c, struct fdcache_entry *e);

/* Closes least recently used entries until at most keep descriptors are
 * held, never spare (may be NULL); returns how many were closed. */
unsigned fdcache_shrink(struct fdcache *c, unsigned keep, const struct fdcache_entry *spare);

/* Closes every entry whose tag differs from tag (all with tag ~0u). */
void fdcache_drop_other_tags(struct fdcache *c, unsigned tag);

/* Descriptors held now, and the limit. */
unsigned fdcache_fds(const struct fdcache *c);
unsigned fdcache_max_fds(const struct fdcache *c);

#endif
