/* libFuzzer target: the listener's ledger (tftpd/ledger.c) driven by
 * what a worker may send back (any ticket, true, stale or made up) among
 * the listener's own admissions, against a shadow account: no report,
 * however forged, may change what the listener counts but an end of a
 * transfer that reporter really holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "ledger.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define LIVE 512

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const unsigned char key[SIPHASH_KEY_SIZE] = "fuzz-ledger-key";
	struct { uint64_t ticket, cost; unsigned owner; bool live; } shadow[LIVE];
	size_t nshadow = 0, off = 0;
	uint64_t in_use = 0;
	struct ledger l;

	ledger_init(&l, 1 + (size ? data[0] % 8 : 0), 1 << 20, key);
	while (off + 10 <= size) {
		const unsigned char *p = data + off;
		unsigned owner = p[1] % 4;

		off += 10;
		if (p[0] < 100 && nshadow < LIVE) {
			struct sockaddr_in sin = { .sin_family = AF_INET };
			uint64_t t, cost = (uint64_t)p[2] << 10;

			memcpy(&sin.sin_addr, p + 3, 1);	/* 256 clients at most */
			if (ledger_admit(&l, (struct sockaddr *)&sin, cost, owner, &t) ==
			    LEDGER_ADMITTED) {
				shadow[nshadow++] = (typeof(shadow[0])){ t, cost, owner, true };
				in_use += cost;
			}
		} else if (p[0] < 200 && nshadow > 0) {
			/* A ticket the listener gave, maybe to another worker. */
			size_t i = p[2] % nshadow;
			bool ok = ledger_end(&l, shadow[i].ticket, owner);
			bool should = shadow[i].live && shadow[i].owner == owner;

			if (ok != should)
				abort();
			if (ok) {
				shadow[i].live = false;
				in_use -= shadow[i].cost;
			}
		} else {
			/* A made-up ticket: it may hit a live one by chance. */
			uint64_t t;
			bool hit = false;

			memcpy(&t, p + 2, sizeof(t));
			for (size_t i = 0; i < nshadow; i++)
				if (shadow[i].live && shadow[i].ticket == t && shadow[i].owner == owner) {
					shadow[i].live = false;
					in_use -= shadow[i].cost;
					hit = true;
				}
			if (ledger_end(&l, t, owner) != hit)
				abort();
		}
		if (l.in_use != in_use)
			abort();
	}
	for (unsigned o = 0; o < 4; o++)
		ledger_end_owner(&l, o);
	if (l.in_use != 0 || l.nclients != 0 || l.nentries != 0)
		abort();
	ledger_free(&l);
	return 0;
}
