/* dnsmasq conf file (for /etc/dnsmasq.d or --conf-file). dnsmasq picks
 * the first dhcp-boot whose tags all match, in an order it builds by
 * prepending (src/option.c, find_boot() in src/rfc2131.c), so every line
 * here carries tags that exclude the others instead of relying on order. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "emit.h"

#define TAG_MAX 96	/* "pxekit-host-" and a 63-character name */

static void dnsmasq_addr_option(struct strbuf *out, size_t net, const char *option,
				const uint32_t *addr, size_t n)
{
	char a[16];

	if (!n)
		return;
	sb_addf(out, "dhcp-option=tag:pxekit-net%zu,option:%s", net, option);
	for (size_t i = 0; i < n; i++) {
		format_ipv4(addr[i], a);
		sb_addf(out, ",%s", a);
	}
	sb_add(out, "\n");
}

/* dnsmasq's lease field: seconds, or its default of one hour when the
 * inventory gives none ("12h" as before). */
static void dnsmasq_lease(struct strbuf *out, const struct inv_subnet *sn)
{
	if (sn->lease_time)
		sb_addf(out, ",%u\n", sn->lease_time);
	else
		sb_add(out, sn->has_range ? ",12h\n" : "\n");
}

static void dnsmasq_subnets(struct strbuf *out, const struct inventory *inv)
{
	char a[16], b[16], m[16];

	for (size_t i = 0; i < inv->nsubnets; i++) {
		const struct inv_subnet *sn = &inv->subnets[i];

		format_ipv4(prefix_mask(sn->prefixlen), m);
		if (sn->proxy) {
			/* Another server leases; dnsmasq only adds the PXE answer
			 * (dnsmasq(8) --pxe-prompt, "proxy-DHCP"). */
			format_ipv4(sn->network, a);
			sb_addf(out, "dhcp-range=set:pxekit-net%zu,%s,proxy,%s\n", i + 1, a, m);
			continue;
		}
		if (sn->has_range) {
			format_ipv4(sn->range_lo, a);
			format_ipv4(sn->range_hi, b);
			sb_addf(out, "dhcp-range=set:pxekit-net%zu,%s,%s,%s", i + 1, a, b, m);
		} else {
			/* Only hosts with an address are served here. */
			format_ipv4(sn->network, a);
			sb_addf(out, "dhcp-range=set:pxekit-net%zu,%s,static,%s", i + 1, a, m);
		}
		dnsmasq_lease(out, sn);
		if (sn->has_router) {
			format_ipv4(sn->router, a);
			sb_addf(out, "dhcp-option=tag:pxekit-net%zu,option:router,%s\n", i + 1, a);
		}
		dnsmasq_addr_option(out, i + 1, "dns-server", sn->dns, sn->ndns);
		dnsmasq_addr_option(out, i + 1, "ntp-server", sn->ntp, sn->nntp);
		if (sn->domain)
			sb_addf(out, "dhcp-option=tag:pxekit-net%zu,option:domain-name,%s\n", i + 1,
				sn->domain);
		if (sn->nsearch)
			sb_addf(out, "dhcp-option=tag:pxekit-net%zu,option:domain-search", i + 1);
		for (size_t d = 0; d < sn->nsearch; d++)
			sb_addf(out, ",%s%s", sn->search[d], d + 1 == sn->nsearch ? "\n" : "");
		/* Inside option 175, which only iPXE asks for (dnsmasq(8)
		 * --dhcp-option "encap:"); quoted, so dnsmasq keeps it text. */
		if (sn->http_server)
			sb_addf(out, "dhcp-option=tag:pxekit-net%zu,encap:%u,%u,\"%s\"\n", i + 1,
				INV_IPXE_ENCAP, INV_IPXE_HTTP_OPTION, sn->http_server);
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
	/* Hosts' own per-arch files need their kind's tag too, once. The
	 * kinds are a few static keywords, so a short list of them keeps
	 * this linear in the hosts. */
	const char *seen[32];
	size_t nseen = 0;

	for (size_t i = 0; i < inv->nboots; i++) {
		bool known = false;

		for (size_t j = 0; j < nseen; j++)
			known |= seen[j] == inv->boots[i].keyword;
		if (!known && nseen < 32)
			seen[nseen++] = inv->boots[i].keyword;
	}
	for (size_t i = 0; i < inv->nhosts; i++)
		for (size_t k = 0; k < inv->hosts[i].nboots; k++) {
			const struct inv_boot *b = &inv->hosts[i].boot[k];
			bool known = false;

			for (size_t j = 0; j < nseen; j++)
				known |= seen[j] == b->keyword;
			if (known || nseen == 32)
				continue;
			seen[nseen++] = b->keyword;
			inv_boot_tag(b, tag, sizeof tag);
			for (size_t a = 0; a < b->narch; a++)
				sb_addf(out, "dhcp-match=set:%s,option:client-arch,%u\n", tag,
					b->arch[a]);
		}
	if (inv_has_boot(inv, CLIENT_NOARCH))
		/* Without a value: set when option 93 is there at all. */
		sb_add(out, "dhcp-vendorclass=set:pxekit-pxe,PXEClient\n"
			    "dhcp-match=set:pxekit-has-arch,option:client-arch\n");
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
		} else if (b->client == CLIENT_NOARCH) {
			sb_add(&tags, "tag:pxekit-pxe,tag:!pxekit-has-arch,tag:!pxekit-http");
			if (ipxe)
				sb_add(&tags, ",tag:!pxekit-ipxe");
			if (hostboot)
				sb_add(&tags, ",tag:!pxekit-hostboot");
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
			continue;
		}
		for (size_t k = 0; k < h->nboots; k++) {
			char tag[TAG_MAX];

			inv_boot_tag(&h->boot[k], tag, sizeof tag);
			sb_addf(out, "tag-if=set:pxekit-hostboot,tag:pxekit-host-%s,tag:%s\n",
				h->name, tag);
			hostboot = true;
		}
	}
	return hostboot;
}

static void dnsmasq_host_boots(struct strbuf *out, const struct inventory *inv)
{
	bool ipxe = inv_find_boot(inv, CLIENT_IPXE, true) != NULL;
	struct strbuf tags = STRBUF_INIT;
	char tag[TAG_MAX];

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		/* iPXE keeps its script, or a host booting iPXE would loop. */
		for (size_t k = 0; k < h->nboots; k++) {
			inv_boot_tag(&h->boot[k], tag, sizeof tag);
			sb_reset(&tags);
			sb_addf(&tags, "tag:pxekit-host-%s,tag:%s,tag:!pxekit-http%s", h->name, tag,
				ipxe ? ",tag:!pxekit-ipxe" : "");
			dnsmasq_boot_line(out, inv, sb_str(&tags), h->boot[k].file);
		}
		if (!h->filename)
			continue;
		sb_reset(&tags);
		sb_addf(&tags, "tag:pxekit-host-%s,tag:!pxekit-http%s", h->name,
			ipxe ? ",tag:!pxekit-ipxe" : "");
		for (size_t k = 0; k < h->nboots; k++) {
			inv_boot_tag(&h->boot[k], tag, sizeof tag);
			sb_addf(&tags, ",tag:!%s", tag);
		}
		dnsmasq_boot_line(out, inv, sb_str(&tags), h->filename);
	}
	out->oom |= tags.oom;
	sb_free(&tags);
}

/* dnsmasq's client system type names (src/option.c); 7 is BC_EFI there,
 * RFC 4578's numbering, so x64 firmware needs both 7 and 9. */
static const char *pxe_csa(unsigned arch, char buf[8])
{
	static const char *const names[] = {
		[0] = "x86PC", [6] = "IA32_EFI", [7] = "BC_EFI", [9] = "x86-64_EFI",
		[10] = "ARM32_EFI", [11] = "ARM64_EFI",
	};

	if (arch < sizeof names / sizeof names[0] && names[arch])
		return names[arch];
	snprintf(buf, 8, "%u", arch);
	return buf;
}

/* Proxy subnets: a PXE menu per architecture instead of dhcp-boot
 * (pxe-service beats dhcp-boot for PXE clients). iPXE is left to its
 * dhcp-boot line, or it would be offered its own loader again. A file
 * name with a '.' is sent as it is; dnsmasq appends ".0" to one without. */
static void dnsmasq_proxy(struct strbuf *out, const struct inventory *inv)
{
	bool ipxe = inv_find_boot(inv, CLIENT_IPXE, true) != NULL;
	char server[16], csa[8];

	format_ipv4(inv->server, server);
	for (size_t n = 0; n < inv->nsubnets; n++) {
		if (!inv->subnets[n].proxy)
			continue;
		/* The PXE menu timeout is one byte of seconds. */
		sb_addf(out, "pxe-prompt=tag:pxekit-net%zu,\"Network boot\",%u\n", n + 1,
			inv->timeout > 255 ? 255 : inv->timeout);
		for (size_t i = 0; i < inv->nboots; i++) {
			const struct inv_boot *b = &inv->boots[i];

			if (b->client != CLIENT_PXE || inv_is_url(b->file))
				continue;
			for (size_t a = 0; a < b->narch; a++)
				sb_addf(out, "pxe-service=tag:pxekit-net%zu,%s%s,\"Network boot (%s)\",%s,%s\n",
					n + 1, ipxe ? "tag:!pxekit-ipxe," : "",
					pxe_csa(b->arch[a], csa), b->keyword, b->file, server);
		}
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
	dnsmasq_proxy(out, inv);
	emit_dnsmasq6(inv, out);
}
