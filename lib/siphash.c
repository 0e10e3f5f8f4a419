#include "config.h"

#include <string.h>

#include "siphash.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

struct sipstate {
	uint64_t v0, v1, v2, v3;
};

static void sipround(struct sipstate *s)
{
	s->v0 += s->v1; s->v1 = rotl(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3; s->v3 = rotl(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = rotl(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = rotl(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl(s->v2, 32);
}

static void compress(struct sipstate *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

uint64_t siphash24(const unsigned char key[SIPHASH_KEY_SIZE], const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sipstate s = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
	};
	unsigned char last[8] = { 0 };
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8)
		compress(&s, load_le64(p + i));
	memcpy(last, p + full, len - full);
	last[7] = (unsigned char)len;
	compress(&s, load_le64(last));
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sipround(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
