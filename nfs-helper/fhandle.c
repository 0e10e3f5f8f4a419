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

/* Anyone can compute it: ISO handles must be the same on every server. */
static const struct fh_key iso_check_key = { { 'p', 'x', 'e', 'k', 'i', 't', ' ', 'i',
					       's', 'o', ' ', 'f', 'h', ' ', 'v', '2' } };

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

size_t fh_iso_encode(const struct fh_iso *h, unsigned char out[FH_SIZE_MAX])
{
	out[0] = FH_ISO_VERSION;
	out[1] = 0;
	put_be64(out + 2, h->image);
	put_be64(out + 10, h->record);
	put_mac(&iso_check_key, out, FH_ISO_SIZE - FH_MAC, out + FH_ISO_SIZE - FH_MAC);
	return FH_ISO_SIZE;
}

enum fh_status fh_iso_decode(const unsigned char *in, size_t len, struct fh_iso *h)
{
	unsigned char mac[FH_MAC];

	if (len != FH_ISO_SIZE || in[0] != FH_ISO_VERSION || in[1] != 0)
		return FH_BADHANDLE;
	put_mac(&iso_check_key, in, FH_ISO_SIZE - FH_MAC, mac);
	if (memcmp(mac, in + FH_ISO_SIZE - FH_MAC, FH_MAC) != 0)
		return FH_BADHANDLE;
	h->image = get_be64(in + 2);
	h->record = get_be64(in + 10);
	return FH_OK;
}
