/* Kea DHCPv4 fragment: the members of the "Dhcp4" map that carry the boot
 * policy, for <?include?> inside it. Kea gives a packet every class whose
 * test matches, so the tests are made mutually exclusive with member()
 * instead of relying on the order classes are evaluated in. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "failover.h"

#define TAG_MAX 96	/* "pxekit-host-" and a 63-character name */

/* "pkt4.mac == 0x525400123401 or ..." over the hosts that pass. */
static void kea_mac_test(struct strbuf *out, const struct inventory *inv,
			 bool (*pick)(const struct inv_host *))
{
	bool any = false;

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		if (!pick(h))
			continue;
		sb_addf(out, "%spkt4.mac == 0x%02x%02x%02x%02x%02x%02x", any ? " or " : "",
			h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
		any = true;
	}
}

static bool host_is_noboot(const struct inv_host *h)
{
	return h->noboot;
}

static bool host_has_filename(const struct inv_host *h)
{
	return h->filename != NULL || h->nboots;
}

static bool any_host(const struct inventory *inv, bool (*pick)(const struct inv_host *))
{
	for (size_t i = 0; i < inv->nhosts; i++)
		if (pick(&inv->hosts[i]))
			return true;
	return false;
}

static void kea_class_open(struct strbuf *out, bool *first, const char *name)
{
	sb_addf(out, "%s\n    { \"name\": \"%s\", \"test\": \"", *first ? "" : ",", name);
	*first = false;
}

static void kea_boot_fields(struct strbuf *out, const struct inventory *inv, const char *file)
{
	char server[16];

	format_ipv4(inv->server, server);
	if (inv_is_url(file) || inv_has_subnet_next_server(inv))	/* subnets say */
		sb_addf(out, "\",\n      \"boot-file-name\": \"%s\" }", file);
	else
		sb_addf(out, "\",\n      \"next-server\": \"%s\", \"boot-file-name\": \"%s\" }",
			server, file);
}

static void kea_arch_test(struct strbuf *out, const struct inv_boot *b)
{
	sb_add(out, " and (");
	for (size_t i = 0; i < b->narch; i++)
		sb_addf(out, "%soption[93].hex == 0x%04x", i ? " or " : "", b->arch[i]);
	sb_add(out, ")");
}

static void kea_arch_test(struct strbuf *out, const struct inv_boot *b);

static void kea_mac(struct strbuf *out, const struct inv_host *h)
{
	sb_addf(out, "pkt4.mac == 0x%02x%02x%02x%02x%02x%02x", h->mac[0], h->mac[1], h->mac[2],
		h->mac[3], h->mac[4], h->mac[5]);
}

/* Packets one of the host classes below answers: a host with a filename
 * for any architecture, or a host's MAC with one of its own arch codes. */
static void kea_hostboot_test(struct strbuf *out, const struct inventory *inv)
{
	bool any = false;

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		if (!host_has_filename(h))
			continue;
		sb_add(out, any ? " or " : "");
		any = true;
		if (h->filename) {
			kea_mac(out, h);
			continue;
		}
		sb_add(out, "(");
		kea_mac(out, h);
		sb_add(out, " and (");
		for (size_t b = 0; b < h->nboots; b++)
			for (size_t a = 0; a < h->boot[b].narch; a++)
				sb_addf(out, "%soption[93].hex == 0x%04x", b || a ? " or " : "",
					h->boot[b].arch[a]);
		sb_add(out, "))");
	}
}

/* One class per host boot file; the any-arch one leaves the host's
 * per-arch classes their packets. */
static void kea_host_classes(struct strbuf *out, const struct inventory *inv,
			     const struct inv_host *h, bool *first, bool ipxe)
{
	char tag[TAG_MAX + 24];

	for (size_t b = 0; b < h->nboots; b++) {
		snprintf(tag, sizeof tag, "pxekit-hostarch-%s-%s", h->name, h->boot[b].keyword);
		kea_class_open(out, first, tag);
		kea_mac(out, h);
		if (ipxe)
			sb_add(out, " and not member('pxekit-ipxe')");
		kea_arch_test(out, &h->boot[b]);
		kea_boot_fields(out, inv, h->boot[b].file);
	}
	if (!h->filename)
		return;
	snprintf(tag, sizeof tag, "pxekit-host-%s", h->name);
	kea_class_open(out, first, tag);
	kea_mac(out, h);
	if (ipxe)
		sb_add(out, " and not member('pxekit-ipxe')");
	for (size_t b = 0; b < h->nboots; b++)
		sb_addf(out, " and not member('pxekit-hostarch-%s-%s')", h->name, h->boot[b].keyword);
	kea_boot_fields(out, inv, h->filename);
}

static void kea_http_classes(struct strbuf *out, const struct inventory *inv, bool *first)
{
	static const char http[] = "substring(option[60].hex,0,10) == 'HTTPClient'";
	char tag[TAG_MAX];

	/* Two passes: the any-arch rule names the others in member(), and
	 * Kea only accepts classes defined before that. */
	for (size_t k = 0; k < 2 * inv->nboots; k++) {
		const struct inv_boot *b = &inv->boots[k % inv->nboots];

		if (b->client != CLIENT_HTTP || (k < inv->nboots) != (b->narch != 0))
			continue;
		inv_boot_tag(b, tag, sizeof tag);
		kea_class_open(out, first, tag);
		sb_add(out, http);
		if (b->narch) {
			kea_arch_test(out, b);
		} else {
			/* The any-arch rule: not a client another HTTP rule took. */
			for (size_t j = 0; j < inv->nboots; j++) {
				char other[TAG_MAX];

				if (inv->boots[j].client != CLIENT_HTTP || !inv->boots[j].narch)
					continue;
				inv_boot_tag(&inv->boots[j], other, sizeof other);
				sb_addf(out, " and not member('%s')", other);
			}
		}
		sb_add(out, "\",\n      \"option-data\": [ { \"name\": \"vendor-class-identifier\", "
			    "\"data\": \"HTTPClient\" } ]");
		sb_addf(out, ",\n      \"boot-file-name\": \"%s\" }", b->file);
	}
}

static void kea_pxe_classes(struct strbuf *out, const struct inventory *inv, bool *first)
{
	const struct inv_boot *ipxe = inv_find_boot(inv, CLIENT_IPXE, true);
	bool hostboot = false;
	char tag[TAG_MAX];

	if (ipxe) {
		kea_class_open(out, first, "pxekit-ipxe");
		sb_add(out, "substring(option[77].hex,0,4) == 'iPXE'");
		kea_boot_fields(out, inv, ipxe->file);
	}
	if (any_host(inv, host_has_filename)) {
		kea_class_open(out, first, "pxekit-hostboot");
		kea_hostboot_test(out, inv);
		sb_add(out, "\" }");
		hostboot = true;
	}
	for (size_t i = 0; i < inv->nhosts; i++)
		kea_host_classes(out, inv, &inv->hosts[i], first, ipxe != NULL);
	for (size_t i = 0; i < inv->nboots; i++) {
		const struct inv_boot *b = &inv->boots[i];

		if (b->client == CLIENT_NOARCH) {
			/* PXE 2.1 BIOS ROMs send no option 93 at all. */
			kea_class_open(out, first, "pxekit-no-arch");
			sb_add(out, "substring(option[60].hex,0,9) == 'PXEClient' and not option[93].exists");
			if (ipxe)
				sb_add(out, " and not member('pxekit-ipxe')");
			if (hostboot)
				sb_add(out, " and not member('pxekit-hostboot')");
			kea_boot_fields(out, inv, b->file);
			continue;
		}
		if (b->client != CLIENT_PXE)
			continue;
		inv_boot_tag(b, tag, sizeof tag);
		kea_class_open(out, first, tag);
		sb_add(out, "substring(option[60].hex,0,9) == 'PXEClient'");
		if (ipxe)
			sb_add(out, " and not member('pxekit-ipxe')");
		if (hostboot)
			sb_add(out, " and not member('pxekit-hostboot')");
		kea_arch_test(out, b);
		kea_boot_fields(out, inv, b->file);
	}
}

/* The members of the "client-classes" list, comma-separated. */
static void kea_class_items(struct strbuf *out, const struct inventory *inv)
{
	bool first = true;

	/* DROP is Kea's built-in class for packets it must ignore. */
	if (any_host(inv, host_is_noboot)) {
		kea_class_open(out, &first, "DROP");
		kea_mac_test(out, inv, host_is_noboot);
		sb_add(out, "\" }");
	}
	kea_http_classes(out, inv, &first);
	kea_pxe_classes(out, inv, &first);
}

static void kea_reservation(struct strbuf *out, const struct inv_host *h, bool *first,
			    const char *indent)
{
	char text[18];

	format_mac(h->mac, ':', text);
	sb_addf(out, "%s\n%s{ \"hw-address\": \"%s\"", *first ? "" : ",", indent, text);
	if (h->has_address) {
		format_ipv4(h->address, text);
		sb_addf(out, ", \"ip-address\": \"%s\"", text);
	}
	sb_addf(out, ", \"hostname\": \"%s\" }", h->name);
	*first = false;
}

/* One member of a subnet's "option-data" list, opening it first. */
static void kea_option(struct strbuf *out, size_t *n, const char *name, const char *data)
{
	sb_addf(out, "%s { \"name\": \"%s\", \"data\": \"%s\" }",
		*n ? "," : ",\n    \"option-data\": [", name, data);
	(*n)++;
}

static void kea_addr_option(struct strbuf *out, size_t *n, const char *name,
			    const uint32_t *addr, size_t naddr)
{
	struct strbuf list = STRBUF_INIT;
	char a[16];

	if (!naddr)
		return;
	for (size_t i = 0; i < naddr; i++) {
		format_ipv4(addr[i], a);
		sb_addf(&list, "%s%s", i ? ", " : "", a);
	}
	kea_option(out, n, name, sb_str(&list));
	out->oom |= list.oom;
	sb_free(&list);
}

/* A subnet's http-server for iPXE: option 175 holding sub-option 224
 * (inventory.h INV_IPXE_HTTP_OPTION), in hex. Kea 2.2 has no definition
 * of iPXE's space, and one in option-def would not reach the pieces of
 * --kea-lists; bytes need none. iPXE asks for 175, so Kea sends it. */
static void kea_ipxe_http(struct strbuf *out, size_t *n, const char *url)
{
	size_t len = strlen(url);	/* at most INV_PATH_MAX: one option */

	sb_addf(out, "%s { \"code\": %u, \"csv-format\": false, \"data\": \"%02X%02X",
		*n ? "," : ",\n    \"option-data\": [", INV_IPXE_ENCAP, INV_IPXE_HTTP_OPTION,
		(unsigned)len);
	for (size_t i = 0; i < len; i++)
		sb_addf(out, "%02X", (unsigned char)url[i]);
	sb_add(out, "\" }");
	(*n)++;
}

static void kea_subnet(struct strbuf *out, const struct inventory *inv, size_t i)
{
	const struct inv_subnet *sn = &inv->subnets[i];
	char a[16];
	bool first = true;
	size_t nopt = 0;

	format_ipv4(sn->network, a);
	/* The id is the network address: Kea keys leases and reservations
	 * by it, and a position in the file would change when a subnet is
	 * added before it (clients would get new addresses). Subnets do not
	 * overlap, so no two share it; the inventory refuses 0.0.0.0 and
	 * 255.255.255.254/255, which Kea does not take. */
	sb_addf(out, "%s\n  { \"id\": %lu, \"subnet\": \"%s/%u\"", i ? "," : "",
		(unsigned long)sn->network, a, sn->prefixlen);
	kea_subnet_pools(inv, sn, out);	/* HA classes, next-server: failover.c */
	if (sn->lease_time)
		sb_addf(out, ",\n    \"valid-lifetime\": %u", sn->lease_time);
	if (sn->has_router) {
		format_ipv4(sn->router, a);
		kea_option(out, &nopt, "routers", a);
	}
	kea_addr_option(out, &nopt, "domain-name-servers", sn->dns, sn->ndns);
	kea_addr_option(out, &nopt, "ntp-servers", sn->ntp, sn->nntp);
	if (sn->domain)
		kea_option(out, &nopt, "domain-name", sn->domain);
	if (sn->nsearch) {
		struct strbuf list = STRBUF_INIT;

		for (size_t d = 0; d < sn->nsearch; d++)
			sb_addf(&list, "%s%s", d ? ", " : "", sn->search[d]);
		kea_option(out, &nopt, "domain-search", sb_str(&list));
		out->oom |= list.oom;
		sb_free(&list);
	}
	if (sn->http_server)
		kea_ipxe_http(out, &nopt, sn->http_server);
	if (nopt)
		sb_add(out, " ]");
	for (size_t h = 0; h < inv->nhosts; h++) {
		const struct inv_host *host = &inv->hosts[h];

		if (host->noboot || !host->has_address ||
		    inventory_subnet_of(inv, host->address) != sn)
			continue;
		if (first)
			sb_add(out, ",\n    \"reservations\": [");
		kea_reservation(out, host, &first, "      ");
	}
	if (!first)
		sb_add(out, "\n    ]");
	sb_add(out, " }");
}

static void kea_subnet_items(struct strbuf *out, const struct inventory *inv)
{
	for (size_t i = 0; i < inv->nsubnets; i++)
		kea_subnet(out, inv, i);
}

/* Hosts without an address are reserved globally, by MAC alone. */
static bool kea_global_items(struct strbuf *out, const struct inventory *inv)
{
	bool first = true;

	for (size_t h = 0; h < inv->nhosts; h++) {
		const struct inv_host *host = &inv->hosts[h];

		if (!host->noboot && !host->has_address)
			kea_reservation(out, host, &first, "  ");
	}
	return !first;
}

void emit_kea(const struct inventory *inv, struct strbuf *out)
{
	struct strbuf global = STRBUF_INIT;

	sb_addf(out, "// " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "// Include inside the \"Dhcp4\" map: <?include \"<this file>\"?>\n",
		inv->source);
	sb_add(out, "\"client-classes\": [");
	kea_class_items(out, inv);
	sb_add(out, "\n],\n\"subnet4\": [");
	kea_subnet_items(out, inv);
	sb_add(out, "\n]");
	if (kea_global_items(&global, inv))
		sb_addf(out, ",\n\"reservations-global\": true,\n"
			     "\"reservations-in-subnet\": true,\n\"reservations\": [%s\n]",
			sb_str(&global));
	out->oom |= global.oom;
	sb_free(&global);
	kea_ha_config(inv, out);
	sb_add(out, "\n");
}

/* The head of a list piece: what it is and the line that includes it. */
void kea_piece_head(struct strbuf *out, const struct inventory *inv, const char *map,
		    const char *list)
{
	sb_addf(out, "// " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "// Members of a \"%s\" list in the \"%s\" map: make <?include \"<this file>\"?>\n"
		     "// the last member of your own list, after a comma (pxe-dhcpgen(8)).\n",
		inv->source, list, map);
}

void emit_kea_lists(const struct inventory *inv, struct strbuf out[KEA_NLISTS])
{
	kea_piece_head(&out[KEA_CLASSES], inv, "Dhcp4", "client-classes");
	kea_class_items(&out[KEA_CLASSES], inv);
	sb_add(&out[KEA_CLASSES], "\n");
	kea_piece_head(&out[KEA_SUBNETS], inv, "Dhcp4", "subnet4");
	kea_subnet_items(&out[KEA_SUBNETS], inv);
	sb_add(&out[KEA_SUBNETS], "\n");
	kea_piece_head(&out[KEA_RESERVATIONS], inv, "Dhcp4", "reservations");
	kea_global_items(&out[KEA_RESERVATIONS], inv);
	sb_add(&out[KEA_RESERVATIONS], "\n");
}
