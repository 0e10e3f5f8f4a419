/* ISC dhcpd include file: global statements only, so one include line at
 * global scope in dhcpd.conf is all an admin adds (dhcpd.conf(5)). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "failover.h"

/* dhcpd compares option values as bytes: arch code 7 is 00:07. */
static void isc_arch_test(struct strbuf *out, const struct inv_boot *b)
{
	for (size_t i = 0; i < b->narch; i++)
		sb_addf(out, "%soption arch = %02x:%02x", i ? " or " : "", b->arch[i] >> 8,
			b->arch[i] & 255);
}

/* Writes "if A {..} elsif B {..} else {..}" over the arch rules of one
 * client kind; the any-arch rule, when there is one, is the else. */
static void isc_arch_chain(struct strbuf *out, const struct inventory *inv,
			   enum inv_client client, bool started, const char *indent)
{
	const struct inv_boot *any = inv_find_boot(inv, client, true), *noarch;

	for (size_t i = 0; i < inv->nboots; i++) {
		const struct inv_boot *b = &inv->boots[i];

		if (b->client != client || b->narch == 0)
			continue;
		sb_addf(out, "%s%s ", started ? " elsif" : indent, started ? "" : "if");
		isc_arch_test(out, b);
		sb_addf(out, " {\n%s  filename \"%s\";\n%s}", indent, b->file, indent);
		started = true;
	}
	/* PXE 2.1 BIOS ROMs send PXEClient but no option 93 (RFC 4578 came
	 * later); "arch" then does not exist. */
	if (client == CLIENT_PXE && (noarch = inv_find_boot(inv, CLIENT_NOARCH, true))) {
		sb_addf(out, "%s%s not exists arch {\n%s  filename \"%s\";\n%s}",
			started ? " elsif" : indent, started ? "" : "if", indent, noarch->file,
			indent);
		started = true;
	}
	if (any && started)
		sb_addf(out, " else {\n%s  filename \"%s\";\n%s}\n", indent, any->file, indent);
	else if (any)
		sb_addf(out, "%sfilename \"%s\";\n", indent, any->file);
	else if (started)
		sb_add(out, "\n");
}

static void isc_http_class(struct strbuf *out, const struct inventory *inv)
{
	if (!inv_has_boot(inv, CLIENT_HTTP))
		return;
	sb_add(out, "# UEFI HTTP boot: the vendor class must be echoed, the file is a URL.\n"
		    "class \"pxekit-httpclients\" {\n"
		    "  match if substring (option vendor-class-identifier, 0, 10) = \"HTTPClient\";\n"
		    "  option vendor-class-identifier \"HTTPClient\";\n");
	isc_arch_chain(out, inv, CLIENT_HTTP, false, "  ");
	sb_add(out, "}\n\n");
}

static void isc_pxe_class(struct strbuf *out, const struct inventory *inv)
{
	const struct inv_boot *ipxe = inv_find_boot(inv, CLIENT_IPXE, true);
	char server[16];

	if (!ipxe && !inv_has_boot(inv, CLIENT_PXE) && !inv_has_boot(inv, CLIENT_NOARCH))
		return;
	format_ipv4(inv->server, server);
	sb_add(out, "class \"pxekit-pxeclients\" {\n"
		    "  match if substring (option vendor-class-identifier, 0, 9) = \"PXEClient\"");
	if (ipxe)
		sb_add(out, "\n        or (exists user-class and option user-class = \"iPXE\")");
	sb_add(out, ";\n");
	if (!inv_has_subnet_next_server(inv))	/* else the subnets say (failover.c) */
		sb_addf(out, "  next-server %s;\n", server);
	if (ipxe) {
		/* iPXE asks again once it runs: answering it with the firmware's
		 * boot file again would loop for ever (ipxe.org/howto/chainloading). */
		sb_addf(out, "  if exists user-class and option user-class = \"iPXE\" {\n"
			     "    option ipxe.no-pxedhcp 1;\n"
			     "    filename \"%s\";\n"
			     "  }", ipxe->file);
	}
	isc_arch_chain(out, inv, CLIENT_PXE, ipxe != NULL, "  ");
	sb_add(out, "}\n\n");
}

static void isc_addr_list(struct strbuf *out, const char *option, const uint32_t *addr, size_t n)
{
	char a[16];

	if (!n)
		return;
	sb_addf(out, "  option %s ", option);
	for (size_t i = 0; i < n; i++) {
		format_ipv4(addr[i], a);
		sb_addf(out, "%s%s", i ? ", " : "", a);
	}
	sb_add(out, ";\n");
}

static void isc_subnets(struct strbuf *out, const struct inventory *inv)
{
	char a[16], b[16];

	for (size_t i = 0; i < inv->nsubnets; i++) {
		const struct inv_subnet *sn = &inv->subnets[i];

		format_ipv4(sn->network, a);
		/* A subnet with nothing to say (no range, router or dns) is
		 * left to dhcpd.conf; one with a router or dns servers but no
		 * range is declared, for its fixed-address hosts. */
		if (!sn->has_range && !sn->has_router && !sn->ndns && !sn->has_next_server &&
		    !sn->http_server) {
			sb_addf(out, "# subnet %s/%u is declared in dhcpd.conf, not here.\n", a,
				sn->prefixlen);
			continue;
		}
		format_ipv4(prefix_mask(sn->prefixlen), b);
		sb_addf(out, "subnet %s netmask %s {\n", a, b);
		isc_subnet_range(inv, sn, out);	/* failover pool, next-server */
		if (sn->has_router) {
			format_ipv4(sn->router, a);
			sb_addf(out, "  option routers %s;\n", a);
		}
		isc_addr_list(out, "domain-name-servers", sn->dns, sn->ndns);
		isc_addr_list(out, "ntp-servers", sn->ntp, sn->nntp);
		/* Only iPXE asks for option 175, so only iPXE gets it. */
		if (sn->http_server)
			sb_addf(out, "  option ipxe.pxekit-http-server \"%s\";\n", sn->http_server);
		if (sn->lease_time)
			sb_addf(out, "  default-lease-time %u;\n  max-lease-time %u;\n",
				sn->lease_time, sn->lease_time);
		if (sn->domain)
			sb_addf(out, "  option domain-name \"%s\";\n", sn->domain);
		for (size_t d = 0; d < sn->nsearch; d++)
			sb_addf(out, "%s\"%s\"%s", d ? ", " : "  option domain-search ",
				sn->search[d], d + 1 == sn->nsearch ? ";\n" : "");
		sb_add(out, "}\n");
	}
	if (inv->nsubnets)
		sb_add(out, "\n");
}

/* A host's own boot files beat every class, also the iPXE one: they are
 * given to firmware only, or a host whose file is iPXE would chainload
 * itself for ever. Per-architecture files first, then its filename for
 * any other architecture; an architecture it has no file for falls
 * through to the classes. */
static void isc_host_filename(struct strbuf *out, const struct inventory *inv,
			      const struct inv_host *h)
{
	const struct inv_boot *ipxe = inv_find_boot(inv, CLIENT_IPXE, true);
	bool http = inv_has_boot(inv, CLIENT_HTTP), started = false;
	const char *in = http ? "  " : "";

	/* A UEFI HTTP client keeps the HTTPClient class's URL: host scope
	 * beats the class, and edk2 drops an offer that echoes HTTPClient
	 * with a TFTP file (Kea and dnsmasq already leave it the URL). */
	if (http)
		sb_add(out, "    if not (substring (option vendor-class-identifier, 0, 10) = \"HTTPClient\") {\n");
	if (!ipxe && !h->nboots) {
		sb_addf(out, "%s    filename \"%s\";\n", in, h->filename);
	} else {
		if (ipxe) {
			sb_addf(out, "%s    if exists user-class and option user-class = \"iPXE\" {\n"
				     "%s      filename \"%s\";\n"
				     "%s    }", in, in, ipxe->file, in);
			started = true;
		}
		for (size_t i = 0; i < h->nboots; i++) {
			if (started)
				sb_add(out, " elsif ");
			else
				sb_addf(out, "%s    if ", in);
			isc_arch_test(out, &h->boot[i]);
			sb_addf(out, " {\n%s      filename \"%s\";\n%s    }", in, h->boot[i].file, in);
			started = true;
		}
		if (h->filename)
			sb_addf(out, " else {\n%s      filename \"%s\";\n%s    }", in, h->filename, in);
		sb_add(out, "\n");
	}
	if (http)
		sb_add(out, "    }\n");
}

static void isc_hosts(struct strbuf *out, const struct inventory *inv)
{
	char text[18];

	if (!inv->nhosts)
		return;
	format_ipv4(inv->server, text);
	/* Host declarations are global in dhcpd whatever their nesting; the
	 * group only carries next-server to hosts that match no class. */
	if (inv_has_subnet_next_server(inv))
		sb_add(out, "group {\n");
	else
		sb_addf(out, "group {\n  next-server %s;\n", text);
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		/* sb_add, not sb_addf: 10^5 hosts (bench/results/dhcpgen.md). */
		format_mac(h->mac, ':', text);
		sb_add(out, "  host ");
		sb_add(out, h->name);
		sb_add(out, " {\n    hardware ethernet ");
		sb_add(out, text);
		sb_add(out, ";\n");
		if (h->has_address) {
			format_ipv4(h->address, text);
			sb_add(out, "    fixed-address ");
			sb_add(out, text);
			sb_add(out, ";\n");
		}
		if (h->noboot) {
			sb_add(out, "    deny booting;\n");
		} else {
			sb_add(out, "    option host-name \"");
			sb_add(out, h->name);
			sb_add(out, "\";\n");
			if (h->filename || h->nboots)
				isc_host_filename(out, inv, h);
		}
		sb_add(out, "  }\n");
	}
	sb_add(out, "}\n");
}

void emit_isc(const struct inventory *inv, struct strbuf *out)
{
	sb_addf(out, "# " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "# Add at global scope of dhcpd.conf: include \"<this file>\";\n\n",
		inv->source);
	/* RFC 4578 client architecture; dhcpd 4.4 only knows it as
	 * pxe-system-type, everyone's configs say "arch". */
	sb_add(out, "option arch code 93 = unsigned integer 16;\n");
	if (inv_find_boot(inv, CLIENT_IPXE, true) || inv_has_subnet_http(inv))
		sb_add(out, "option space ipxe;\n"
			    "option ipxe-encap-opts code 175 = encapsulate ipxe;\n"
			    "option ipxe.no-pxedhcp code 176 = unsigned integer 8;\n");
	if (inv_has_subnet_http(inv))
		sb_addf(out, "option ipxe.pxekit-http-server code %u = text;\n", INV_IPXE_HTTP_OPTION);
	sb_add(out, "\n");
	isc_failover_globals(inv, out);
	isc_http_class(out, inv);
	isc_pxe_class(out, inv);
	isc_subnets(out, inv);
	isc_hosts(out, inv);
}

void emit_dhcp(enum dhcp_format format, const struct inventory *inv, struct strbuf *out)
{
	switch (format) {
	case FORMAT_ISC:
		emit_isc(inv, out);
		break;
	case FORMAT_KEA:
		emit_kea(inv, out);
		break;
	case FORMAT_DNSMASQ:
		emit_dnsmasq(inv, out);
		break;
	case FORMAT_ISC6:
		emit_isc6(inv, out);
		break;
	case FORMAT_KEA6:
		emit_kea6(inv, out);
		break;
	}
}
