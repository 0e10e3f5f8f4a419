/* dnsmasq conf file (for /etc/dnsmasq.d or --conf-file). dnsmasq picks
 * the first dhcp-boot whose tags all match, in an order it builds by
 * prepending (src/option.c, find_boot() in src/rfc2131.c), so every line
 * here carries tags that exclude the others instead of relying on order. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "emit.h"

#define TAG_MAX 96	/* "pxekit-host-" and a 63-character name */

static void dnsmasq_subnets(struct strbuf *out, const struct inventory *inv)
{
	char a[16], b[16], m[16];

	for (size_t i = 0; i < inv->nsubnets; i++) {
		const struct inv_subnet *sn = &inv->subnets[i];

		format_ipv4(prefix_mask(sn->prefixlen), m);
		if (sn->has_range) {
			format_ipv4(sn->range_lo, a);
			format_ipv4(sn->range_hi, b);
			sb_addf(out, "dhcp-range=set:pxekit-net%zu,%s,%s,%s,12h\n", i + 1, a, b, m);
		} else {
			/* Only hosts with an address are served here. */
			format_ipv4(sn->network, a);
			sb_addf(out, "dhcp-range=set:pxekit-net%zu,%s,static,%s\n", i + 1, a, m);
		}
		if (sn->has_router) {
			format_ipv4(sn->router, a);
			sb_addf(out, "dhcp-option=tag:pxekit-net%zu,option:router,%s\n", i + 1, a);
		}
		if (!sn->ndns)
			continue;
		sb_addf(out, "dhcp-option=tag:pxekit-net%zu,option:dns-server", i + 1);
		for (size_t d = 0; d < sn->ndns; d++) {
			format_ipv4(sn->dns[d], a);
			sb_addf(out, ",%s", a);
		}
		sb_add(out, "\n");
	}
}

static void dnsmasq_boot_line(struct strbuf *out, const struct inventory *inv,
			      const char *tags, const char *file)
{
	char server[16];

	format_ipv4(inv->server, server);
	if (inv_is_url(file))
		sb_addf(out, "dhcp-boot=%s,%s\n", tags, file);
	else	/* the third field is siaddr, the TFTP server */
		sb_addf(out, "dhcp-boot=%s,%s,,%s\n", tags, file, server);
}

static void dnsmasq_matches(struct strbuf *out, const struct inventory *inv)
{
	char tag[TAG_MAX];

	if (inv_find_boot(inv, CLIENT_IPXE, true))
		sb_add(out, "dhcp-userclass=set:pxekit-ipxe,iPXE\n");
	if (inv_has_boot(inv, CLIENT_HTTP))
		sb_add(out, "dhcp-vendorclass=set:pxekit-http,HTTPClient\n"
			    "dhcp-option-force=tag:pxekit-http,option:vendor-class,HTTPClient\n");
	for (size_t i = 0; i < inv->nboots; i++) {
		const struct inv_boot *b = &inv->boots[i];

		inv_boot_tag(b, tag, sizeof tag);
		for (size_t a = 0; a < b->narch; a++)
			sb_addf(out, "dhcp-match=set:%s,option:client-arch,%u\n", tag, b->arch[a]);
	}
}

static void dnsmasq_boots(struct strbuf *out, const struct inventory *inv, bool hostboot)
{
	const struct inv_boot *ipxe = inv_find_boot(inv, CLIENT_IPXE, true);
	struct strbuf tags = STRBUF_INIT;
	char tag[TAG_MAX];

	for (size_t i = 0; i < inv->nboots; i++) {
		const struct inv_boot *b = &inv->boots[i];

		inv_boot_tag(b, tag, sizeof tag);
		sb_reset(&tags);
		if (b->client == CLIENT_IPXE) {
			sb_add(&tags, "tag:pxekit-ipxe");
		} else if (b->client == CLIENT_HTTP) {
			sb_add(&tags, "tag:pxekit-http");
			if (b->narch)
				sb_addf(&tags, ",tag:%s", tag);
			for (size_t j = 0; !b->narch && j < inv->nboots; j++) {
				char other[TAG_MAX];

				if (inv->boots[j].client != CLIENT_HTTP || !inv->boots[j].narch)
					continue;
				inv_boot_tag(&inv->boots[j], other, sizeof other);
				sb_addf(&tags, ",tag:!%s", other);
			}
		} else {
			sb_addf(&tags, "tag:%s,tag:!pxekit-http", tag);
			if (ipxe)
				sb_add(&tags, ",tag:!pxekit-ipxe");
			if (hostboot)
				sb_add(&tags, ",tag:!pxekit-hostboot");
		}
		dnsmasq_boot_line(out, inv, sb_str(&tags), b->file);
	}
	out->oom |= tags.oom;
	sb_free(&tags);
}

/* Returns whether any host has its own boot file. */
static bool dnsmasq_hosts(struct strbuf *out, const struct inventory *inv)
{
	bool hostboot = false;
	char mac[18], addr[16];

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		format_mac(h->mac, ':', mac);
		if (h->noboot) {
			sb_addf(out, "dhcp-host=%s,ignore\n", mac);
			continue;
		}
		sb_addf(out, "dhcp-host=%s,set:pxekit-host-%s", mac, h->name);
		if (h->has_address) {
			format_ipv4(h->address, addr);
			sb_addf(out, ",%s", addr);
		}
		sb_addf(out, ",%s\n", h->name);
		if (h->filename) {
			sb_addf(out, "tag-if=set:pxekit-hostboot,tag:pxekit-host-%s\n", h->name);
			hostboot = true;
		}
	}
	return hostboot;
}

static void dnsmasq_host_boots(struct strbuf *out, const struct inventory *inv)
{
	bool ipxe = inv_find_boot(inv, CLIENT_IPXE, true) != NULL;
	char tags[TAG_MAX + 64];

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		if (!h->filename)
			continue;
		/* iPXE keeps its script, or a host booting iPXE would loop. */
		snprintf(tags, sizeof tags, "tag:pxekit-host-%s,tag:!pxekit-http%s", h->name,
			 ipxe ? ",tag:!pxekit-ipxe" : "");
		dnsmasq_boot_line(out, inv, tags, h->filename);
	}
}

void emit_dnsmasq(const struct inventory *inv, struct strbuf *out)
{
	bool hostboot;

	sb_addf(out, "# " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "# For /etc/dnsmasq.d/ or dnsmasq --conf-file=<this file>.\n",
		inv->source);
	dnsmasq_subnets(out, inv);
	hostboot = dnsmasq_hosts(out, inv);
	dnsmasq_matches(out, inv);
	dnsmasq_boots(out, inv, hostboot);
	dnsmasq_host_boots(out, inv);
}
