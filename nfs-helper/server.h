/* The RPC transport of pxe-mountd and pxe-nfsd: UDP and TCP sockets
 * (dual-stack when IPv6 is there), RFC 5531 record marking, one poll loop,
 * and registration with rpcbind. A reply is always sent as one record in
 * one fragment (klibc's nfsmount and libnfs read nothing else). */
#ifndef PXEKIT_SERVER_H
#define PXEKIT_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

struct server_config {
	const struct rpc_program *prog;
	const char *bind_addr;		/* NULL: every address */
	uint16_t port;			/* 0: any free port, same for UDP and TCP */
	bool rpcbind;			/* register with rpcbind (and unregister) */
	size_t max_record;		/* largest TCP call or reply */
	size_t max_buffered;		/* for all connections (0: 32 records) */
	size_t max_datagram;		/* largest UDP reply */
	unsigned max_conns;
	unsigned idle_timeout;		/* seconds before an idle TCP client is closed */
	void *ctx;			/* handed to every procedure as req->ctx */
};

struct server;

/* Binds the sockets and removes stale rpcbind entries of the program;
 * exits with a message on failure. */
struct server *server_open(const struct server_config *cfg);

/* Registers with rpcbind (if configured). rpcbind lets only the user that
 * registered (or root) unregister, so this is done as the user the
 * daemon serves as. */
void server_register(struct server *svc);
uint16_t server_port(const struct server *svc);

/* Serves until *stop is set by a signal; calls reload(ctx) after SIGHUP
 * set *reload. */
void server_run(struct server *svc, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
	     void (*on_reload)(void *ctx));

/* Unregisters from rpcbind and closes every socket. */
void server_close(struct server *svc);

#endif
