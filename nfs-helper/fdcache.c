#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdcache.h"

#define NONE UINT32_MAX

struct fdcache {
	struct fdcache_entry *e;
	unsigned cap;		/* entries: one descriptor each at least */
	unsigned *bucket;
	unsigned nbuckets;	/* a power of two */
	unsigned head, tail;	/* LRU list: head is the most recent */
	unsigned free_list;	/* through .next */
	unsigned fds, max_fds;
};

static uint32_t key_hash(const unsigned char *key, size_t len)
{
	uint32_t h = 2166136261u;

	/* FNV-1a over the end of the key: a wire handle ends in its MAC. */
	for (size_t i = len > 16 ? len - 16 : 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

struct fdcache *fdcache_new(unsigned max_fds)
{
	struct fdcache *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	if (max_fds < 4)
		max_fds = 4;
	c->max_fds = max_fds;
	c->cap = max_fds;
	for (c->nbuckets = 16; c->nbuckets < c->cap; c->nbuckets *= 2)
		;
	c->e = calloc(c->cap, sizeof *c->e);
	c->bucket = malloc(c->nbuckets * sizeof *c->bucket);
	if (c->e == NULL || c->bucket == NULL) {
		fdcache_free(c);
		return NULL;
	}
	for (unsigned i = 0; i < c->nbuckets; i++)
		c->bucket[i] = NONE;
	for (unsigned i = 0; i < c->cap; i++)
		c->e[i].next = i + 1 < c->cap ? i + 1 : NONE;
	c->free_list = 0;
	c->head = c->tail = NONE;
	return c;
}

static unsigned index_of(const struct fdcache *c, const struct fdcache_entry *e)
{
	return (unsigned)(e - c->e);
}

static void lru_unlink(struct fdcache *c, unsigned i)
{
	struct fdcache_entry *e = &c->e[i];

	if (e->prev != NONE)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NONE)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void lru_push_front(struct fdcache *c, unsigned i)
{
	struct fdcache_entry *e = &c->e[i];

	e->prev = NONE;
	e->next = c->head;
	if (c->head != NONE)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == NONE)
		c->tail = i;
}

static void chain_unlink(struct fdcache *c, unsigned i)
{
	unsigned *p = &c->bucket[key_hash(c->e[i].key, c->e[i].key_len) & (c->nbuckets - 1)];

	while (*p != NONE && *p != i)
		p = &c->e[*p].chain;
	if (*p == i)
		*p = c->e[i].chain;
}

static void release(struct fdcache *c, unsigned i)
{
	struct fdcache_entry *e = &c->e[i];

	close(e->path_fd);
	c->fds--;
	if (e->read_fd >= 0) {
		close(e->read_fd);
		c->fds--;
	}
	chain_unlink(c, i);
	lru_unlink(c, i);
	e->used = false;
	e->next = c->free_list;
	c->free_list = i;
}

void fdcache_remove(struct fdcache *c, struct fdcache_entry *e)
{
	if (e != NULL && e->used)
		release(c, index_of(c, e));
}

/* Closes from the least recent end until at most keep descriptors are
 * held, never the entry spare (NONE: any). */
static unsigned evict(struct fdcache *c, unsigned keep, unsigned spare)
{
	unsigned closed = 0;

	for (unsigned i = c->tail; c->fds > keep && i != NONE;) {
		unsigned prev = c->e[i].prev;

		if (i != spare) {
			closed += c->e[i].read_fd >= 0 ? 2 : 1;
			release(c, i);
		}
		i = prev;
	}
	return closed;
}

unsigned fdcache_shrink(struct fdcache *c, unsigned keep, const struct fdcache_entry *spare)
{
	return evict(c, keep, spare ? index_of(c, spare) : NONE);
}

struct fdcache_entry *fdcache_get(struct fdcache *c, const void *key, size_t len)
{
	unsigned i = c->bucket[key_hash(key, len) & (c->nbuckets - 1)];

	for (; i != NONE; i = c->e[i].chain) {
		struct fdcache_entry *e = &c->e[i];

		if (e->key_len == len && memcmp(e->key, key, len) == 0) {
			lru_unlink(c, i);
			lru_push_front(c, i);
			return e;
		}
	}
	return NULL;
}

struct fdcache_entry *fdcache_put(struct fdcache *c, const void *key, size_t len,
				  int path_fd, unsigned tag)
{
	struct fdcache_entry *e;
	unsigned i, b;

	if (len > FDCACHE_KEY_MAX) {
		close(path_fd);
		return NULL;
	}
	e = fdcache_get(c, key, len);
	if (e != NULL)
		release(c, index_of(c, e));
	evict(c, c->max_fds - 1, NONE);
	if (c->free_list == NONE)	/* cannot be: an entry holds a descriptor */
		evict(c, 0, NONE);
	i = c->free_list;
	e = &c->e[i];
	c->free_list = e->next;
	memcpy(e->key, key, len);
	e->key_len = len;
	e->path_fd = path_fd;
	e->read_fd = -1;
	e->tag = tag;
	e->used = true;
	b = key_hash(key, len) & (c->nbuckets - 1);
	e->chain = c->bucket[b];
	c->bucket[b] = i;
	lru_push_front(c, i);
	c->fds++;
	return e;
}

void fdcache_set_read_fd(struct fdcache *c, struct fdcache_entry *e, int fd)
{
	if (e->read_fd >= 0) {
		close(e->read_fd);
		c->fds--;
	}
	e->read_fd = fd;
	if (fd < 0)
		return;
	c->fds++;
	evict(c, c->max_fds, index_of(c, e));
}

void fdcache_drop_other_tags(struct fdcache *c, unsigned tag)
{
	for (unsigned i = c->head; i != NONE;) {
		unsigned next = c->e[i].next;

		if (c->e[i].tag != tag || tag == ~0u)
			release(c, i);
		i = next;
	}
}

unsigned fdcache_fds(const struct fdcache *c)
{
	return c->fds;
}

unsigned fdcache_max_fds(const struct fdcache *c)
{
	return c->max_fds;
}

void fdcache_free(struct fdcache *c)
{
	if (c == NULL)
		return;
	if (c->e && c->bucket)
		fdcache_drop_other_tags(c, ~0u);
	free(c->e);
	free(c->bucket);
	free(c);
}
