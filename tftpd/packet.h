/* TFTP packet codec (RFC 1350, RFC 2347): parsing and building, no I/O. */
#ifndef TFTPD_PACKET_H
#define TFTPD_PACKET_H

#include <stddef.h>
#include <stdint.h>

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,		/* RFC 2347 */
};

enum tftp_error {
	TFTP_EUNDEF = 0,
	TFTP_ENOTFOUND = 1,
	TFTP_EACCESS = 2,
	TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4,
	TFTP_EBADID = 5,
	TFTP_EEXISTS = 6,
	TFTP_ENOUSER = 7,
	TFTP_EOPTNEG = 8,	/* RFC 2347 */
};

enum tftp_mode { TFTP_MODE_NETASCII, TFTP_MODE_OCTET };

#define TFTP_HEADER_SIZE	4
#define TFTP_DEFAULT_BLKSIZE	512
#define TFTP_MIN_BLKSIZE	8	/* RFC 2348 */
#define TFTP_MAX_BLKSIZE	65464	/* RFC 2348: 65535 - 20 (IP) - 8 (UDP) - 4 + 1 */
/* Longest request datagram we read: anything longer is not a request. */
#define TFTP_MAX_REQUEST	65535
/* Longest filename we accept; PXE loaders stop at 127, paths at PATH_MAX. */
#define TFTP_MAX_FILENAME	1024
/* Option pairs read from a request; later pairs are ignored and logged. */
#define TFTP_MAX_OPTIONS	32

struct tftp_option {
	const char *name;	/* as the client sent it: RFC 2347 echoes it */
	const char *value;
};

/* A parsed RRQ/WRQ. Strings point into the packet buffer, which the
 * parser NUL-terminates in place only where the packet already has NULs. */
struct tftp_request {
	enum tftp_opcode opcode;
	const char *filename;
	const char *mode_name;
	enum tftp_mode mode;
	size_t nopts;
	struct tftp_option opts[TFTP_MAX_OPTIONS];
	size_t ignored_opts;	/* pairs beyond TFTP_MAX_OPTIONS, or unterminated */
};

/* Parses a request packet. Returns 0, or a TFTP error code with *errmsg
 * set to the text to send back. Returns -1 for a packet that deserves no
 * answer at all (an ERROR packet, or less than an opcode). */
int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *req,
		       const char **errmsg);

/* The fixed header of any packet; *arg is the block number (DATA, ACK)
 * or the error code (ERROR). Returns -1 if the packet is too short. */
int tftp_parse_header(const uint8_t *pkt, size_t len, uint16_t *opcode, uint16_t *arg);

/* Builders return the packet length; they never write past size. */
size_t tftp_put_header(uint8_t *buf, uint16_t opcode, uint16_t arg);
size_t tftp_put_error(uint8_t *buf, size_t size, enum tftp_error code, const char *msg);
/* OACK from name/value pairs; returns 0 if they do not fit in size. */
size_t tftp_put_oack(uint8_t *buf, size_t size, const struct tftp_option *opts, size_t n);

const char *tftp_error_message(enum tftp_error code);
const char *tftp_opcode_name(unsigned opcode);

/* Copies an untrusted, possibly unterminated string for a log line,
 * replacing unprintable bytes with '?'. */
void tftp_printable(char *dst, size_t dstlen, const uint8_t *src, size_t srclen);

#endif
