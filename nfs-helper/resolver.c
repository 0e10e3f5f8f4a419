#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "resolver.h"

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
	enum slot_state state;
	int family;
	unsigned char addr[16];
	bool flushed;			/* forgotten while running */
	time_t expires, used;
	char name[NI_MAXHOST];		/* confirmed, or "" */
	char unconfirmed[NI_MAXHOST];	/* the PTR name that failed, or "" */
};

struct resolver {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct slot slots[RESOLVER_CACHE];
	unsigned queued;		/* QUEUED + RUNNING */
	unsigned nthreads;
	bool stop;
	pthread_t threads[RESOLVER_THREADS];
};

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct resolver *resolver_new(void)
{
	struct resolver *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->work, NULL);
	return r;
}

void resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->work);
	pthread_mutex_unlock(&r->lock);
	/* A thread inside getnameinfo cannot be interrupted; the process is
	 * exiting, so leave it rather than wait for a resolver timeout. */
	for (unsigned i = 0; i < r->nthreads; i++)
		pthread_detach(r->threads[i]);
	if (r->nthreads == 0) {
		pthread_cond_destroy(&r->work);
		pthread_mutex_destroy(&r->lock);
		free(r);
	}
}

/* PTR, then the name's own addresses must include the one asked about. */
static void look_up(int family, const unsigned char *addr, char *name, char *unconfirmed)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	char host[NI_MAXHOST];
	socklen_t len;

	name[0] = unconfirmed[0] = '\0';
	if (family == AF_INET) {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, addr, 4);
		len = sizeof(struct sockaddr_in);
	} else {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr, 16);
		len = sizeof(struct sockaddr_in6);
	}
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, NULL, 0,
			NI_NAMEREQD) != 0)
		return;
	if (getaddrinfo(host, NULL, &hints, &ai) == 0) {
		for (p = ai; p; p = p->ai_next) {
			unsigned char a[16];

			if (client_address(p->ai_addr, a) == family &&
			    memcmp(a, addr, family == AF_INET ? 4 : 16) == 0) {
				memcpy(name, host, sizeof host);
				break;
			}
		}
		freeaddrinfo(ai);
	}
	if (name[0] == '\0')
		memcpy(unconfirmed, host, sizeof host);
}

static struct slot *next_queued(struct resolver *r)
{
	for (size_t i = 0; i < RESOLVER_CACHE; i++)
		if (r->slots[i].state == SLOT_QUEUED)
			return &r->slots[i];
	return NULL;
}

static void *worker(void *arg)
{
	struct resolver *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		struct slot *s = next_queued(r);
		unsigned char addr[16];
		char name[NI_MAXHOST], unconfirmed[NI_MAXHOST];
		int family;

		if (s == NULL) {
			pthread_cond_wait(&r->work, &r->lock);
			continue;
		}
		s->state = SLOT_RUNNING;
		family = s->family;
		memcpy(addr, s->addr, sizeof addr);
		pthread_mutex_unlock(&r->lock);
		look_up(family, addr, name, unconfirmed);
		pthread_mutex_lock(&r->lock);
		/* Only this thread touches a RUNNING slot. */
		memcpy(s->name, name, sizeof name);
		memcpy(s->unconfirmed, unconfirmed, sizeof unconfirmed);
		s->expires = s->flushed ? 0 :
			now() + (name[0] ? RESOLVER_TTL_NAME : RESOLVER_TTL_NONE);
		s->flushed = false;
		s->state = SLOT_DONE;
		r->queued--;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void start_threads(struct resolver *r)
{
	while (r->nthreads < RESOLVER_THREADS) {
		int rc = pthread_create(&r->threads[r->nthreads], NULL, worker, r);

		if (rc != 0) {
			errno = rc;
			logmsg(LOG_ERR, "cannot start a host name look-up thread: %m");
			return;
		}
		r->nthreads++;
	}
}

/* The slot of an address, or one to reuse: free, else the least recently
 * used answer (never a look-up in progress); NULL when all are busy. */
static struct slot *find_slot(struct resolver *r, int family, const unsigned char *addr,
			      bool *found)
{
	struct slot *victim = NULL;

	*found = false;
	for (size_t i = 0; i < RESOLVER_CACHE; i++) {
		struct slot *s = &r->slots[i];

		if (s->state != SLOT_FREE && s->family == family &&
		    memcmp(s->addr, addr, sizeof s->addr) == 0) {
			*found = true;
			return s;
		}
		if (s->state == SLOT_FREE)
			victim = victim && victim->state == SLOT_FREE ? victim : s;
		else if (s->state == SLOT_DONE &&
			 (victim == NULL || (victim->state == SLOT_DONE && s->used < victim->used)))
			victim = s;
	}
	return victim;
}

bool resolver_lookup(void *resolver, const struct sockaddr *sa, struct peer_name *out)
{
	struct resolver *r = resolver;
	unsigned char addr[16] = { 0 };
	int family = client_address(sa, addr);
	time_t t = now();
	struct slot *s;
	bool found, known = false;

	out->name = out->unconfirmed = NULL;
	if (family == AF_UNSPEC)
		return true;
	pthread_mutex_lock(&r->lock);
	s = find_slot(r, family, addr, &found);
	if (found && s->state == SLOT_DONE && s->expires > t) {
		s->used = t;
		out->name = s->name[0] ? s->name : NULL;
		out->unconfirmed = s->unconfirmed[0] ? s->unconfirmed : NULL;
		known = true;
	} else if (s && (!found || s->state == SLOT_DONE) && r->queued < RESOLVER_QUEUE) {
		memset(s, 0, sizeof *s);
		s->family = family;
		memcpy(s->addr, addr, sizeof s->addr);
		s->used = t;
		s->state = SLOT_QUEUED;
		r->queued++;
		start_threads(r);
		pthread_cond_signal(&r->work);
		if (r->nthreads == 0) {
			/* No thread to ask: no name, rather than waiting forever. */
			s->state = SLOT_DONE;
			s->expires = t + RESOLVER_TTL_NONE;
			r->queued--;
			known = true;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return known;
}

void resolver_flush(struct resolver *r)
{
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < RESOLVER_CACHE; i++) {
		if (r->slots[i].state == SLOT_DONE)
			r->slots[i].state = SLOT_FREE;
		else if (r->slots[i].state != SLOT_FREE)
			r->slots[i].flushed = true;
	}
	pthread_mutex_unlock(&r->lock);
}
