#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "budget.h"
#include "log.h"
#include "options.h"
#include "transfer.h"

void admit_ledger_init(struct ledger *l, const struct tftpd_config *cfg)
{
	unsigned char key[SIPHASH_KEY_SIZE] = { 0 };
	uint64_t fallback = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();

	/* Without entropy yet (early boot), a key the clients cannot
	 * guess from outside is still better than none. */
	if (getrandom(key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key))
		memcpy(key, &fallback, sizeof(fallback));
	ledger_init(l, cfg->max_per_client, cfg->memory_limit, key);
}

uint64_t admit_cost(const struct tftpd_config *cfg, const struct tftp_request *req)
{
	struct tftp_limits lim = session_limits(cfg, req);
	struct tftp_params p;
	struct tftp_oack granted;
	const char *msg;

	if (tftp_negotiate(req, &lim, -1, &p, &granted, &msg) != 0) {
		p.blksize = TFTP_DEFAULT_BLKSIZE;	/* refused when served */
		p.windowsize = 1;
	}
	return budget_transfer_bytes(req->opcode, req->mode, p.blksize, p.windowsize);
}

static void not_admitted(const struct ledger *l, const struct sockaddr_storage *from,
			 uint64_t cost, enum ledger_verdict v)
{
	static time_t last;
	time_t now = time(NULL);
	char text[ADDR_STRLEN];
	struct sockaddr_storage u;
	const struct sockaddr *sa = (const struct sockaddr *)from;

	if (now == last)
		return;
	last = now;
	addr_ntop(addr_unmap_v4(sa, &u), text, sizeof(text));
	if (v == LEDGER_CLIENT_FULL)
		logmsg(LOG_WARNING, "%s has %u transfers running (--max-per-client): "
		       "request not answered", text, ledger_client_active(l, sa));
	else if (v == LEDGER_MEMORY_FULL)
		logmsg(LOG_WARNING, "memory limit reached (%ju KiB in use, %ju more asked): "
		       "request from %s not answered", (uintmax_t)(l->in_use / 1024),
		       (uintmax_t)(cost / 1024), text);
	else
		logmsg(LOG_WARNING, "%u transfers running, no room for more: "
		       "request from %s not answered", l->nentries, text);
}

bool admit_request(struct ledger *l, const struct sockaddr_storage *from, uint64_t cost,
		   unsigned owner, uint64_t *ticket)
{
	enum ledger_verdict v = ledger_admit(l, (const struct sockaddr *)from, cost, owner, ticket);

	if (v != LEDGER_ADMITTED)
		not_admitted(l, from, cost, v);
	return v == LEDGER_ADMITTED;
}
