#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "packet.h"

static int parse(const void *pkt, size_t len, struct tftp_request *req, const char **msg)
{
	static uint8_t buf[2048];

	memcpy(buf, pkt, len);
	return tftp_parse_request(buf, len, req, msg);
}

#define PKT(s) s, sizeof(s) - 1

static void test_rrq_with_options_is_parsed(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(parse(PKT("\0\1pxelinux.0\0OcTeT\0blksize\0001468\0tsize\0000\0"),
			       &req, &msg), 0);
	assert_int_equal(req.opcode, TFTP_RRQ);
	assert_string_equal(req.filename, "pxelinux.0");
	assert_int_equal(req.mode, TFTP_MODE_OCTET);
	assert_int_equal(req.nopts, 2);
	assert_string_equal(req.opts[0].name, "blksize");
	assert_string_equal(req.opts[0].value, "1468");
	assert_string_equal(req.opts[1].name, "tsize");
	assert_int_equal(req.ignored_opts, 0);
}

static void test_wrq_netascii_is_parsed(void **state)
{
	struct tftp_request req;
	const char *msg;

	(void)state;
	assert_int_equal(parse(PKT("\0\2up.txt\0NETASCII\0"), &req, &msg), 0);
	assert_int_equal(req.opcode, TFTP_WRQ);
	assert_int_equal(req.mode, TFTP_MODE_NETASCII);
	assert_int_equal(req.nopts, 0);
}

static void test_request_without_nul_is_rejected(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(parse(PKT("\0\1pxelinux.0"), &req, &msg), TFTP_EBADOP);
	assert_string_equal(msg, "Request not null-terminated");
	assert_int_equal(parse(PKT("\0\1file\0oct"), &req, &msg), TFTP_EBADOP);
	assert_string_equal(msg, "Request not null-terminated");
}

static void test_missing_mode_and_filename_are_rejected(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(parse(PKT("\0\1file\0"), &req, &msg), TFTP_EBADOP);
	assert_string_equal(msg, "Missing mode");
	assert_int_equal(parse(PKT("\0\1\0octet\0"), &req, &msg), TFTP_EBADOP);
	assert_string_equal(msg, "Missing filename");
}

static void test_mail_and_unknown_modes_are_refused(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(parse(PKT("\0\1f\0mail\0"), &req, &msg), TFTP_EBADOP);
	assert_string_equal(msg, "Unknown mode");
	assert_int_equal(parse(PKT("\0\1f\0binary\0"), &req, &msg), TFTP_EBADOP);
}

static void test_unknown_opcode_gets_illegal_operation(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(parse(PKT("\0\7x\0octet\0"), &req, &msg), TFTP_EBADOP);
	assert_int_equal(parse(PKT("\0\3\0\1data"), &req, &msg), TFTP_EBADOP);
	assert_int_equal(parse(PKT("\0\0"), &req, &msg), TFTP_EBADOP);
}

static void test_error_and_runt_packets_get_no_answer(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(parse(PKT("\0\5\0\1oops\0"), &req, &msg), -1);
	assert_int_equal(parse(PKT("\0"), &req, &msg), -1);
	assert_int_equal(parse("", 0, &req, &msg), -1);
}

static void test_overlong_filename_is_rejected(void **state)
{
	uint8_t pkt[TFTP_MAX_FILENAME + 32];
	struct tftp_request req;
	const char *msg = NULL;
	size_t n = 2;

	(void)state;
	pkt[0] = 0;
	pkt[1] = 1;
	memset(pkt + n, 'a', TFTP_MAX_FILENAME + 1);
	n += TFTP_MAX_FILENAME + 1;
	pkt[n++] = 0;
	memcpy(pkt + n, "octet", 6);
	n += 6;
	assert_int_equal(parse(pkt, n, &req, &msg), TFTP_EBADOP);
	assert_string_equal(msg, "Filename too long");
}

static void test_trailing_junk_and_surplus_options_are_ignored(void **state)
{
	struct tftp_request req;
	const char *msg = NULL;
	uint8_t pkt[1024];
	size_t n = 0, i;

	(void)state;
	assert_int_equal(parse(PKT("\0\1f\0octet\0blksize\0001024\0junk"), &req, &msg), 0);
	assert_int_equal(req.nopts, 1);
	assert_int_equal(req.ignored_opts, 1);

	memcpy(pkt, "\0\1f\0octet\0", 10);
	n = 10;
	for (i = 0; i < TFTP_MAX_OPTIONS + 5; i++) {
		memcpy(pkt + n, "x\0001\0", 4);
		n += 4;
	}
	assert_int_equal(parse(pkt, n, &req, &msg), 0);
	assert_int_equal(req.nopts, TFTP_MAX_OPTIONS);
	assert_int_equal(req.ignored_opts, 5);
}

static void test_error_packet_is_built_and_truncated(void **state)
{
	uint8_t buf[64];
	size_t n;

	(void)state;
	n = tftp_put_error(buf, sizeof(buf), TFTP_ENOTFOUND, NULL);
	assert_int_equal(n, 4 + strlen("File not found") + 1);
	assert_memory_equal(buf, "\0\5\0\1File not found\0", n);
	n = tftp_put_error(buf, 8, TFTP_EACCESS, "a long message");
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "\0\5\0\2a l\0", 8);
}

static void test_oack_is_built_and_refuses_overflow(void **state)
{
	struct tftp_option o[2] = { { "blksize", "1468" }, { "tsize", "1234" } };
	uint8_t buf[64];
	size_t n;

	(void)state;
	n = tftp_put_oack(buf, sizeof(buf), o, 2);
	assert_int_equal(n, 2 + 8 + 5 + 6 + 5);
	assert_memory_equal(buf, "\0\6blksize\0001468\0tsize\0001234\0", n);
	assert_int_equal(tftp_put_oack(buf, 10, o, 2), 0);
}

static void test_header_round_trip(void **state)
{
	uint8_t buf[4];
	uint16_t op, arg;

	(void)state;
	tftp_put_header(buf, TFTP_DATA, 65535);
	assert_int_equal(tftp_parse_header(buf, 4, &op, &arg), 0);
	assert_int_equal(op, TFTP_DATA);
	assert_int_equal(arg, 65535);
	assert_int_equal(tftp_parse_header(buf, 3, &op, &arg), -1);
}

static void test_printable_replaces_control_bytes(void **state)
{
	char out[8];

	(void)state;
	tftp_printable(out, sizeof(out), (const uint8_t *)"a\nb\x80zzzzzz", 10);
	assert_string_equal(out, "a?b?zzz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrq_with_options_is_parsed),
		cmocka_unit_test(test_wrq_netascii_is_parsed),
		cmocka_unit_test(test_request_without_nul_is_rejected),
		cmocka_unit_test(test_missing_mode_and_filename_are_rejected),
		cmocka_unit_test(test_mail_and_unknown_modes_are_refused),
		cmocka_unit_test(test_unknown_opcode_gets_illegal_operation),
		cmocka_unit_test(test_error_and_runt_packets_get_no_answer),
		cmocka_unit_test(test_overlong_filename_is_rejected),
		cmocka_unit_test(test_trailing_junk_and_surplus_options_are_ignored),
		cmocka_unit_test(test_error_packet_is_built_and_truncated),
		cmocka_unit_test(test_oack_is_built_and_refuses_overflow),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_printable_replaces_control_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
