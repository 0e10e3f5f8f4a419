#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fhandle.h"
#include "siphash.h"

static const struct fh_key key = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 } };

static struct fh sample(unsigned n)
{
	struct fh fh = { .fsid = 0xdeadbeef, .handle_type = 0x81, .handle_bytes = n };

	for (unsigned i = 0; i < n; i++)
		fh.f_handle[i] = (unsigned char)(i * 7 + 1);
	return fh;
}

/* The reference vector of the SipHash paper (appendix A). */
static void test_siphash_matches_the_paper(void **state)
{
	unsigned char k[16], m[15];

	(void)state;
	for (int i = 0; i < 16; i++)
		k[i] = (unsigned char)i;
	for (int i = 0; i < 15; i++)
		m[i] = (unsigned char)i;
	assert_true(siphash24(k, m, 15) == 0xa129ca6149be45e5ULL);
}

static void test_round_trip_at_every_length(void **state)
{
	(void)state;
	for (unsigned n = 0; n <= FH_KERNEL_MAX; n++) {
		struct fh in = sample(n), out;
		unsigned char wire[FH_SIZE_MAX];
		size_t len = fh_encode(&key, &in, wire);

		assert_int_equal(len, FH_HEADER + n + FH_MAC);
		assert_true(len <= 64);
		assert_int_equal(fh_decode(&key, wire, len, &out), FH_OK);
		assert_int_equal(out.fsid, in.fsid);
		assert_int_equal(out.handle_type, in.handle_type);
		assert_int_equal(out.handle_bytes, n);
		assert_memory_equal(out.f_handle, in.f_handle, n);
	}
}

static void test_too_long_kernel_handle_is_not_encoded(void **state)
{
	struct fh in = sample(FH_KERNEL_MAX);
	unsigned char wire[FH_SIZE_MAX];

	(void)state;
	in.handle_bytes = FH_KERNEL_MAX + 1;
	assert_int_equal(fh_encode(&key, &in, wire), 0);
}

static void test_every_flipped_bit_is_refused(void **state)
{
	struct fh in = sample(12), out;
	unsigned char wire[FH_SIZE_MAX];
	size_t len = fh_encode(&key, &in, wire);

	(void)state;
	for (size_t bit = 0; bit < len * 8; bit++) {
		wire[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_not_equal(fh_decode(&key, wire, len, &out), FH_OK);
		wire[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_int_equal(fh_decode(&key, wire, len, &out), FH_OK);
}

static void test_truncated_and_padded_handles_are_bad(void **state)
{
	struct fh in = sample(8), out;
	unsigned char wire[FH_SIZE_MAX + 8];
	size_t len = fh_encode(&key, &in, wire);

	(void)state;
	for (size_t n = 0; n < len; n++)
		assert_int_equal(fh_decode(&key, wire, n, &out), FH_BADHANDLE);
	wire[len] = 0;
	assert_int_equal(fh_decode(&key, wire, len + 1, &out), FH_BADHANDLE);
	assert_int_equal(fh_decode(&key, wire, 65, &out), FH_BADHANDLE);
}

static void test_other_version_is_bad_other_key_is_stale(void **state)
{
	struct fh in = sample(8), out;
	struct fh_key other = key;
	unsigned char wire[FH_SIZE_MAX];
	size_t len = fh_encode(&key, &in, wire);

	(void)state;
	other.k[0] ^= 1;
	assert_int_equal(fh_decode(&other, wire, len, &out), FH_STALE);
	wire[0] = 2;
	assert_int_equal(fh_decode(&key, wire, len, &out), FH_BADHANDLE);
}

static void test_length_byte_beyond_limit_is_bad(void **state)
{
	unsigned char wire[FH_SIZE_MAX] = { FH_VERSION, 200 };
	struct fh out;

	(void)state;
	assert_int_equal(fh_decode(&key, wire, sizeof wire, &out), FH_BADHANDLE);
}

/* ISO handles carry no host secret: these bytes are what every server
 * writes for this image and record, in every version of pxekit that
 * speaks handle version 2 (a change breaks clients mounted across an
 * upgrade or a move to another server). */
static void test_iso_handle_bytes_are_fixed(void **state)
{
	static const unsigned char want[FH_ISO_SIZE] = {
		0x02, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x90, 0x00, 0x1c, 0x85, 0x09, 0xe3, 0xd8, 0xe9, 0xfe, 0x2d,
	};
	struct fh_iso h = { 0x0123456789abcdefULL, 36864 }, out;
	unsigned char wire[FH_SIZE_MAX];

	(void)state;
	assert_int_equal(fh_iso_encode(&h, wire), FH_ISO_SIZE);
	assert_memory_equal(wire, want, FH_ISO_SIZE);
	assert_true(fh_is_iso(wire, FH_ISO_SIZE));
	assert_int_equal(fh_iso_decode(wire, FH_ISO_SIZE, &out), FH_OK);
	assert_true(out.image == h.image && out.record == h.record);
}

static void test_iso_handle_damage_is_badhandle(void **state)
{
	struct fh_iso h = { 0xfedcba9876543210ULL, 0x123456789ULL }, out;
	unsigned char wire[FH_SIZE_MAX], v1[FH_SIZE_MAX];
	struct fh host = sample(8);

	(void)state;
	fh_iso_encode(&h, wire);
	for (size_t i = 0; i < FH_ISO_SIZE * 8; i++) {
		wire[i / 8] ^= (unsigned char)(1u << (i % 8));
		assert_int_equal(fh_iso_decode(wire, FH_ISO_SIZE, &out), FH_BADHANDLE);
		wire[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	for (size_t len = 0; len < FH_SIZE_MAX; len++)
		if (len != FH_ISO_SIZE)
			assert_int_equal(fh_iso_decode(wire, len, &out), FH_BADHANDLE);
	/* the two kinds never take each other's handles */
	assert_int_equal(fh_decode(&key, wire, FH_ISO_SIZE, &host), FH_BADHANDLE);
	assert_false(fh_is_iso(v1, fh_encode(&key, &host, v1)));
	assert_int_equal(fh_iso_decode(v1, fh_encode(&key, &host, v1), &out), FH_BADHANDLE);
	assert_false(fh_is_iso(wire, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_matches_the_paper),
		cmocka_unit_test(test_round_trip_at_every_length),
		cmocka_unit_test(test_too_long_kernel_handle_is_not_encoded),
		cmocka_unit_test(test_every_flipped_bit_is_refused),
		cmocka_unit_test(test_truncated_and_padded_handles_are_bad),
		cmocka_unit_test(test_other_version_is_bad_other_key_is_stale),
		cmocka_unit_test(test_length_byte_beyond_limit_is_bad),
		cmocka_unit_test(test_iso_handle_bytes_are_fixed),
		cmocka_unit_test(test_iso_handle_damage_is_badhandle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
