/* libFuzzer target: a request datagram through parsing and option
 * negotiation, as the listener and a child see it. The first input byte
 * picks the limits (-B, -r, window cap), the rest is the packet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_limits lim = { .timeout_us = TFTP_DEFAULT_TIMEOUT_US };
	struct tftp_request req;
	struct tftp_params params;
	struct tftp_oack oack;
	const char *msg = NULL;
	uint8_t *pkt, out[512];
	int rc;

	if (size < 1)
		return 0;
	lim.max_blksize = 512 + (unsigned)(data[0] & 0x0f) * 4000;
	lim.max_windowsize = 1 + (data[0] >> 4) * 4;
	lim.refused = data[0] & 0x80 ? 1u << OPT_TSIZE : 0;
	lim.max_window_bytes = data[0] & 0x40 ? 65536 : 0;	/* a netascii RRQ */
	/* An exact-size copy, so reading past the datagram is caught. */
	pkt = malloc(size - 1 ? size - 1 : 1);
	if (pkt == NULL)
		return 0;
	memcpy(pkt, data + 1, size - 1);
	rc = tftp_parse_request(pkt, size - 1, &req, &msg);
	if (rc > 0) {
		tftp_put_error(out, sizeof(out), (enum tftp_error)rc, msg);
	} else if (rc == 0) {
		rc = tftp_negotiate(&req, &lim, (int64_t)size * 1000, &params, &oack, &msg);
		if (rc == 0 && oack.n > 0 && tftp_put_oack(out, sizeof(out), oack.opts, oack.n) == 0)
			abort();	/* every possible OACK must fit a 512-byte packet */
		if (rc == 0 && (params.blksize < TFTP_MIN_BLKSIZE ||
				params.blksize > lim.max_blksize ||
				params.windowsize < 1 || params.windowsize > lim.max_windowsize))
			abort();
	}
	free(pkt);
	return 0;
}
