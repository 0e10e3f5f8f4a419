/* Whether a request's transfer may start, for whoever takes requests
 * (the listening process, or a worker that takes them itself): what it
 * would cost, charged in that taker's ledger, and a refusal logged. */
#ifndef TFTPD_ADMIT_H
#define TFTPD_ADMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ledger.h"
#include "packet.h"
#include "tftpd.h"

/* The most memory this request's transfer may hold: negotiated against
 * our limits only (the file's size and the path MTU come later and can
 * only lower it). */
uint64_t admit_cost(const struct tftpd_config *cfg, const struct tftp_request *req);

/* The ledger of whoever takes requests, with the limits of cfg and a
 * key the clients cannot guess. */
void admit_ledger_init(struct ledger *l, const struct tftpd_config *cfg);

/* ledger_admit; a request not admitted goes unanswered, as if it was
 * lost, and the client's own retransmission of it tries again (dnsmasq
 * does the same at its tftp-max). Logged at most once a second. */
bool admit_request(struct ledger *l, const struct sockaddr_storage *from, uint64_t cost,
		   unsigned owner, uint64_t *ticket);

#endif
