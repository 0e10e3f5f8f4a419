#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "strnum.h"

struct negotiation {
	const struct tftp_request *req;
	const struct tftp_limits *lim;
	int64_t file_size;
	struct tftp_params *params;
	bool blksize_set;
};

enum grant { OPT_BAD = -1, OPT_SKIP = 0, OPT_GRANT = 1 };

/* Each handler gets the client's number, applies it to the parameters and
 * says whether it goes into the OACK, and with what value (*ack). A bad
 * value ends the request with ERROR 8 (RFC 2347). */
typedef enum grant (*option_fn)(struct negotiation *n, uintmax_t v, uintmax_t *ack);

static enum grant opt_blksize(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	if (v < TFTP_MIN_BLKSIZE)
		return OPT_BAD;
	if (n->blksize_set)
		return OPT_SKIP;	/* blksize and blksize2 both: the first wins */
	if (v > n->lim->max_blksize)
		v = n->lim->max_blksize;
	n->params->blksize = (unsigned)v;
	n->blksize_set = true;
	*ack = v;
	return OPT_GRANT;
}

static enum grant opt_blksize2(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	uintmax_t p2 = 1;

	if (v < TFTP_MIN_BLKSIZE)
		return OPT_BAD;
	if (v > n->lim->max_blksize)
		v = n->lim->max_blksize;
	while (p2 * 2 <= v)
		p2 *= 2;
	return opt_blksize(n, p2, ack);
}

static enum grant opt_tsize(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	if (n->req->opcode == TFTP_WRQ) {
		n->params->tsize = v;	/* RFC 2349: the server echoes it */
	} else if (n->file_size >= 0) {
		n->params->tsize = (uint64_t)n->file_size;
	} else {
		/* A netascii RRQ grows by an amount known only after reading
		 * the whole file: leave tsize out rather than fail. */
		return OPT_SKIP;
	}
	n->params->tsize_known = true;
	*ack = n->params->tsize;
	return OPT_GRANT;
}

static enum grant set_timeout(struct negotiation *n, uintmax_t us, uintmax_t v, uintmax_t *ack)
{
	n->params->timeout_us = (uint32_t)us;
	n->params->timeout_negotiated = true;
	*ack = v;
	return OPT_GRANT;
}

static enum grant opt_timeout(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	if (v < 1 || v > 255)
		return OPT_BAD;
	return set_timeout(n, v * 1000000u, v, ack);
}

static enum grant opt_utimeout(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	if (v < TFTP_MIN_UTIMEOUT || v > TFTP_MAX_UTIMEOUT)
		return OPT_BAD;
	return set_timeout(n, v, v, ack);
}

static enum grant opt_rollover(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	if (v > 65535)
		return OPT_BAD;
	n->params->rollover = (uint16_t)v;
	*ack = v;
	return OPT_GRANT;
}

static enum grant opt_windowsize(struct negotiation *n, uintmax_t v, uintmax_t *ack)
{
	if (v < 1 || v > TFTP_MAX_WINDOWSIZE)
		return OPT_BAD;	/* RFC 7440 section 3: 1 to 65535 */
	if (v > n->lim->max_windowsize)
		v = n->lim->max_windowsize;
	n->params->windowsize = (unsigned)v;
	*ack = v;
	return OPT_GRANT;
}

static const struct {
	const char *name;
	option_fn fn;
} option_table[OPT_COUNT] = {
	[OPT_BLKSIZE] = { "blksize", opt_blksize },
	[OPT_BLKSIZE2] = { "blksize2", opt_blksize2 },
	[OPT_TSIZE] = { "tsize", opt_tsize },
	[OPT_TIMEOUT] = { "timeout", opt_timeout },
	[OPT_UTIMEOUT] = { "utimeout", opt_utimeout },
	[OPT_ROLLOVER] = { "rollover", opt_rollover },
	[OPT_WINDOWSIZE] = { "windowsize", opt_windowsize },
};

int tftp_option_lookup(const char *name)
{
	int i;

	for (i = 0; i < OPT_COUNT; i++)
		if (strcasecmp(name, option_table[i].name) == 0)
			return i;
	return -1;
}

const char *tftp_option_name(enum tftp_option_id id)
{
	return option_table[id].name;
}

static void params_init(struct tftp_params *p, const struct tftp_limits *lim)
{
	memset(p, 0, sizeof(*p));
	p->blksize = TFTP_DEFAULT_BLKSIZE;
	p->windowsize = 1;
	p->timeout_us = lim->timeout_us;
}

/* The window in bytes is known only once both options are read, in
 * whichever order they came: a smaller windowsize is the server's to
 * choose (RFC 7440 section 4), and the OACK says the one granted. */
static void cap_window(const struct tftp_limits *lim, struct tftp_params *p, char *acked,
		       size_t acked_size)
{
	unsigned most;

	if (lim->max_window_bytes == 0 ||
	    (size_t)p->windowsize * p->blksize <= lim->max_window_bytes)
		return;
	most = (unsigned)(lim->max_window_bytes / p->blksize);
	p->windowsize = most ? most : 1;
	if (acked)
		snprintf(acked, acked_size, "%u", p->windowsize);
}

int tftp_negotiate(const struct tftp_request *req, const struct tftp_limits *lim,
		   int64_t file_size, struct tftp_params *params,
		   struct tftp_oack *oack, const char **errmsg)
{
	struct negotiation n = { req, lim, file_size, params, false };
	unsigned seen = 0;
	size_t i, window_at = OPT_COUNT;

	params_init(params, lim);
	memset(oack, 0, sizeof(*oack));
	for (i = 0; i < req->nopts; i++) {
		const struct tftp_option *o = &req->opts[i];
		int id = tftp_option_lookup(o->name);
		uintmax_t v, ack;
		enum grant g;

		if (id < 0 || (lim->refused & (1u << id)))
			continue;	/* RFC 2347: unknown options are ignored */
		if (seen & (1u << id)) {
			*errmsg = "Duplicate option";
			return TFTP_EOPTNEG;
		}
		seen |= 1u << id;
		if (!parse_uint(o->value, 0, UINTMAX_MAX, &v))
			continue;	/* not a number: ignored, as tftpd-hpa does */
		g = option_table[id].fn(&n, v, &ack);
		if (g == OPT_BAD) {
			*errmsg = "Unsupported option(s) requested";
			return TFTP_EOPTNEG;
		}
		if (g == OPT_SKIP)
			continue;
		if (id == OPT_WINDOWSIZE)
			window_at = oack->n;
		oack->opts[oack->n].name = o->name;
		snprintf(oack->values[oack->n], sizeof(oack->values[0]), "%ju", ack);
		oack->opts[oack->n].value = oack->values[oack->n];
		oack->n++;
	}
	cap_window(lim, params, window_at < oack->n ? oack->values[window_at] : NULL,
		   sizeof(oack->values[0]));
	return 0;
}
