/* Reverse DNS that never blocks the serving loop: a cache of verified
 * names fed by look-up threads. A caller whose name is not cached gets
 * "not yet" at once and its look-up is queued; the request is dropped
 * and the client's retransmission finds the answer. A name is used only
 * when it is confirmed: the address must be among the addresses of the
 * name its PTR record gives (nfs-utils' host_reliable_addrinfo). */
#ifndef PXEKIT_RESOLVER_H
#define PXEKIT_RESOLVER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "access.h"

/* How long an answer is kept: a confirmed name, and no name (no PTR, a
 * failed confirmation, or a server that did not answer). */
#define RESOLVER_TTL_NAME 600
#define RESOLVER_TTL_NONE 60
#define RESOLVER_CACHE 512	/* addresses remembered */
#define RESOLVER_QUEUE 64	/* look-ups waiting or running at most */
#define RESOLVER_THREADS 2

struct resolver;

struct resolver *resolver_new(void);
void resolver_free(struct resolver *r);

/* The name_lookup interface: false while the look-up runs. out's strings
 * stay valid until the next call. The threads start at the first
 * look-up, after the daemon has detached and dropped privileges. */
bool resolver_lookup(void *resolver, const struct sockaddr *sa, struct peer_name *out);

/* Forgets every answer (on reload: names may have moved). */
void resolver_flush(struct resolver *r);

#endif
