/* pxe-image's state file parser (image/state.c) and lib/sha256. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"
#include "state.h"

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define A64 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct strbuf diag = STRBUF_INIT;

static bool parse(const char *text, struct image_state *st)
{
	sb_reset(&diag);
	return image_state_parse(text, strlen(text), "x.state", st, &diag);
}

static void assert_refused(const char *text, const char *want)
{
	struct image_state st;

	if (parse(text, &st) || !strstr(sb_str(&diag), want))
		fail_msg("input: %s\nwanted: %s\ngot: %s", text, want, sb_str(&diag));
	assert_int_equal(st.n + st.nfiles, 0);
}

static void test_state_as_add_writes_it(void **state)
{
	struct image_state st;

	(void)state;
	assert_true(parse("# comment\n\nstatus: complete\nname: rocky\nappend: a=1 b=c:d\n"
			  "note:\ndir: /srv/tftp/images/rocky\n"
			  "file: " A64 " 6 /srv/tftp/images/rocky/vmlinuz\n"
			  "file: " Z64 " 18446744073709551615 /etc/exports.d/pxekit-rocky file.exports",
			  &st));
	assert_int_equal(st.n, 5);
	assert_string_equal(image_state_get(&st, "name"), "rocky");
	assert_string_equal(image_state_get(&st, "append"), "a=1 b=c:d");
	assert_string_equal(image_state_get(&st, "note"), "");
	assert_string_equal(image_state_get(&st, "missing"), "");
	assert_int_equal(st.nfiles, 2);
	assert_string_equal(st.file[0].sha256, A64);
	assert_int_equal(st.file[0].size, 6);
	assert_string_equal(st.file[0].path, "/srv/tftp/images/rocky/vmlinuz");
	assert_true(st.file[1].size == UINT64_MAX);
	assert_string_equal(st.file[1].path, "/etc/exports.d/pxekit-rocky file.exports");
	image_state_free(&st);
}

/* A tampered state file must not lead remove anywhere else. */
static void test_tampered_state_is_refused(void **state)
{
	(void)state;
	assert_refused("file: " A64 " 6 relative/path\n", "x.state:1: error: not 'file:");
	assert_refused("name: a\nfile: " A64 " 6 /srv/../etc/passwd\n", "x.state:2: error");
	assert_refused("file: " A64 " 6 /srv/./x\n", "error");
	assert_refused("file: " A64 " 6 /srv//x\n", "error");
	assert_refused("file: " A64 " 6 /srv/x/..\n", "error");
	assert_refused("file: " A64 " 6 /srv/x\x01y\n", "error");
	assert_refused("file: " A64 "0 6 /srv/x\n", "error");	/* 65 digits */
	assert_refused("file: BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD 6 /x\n",
		       "error");
	assert_refused("file: " A64 " -6 /srv/x\n", "error");
	assert_refused("file: " A64 " 6/srv/x\n", "error");
	assert_refused("file: " A64 " 123456789012345678901 /srv/x\n", "error");
	assert_refused("file: " A64 "\n", "error");
	assert_refused("Name: x\n", "x.state:1: error: not a 'key: value' line");
	assert_refused("name x\n", "not a 'key: value' line");
	assert_refused("name:x\n", "not a 'key: value' line");
	assert_refused("name: a\x1b[2Jb\n", "control character");
	{
		static const char nul[] = "name: a\0b\n";
		struct image_state st;

		sb_reset(&diag);
		assert_false(image_state_parse(nul, sizeof(nul) - 1, "x.state", &st, &diag));
		assert_non_null(strstr(sb_str(&diag), "NUL byte"));
	}
}

static void test_state_limits(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(STATE_VALUE_MAX + 200);

	(void)state;
	for (int i = 0; i <= STATE_MAX_LINES; i++)
		sb_add(&sb, "a: b\n");
	assert_refused(sb_str(&sb), "too many lines");
	memset(big, 'x', STATE_VALUE_MAX + 100);
	memcpy(big, "name: ", 6);
	big[STATE_VALUE_MAX + 100] = '\0';
	assert_refused(big, "line too long");
	free(big);
	sb_free(&sb);
	assert_true(image_state_path_ok("/a/b.c/..d"));
	assert_false(image_state_path_ok("/"));
	assert_false(image_state_path_ok(""));
}

static void hex_of(const void *p, size_t n, char out[65])
{
	struct sha256 c;
	uint8_t d[32];

	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, d);
	sha256_hex(d, out);
}

/* FIPS 180-4 examples (NIST CSRC) and lengths around the padding edge,
 * checked against sha256sum(1) output computed for this test. */
static void test_sha256_vectors(void **state)
{
	char hex[65];
	static const char m56[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct sha256 c;
	uint8_t d[32];
	char *million = malloc(1000000);

	(void)state;
	hex_of("abc", 3, hex);
	assert_string_equal(hex, A64);
	hex_of("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of(m56, 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the same in uneven pieces */
	sha256_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 1000 + 1)
		sha256_update(&c, million + off, off + step > 1000000 ? 1000000 - off : step);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_as_add_writes_it),
		cmocka_unit_test(test_tampered_state_is_refused),
		cmocka_unit_test(test_state_limits),
		cmocka_unit_test(test_sha256_vectors),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	sb_free(&diag);
	return rc;
}
