#include "config.h"

#include <string.h>

#include "byteorder.h"
#include "fhandle.h"

static void put_mac(const struct fh_key *key, const unsigned char *data, size_t len,
		    unsigned char mac[FH_MAC])
{
	uint64_t h = siphash24(key->k, data, len);

	for (int i = 0; i < FH_MAC; i++)
		mac[i] = (unsigned char)(h >> (8 * i));
}

size_t fh_encode(const struct fh_key *key, const struct fh *fh, unsigned char out[FH_SIZE_MAX])
{
	size_t body = FH_HEADER + fh->handle_bytes;

	if (fh->handle_bytes > FH_KERNEL_MAX)
		return 0;
	out[0] = FH_VERSION;
	out[1] = (unsigned char)fh->handle_bytes;
	put_be32(out + 2, fh->fsid);
	put_be32(out + 6, (uint32_t)fh->handle_type);
	memcpy(out + FH_HEADER, fh->f_handle, fh->handle_bytes);
	put_mac(key, out, body, out + body);
	return body + FH_MAC;
}

enum fh_status fh_decode(const struct fh_key *key, const unsigned char *in, size_t len,
			 struct fh *fh)
{
	unsigned char mac[FH_MAC];
	size_t n, body;
	unsigned diff = 0;

	if (len < FH_HEADER + FH_MAC || len > FH_SIZE_MAX || in[0] != FH_VERSION)
		return FH_BADHANDLE;
	n = in[1];
	body = FH_HEADER + n;
	if (n > FH_KERNEL_MAX || body + FH_MAC != len)
		return FH_BADHANDLE;
	put_mac(key, in, body, mac);
	/* No early exit: the time taken says nothing about the right MAC. */
	for (int i = 0; i < FH_MAC; i++)
		diff |= (unsigned)(mac[i] ^ in[body + i]);
	if (diff != 0)
		return FH_STALE;
	fh->handle_bytes = (unsigned)n;
	fh->fsid = get_be32(in + 2);
	fh->handle_type = (int32_t)get_be32(in + 6);
	memcpy(fh->f_handle, in + FH_HEADER, n);
	return FH_OK;
}

uint64_t fh_key_id(const struct fh_key *key)
{
	static const char what[] = "pxekit handle key id";

	return siphash24(key->k, what, sizeof what - 1);
}
