/* The listening process's account of the transfers it has handed out:
 * for each, what it costs against --memory-limit, which client address
 * asked for it and which worker (or child) serves it. The listener is
 * the only one that writes it; a worker only names, by ticket, the
 * transfers it has ended, and a ticket it was not given, or gave back
 * already, changes nothing. So a worker can neither lower nor raise
 * what the others are charged, nor make the listener hold more than
 * the transfers it admitted itself. Pure bookkeeping, no I/O. */
#ifndef TFTPD_LEDGER_H
#define TFTPD_LEDGER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "siphash.h"

/* Owners are small numbers the caller chooses (a worker's entry), below
 * this. */
#define LEDGER_MAX_OWNERS 256
/* Transfers in flight at most, whatever the limits: each holds two
 * sockets and a file in its worker; a bound the listener's memory
 * keeps to (about 2.5 MiB at the most). */
#define LEDGER_MAX_ENTRIES 65536u

enum ledger_verdict {
	LEDGER_ADMITTED,
	LEDGER_CLIENT_FULL,	/* this address holds per_client already */
	LEDGER_MEMORY_FULL,	/* the cost would pass memory_limit */
	LEDGER_NO_ROOM,		/* LEDGER_MAX_ENTRIES, or out of memory */
};

struct ledger_entry;
struct ledger_client;

struct ledger {
	/* 0: no limit (either). */
	uint32_t per_client;
	uint64_t memory_limit;

	struct ledger_entry *entries;
	uint32_t nentries, cap, free_head;
	struct ledger_client *clients;	/* open addressing, linear probes */
	uint32_t nclients, ccap;	/* ccap: a power of two, or 0 */
	/* Clients choose their addresses: a secret key keeps them from
	 * choosing one long probe sequence. */
	unsigned char key[SIPHASH_KEY_SIZE];
	uint64_t in_use;
	uint32_t active[LEDGER_MAX_OWNERS];
};

void ledger_init(struct ledger *l, uint32_t per_client, uint64_t memory_limit,
		 const unsigned char key[SIPHASH_KEY_SIZE]);
void ledger_free(struct ledger *l);

/* Whether a transfer of cost for client may start on owner; if so it
 * is charged, and *ticket names it for ledger_end. */
enum ledger_verdict ledger_admit(struct ledger *l, const struct sockaddr *client, uint64_t cost,
				 unsigned owner, uint64_t *ticket);
/* The transfer ticket, served by owner, ended: false (and nothing
 * changes) unless that is a transfer owner holds. */
bool ledger_end(struct ledger *l, uint64_t ticket, unsigned owner);
/* Every transfer owner holds ended (the worker is gone). */
void ledger_end_owner(struct ledger *l, unsigned owner);

/* Transfers the client's address holds now. */
uint32_t ledger_client_active(const struct ledger *l, const struct sockaddr *client);

#endif
