#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "packet.h"
#include "path.h"

static char *dirs[] = { "/srv/tftp", "/var/lib/boot/" };

static void test_secure_names_are_relative_to_the_root(void **state)
{
	struct path_policy pol = { .secure = true };
	const char *rel, *msg;
	size_t dir;

	(void)state;
	assert_int_equal(path_resolve(&pol, "pxelinux.0", &dir, &rel, &msg), 0);
	assert_string_equal(rel, "pxelinux.0");
	assert_int_equal(path_resolve(&pol, "//boot/x", &dir, &rel, &msg), 0);
	assert_string_equal(rel, "boot/x");
	assert_int_equal(dir, 0);
}

static void test_without_secure_names_must_be_absolute(void **state)
{
	struct path_policy pol = { .ndirs = 2, .dirs = dirs };
	const char *rel, *msg = NULL;
	size_t dir;

	(void)state;
	assert_int_equal(path_resolve(&pol, "srv/tftp/x", &dir, &rel, &msg), TFTP_EACCESS);
	assert_string_equal(msg, "Only absolute filenames allowed");
}

static void test_reverse_paths_are_refused(void **state)
{
	struct path_policy pol = { .ndirs = 2, .dirs = dirs };
	const char *rel, *msg = NULL;
	size_t dir;

	(void)state;
	assert_int_equal(path_resolve(&pol, "/srv/tftp/../../etc/passwd", &dir, &rel, &msg),
			 TFTP_EACCESS);
	assert_string_equal(msg, "Reverse path not allowed");
	assert_int_equal(path_resolve(&pol, "/srv/tftp/..", &dir, &rel, &msg), TFTP_EACCESS);
	assert_int_equal(path_resolve(&pol, "/srv/tftp/..x", &dir, &rel, &msg), 0);
}

static void test_directory_prefix_matches_whole_components(void **state)
{
	struct path_policy pol = { .ndirs = 2, .dirs = dirs };
	const char *rel, *msg = NULL;
	size_t dir;

	(void)state;
	assert_int_equal(path_resolve(&pol, "/srv/tftp/a/b", &dir, &rel, &msg), 0);
	assert_int_equal(dir, 0);
	assert_string_equal(rel, "a/b");
	assert_int_equal(path_resolve(&pol, "/var/lib/boot/k", &dir, &rel, &msg), 0);
	assert_int_equal(dir, 1);
	assert_string_equal(rel, "k");
	/* tftpd-hpa 5.2 let "/srv/tftp2" through a "/srv/tftp" prefix. */
	assert_int_equal(path_resolve(&pol, "/srv/tftp2/x", &dir, &rel, &msg), TFTP_EACCESS);
	assert_string_equal(msg, "Forbidden directory");
}

static void test_no_directories_allows_any_absolute_name(void **state)
{
	struct path_policy pol = { 0 };
	const char *rel, *msg = NULL;
	size_t dir;

	(void)state;
	assert_int_equal(path_resolve(&pol, "/etc/motd", &dir, &rel, &msg), 0);
	assert_string_equal(rel, "etc/motd");
}

static void test_dotdot_detection_is_per_component(void **state)
{
	(void)state;
	assert_true(path_has_dotdot(".."));
	assert_true(path_has_dotdot("a/../b"));
	assert_true(path_has_dotdot("a//.."));
	assert_false(path_has_dotdot("a..b/..c/c.."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_names_are_relative_to_the_root),
		cmocka_unit_test(test_without_secure_names_must_be_absolute),
		cmocka_unit_test(test_reverse_paths_are_refused),
		cmocka_unit_test(test_directory_prefix_matches_whole_components),
		cmocka_unit_test(test_no_directories_allows_any_absolute_name),
		cmocka_unit_test(test_dotdot_detection_is_per_component),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
