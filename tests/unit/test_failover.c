/* DHCP failover / HA: the inventory's dhcp-server, failover and subnet
 * next-server statements, their checks, and each peer's output
 * (failover.c with the ISC and Kea emitters). The real dhcpd and
 * kea-dhcp4 run these outputs in tests/integration/dhcpgen-failover.sh. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "emit.h"
#include "failover.h"
#include "inventory.h"

#define SITE \
	"server 192.0.2.1\n" \
	"subnet 192.0.2.0/24 {\n" \
	"    range 192.0.2.100 192.0.2.199\n" \
	"}\n" \
	"boot bios bios/pxelinux.0\n" \
	"boot uefi-x64 efi64/grubx64.efi\n" \
	"host node01 mac 52:54:00:12:34:01 address 192.0.2.11 filename efi64/ipxe.efi\n" \
	"host node02 mac 52:54:00:12:34:02\n" \
	"dhcp-server dhcp1 address 192.0.2.2\n" \
	"dhcp-server dhcp2 {\n" \
	"    address 192.0.2.3\n" \
	"    port 847\n" \
	"    next-server 192.0.2.3\n" \
	"}\n"

#define ISC_PAIR \
	"failover boot-ha {\n" \
	"    peer dhcp1 primary\n" \
	"    peer dhcp2 secondary\n" \
	"    mclt 600\n" \
	"    split 255\n" \
	"    auto-partner-down 30\n" \
	"}\n"

static struct strbuf diag = STRBUF_INIT;

static struct inventory *parse(const char *text)
{
	sb_reset(&diag);
	return inventory_parse("inv", text, strlen(text), &diag);
}

static void assert_error(const char *text, const char *want)
{
	struct inventory *inv = parse(text);

	if (inv || !strstr(sb_str(&diag), want))
		fail_msg("input:\n%s\nwanted error: %s\ngot: %s", text, want,
			 inv ? "(accepted)" : sb_str(&diag));
	inventory_free(inv);
}

/* The output for one server, rendered as main.c does. */
static char *render(const struct inventory *inv, enum dhcp_format format, const char *server)
{
	const struct inv_dhcp_server *self = server ? failover_server(inv, server) : NULL;
	struct inventory view = failover_view(inv, self);
	struct strbuf out = STRBUF_INIT;
	char *s;

	if (server)
		assert_non_null(self);
	emit_dhcp(format, &view, &out);
	assert_false(out.oom);
	s = strdup(sb_str(&out));
	sb_free(&out);
	return s;
}

static void test_failover_is_parsed(void **state)
{
	struct inventory *inv = parse(SITE ISC_PAIR);

	(void)state;
	if (!inv)
		fail_msg("%s", sb_str(&diag));
	assert_int_equal(inv->ndhcp_servers, 2);
	assert_string_equal(inv->dhcp_servers[1].name, "dhcp2");
	assert_int_equal(inv->dhcp_servers[1].port, 847);
	assert_true(inv->dhcp_servers[1].has_next_server);
	assert_int_equal(inv->dhcp_servers[0].port, 0);
	assert_non_null(inv->failover);
	assert_string_equal(inv->failover->name, "boot-ha");
	assert_int_equal(inv->failover->npeers, 2);
	assert_int_equal(inv->failover->peer[0].role, ROLE_PRIMARY);
	assert_ptr_equal(inv->failover->peer[1].server, &inv->dhcp_servers[1]);
	assert_int_equal(inv->failover->mclt, 600);
	assert_int_equal(inv->failover->split, 255);
	assert_int_equal(inv->failover->auto_partner_down, 30);
	/* defaults */
	assert_int_equal(inv->failover->max_response_delay, 60);
	assert_int_equal(inv->failover->load_balance_max_seconds, 3);
	assert_int_equal(inv->failover->heartbeat_delay, 10);
	inventory_free(inv);
}

static void test_failover_errors(void **state)
{
	(void)state;
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n}\n", "inv:15:1: error: failover f has one peer");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp2 primary\n}\n",
		     "inv:17:10: error: two primary peers (the other is dhcp1 at line 16)");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp2 tertiary\n}\n",
		     "inv:17:16: error: unknown role 'tertiary'");
	assert_error(SITE "failover f {\n    peer dhcp1 secondary\n    peer dhcp2 standby\n}\n",
		     "mismatched peers: secondary and standby");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp1 secondary\n}\n",
		     "dhcp-server dhcp1 is both peers");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp3 secondary\n}\n",
		     "unknown dhcp-server 'dhcp3'");
	assert_error(SITE "failover f peer dhcp1 primary peer dhcp2 secondary peer dhcp2 secondary\n",
		     "a failover has two peers; this is a third");
	assert_error(SITE ISC_PAIR "failover g peer dhcp1 primary peer dhcp2 secondary\n",
		     "a second failover (the first is at line 15)");
	assert_error(SITE ISC_PAIR "dhcp-server dhcp3 address 192.0.2.4\n",
		     "dhcp-server dhcp3 is not a peer of failover boot-ha");
	assert_error(SITE, "dhcp-server dhcp1 without a failover");
	assert_error(SITE ISC_PAIR "dhcp-server dhcp1 address 192.0.2.5\n",
		     "dhcp-server dhcp1 is already defined at line 9");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24\ndhcp-server a address 198.51.100.2\n"
		     "dhcp-server b address 192.0.2.3\nfailover f peer a primary peer b secondary\n",
		     "inv:3:23: error: dhcp-server a: address 198.51.100.2 is on none of the declared subnets");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.100 192.0.2.199\n"
		     "dhcp-server a address 192.0.2.150\n"
		     "dhcp-server b address 192.0.2.3\nfailover f peer a primary peer b secondary\n",
		     "inside the range at line 2");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24\ndhcp-server a address 192.0.2.11\n"
		     "dhcp-server b address 192.0.2.11\nhost n1 mac 52:54:00:00:00:01 address 192.0.2.12\n"
		     "failover f peer a primary peer b secondary\n",
		     "dhcp-server b has the address of dhcp-server a");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24\ndhcp-server a address 192.0.2.12\n"
		     "dhcp-server b address 192.0.2.3\nhost n1 mac 52:54:00:00:00:01 address 192.0.2.12\n"
		     "failover f peer a primary peer b secondary\n",
		     "address 192.0.2.12 is host n1's fixed address");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp2 secondary\n    split 257\n}\n",
		     "'257' is not a split (0-256)");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp2 secondary\n    mclt 1\n    mclt 2\n}\n",
		     "mclt given twice");
	assert_error(SITE "failover f {\n    peer dhcp1 primary\n    peer dhcp2 secondary\n    tertiary x\n}\n",
		     "unknown failover setting 'tertiary'");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 next-server 192.0.2.5 next-server 192.0.2.6\n",
		     "next-server given twice");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 next-server 192.0.2.300\n",
		     "'192.0.2.300' is not an IPv4 address");
	assert_error("server 192.0.2.1\ndhcp-server a port 0\n", "'0' is not a port (1-65535)");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24\ndhcp-server a address 192.0.2.255\n"
		     "dhcp-server b address 192.0.2.3\nfailover f peer a primary peer b secondary\n",
		     "inv:3:23: error: dhcp-server a: 192.0.2.255 is the broadcast address of its subnet");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24\ndhcp-server a address 192.0.2.2\n"
		     "dhcp-server b address 192.0.2.0\nfailover f peer a primary peer b secondary\n",
		     "inv:4:23: error: dhcp-server b: 192.0.2.0 is the network address of its subnet");
}

/* What a format cannot do is refused with file:line before rendering. */
static void test_formats_that_cannot(void **state)
{
	struct inventory *inv = parse(SITE ISC_PAIR);

	(void)state;
	assert_non_null(inv);
	sb_reset(&diag);
	assert_false(failover_check_format(inv, FORMAT_DNSMASQ, &diag));
	assert_non_null(strstr(sb_str(&diag), "inv:15:1: error: dnsmasq has no failover"));
	sb_reset(&diag);
	assert_true(failover_check_format(inv, FORMAT_ISC, &diag));
	assert_true(failover_check_format(inv, FORMAT_KEA, &diag));
	inventory_free(inv);

	inv = parse(SITE "failover f peer dhcp1 primary peer dhcp2 standby\n");
	assert_non_null(inv);
	sb_reset(&diag);
	assert_false(failover_check_format(inv, FORMAT_ISC, &diag));
	assert_non_null(strstr(sb_str(&diag), "inv:15:36: error: ISC failover has a primary and a secondary"));
	assert_true(failover_check_format(inv, FORMAT_KEA, &diag));
	inventory_free(inv);

	/* A failover no pool refers to: dhcpd refuses it, Kea does not. */
	inv = parse("server 192.0.2.1\nsubnet 192.0.2.0/24\n"
		    "dhcp-server a address 192.0.2.2\ndhcp-server b address 192.0.2.3\n"
		    "failover f peer a primary peer b secondary\n");
	assert_non_null(inv);
	sb_reset(&diag);
	assert_false(failover_check_format(inv, FORMAT_ISC, &diag));
	assert_non_null(strstr(sb_str(&diag), "inv:5:1: error: no subnet has a range: ISC failover needs a pool"));
	assert_true(failover_check_format(inv, FORMAT_KEA, &diag));
	inventory_free(inv);

	/* Load balancing: a one-address range has no half for the second
	 * server; in hot standby it is fine. */
	inv = parse("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.9 192.0.2.9\n"
		    "dhcp-server a address 192.0.2.2\ndhcp-server b address 192.0.2.3\n"
		    "failover f peer a primary peer b secondary\n");
	assert_non_null(inv);
	sb_reset(&diag);
	assert_false(failover_check_format(inv, FORMAT_KEA, &diag));
	assert_non_null(strstr(sb_str(&diag), "inv:2:1: error: a range of one address cannot be split"));
	assert_true(failover_check_format(inv, FORMAT_ISC, &diag));
	inventory_free(inv);
	inv = parse("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.9 192.0.2.9\n"
		    "dhcp-server a address 192.0.2.2\ndhcp-server b address 192.0.2.3\n"
		    "failover f peer a primary peer b standby\n");
	assert_non_null(inv);
	assert_true(failover_check_format(inv, FORMAT_KEA, &diag));
	inventory_free(inv);

	inv = parse("server 192.0.2.1\nsubnet 192.0.2.0/24 next-server 192.0.2.5\n");
	assert_non_null(inv);
	sb_reset(&diag);
	assert_false(failover_check_format(inv, FORMAT_DNSMASQ, &diag));
	assert_non_null(strstr(sb_str(&diag), "inv:2:1: error: a subnet's own next-server needs -f isc or -f kea"));
	inventory_free(inv);
}

/* From the first class or group on, the two ISC files are the same but
 * for the failover pools' peer line (the same name in both) and the
 * next-server the peers name. */
static char *isc_host_part(const char *text)
{
	const char *from = strstr(text, "class \"");
	struct strbuf out = STRBUF_INIT;
	char *s;

	assert_non_null(from);
	while (*from) {
		size_t n = strcspn(from, "\n");

		if (!memmem(from, n, "next-server", 11))
			sb_addf(&out, "%.*s\n", (int)n, from);
		from += n + (from[n] == '\n');
	}
	s = strdup(sb_str(&out));
	sb_free(&out);
	return s;
}

static void test_isc_peers(void **state)
{
	struct inventory *inv = parse(SITE ISC_PAIR);
	char *p, *s, *hp, *hs;

	(void)state;
	assert_non_null(inv);
	p = render(inv, FORMAT_ISC, "dhcp1");
	s = render(inv, FORMAT_ISC, "dhcp2");
	assert_non_null(strstr(p, "failover peer \"boot-ha\" {\n  primary;\n  address 192.0.2.2;\n"
				  "  port 647;\n  peer address 192.0.2.3;\n  peer port 847;\n"));
	assert_non_null(strstr(s, "failover peer \"boot-ha\" {\n  secondary;\n  address 192.0.2.3;\n"
				  "  port 847;\n  peer address 192.0.2.2;\n  peer port 647;\n"));
	assert_non_null(strstr(p, "  mclt 600;\n  split 255;\n  auto-partner-down 30;\n"));
	assert_null(strstr(s, "mclt"));
	assert_null(strstr(s, "split"));
	assert_non_null(strstr(s, "  auto-partner-down 30;\n"));
	/* the declaration comes before the pool that names it */
	assert_true(strstr(p, "failover peer \"boot-ha\" {") <
		    strstr(p, "  pool {\n    failover peer \"boot-ha\";\n    range 192.0.2.100 192.0.2.199;\n  }\n"));
	/* hosts outside pools, the same on both; next-server per peer */
	assert_non_null(strstr(p, "  next-server 192.0.2.1;"));
	assert_null(strstr(p, "192.0.2.3;\n    filename"));
	assert_non_null(strstr(s, "  next-server 192.0.2.3;"));
	hp = isc_host_part(p);
	hs = isc_host_part(s);
	assert_string_equal(hp, hs);
	assert_non_null(strstr(hp, "fixed-address 192.0.2.11;"));
	assert_non_null(strstr(hp, "filename \"efi64/ipxe.efi\";"));
	free(hp);
	free(hs);
	free(p);
	free(s);
	/* Without a view (e.g. isc6, or no failover): no failover text. */
	p = render(inv, FORMAT_ISC, NULL);
	assert_null(strstr(p, "failover"));
	assert_non_null(strstr(p, "  range 192.0.2.100 192.0.2.199;\n"));
	free(p);
	inventory_free(inv);
}

static void test_kea_peers(void **state)
{
	struct inventory *inv = parse(SITE "failover ha peer dhcp1 primary peer dhcp2 standby "
					   "heartbeat-delay 2 max-response-delay 6 max-unacked-clients 0\n");
	char *p, *s;

	(void)state;
	assert_non_null(inv);
	p = render(inv, FORMAT_KEA, "dhcp1");
	s = render(inv, FORMAT_KEA, "dhcp2");
	assert_non_null(strstr(p, "{ \"library\": \"" KEA_HOOKS_DIR "/libdhcp_lease_cmds.so\" },\n"
				  "  { \"library\": \"" KEA_HOOKS_DIR "/libdhcp_ha.so\""));
	assert_non_null(strstr(p, "\"this-server-name\": \"dhcp1\",\n      \"mode\": \"hot-standby\",\n"
				  "      \"heartbeat-delay\": 2000,\n      \"max-response-delay\": 6000,\n"));
	assert_non_null(strstr(p, "\"max-unacked-clients\": 0,"));
	assert_non_null(strstr(s, "\"this-server-name\": \"dhcp2\""));
	assert_non_null(strstr(p, "{ \"name\": \"dhcp2\", \"url\": \"http://192.0.2.3:847/\", \"role\": \"standby\""));
	assert_non_null(strstr(p, "{ \"name\": \"dhcp1\", \"url\": \"http://192.0.2.2:8000/\", \"role\": \"primary\""));
	assert_non_null(strstr(p, "\"http-dedicated-listener\": true"));
	assert_non_null(strstr(p, "\"multi-threading\": { \"enable-multi-threading\": true, \"thread-pool-size\""));
	/* hot standby: one pool, no HA classes */
	assert_non_null(strstr(p, "\"pools\": [ { \"pool\": \"192.0.2.100 - 192.0.2.199\" } ]"));
	assert_null(strstr(p, "HA_"));
	/* the standby names its own TFTP server, the primary the site's */
	assert_non_null(strstr(p, "\"next-server\": \"192.0.2.1\""));
	assert_non_null(strstr(s, "\"next-server\": \"192.0.2.3\""));
	free(p);
	free(s);
	inventory_free(inv);

	inv = parse(SITE "failover ha peer dhcp2 secondary peer dhcp1 primary\n");
	assert_non_null(inv);
	p = render(inv, FORMAT_KEA, "dhcp2");
	assert_non_null(strstr(p, "\"mode\": \"load-balancing\""));
	/* the primary's class gets the first half whatever the order */
	assert_non_null(strstr(p, "{ \"pool\": \"192.0.2.100 - 192.0.2.149\", \"client-class\": \"HA_dhcp1\" }"));
	assert_non_null(strstr(p, "{ \"pool\": \"192.0.2.150 - 192.0.2.199\", \"client-class\": \"HA_dhcp2\" }"));
	free(p);
	inventory_free(inv);
}

/* A subnet's own next-server: in the subnets, not in the classes (whose
 * scope beats the subnet's in dhcpd and Kea alike). */
static void test_subnet_next_server(void **state)
{
	struct inventory *inv = parse("server 192.0.2.1\n"
				      "subnet 192.0.2.0/24 range 192.0.2.100 192.0.2.199 next-server 192.0.2.5\n"
				      "subnet 198.51.100.0/24 range 198.51.100.100 198.51.100.199\n"
				      "subnet 203.0.113.0/24 next-server 203.0.113.5\n"
				      "boot bios bios/pxelinux.0\n"
				      "host n1 mac 52:54:00:00:00:01 address 192.0.2.11\n");
	char *isc, *kea;

	(void)state;
	if (!inv)
		fail_msg("%s", sb_str(&diag));
	isc = render(inv, FORMAT_ISC, NULL);
	kea = render(inv, FORMAT_KEA, NULL);
	assert_non_null(strstr(isc, "\nnext-server 192.0.2.1;\n"));	/* dhcpd.conf's subnets */
	assert_non_null(strstr(isc, "  range 192.0.2.100 192.0.2.199;\n  next-server 192.0.2.5;\n"));
	assert_non_null(strstr(isc, "  range 198.51.100.100 198.51.100.199;\n  next-server 192.0.2.1;\n"));
	assert_non_null(strstr(isc, "subnet 203.0.113.0 netmask 255.255.255.0 {\n  next-server 203.0.113.5;\n"));
	assert_non_null(strstr(isc, "group {\n  host n1"));
	assert_null(strstr(isc, "  next-server 192.0.2.1;\n  if"));
	assert_null(strstr(kea, "\"next-server\": \"192.0.2.1\", \"boot-file-name\""));
	assert_non_null(strstr(kea, "\"pools\": [ { \"pool\": \"192.0.2.100 - 192.0.2.199\" } ],\n    \"next-server\": \"192.0.2.5\""));
	assert_non_null(strstr(kea, "\"subnet\": \"203.0.113.0/24\",\n    \"next-server\": \"203.0.113.5\""));
	free(isc);
	free(kea);
	inventory_free(inv);
}

static void test_output_paths(void **state)
{
	static const char *const cases[][3] = {
		{ "/etc/dhcp/pxekit.conf", "dhcp1", "/etc/dhcp/pxekit-dhcp1.conf" },
		{ "/etc/kea/pxekit-dhcp4.json", "k2", "/etc/kea/pxekit-dhcp4-k2.json" },
		{ "/etc/dhcp/pxekit", "a", "/etc/dhcp/pxekit-a" },
		{ "/etc/dhcp.d/.pxekit", "a", "/etc/dhcp.d/.pxekit-a" },
		{ "/etc/dhcp.d/pxekit", "a", "/etc/dhcp.d/pxekit-a" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = failover_output_path(cases[i][0], cases[i][1]);

		assert_string_equal(p, cases[i][2]);
		free(p);
	}
}

/* The files a run writing each server's file may take back: -o, and
 * -o-NAME only when it holds server NAME's failover file. */
static void test_output_of(void **state)
{
	static const char isc_s1[] = "# Generated by pxe-dhcpgen\n\n# Failover: this file is for s1, the primary; s2 has its own.\n";
	static const char kea_k2[] = "\"this-server-name\": \"k2\",\n";

	(void)state;
	assert_true(failover_output_of("/e/pxekit.conf", "/e/pxekit.conf", ""));
	assert_true(failover_output_of("/e/pxekit.conf", "/e/pxekit-s1.conf", isc_s1));
	assert_true(failover_output_of("/e/pxekit.json", "/e/pxekit-k2.json", kea_k2));
	assert_true(failover_output_of("/e/pxe.kit.conf", "/e/pxe.kit-s1.conf", isc_s1));
	assert_true(failover_output_of("/e/pxekit", "/e/pxekit-s1", isc_s1));
	/* Another server's marks, another run's file, another name. */
	assert_false(failover_output_of("/e/pxekit.conf", "/e/pxekit-s2.conf", isc_s1));
	assert_false(failover_output_of("/e/pxekit.conf", "/e/pxekit-v6.conf", "# Generated by pxe-dhcpgen\n"));
	assert_false(failover_output_of("/e/pxekit.conf", "/e/pxekit-s1.json", isc_s1));
	assert_false(failover_output_of("/e/pxekit.conf", "/e/pxekit-.conf", isc_s1));
	assert_false(failover_output_of("/e/pxekit.conf", "/e/pxekit-d/s1.conf", isc_s1));
	assert_false(failover_output_of("/e/pxekit.conf", "/f/pxekit-s1.conf", isc_s1));
	assert_false(failover_output_of("/e/pxekit.conf", "/e/pxekit6.conf", isc_s1));
}

static void test_kea_hooks_dir(void **state)
{
	struct inventory *inv = parse(SITE "kea-hooks-dir /opt/kea/lib64/hooks\n"
					   "failover ha peer dhcp1 primary peer dhcp2 standby\n");
	char *p;

	(void)state;
	assert_non_null(inv);
	p = render(inv, FORMAT_KEA, "dhcp1");
	assert_non_null(strstr(p, "{ \"library\": \"/opt/kea/lib64/hooks/libdhcp_lease_cmds.so\" },\n"
				  "  { \"library\": \"/opt/kea/lib64/hooks/libdhcp_ha.so\""));
	assert_null(strstr(p, KEA_HOOKS_DIR "/"));
	free(p);
	inventory_free(inv);
	assert_error(SITE "kea-hooks-dir lib/hooks\n", "inv:");
	assert_error("kea-hooks-dir /opt/a\"b\n", "unterminated");
	assert_error("kea-hooks-dir \"/opt/a b\"\n", "inv:1:22: error: character ' ' is not allowed in kea-hooks-dir");
	assert_error("kea-hooks-dir /opt/../x\n", "without '.' or '..'");
	assert_error("kea-hooks-dir /a\nkea-hooks-dir /b\n", "inv:2:1: error: kea-hooks-dir given twice");
}

/* A subnet's own http-server is the same in both peers' files; each
 * peer keeps its own next-server. */
static void test_subnet_http_server_with_failover(void **state)
{
	struct inventory *inv = parse("server 192.0.2.1\n"
				      "subnet 192.0.2.0/24 {\n range 192.0.2.100 192.0.2.199\n"
				      " http-server http://192.0.2.80/a\n}\n"
				      "boot ipxe ipxe/boot.ipxe\n"
				      "dhcp-server dhcp1 address 192.0.2.2\n"
				      "dhcp-server dhcp2 {\n address 192.0.2.3\n next-server 192.0.2.3\n}\n"
				      "failover ha peer dhcp1 primary peer dhcp2 secondary\n");
	char *p, *s;

	(void)state;
	assert_non_null(inv);
	p = render(inv, FORMAT_ISC, "dhcp1");
	s = render(inv, FORMAT_ISC, "dhcp2");
	assert_non_null(strstr(p, "  option ipxe.pxekit-http-server \"http://192.0.2.80/a\";\n"));
	assert_non_null(strstr(s, "  option ipxe.pxekit-http-server \"http://192.0.2.80/a\";\n"));
	assert_non_null(strstr(p, "next-server 192.0.2.1;"));
	assert_non_null(strstr(s, "next-server 192.0.2.3;"));
	free(p);
	free(s);
	p = render(inv, FORMAT_KEA, "dhcp1");
	s = render(inv, FORMAT_KEA, "dhcp2");
	assert_non_null(strstr(p, "\"code\": 175, \"csv-format\": false, \"data\": \"E013"));
	assert_non_null(strstr(s, "\"code\": 175, \"csv-format\": false, \"data\": \"E013"));
	free(p);
	free(s);
	inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failover_is_parsed),
		cmocka_unit_test(test_failover_errors),
		cmocka_unit_test(test_formats_that_cannot),
		cmocka_unit_test(test_isc_peers),
		cmocka_unit_test(test_kea_peers),
		cmocka_unit_test(test_subnet_next_server),
		cmocka_unit_test(test_output_paths),
		cmocka_unit_test(test_output_of),
		cmocka_unit_test(test_kea_hooks_dir),
		cmocka_unit_test(test_subnet_http_server_with_failover),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	sb_free(&diag);
	return rc;
}
