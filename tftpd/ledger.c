#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "ledger.h"

#define NONE UINT32_MAX

struct ledger_entry {
	uint8_t addr[16];
	uint64_t cost;
	uint32_t gen;		/* changes at every end: an old ticket is void */
	uint32_t next_free;
	uint16_t owner;
	bool used;
};

struct ledger_client {
	uint8_t addr[16];
	uint32_t count;		/* 0: the slot is empty */
};

/* IPv4 as its IPv4-mapped IPv6 address, so a client is one client
 * whichever socket family its requests came in on. */
static void addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static uint32_t addr_hash(const struct ledger *l, const uint8_t key[16])
{
	return (uint32_t)siphash24(l->key, key, 16);
}

static uint32_t client_find(const struct ledger *l, const uint8_t key[16])
{
	uint32_t mask = l->ccap - 1, i = addr_hash(l, key) & mask;

	while (l->clients[i].count != 0 && memcmp(l->clients[i].addr, key, 16) != 0)
		i = (i + 1) & mask;
	return i;
}

static int clients_grow(struct ledger *l)
{
	uint32_t ncap = l->ccap ? 2 * l->ccap : 64;
	struct ledger_client *old = l->clients, *n = calloc(ncap, sizeof(*n));
	uint32_t ocap = l->ccap;

	if (n == NULL)
		return -1;
	l->clients = n;
	l->ccap = ncap;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i].count != 0)
			l->clients[client_find(l, old[i].addr)] = old[i];
	free(old);
	return 0;
}

/* Empties slot i, moving later members of its probe run back into the
 * hole, so lookups never need tombstones. */
static void client_remove(struct ledger *l, uint32_t i)
{
	uint32_t mask = l->ccap - 1, j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & mask;
		if (l->clients[j].count == 0)
			break;
		k = addr_hash(l, l->clients[j].addr) & mask;
		/* j stays if its home k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		l->clients[i] = l->clients[j];
		i = j;
	}
	l->clients[i].count = 0;
	l->nclients--;
}

static int entries_grow(struct ledger *l)
{
	uint32_t ncap = l->cap ? 2 * l->cap : 64;
	struct ledger_entry *n;

	if (ncap > LEDGER_MAX_ENTRIES)
		ncap = LEDGER_MAX_ENTRIES;
	if (ncap <= l->cap)
		return -1;
	n = realloc(l->entries, (size_t)ncap * sizeof(*n));
	if (n == NULL)
		return -1;
	l->entries = n;
	for (uint32_t i = l->cap; i < ncap; i++)
		n[i] = (struct ledger_entry){ .gen = 1, .next_free = i + 1 < ncap ? i + 1 : l->free_head };
	l->free_head = l->cap;
	l->cap = ncap;
	return 0;
}

void ledger_init(struct ledger *l, uint32_t per_client, uint64_t memory_limit,
		 const unsigned char key[SIPHASH_KEY_SIZE])
{
	*l = (struct ledger){ .per_client = per_client, .memory_limit = memory_limit,
			      .free_head = NONE };
	memcpy(l->key, key, SIPHASH_KEY_SIZE);
}

void ledger_free(struct ledger *l)
{
	unsigned char key[SIPHASH_KEY_SIZE];

	free(l->entries);
	free(l->clients);
	memcpy(key, l->key, sizeof(key));
	ledger_init(l, l->per_client, l->memory_limit, key);
}

uint32_t ledger_client_active(const struct ledger *l, const struct sockaddr *client)
{
	uint8_t key[16];

	if (l->ccap == 0)
		return 0;
	addr_key(client, key);
	return l->clients[client_find(l, key)].count;
}

enum ledger_verdict ledger_admit(struct ledger *l, const struct sockaddr *client, uint64_t cost,
				 unsigned owner, uint64_t *ticket)
{
	struct ledger_entry *e;
	uint8_t key[16];
	uint32_t c, idx;

	if (owner >= LEDGER_MAX_OWNERS)
		return LEDGER_NO_ROOM;
	if (l->per_client != 0 && ledger_client_active(l, client) >= l->per_client)
		return LEDGER_CLIENT_FULL;
	if (!budget_admit(l->in_use, cost, l->memory_limit))
		return LEDGER_MEMORY_FULL;
	if (l->free_head == NONE && entries_grow(l) < 0)
		return LEDGER_NO_ROOM;
	if ((l->nclients + 1) * 2 > l->ccap && clients_grow(l) < 0)
		return LEDGER_NO_ROOM;
	addr_key(client, key);
	c = client_find(l, key);
	if (l->clients[c].count == 0) {
		memcpy(l->clients[c].addr, key, 16);
		l->nclients++;
	}
	l->clients[c].count++;
	idx = l->free_head;
	e = &l->entries[idx];
	l->free_head = e->next_free;
	memcpy(e->addr, key, 16);
	e->cost = cost;
	e->owner = (uint16_t)owner;
	e->used = true;
	l->nentries++;
	l->in_use += cost;
	l->active[owner]++;
	*ticket = (uint64_t)e->gen << 32 | idx;
	return LEDGER_ADMITTED;
}

static void entry_end(struct ledger *l, uint32_t idx)
{
	struct ledger_entry *e = &l->entries[idx];
	uint32_t c = client_find(l, e->addr);

	if (l->clients[c].count != 0 && --l->clients[c].count == 0)
		client_remove(l, c);
	l->in_use -= e->cost;
	l->active[e->owner]--;
	l->nentries--;
	e->used = false;
	e->gen = e->gen + 1 ? e->gen + 1 : 1;
	e->next_free = l->free_head;
	l->free_head = idx;
}

bool ledger_end(struct ledger *l, uint64_t ticket, unsigned owner)
{
	uint32_t idx = (uint32_t)ticket, gen = (uint32_t)(ticket >> 32);

	if (idx >= l->cap || !l->entries[idx].used || l->entries[idx].gen != gen ||
	    l->entries[idx].owner != owner)
		return false;
	entry_end(l, idx);
	return true;
}

void ledger_end_owner(struct ledger *l, unsigned owner)
{
	for (uint32_t i = 0; i < l->cap && l->active[owner % LEDGER_MAX_OWNERS] > 0; i++)
		if (l->entries[i].used && l->entries[i].owner == owner)
			entry_end(l, i);
}
