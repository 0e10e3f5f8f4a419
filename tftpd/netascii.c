#include "config.h"

#include "netascii.h"

void netascii_encoder_init(struct netascii_encoder *enc)
{
	enc->pending = -1;
}

int netascii_encoder_pending(const struct netascii_encoder *enc)
{
	return enc->pending >= 0;
}

size_t netascii_encode(struct netascii_encoder *enc, const uint8_t *in, size_t inlen,
		       size_t *consumed, uint8_t *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (o < outlen) {
		if (enc->pending >= 0) {
			out[o++] = (uint8_t)enc->pending;
			enc->pending = -1;
			continue;
		}
		if (i == inlen)
			break;
		switch (in[i]) {
		case '\n':
			out[o++] = '\r';
			enc->pending = '\n';
			break;
		case '\r':
			out[o++] = '\r';
			enc->pending = '\0';
			break;
		default:
			out[o++] = in[i];
			break;
		}
		i++;
	}
	*consumed = i;
	return o;
}

void netascii_decoder_init(struct netascii_decoder *dec)
{
	dec->cr_pending = 0;
}

size_t netascii_decode(struct netascii_decoder *dec, const uint8_t *in, size_t len,
		       uint8_t *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (dec->cr_pending) {
			dec->cr_pending = 0;
			if (c == '\n') {
				out[o++] = '\n';
				continue;
			}
			out[o++] = '\r';
			if (c == '\0')
				continue;
		}
		if (c == '\r')
			dec->cr_pending = 1;
		else
			out[o++] = c;
	}
	return o;
}

size_t netascii_decode_finish(struct netascii_decoder *dec, uint8_t *out)
{
	if (!dec->cr_pending)
		return 0;
	dec->cr_pending = 0;
	out[0] = '\r';
	return 1;
}
