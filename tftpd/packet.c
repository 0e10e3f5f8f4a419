#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "packet.h"

/* tftpd-hpa's texts, so clients and log scrapers see the same words. */
static const char *const error_messages[] = {
	[TFTP_EUNDEF] = "Undefined error code",
	[TFTP_ENOTFOUND] = "File not found",
	[TFTP_EACCESS] = "Access denied",
	[TFTP_ENOSPACE] = "Disk full or allocation exceeded",
	[TFTP_EBADOP] = "Illegal TFTP operation",
	[TFTP_EBADID] = "Unknown transfer ID",
	[TFTP_EEXISTS] = "File already exists",
	[TFTP_ENOUSER] = "No such user",
	[TFTP_EOPTNEG] = "Failure to negotiate RFC2347 options",
};

static const struct {
	const char *name;
	enum tftp_mode mode;
} modes[] = {
	{ "netascii", TFTP_MODE_NETASCII },
	{ "octet", TFTP_MODE_OCTET },
	/* "mail" (RFC 1350) is deliberately absent: it is refused. */
};

const char *tftp_error_message(enum tftp_error code)
{
	if ((unsigned)code < sizeof(error_messages) / sizeof(error_messages[0]))
		return error_messages[code];
	return error_messages[TFTP_EUNDEF];
}

const char *tftp_opcode_name(unsigned opcode)
{
	static const char *const names[] = { "0", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK" };

	return opcode < sizeof(names) / sizeof(names[0]) ? names[opcode] : "unknown";
}

/* Next NUL-terminated string at *p, never reading at or past end. */
static const char *next_string(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p, *nul;

	if (s >= end)
		return NULL;
	nul = memchr(s, '\0', (size_t)(end - s));
	if (nul == NULL)
		return NULL;
	*p = nul + 1;
	return (const char *)s;
}

int tftp_parse_header(const uint8_t *pkt, size_t len, uint16_t *opcode, uint16_t *arg)
{
	if (len < TFTP_HEADER_SIZE)
		return -1;
	*opcode = (uint16_t)(pkt[0] << 8 | pkt[1]);
	*arg = (uint16_t)(pkt[2] << 8 | pkt[3]);
	return 0;
}

static int parse_mode(struct tftp_request *req, const char **errmsg)
{
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcasecmp(req->mode_name, modes[i].name) == 0) {
			req->mode = modes[i].mode;
			return 0;
		}
	}
	*errmsg = "Unknown mode";
	return TFTP_EBADOP;
}

int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *req,
		       const char **errmsg)
{
	const uint8_t *p = pkt + 2, *end = pkt + len;
	unsigned opcode;

	memset(req, 0, sizeof(*req));
	if (len < 2)
		return -1;
	opcode = (unsigned)(pkt[0] << 8 | pkt[1]);
	if (opcode == TFTP_ERROR)
		return -1;	/* never answer an error with an error */
	if (opcode != TFTP_RRQ && opcode != TFTP_WRQ) {
		*errmsg = tftp_error_message(TFTP_EBADOP);
		return TFTP_EBADOP;
	}
	req->opcode = (enum tftp_opcode)opcode;

	req->filename = next_string(&p, end);
	if (req->filename == NULL) {
		*errmsg = "Request not null-terminated";
		return TFTP_EBADOP;
	}
	if (req->filename[0] == '\0') {
		*errmsg = "Missing filename";
		return TFTP_EBADOP;
	}
	if (strlen(req->filename) > TFTP_MAX_FILENAME) {
		*errmsg = "Filename too long";
		return TFTP_EBADOP;
	}
	req->mode_name = next_string(&p, end);
	if (req->mode_name == NULL) {
		*errmsg = p < end ? "Request not null-terminated" : "Missing mode";
		return TFTP_EBADOP;
	}
	if (parse_mode(req, errmsg) != 0)
		return TFTP_EBADOP;

	/* RFC 2347 pairs. Trailing bytes that are not a complete pair are
	 * ignored: old PXE ROMs pad requests with junk. */
	while (p < end) {
		const char *name = next_string(&p, end);
		const char *value = name ? next_string(&p, end) : NULL;

		if (value == NULL) {
			req->ignored_opts++;
			break;
		}
		if (req->nopts == TFTP_MAX_OPTIONS) {
			req->ignored_opts++;
			continue;
		}
		req->opts[req->nopts].name = name;
		req->opts[req->nopts].value = value;
		req->nopts++;
	}
	return 0;
}

size_t tftp_put_header(uint8_t *buf, uint16_t opcode, uint16_t arg)
{
	buf[0] = (uint8_t)(opcode >> 8);
	buf[1] = (uint8_t)opcode;
	buf[2] = (uint8_t)(arg >> 8);
	buf[3] = (uint8_t)arg;
	return TFTP_HEADER_SIZE;
}

size_t tftp_put_error(uint8_t *buf, size_t size, enum tftp_error code, const char *msg)
{
	size_t n;

	if (size < TFTP_HEADER_SIZE + 1)
		return 0;
	if (msg == NULL)
		msg = tftp_error_message(code);
	tftp_put_header(buf, TFTP_ERROR, (uint16_t)code);
	n = strnlen(msg, size - TFTP_HEADER_SIZE - 1);
	memcpy(buf + TFTP_HEADER_SIZE, msg, n);
	buf[TFTP_HEADER_SIZE + n] = '\0';
	return TFTP_HEADER_SIZE + n + 1;
}

size_t tftp_put_oack(uint8_t *buf, size_t size, const struct tftp_option *opts, size_t n)
{
	size_t len = 2, i;

	if (size < 2)
		return 0;
	buf[0] = 0;
	buf[1] = TFTP_OACK;
	for (i = 0; i < n; i++) {
		size_t ln = strlen(opts[i].name) + 1, lv = strlen(opts[i].value) + 1;

		if (len + ln + lv > size)
			return 0;
		memcpy(buf + len, opts[i].name, ln);
		len += ln;
		memcpy(buf + len, opts[i].value, lv);
		len += lv;
	}
	return len;
}

void tftp_printable(char *dst, size_t dstlen, const uint8_t *src, size_t srclen)
{
	size_t i;

	if (dstlen == 0)
		return;
	for (i = 0; i < srclen && i + 1 < dstlen && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}
