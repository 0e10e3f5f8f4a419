/* RFC 1350 netascii (RFC 764): LF travels as CR LF and a bare CR as
 * CR NUL. Both directions are streams: a CR can end one block and its
 * partner start the next, so each side keeps one byte of state. */
#ifndef TFTPD_NETASCII_H
#define TFTPD_NETASCII_H

#include <stddef.h>
#include <stdint.h>

struct netascii_encoder {
	int pending;		/* second byte of a pair still to emit, or -1 */
};

struct netascii_decoder {
	int cr_pending;		/* the previous block ended in CR */
};

void netascii_encoder_init(struct netascii_encoder *enc);
/* Encodes from in[0..inlen) into out[0..outlen); sets *consumed to the
 * input bytes used and returns the output bytes written. Stops when the
 * output is full, so a pair may be split across calls. */
size_t netascii_encode(struct netascii_encoder *enc, const uint8_t *in, size_t inlen,
		       size_t *consumed, uint8_t *out, size_t outlen);
/* Output still owed once the input has ended (0 or 1 byte). */
int netascii_encoder_pending(const struct netascii_encoder *enc);

void netascii_decoder_init(struct netascii_decoder *dec);
/* Decodes in[0..len) into out, which must hold len + 1 bytes. */
size_t netascii_decode(struct netascii_decoder *dec, const uint8_t *in, size_t len,
		       uint8_t *out);
/* At end of transfer: a lone trailing CR is kept as CR. */
size_t netascii_decode_finish(struct netascii_decoder *dec, uint8_t *out);

#endif
