/* DHCP failover (ISC dhcpd) and High Availability (Kea's HA hook): one
 * output per DHCP server of the site, rendered from one inventory by the
 * ordinary emitters on a view of it (inventory.self set), which call the
 * hooks below where a peer's file differs from a lone server's. Hosts,
 * classes and boot files come from the same code for both peers, so the
 * two files cannot disagree on them. */
#ifndef PXEKIT_FAILOVER_H
#define PXEKIT_FAILOVER_H

#include <stdbool.h>

#include "emit.h"
#include "inventory.h"
#include "strbuf.h"

/* Where Kea's hooks are (libdhcp_ha.so needs libdhcp_lease_cmds.so
 * loaded before it): configure finds the directory (config.h,
 * --with-kea-hooks-dir); the inventory's kea-hooks-dir beats it. */
#ifndef KEA_HOOKS_DIR
#define KEA_HOOKS_DIR "/usr/lib/kea/hooks"
#endif
#define ISC_FAILOVER_PORT 647	/* dhcpd.conf(5); IANA's dhcp-failover2 */
#define KEA_HA_PORT 8000	/* Kea ARM's HA examples */

/* A shallow copy of inv rendered for self: its next-server when it has
 * one, inv->self set. Valid while inv is. */
struct inventory failover_view(const struct inventory *inv, const struct inv_dhcp_server *self);
const struct inv_dhcp_server *failover_server(const struct inventory *inv, const char *name);
/* The other peer of inv->self's failover. */
const struct inv_failover_peer *failover_partner(const struct inventory *inv);
const struct inv_failover_peer *failover_self(const struct inventory *inv);

/* What the inventory's failover asks of a format that it cannot do
 * (dnsmasq has no failover; ISC has no standby): messages
 * "file:line:col: error: ..." on diag; false when there was one. */
bool failover_check_format(const struct inventory *inv, enum dhcp_format format,
			   struct strbuf *diag);

/* OUTPUT with "-NAME" before its extension: pxekit.conf -> pxekit-dhcp1.conf.
 * NULL when out of memory. */
char *failover_output_path(const char *output, const char *server);

/* Whether a file pxe-dhcpgen wrote earlier, at path with content text,
 * is one a run writing each server's file from OUTPUT takes back when
 * it no longer generates it: OUTPUT itself, or OUTPUT-NAME whose text is
 * the file of a DHCP server NAME (its failover peer or this-server-name
 * says so; an isc6 file pxekit-v6.conf beside pxekit.conf is not). */
bool failover_output_of(const char *output, const char *path, const char *text);

/* Some subnet names its own TFTP server: next-server then goes in every
 * subnet (and an ISC global), not in the classes, whose scope would beat
 * the subnet's. */
bool inv_has_subnet_next_server(const struct inventory *inv);

/* ISC hooks: the failover peer declaration and the global next-server,
 * at the top; a subnet's range (in a failover pool) and next-server. */
void isc_failover_globals(const struct inventory *inv, struct strbuf *out);
void isc_subnet_range(const struct inventory *inv, const struct inv_subnet *sn,
		      struct strbuf *out);

/* Kea hooks: a subnet's pools (split by HA_<name> classes for load
 * balancing) and next-server; the HA hook libraries, at the end. */
void kea_subnet_pools(const struct inventory *inv, const struct inv_subnet *sn,
		      struct strbuf *out);
void kea_ha_config(const struct inventory *inv, struct strbuf *out);

#endif
