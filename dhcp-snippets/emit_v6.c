/* DHCPv6 network boot (RFC 5970): the boot file is option 59, a URL
 * (tftp://[addr]/path for UEFI IPv6 PXE, http:// for HTTP boot), chosen
 * by option 61, the client architecture (RFC 4578's registry). UEFI HTTP
 * boot sends vendor class option 16 with enterprise 343 and data
 * "HTTPClient..." and wants it echoed (UEFI 2.x "HTTP Boot", DHCPv6).
 * iPXE sends user class option 15 "iPXE". Option 16 and 15 are
 * length-prefixed: enterprise (4 bytes) then a 2-byte length, so
 * "HTTPClient" starts at byte 6 and "iPXE" at byte 2. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"

#define URL_MAX (INV_PATH_MAX + INET6_ADDRSTRLEN + 16)
#define TAG_MAX 96

/* Option 16 as an HTTP-boot server sends it: enterprise 343, one
 * vendor-class-data item of 10 bytes, "HTTPClient". */
#define HTTPCLIENT_HEX "000a48545450436c69656e74"

static const char *v6_url(const struct inventory *inv, const char *file, char *buf)
{
	inv_boot6_url(inv, file, buf, URL_MAX);
	return buf;
}

/* ---- ISC dhcpd -6 -------------------------------------------------- */

static void isc6_arch_test(struct strbuf *out, const struct inv_boot *b)
{
	for (size_t i = 0; i < b->narch; i++)
		sb_addf(out, "%soption dhcp6.client-arch-type = %02x:%02x", i ? " or " : "",
			b->arch[i] >> 8, b->arch[i] & 255);
}

/* "if A {..} elsif B {..} else {..}" over one client kind's rules. */
static bool isc6_chain(struct strbuf *out, const struct inventory *inv, enum inv_client client,
		       bool started, const char *indent)
{
	const struct inv_boot *any = inv_find_boot6(inv, client, true);
	char url[URL_MAX];

	for (size_t i = 0; i < inv->nboots6; i++) {
		const struct inv_boot *b = &inv->boots6[i];

		if (b->client != client || b->narch == 0)
			continue;
		sb_add(out, started ? " elsif " : indent);
		sb_add(out, started ? "" : "if ");
		isc6_arch_test(out, b);
		sb_addf(out, " {\n%s  option dhcp6.bootfile-url \"%s\";\n%s}", indent,
			v6_url(inv, b->file, url), indent);
		started = true;
	}
	if (any && started)
		sb_addf(out, " else {\n%s  option dhcp6.bootfile-url \"%s\";\n%s}", indent,
			v6_url(inv, any->file, url), indent);
	else if (any)
		sb_addf(out, "%soption dhcp6.bootfile-url \"%s\";", indent,
			v6_url(inv, any->file, url));
	return started || any;
}

static void isc6_subnets(struct strbuf *out, const struct inventory *inv)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < inv->nsubnets6; i++) {
		const struct inv_subnet6 *sn = &inv->subnets6[i];

		format_ipv6(sn->network, a);
		if (!sn->has_range) {
			sb_addf(out, "# subnet6 %s/%u is declared in dhcpd6.conf, not here.\n", a,
				sn->prefixlen);
			continue;
		}
		sb_addf(out, "subnet6 %s/%u {\n", a, sn->prefixlen);
		format_ipv6(sn->range_lo, a);
		format_ipv6(sn->range_hi, b);
		sb_addf(out, "  range6 %s %s;\n", a, b);
		for (size_t d = 0; d < sn->ndns; d++) {
			format_ipv6(sn->dns[d], a);
			sb_addf(out, "%s%s%s", d ? ", " : "  option dhcp6.name-servers ", a,
				d + 1 == sn->ndns ? ";\n" : "");
		}
		if (sn->lease_time)
			sb_addf(out, "  default-lease-time %u;\n  max-lease-time %u;\n"
				     "  preferred-lifetime %u;\n",
				sn->lease_time, sn->lease_time, sn->lease_time);
		sb_add(out, "}\n");
	}
}

void emit_isc6(const struct inventory *inv, struct strbuf *out)
{
	bool started = false;

	sb_addf(out, "# " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "# Add at global scope of dhcpd6.conf (dhcpd -6): include \"<this file>\";\n\n",
		inv->source);
	/* dhcpd 4.4 knows 59 and 61 but not 15 and 16 in the dhcp6 space. */
	sb_add(out, "option dhcp6.user-class code 15 = string;\n"
		    "option dhcp6.vendor-class code 16 = {integer 32, integer 16, string};\n\n");
	if (inv_find_boot6(inv, CLIENT_HTTP, true) || inv_find_boot6(inv, CLIENT_HTTP, false)) {
		/* dhcpd -6 sends only what the client's ORO asks for; edk2
		 * asks for 16 (NetworkPkg HttpBootDhcp6.c). */
		sb_add(out, "if substring(option dhcp6.vendor-class, 6, 10) = \"HTTPClient\" {\n"
			    "  option dhcp6.vendor-class 343 10 \"HTTPClient\";\n");
		isc6_chain(out, inv, CLIENT_HTTP, false, "  ");
		sb_add(out, "\n}");
		started = true;
	}
	if (inv_find_boot6(inv, CLIENT_IPXE, true)) {
		char url[URL_MAX];

		/* iPXE asks again once it runs; give it its script, not itself. */
		sb_addf(out, "%s exists dhcp6.user-class and "
			     "substring(option dhcp6.user-class, 2, 4) = \"iPXE\" {\n"
			     "  option dhcp6.bootfile-url \"%s\";\n}",
			started ? " elsif" : "if",
			v6_url(inv, inv_find_boot6(inv, CLIENT_IPXE, true)->file, url));
		started = true;
	}
	if (started) {
		struct strbuf rest = STRBUF_INIT;

		if (isc6_chain(&rest, inv, CLIENT_PXE, false, "  "))
			sb_addf(out, " else {\n%s\n}", sb_str(&rest));
		out->oom |= rest.oom;
		sb_free(&rest);
		sb_add(out, "\n\n");
	} else if (isc6_chain(out, inv, CLIENT_PXE, false, "")) {
		sb_add(out, "\n\n");
	}
	isc6_subnets(out, inv);
}

/* ---- Kea Dhcp6 ----------------------------------------------------- */

static void kea6_class_open(struct strbuf *out, bool *first, const char *name)
{
	sb_addf(out, "%s\n    { \"name\": \"%s\", \"test\": \"", *first ? "" : ",", name);
	*first = false;
}

static void kea6_arch_test(struct strbuf *out, const struct inv_boot *b)
{
	sb_add(out, " and (");
	for (size_t i = 0; i < b->narch; i++)
		sb_addf(out, "%soption[61].hex == 0x%04x", i ? " or " : "", b->arch[i]);
	sb_add(out, ")");
}

/* Kea sends an option only when the client asked for it in its ORO
 * unless always-send is set; firmware never asks for option 16. */
static void kea6_url(struct strbuf *out, const struct inventory *inv, const char *file,
		     bool http)
{
	char url[URL_MAX];

	sb_add(out, "\",\n      \"option-data\": [ ");
	if (http)
		sb_add(out, "{ \"name\": \"vendor-class\", \"data\": \"343, " HTTPCLIENT_HEX
			    "\", \"always-send\": true },\n        ");
	sb_addf(out, "{ \"name\": \"bootfile-url\", \"data\": \"%s\", \"always-send\": true } ] }",
		v6_url(inv, file, url));
}

/* "pxekit6-uefi-x64": the DHCPv4 tag with its own prefix (Kea class
 * names, dnsmasq tags). */
static void v6_tag(const struct inv_boot *b, char tag[TAG_MAX])
{
	char v4[TAG_MAX];

	inv_boot_tag(b, v4, sizeof v4);
	/* Tags are short keywords or "arch-N": the precision only bounds
	 * what the compiler must assume. */
	snprintf(tag, TAG_MAX, "pxekit6-%.*s", TAG_MAX - 9, v4 + strlen("pxekit-"));
}

/* The members of the "client-classes" list, comma-separated. */
static void kea6_class_items(struct strbuf *out, const struct inventory *inv)
{
	static const char http[] = "substring(option[16].hex,6,10) == 'HTTPClient'";
	const struct inv_boot *ipxe = inv_find_boot6(inv, CLIENT_IPXE, true);
	bool first = true;
	char tag[TAG_MAX];

	if (ipxe) {
		kea6_class_open(out, &first, "pxekit6-ipxe");
		sb_add(out, "substring(option[15].hex,2,4) == 'iPXE'");
		kea6_url(out, inv, ipxe->file, false);
	}
	/* Arch rules first: the any-arch ones name them in member(), and
	 * Kea only accepts classes defined before that. */
	for (size_t k = 0; k < 2 * inv->nboots6; k++) {
		const struct inv_boot *b = &inv->boots6[k % inv->nboots6];

		if (b->client == CLIENT_IPXE || (k < inv->nboots6) != (b->narch != 0))
			continue;
		v6_tag(b, tag);
		kea6_class_open(out, &first, tag);
		if (b->client == CLIENT_HTTP)
			sb_add(out, http);
		else
			sb_addf(out, "not %s", http);
		if (ipxe)
			sb_add(out, " and not member('pxekit6-ipxe')");
		if (b->narch) {
			kea6_arch_test(out, b);
		} else {
			for (size_t j = 0; j < inv->nboots6; j++) {
				char other[TAG_MAX];

				if (inv->boots6[j].client != b->client || !inv->boots6[j].narch)
					continue;
				v6_tag(&inv->boots6[j], other);
				sb_addf(out, " and not member('%s')", other);
			}
		}
		kea6_url(out, inv, b->file, b->client == CLIENT_HTTP);
	}
}

static void kea6_subnet(struct strbuf *out, const struct inventory *inv, size_t i)
{
	const struct inv_subnet6 *sn = &inv->subnets6[i];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	format_ipv6(sn->network, a);
	/* Not the position in the file: see inv_subnet6_id. */
	sb_addf(out, "%s\n  { \"id\": %lu, \"subnet\": \"%s/%u\"", i ? "," : "",
		(unsigned long)inv_subnet6_id(sn), a, sn->prefixlen);
	if (sn->has_range) {
		format_ipv6(sn->range_lo, a);
		format_ipv6(sn->range_hi, b);
		sb_addf(out, ",\n    \"pools\": [ { \"pool\": \"%s - %s\" } ]", a, b);
	}
	if (sn->interface)
		sb_addf(out, ",\n    \"interface\": \"%s\"", sn->interface);
	if (sn->lease_time)
		sb_addf(out, ",\n    \"valid-lifetime\": %u, \"preferred-lifetime\": %u",
			sn->lease_time, sn->lease_time);
	for (size_t d = 0; d < sn->ndns; d++) {
		format_ipv6(sn->dns[d], a);
		sb_addf(out, "%s%s", d ? ", " : ",\n    \"option-data\": [ { \"name\": \"dns-servers\", \"data\": \"", a);
	}
	if (sn->ndns)
		sb_add(out, "\" } ]");
	sb_add(out, " }");
}

void emit_kea6(const struct inventory *inv, struct strbuf *out)
{
	sb_addf(out, "// " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "// Include inside the \"Dhcp6\" map: <?include \"<this file>\"?>\n",
		inv->source);
	sb_add(out, "\"client-classes\": [");
	kea6_class_items(out, inv);
	sb_add(out, "\n],\n\"subnet6\": [");
	for (size_t i = 0; i < inv->nsubnets6; i++)
		kea6_subnet(out, inv, i);
	sb_add(out, "\n]\n");
}

void emit_kea6_lists(const struct inventory *inv, struct strbuf out[KEA_NLISTS])
{
	kea_piece_head(&out[KEA_CLASSES], inv, "Dhcp6", "client-classes");
	kea6_class_items(&out[KEA_CLASSES], inv);
	sb_add(&out[KEA_CLASSES], "\n");
	kea_piece_head(&out[KEA_SUBNETS], inv, "Dhcp6", "subnet6");
	for (size_t i = 0; i < inv->nsubnets6; i++)
		kea6_subnet(&out[KEA_SUBNETS], inv, i);
	sb_add(&out[KEA_SUBNETS], "\n");
}

/* ---- dnsmasq (its DHCPv6 side, in the same file) ------------------- */

void emit_dnsmasq6(const struct inventory *inv, struct strbuf *out)
{
	const struct inv_boot *ipxe = inv_find_boot6(inv, CLIENT_IPXE, true);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], tag[TAG_MAX], url[URL_MAX];

	if (!inv->nsubnets6 && !inv->nboots6)
		return;
	sb_add(out, "# DHCPv6 (RFC 5970): option 59 bootfile-url by option 61 arch.\n");
	for (size_t i = 0; i < inv->nsubnets6; i++) {
		const struct inv_subnet6 *sn = &inv->subnets6[i];

		if (sn->has_range) {
			format_ipv6(sn->range_lo, a);
			format_ipv6(sn->range_hi, b);
			sb_addf(out, "dhcp-range=set:pxekit6-net%zu,%s,%s,%u", i + 1, a, b,
				sn->prefixlen);
		} else {
			format_ipv6(sn->network, a);
			sb_addf(out, "dhcp-range=set:pxekit6-net%zu,%s,static,%u", i + 1, a,
				sn->prefixlen);
		}
		if (sn->lease_time)
			sb_addf(out, ",%u", sn->lease_time);
		else if (sn->has_range)
			sb_add(out, ",12h");
		sb_add(out, "\n");
		if (sn->ndns)
			sb_addf(out, "dhcp-option=tag:pxekit6-net%zu,option6:dns-server", i + 1);
		for (size_t d = 0; d < sn->ndns; d++) {
			format_ipv6(sn->dns[d], a);
			sb_addf(out, ",[%s]%s", a, d + 1 == sn->ndns ? "\n" : "");
		}
	}
	if (ipxe)
		sb_add(out, "dhcp-userclass=set:pxekit6-ipxe,iPXE\n");
	/* UEFI HTTP boot wants option 16 echoed with enterprise 343, which
	 * dnsmasq cannot send (its option6:16 is a bare length-prefixed
	 * string), so HTTP-boot clients are only kept off the TFTP rules. */
	if (inv_find_boot6(inv, CLIENT_HTTP, true) || inv_find_boot6(inv, CLIENT_HTTP, false))
		sb_add(out, "dhcp-vendorclass=set:pxekit6-http,enterprise:343,HTTPClient\n");
	/* Option 61 is a list of 16-bit codes; a hex value is compared at
	 * its start, so "00:07" means "first code 7". */
	for (size_t i = 0; i < inv->nboots6; i++) {
		const struct inv_boot *bt = &inv->boots6[i];

		if (bt->client == CLIENT_HTTP)
			continue;
		v6_tag(bt, tag);
		for (size_t k = 0; k < bt->narch; k++)
			sb_addf(out, "dhcp-match=set:%s,option6:61,%02x:%02x\n", tag,
				bt->arch[k] >> 8, bt->arch[k] & 255);
	}
	for (size_t i = 0; i < inv->nboots6; i++) {
		const struct inv_boot *bt = &inv->boots6[i];

		if (bt->client == CLIENT_HTTP)
			continue;
		v6_tag(bt, tag);
		if (bt->client == CLIENT_IPXE) {
			sb_add(out, "dhcp-option=tag:pxekit6-ipxe");
		} else {
			sb_add(out, "dhcp-option=tag:!pxekit6-http");
			if (bt->narch)
				sb_addf(out, ",tag:%s", tag);
			for (size_t j = 0; !bt->narch && j < inv->nboots6; j++) {
				char other[TAG_MAX];

				if (inv->boots6[j].client != bt->client || !inv->boots6[j].narch)
					continue;
				v6_tag(&inv->boots6[j], other);
				sb_addf(out, ",tag:!%s", other);
			}
			if (ipxe)
				sb_add(out, ",tag:!pxekit6-ipxe");
		}
		sb_addf(out, ",option6:bootfile-url,%s\n", v6_url(inv, bt->file, url));
	}
}
