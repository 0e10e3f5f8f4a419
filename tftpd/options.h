/* RFC 2347 option negotiation: which options a request gets, with what
 * values, and the OACK that says so. Pure: no I/O, no globals. */
#ifndef TFTPD_OPTIONS_H
#define TFTPD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

enum tftp_option_id {
	OPT_BLKSIZE,		/* RFC 2348 */
	OPT_BLKSIZE2,		/* tftpd-hpa: a power of two */
	OPT_TSIZE,		/* RFC 2349 */
	OPT_TIMEOUT,		/* RFC 2349, seconds */
	OPT_UTIMEOUT,		/* tftpd-hpa, microseconds */
	OPT_ROLLOVER,		/* tftpd-hpa: block number after 65535 */
	OPT_WINDOWSIZE,		/* RFC 7440 */
	OPT_COUNT
};

#define TFTP_DEFAULT_TIMEOUT_US	1000000u
#define TFTP_MIN_UTIMEOUT	10000u
#define TFTP_MAX_UTIMEOUT	255000000u
/* RFC 7440 allows 65535; firmware and u-root stop at 64, and so do we
 * unless the administrator raises it. */
#define TFTP_DEFAULT_MAX_WINDOWSIZE 64
#define TFTP_MAX_WINDOWSIZE	65535

/* Option name -> id (case-insensitive), or -1. */
int tftp_option_lookup(const char *name);
const char *tftp_option_name(enum tftp_option_id id);

struct tftp_limits {
	unsigned max_blksize;	/* from -B and the path MTU */
	unsigned max_windowsize;
	uint32_t timeout_us;	/* -T: used when the client names none */
	unsigned refused;	/* bit (1 << id) per -r option */
	/* 0, or the most bytes a window may hold (windowsize x blksize):
	 * for a transfer that must keep its whole window in memory. */
	size_t max_window_bytes;
};

/* What a transfer runs with once negotiation is over. */
struct tftp_params {
	unsigned blksize;
	unsigned windowsize;
	uint32_t timeout_us;
	bool timeout_negotiated;
	uint16_t rollover;
	uint64_t tsize;
	bool tsize_known;
};

struct tftp_oack {
	size_t n;
	struct tftp_option opts[OPT_COUNT];
	char values[OPT_COUNT][24];
};

/* file_size: the size the RRQ will send (octet) or -1 if unknown. Returns
 * 0, or TFTP_EOPTNEG with *errmsg set when the client asked for a known
 * option with a value it may not have. An empty oack means "no OACK". */
int tftp_negotiate(const struct tftp_request *req, const struct tftp_limits *lim,
		   int64_t file_size, struct tftp_params *params,
		   struct tftp_oack *oack, const char **errmsg);

#endif
