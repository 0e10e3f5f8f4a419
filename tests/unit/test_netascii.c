#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "netascii.h"

/* Encodes in chunks of out_step output bytes, as blocks of that size. */
static size_t encode_all(const char *in, size_t inlen, uint8_t *out, size_t out_step)
{
	struct netascii_encoder enc;
	size_t off = 0, o = 0, used;

	netascii_encoder_init(&enc);
	while (off < inlen || netascii_encoder_pending(&enc)) {
		o += netascii_encode(&enc, (const uint8_t *)in + off, inlen - off, &used,
				     out + o, out_step);
		off += used;
	}
	return o;
}

static void test_lf_becomes_crlf_and_cr_becomes_crnul(void **state)
{
	uint8_t out[64];
	size_t n;

	(void)state;
	n = encode_all("a\nb\rc", 5, out, 64);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "a\r\nb\r\0c", 7);
}

static void test_pair_split_across_blocks_is_kept(void **state)
{
	uint8_t out[64];
	size_t n;

	(void)state;
	/* One-byte "blocks": every pair is split. */
	n = encode_all("\n\r\n", 3, out, 1);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\r\n\r\0\r\n", 6);
}

static void test_decode_reverses_encode_across_any_split(void **state)
{
	const char text[] = "line1\nline2\r\nbare\rcr\n\n\r";
	uint8_t wire[128], back[160];
	size_t n = encode_all(text, sizeof(text) - 1, wire, 128), split;

	(void)state;
	for (split = 0; split <= n; split++) {
		struct netascii_decoder dec;
		size_t o;

		netascii_decoder_init(&dec);
		o = netascii_decode(&dec, wire, split, back);
		o += netascii_decode(&dec, wire + split, n - split, back + o);
		o += netascii_decode_finish(&dec, back + o);
		assert_int_equal(o, sizeof(text) - 1);
		assert_memory_equal(back, text, o);
	}
}

static void test_decoder_keeps_cr_before_other_bytes_and_at_end(void **state)
{
	struct netascii_decoder dec;
	uint8_t out[16];
	size_t n;

	(void)state;
	netascii_decoder_init(&dec);
	n = netascii_decode(&dec, (const uint8_t *)"a\rb\r", 4, out);
	n += netascii_decode_finish(&dec, out + n);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a\rb\r", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lf_becomes_crlf_and_cr_becomes_crnul),
		cmocka_unit_test(test_pair_split_across_blocks_is_kept),
		cmocka_unit_test(test_decode_reverses_encode_across_any_split),
		cmocka_unit_test(test_decoder_keeps_cr_before_other_bytes_and_at_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
