/* DHCP failover and HA outputs (failover.h; pxekit.conf(5) FAILOVER AND
 * HIGH AVAILABILITY). ISC: dhcpd.conf(5) "DHCP FAILOVER"; Kea: the ARM's
 * "High Availability" hook chapter (Kea 2.2, as in Debian 12). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover.h"

struct inventory failover_view(const struct inventory *inv, const struct inv_dhcp_server *self)
{
	struct inventory view = *inv;

	view.self = self;
	if (self && self->has_next_server)
		view.server = self->next_server;
	return view;
}

const struct inv_dhcp_server *failover_server(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->ndhcp_servers; i++)
		if (strcmp(inv->dhcp_servers[i].name, name) == 0)
			return &inv->dhcp_servers[i];
	return NULL;
}

const struct inv_failover_peer *failover_self(const struct inventory *inv)
{
	if (!inv->self || !inv->failover)
		return NULL;
	for (size_t i = 0; i < inv->failover->npeers; i++)
		if (inv->failover->peer[i].server == inv->self)
			return &inv->failover->peer[i];
	return NULL;
}

const struct inv_failover_peer *failover_partner(const struct inventory *inv)
{
	const struct inv_failover_peer *me = failover_self(inv);

	if (!me)
		return NULL;
	return me == &inv->failover->peer[0] ? &inv->failover->peer[1] : &inv->failover->peer[0];
}

static void __attribute__((format(printf, 4, 5)))
format_error(struct strbuf *diag, const struct inventory *inv, struct inv_pos pos,
	     const char *fmt, ...)
{
	va_list ap;

	sb_addf(diag, "%s:%u:%u: error: ", pos.file ? pos.file : inv->source, pos.line, pos.col);
	va_start(ap, fmt);
	sb_vaddf(diag, fmt, ap);
	va_end(ap);
	sb_add(diag, "\n");
}

bool failover_check_format(const struct inventory *inv, enum dhcp_format format,
			   struct strbuf *diag)
{
	const struct inv_failover *f = inv->failover;
	bool ok = true;

	if (format == FORMAT_DNSMASQ) {
		if (f) {
			format_error(diag, inv, f->pos,
				     "dnsmasq has no failover: use -f isc (failover) or -f kea (HA)");
			ok = false;
		}
		for (size_t i = 0; i < inv->nsubnets; i++)
			if (inv->subnets[i].has_next_server) {
				format_error(diag, inv, inv->subnets[i].pos,
					     "a subnet's own next-server needs -f isc or -f kea");
				ok = false;
			}
	}
	if (format == FORMAT_ISC && f) {
		bool pool = false;

		/* dhcpd -t: "Failover peer ... has no referring pools". Kea's
		 * HA needs none (reservations only). */
		for (size_t i = 0; i < inv->nsubnets; i++)
			pool |= inv->subnets[i].has_range;
		if (!pool) {
			format_error(diag, inv, f->pos,
				     "no subnet has a range: ISC failover needs a pool (a range) that names the failover peer");
			ok = false;
		}
	}
	/* Load balancing splits each range in a pool per server: a range
	 * of one address leaves the second server's clients none. */
	if (format == FORMAT_KEA && f && f->npeers == 2 && f->peer[0].role != ROLE_STANDBY &&
	    f->peer[1].role != ROLE_STANDBY)
		for (size_t i = 0; i < inv->nsubnets; i++)
			if (inv->subnets[i].has_range &&
			    inv->subnets[i].range_lo == inv->subnets[i].range_hi) {
				format_error(diag, inv, inv->subnets[i].pos,
					     "a range of one address cannot be split between two load-balancing servers (use standby, or a longer range)");
				ok = false;
			}
	if (format == FORMAT_ISC && f)
		for (size_t i = 0; i < f->npeers; i++)
			if (f->peer[i].role == ROLE_STANDBY) {
				format_error(diag, inv, f->peer[i].pos,
					     "ISC failover has a primary and a secondary; standby is Kea's hot standby");
				ok = false;
			}
	return ok;
}

char *failover_output_path(const char *output, const char *server)
{
	const char *slash = strrchr(output, '/'), *base = slash ? slash + 1 : output;
	const char *dot = strrchr(base, '.');
	char *path;

	if (!dot || dot == base)
		dot = base + strlen(base);
	if (asprintf(&path, "%.*s-%s%s", (int)(dot - output), output, server, dot) < 0)
		return NULL;
	return path;
}

bool failover_output_of(const char *output, const char *path, const char *text)
{
	const char *slash = strrchr(output, '/'), *base = slash ? slash + 1 : output;
	const char *dot = strrchr(base, '.'), *name;
	size_t stem, ext, len = strlen(path);
	char *isc = NULL, *kea = NULL;
	bool ours;

	if (strcmp(path, output) == 0)
		return true;
	if (!dot || dot == base)
		dot = base + strlen(base);
	stem = (size_t)(dot - output);
	ext = strlen(dot);
	if (len <= stem + 1 + ext || strncmp(path, output, stem) != 0 || path[stem] != '-' ||
	    strcmp(path + len - ext, dot) != 0)
		return false;
	name = path + stem + 1;
	if (memchr(name, '/', len - ext - stem - 1))
		return false;
	/* The markers isc_failover_peer and kea_ha_config write. */
	if (asprintf(&isc, "\n# Failover: this file is for %.*s, the ", (int)(len - ext - stem - 1),
		     name) < 0)
		isc = NULL;
	if (asprintf(&kea, "\"this-server-name\": \"%.*s\",", (int)(len - ext - stem - 1), name) < 0)
		kea = NULL;
	ours = isc && kea && (strstr(text, isc) || strstr(text, kea));
	free(isc);
	free(kea);
	return ours;
}

bool inv_has_subnet_next_server(const struct inventory *inv)
{
	for (size_t i = 0; i < inv->nsubnets; i++)
		if (inv->subnets[i].has_next_server)
			return true;
	return false;
}

static unsigned port_of(const struct inv_dhcp_server *s, unsigned dflt)
{
	return s->port ? s->port : dflt;
}

/* ---- ISC dhcpd ---------------------------------------------------- */

/* mclt and split belong to the primary only: dhcpd refuses them on a
 * secondary ("secondary may not define load balance settings"). */
static void isc_failover_peer(const struct inventory *inv, struct strbuf *out)
{
	const struct inv_failover *f = inv->failover;
	const struct inv_failover_peer *me = failover_self(inv), *other = failover_partner(inv);
	char a[16], b[16];

	format_ipv4(me->server->address, a);
	format_ipv4(other->server->address, b);
	sb_addf(out, "# Failover: this file is for %s, the %s; %s has its own.\n",
		me->server->name, me->role == ROLE_PRIMARY ? "primary" : "secondary",
		other->server->name);
	sb_addf(out, "failover peer \"%s\" {\n  %s;\n  address %s;\n  port %u;\n"
		     "  peer address %s;\n  peer port %u;\n",
		f->name, me->role == ROLE_PRIMARY ? "primary" : "secondary", a,
		port_of(me->server, ISC_FAILOVER_PORT), b, port_of(other->server, ISC_FAILOVER_PORT));
	sb_addf(out, "  max-response-delay %u;\n  max-unacked-updates %u;\n"
		     "  load balance max seconds %u;\n",
		f->max_response_delay, f->max_unacked_updates, f->load_balance_max_seconds);
	if (me->role == ROLE_PRIMARY)
		sb_addf(out, "  mclt %u;\n  split %u;\n", f->mclt, f->split);
	/* dhcpd 4.4: from communications-interrupted to partner-down on
	 * its own after this many seconds (0: only by an operator). */
	if (f->auto_partner_down)
		sb_addf(out, "  auto-partner-down %u;\n", f->auto_partner_down);
	sb_add(out, "}\n\n");
}

void isc_failover_globals(const struct inventory *inv, struct strbuf *out)
{
	char a[16];

	if (failover_self(inv))
		isc_failover_peer(inv, out);
	if (inv_has_subnet_next_server(inv)) {
		/* For the subnets dhcpd.conf declares; ours carry their own. */
		format_ipv4(inv->server, a);
		sb_addf(out, "next-server %s;\n\n", a);
	}
}

void isc_subnet_range(const struct inventory *inv, const struct inv_subnet *sn,
		      struct strbuf *out)
{
	char a[16], b[16];

	if (sn->has_range) {
		format_ipv4(sn->range_lo, a);
		format_ipv4(sn->range_hi, b);
		/* A failover pool takes plain "range": dynamic-bootp is refused
		 * there, and fixed-address hosts stay outside pools. */
		if (failover_self(inv))
			sb_addf(out, "  pool {\n    failover peer \"%s\";\n    range %s %s;\n  }\n",
				inv->failover->name, a, b);
		else
			sb_addf(out, "  range %s %s;\n", a, b);
	}
	if (inv_has_subnet_next_server(inv)) {
		format_ipv4(sn->has_next_server ? sn->next_server : inv->server, a);
		sb_addf(out, "  next-server %s;\n", a);
	}
}

/* ---- Kea ---------------------------------------------------------- */

static bool kea_load_balancing(const struct inventory *inv)
{
	const struct inv_failover_peer *me = failover_self(inv), *other = failover_partner(inv);

	return me && me->role != ROLE_STANDBY && other->role != ROLE_STANDBY;
}

void kea_subnet_pools(const struct inventory *inv, const struct inv_subnet *sn,
		      struct strbuf *out)
{
	const struct inv_failover *f = inv->failover;
	char a[16], b[16];

	if (sn->has_range && kea_load_balancing(inv)) {
		/* Each server leases from the pool of its own class
		 * (HA_<name>); the halves never overlap. The primary's first. */
		uint32_t mid = sn->range_lo + (sn->range_hi - sn->range_lo) / 2;
		const struct inv_failover_peer *p1 = f->peer[0].role == ROLE_PRIMARY ? &f->peer[0] : &f->peer[1];
		const struct inv_failover_peer *p2 = p1 == &f->peer[0] ? &f->peer[1] : &f->peer[0];

		format_ipv4(sn->range_lo, a);
		format_ipv4(mid, b);
		sb_addf(out, ",\n    \"pools\": [ { \"pool\": \"%s - %s\", \"client-class\": \"HA_%s\" }",
			a, b, p1->server->name);
		if (mid < sn->range_hi) {
			format_ipv4(mid + 1, a);
			format_ipv4(sn->range_hi, b);
			sb_addf(out, ",\n               { \"pool\": \"%s - %s\", \"client-class\": \"HA_%s\" }",
				a, b, p2->server->name);
		}
		sb_add(out, " ]");
	} else if (sn->has_range) {
		format_ipv4(sn->range_lo, a);
		format_ipv4(sn->range_hi, b);
		sb_addf(out, ",\n    \"pools\": [ { \"pool\": \"%s - %s\" } ]", a, b);
	}
	if (inv_has_subnet_next_server(inv)) {
		format_ipv4(sn->has_next_server ? sn->next_server : inv->server, a);
		sb_addf(out, ",\n    \"next-server\": \"%s\"", a);
	}
}

static const char *kea_role(enum inv_role r)
{
	return r == ROLE_PRIMARY ? "primary" : r == ROLE_SECONDARY ? "secondary" : "standby";
}

/* The peers talk HTTP to each other. Kea 2.2 can do that without
 * kea-ctrl-agent: the HA hook's own listener on this server's URL
 * ("http-dedicated-listener"), which needs multi-threading on in the
 * server and the hook. */
void kea_ha_config(const struct inventory *inv, struct strbuf *out)
{
	const struct inv_failover *f = inv->failover;
	const struct inv_failover_peer *me = failover_self(inv);
	const char *hooks = inv->kea_hooks_dir ? inv->kea_hooks_dir : KEA_HOOKS_DIR;
	char a[16];

	if (!me)
		return;
	sb_add(out, ",\n\"multi-threading\": { \"enable-multi-threading\": true, "
		    "\"thread-pool-size\": 2, \"packet-queue-size\": 64 },\n");
	sb_addf(out, "\"hooks-libraries\": [\n"
		     "  { \"library\": \"%s/libdhcp_lease_cmds.so\" },\n"
		     "  { \"library\": \"%s/libdhcp_ha.so\",\n"
		     "    \"parameters\": { \"high-availability\": [ {\n"
		     "      \"this-server-name\": \"%s\",\n"
		     "      \"mode\": \"%s\",\n"
		     "      \"heartbeat-delay\": %u,\n"
		     "      \"max-response-delay\": %u,\n"
		     "      \"max-ack-delay\": %u,\n"
		     "      \"max-unacked-clients\": %u,\n",
		hooks, hooks, me->server->name, kea_load_balancing(inv) ? "load-balancing" : "hot-standby",
		f->heartbeat_delay * 1000, f->max_response_delay * 1000, f->max_ack_delay * 1000,
		f->max_unacked_clients);
	sb_add(out, "      \"multi-threading\": { \"enable-multi-threading\": true, "
		    "\"http-dedicated-listener\": true,\n"
		    "                           \"http-listener-threads\": 2, \"http-client-threads\": 2 },\n"
		    "      \"peers\": [");
	for (size_t i = 0; i < f->npeers; i++) {
		const struct inv_failover_peer *p = &f->peer[i];

		format_ipv4(p->server->address, a);
		sb_addf(out, "%s\n        { \"name\": \"%s\", \"url\": \"http://%s:%u/\", "
			     "\"role\": \"%s\", \"auto-failover\": true }",
			i ? "," : "", p->server->name, a, port_of(p->server, KEA_HA_PORT),
			kea_role(p->role));
	}
	sb_add(out, " ]\n    } ] } }\n]");
}
