/* The pxekit inventory (pxekit.conf(5)): one small file that says which
 * boot server, subnets, boot files, boot profiles and hosts a boot
 * network has. This module only parses and checks it; the emitters turn
 * the result into dhcpd, Kea, dnsmasq and boot-loader files. */
#ifndef PXEKIT_INVENTORY_H
#define PXEKIT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define INV_NAME_MAX 63		/* a DNS label; also a dnsmasq tag */
#define INV_PATH_MAX 127	/* PXELINUX's limit, and below BOOTP's 128-byte file field */
#define INV_TEXT_MAX 1024	/* labels and kernel command lines */
#define INV_MAX_ARCHES 8
#define INV_MAX_LIST 4		/* dns, ntp, search entries per subnet */
#define INV_TIMEOUT_MAX 3599u	/* seconds; PXELINUX stops at 35996 tenths */

/* Where a statement came from, for compiler-style messages. */
struct inv_pos {
	unsigned line, col;
	const char *file;	/* an included file; NULL: the inventory itself */
};

struct inv_subnet {
	uint32_t network;	/* host byte order */
	unsigned prefixlen;
	bool has_range;
	uint32_t range_lo, range_hi;
	bool has_router;
	uint32_t router;
	size_t ndns;
	uint32_t dns[INV_MAX_LIST];
	/* Beside an existing DHCP server: dnsmasq answers PXE clients only
	 * (proxy DHCP), another server leases the addresses. */
	bool proxy;
	bool has_next_server;	/* failover.c: this subnet's own TFTP server */
	uint32_t next_server;
	/* This subnet's own HTTP server (the global http-server's form):
	 * the DHCP answer hands it to iPXE as option 175.224, the menus
	 * read it as ${175.224} (pxekit.conf(5) THE HTTP BOOT PATH). */
	char *http_server;
	unsigned lease_time;	/* seconds; 0: the server's default */
	char *domain;		/* option 15 */
	size_t nsearch;		/* option 119 */
	char *search[INV_MAX_LIST];
	size_t nntp;		/* option 42 */
	uint32_t ntp[INV_MAX_LIST];
	struct inv_pos pos, range_pos, http_server_pos;
};

/* An IPv6 subnet served by DHCPv6 (RFC 8415); boot files come from the
 * boot6 rules as option 59 bootfile-url (RFC 5970). */
struct inv_subnet6 {
	uint8_t network[16];
	unsigned prefixlen;
	bool has_range;
	uint8_t range_lo[16], range_hi[16];
	size_t ndns;
	uint8_t dns[INV_MAX_LIST][16];
	unsigned lease_time;
	/* Kea picks a directly connected client's subnet6 by interface
	 * name, not by address (Kea ARM "IPv6 Subnet Selection"). */
	char *interface;
	struct inv_pos pos;
};

/* Which clients a boot rule is for (RFC 4578 option 93; RFC 3004 user
 * class "iPXE"; UEFI HTTP boot's vendor class "HTTPClient"). */
enum inv_client {
	CLIENT_PXE,	/* firmware PXE: vendor class PXEClient + arch codes */
	CLIENT_IPXE,	/* iPXE, whatever its arch: breaks the chainload loop */
	CLIENT_HTTP,	/* UEFI HTTP boot; arch codes optional, file is a URL */
	CLIENT_NOARCH,	/* PXEClient without option 93: PXE 2.1 BIOS ROMs */
};

/* Where a distribution's shim + GRUB pair reads its menu (secure-boot). */
enum inv_layout { LAYOUT_NONE, LAYOUT_DEBIAN, LAYOUT_UBUNTU, LAYOUT_RHEL };

struct inv_boot {
	enum inv_client client;
	size_t narch;	/* 0 for "any arch" (iPXE, default HTTP rule) */
	unsigned arch[INV_MAX_ARCHES];
	char *file;
	const char *keyword;	/* as written: "bios", "uefi-x64", "arch" ... */
	enum inv_layout layout;	/* from a secure-boot statement */
	char *grub_dir;		/* that GRUB's $prefix, relative to the TFTP root */
	struct inv_pos pos;
};

struct inv_profile {
	char *name;
	char *label;	/* menu text; the name when not given */
	char *kernel;
	char *initrd;
	char *append;
	bool localboot;
	struct inv_pos pos;
};

struct inv_host {
	char *name;
	uint8_t mac[6];
	bool has_mac;
	bool has_address;
	uint32_t address;
	char *profile_name;
	const struct inv_profile *profile;	/* resolved after parsing */
	char *filename;		/* per-host boot file, beats the arch rules */
	size_t nboots;		/* per-host boot files for one architecture */
	struct inv_boot *boot;	/* room for INV_MAX_ARCHES once there is one:
				 * inline, they made a host ~900 bytes, and
				 * 10^5 hosts mostly have none */
	char *append;		/* as written, with ${...} templates */
	char *cmdline;		/* profile + group + host append, expanded */
	char *group_name;
	bool noboot;
	struct inv_pos pos, mac_pos, address_pos, profile_pos, group_pos, append_pos;
};

/* Settings hosts inherit with "group NAME"; their own beat the group's. */
struct inv_group {
	char *name;
	char *profile_name;
	char *filename;
	size_t nboots;
	struct inv_boot *boot;	/* as a host's */
	char *append;
	struct inv_pos pos;
};

/* ---- DHCP failover / HA (failover.c) ------------------------------ */

/* One DHCP server of the site: where it listens for its failover (ISC)
 * or HA (Kea) partner, and the TFTP server its answers name. */
struct inv_dhcp_server {
	char *name;
	bool has_address, has_next_server;
	uint32_t address, next_server;
	unsigned port;		/* 0: the format's default (647 ISC, 8000 Kea) */
	struct inv_pos pos, address_pos;
};

/* ISC: primary and secondary; Kea: primary with secondary (load
 * balancing) or with standby (hot standby). */
enum inv_role { ROLE_NONE, ROLE_PRIMARY, ROLE_SECONDARY, ROLE_STANDBY };

struct inv_failover_peer {
	char *server_name;
	const struct inv_dhcp_server *server;	/* resolved after parsing */
	enum inv_role role;
	struct inv_pos pos;
};

/* Times in seconds (Kea gets milliseconds); 0 where 0 means "off". */
struct inv_failover {
	char *name;
	size_t npeers;
	struct inv_failover_peer peer[2];
	unsigned mclt, split, max_response_delay, max_unacked_updates;
	unsigned load_balance_max_seconds, auto_partner_down;
	unsigned heartbeat_delay, max_ack_delay, max_unacked_clients;
	struct inv_pos pos;
};

/* ---- end of DHCP failover / HA -------------------------------------- */

struct inventory {
	char *source;		/* file name for header comments: printable, no backslash */
	bool has_server;
	uint32_t server;	/* next-server: the TFTP server */
	char *default_profile;
	const struct inv_profile *default_prof;
	unsigned timeout;	/* menu timeout in seconds */
	size_t nsubnets, nboots, nprofiles, nhosts, ngroups, nsubnets6, nboots6;
	struct inv_subnet *subnets;
	struct inv_boot *boots;
	struct inv_profile *profiles;
	struct inv_host *hosts;
	struct inv_group *groups;
	struct inv_subnet6 *subnets6;
	struct inv_boot *boots6;	/* DHCPv6 rules: boot6 statements */
	bool has_server6;
	uint8_t server6[16];	/* TFTP server for tftp://[server6]/path */
	struct inv_pos server_pos, default_profile_pos, server6_pos;
	size_t nincluded;
	char **included;	/* the files "include" read, named by inv_pos.file */
	/* failover.c: the site's DHCP servers and their failover/HA pair;
	 * self is the server an output is rendered for (set on a copy of
	 * the inventory by failover_view, NULL otherwise). */
	size_t ndhcp_servers;
	struct inv_dhcp_server *dhcp_servers;
	struct inv_failover *failover;
	const struct inv_dhcp_server *self;
	/* The HTTP boot path (http-server, http-listen): iPXE and GRUB
	 * fetch kernels and initrds named by TFTP-root path from
	 * http_server + "/" + path; the nginx server block listens on
	 * http_listen. */
	char *http_server;	/* "http://host[:port][/path]", no trailing '/'; NULL: TFTP */
	char *http_listen;	/* nginx listen: "addr:port" or "port"; NULL: from the URL */
	struct inv_pos http_server_pos, http_listen_pos;
	char *kea_hooks_dir;	/* Kea's hook libraries; NULL: configure's KEA_HOOKS_DIR */
	struct inv_pos kea_hooks_dir_pos;
};

/* Parses and checks text[0..len) (need not be NUL-terminated). Messages
 * "source:line:col: error: ..." (and warnings) are appended to diag.
 * Returns the inventory, or NULL when there was any error. */
struct inventory *inventory_parse(const char *source, const char *text, size_t len,
				  struct strbuf *diag);
void inventory_free(struct inventory *inv);

/* How "include" statements read files; inventory_parse refuses them. */
#define INV_INCLUDE_DEPTH 8
struct inv_include_ops {
	/* the files a glob pattern matches, sorted (none is no error):
	 * 0, or -1 with errno; *names is freed with free() */
	int (*glob)(void *ctx, const char *pattern, char ***names, size_t *n);
	/* a file's text: 0, or -1 with errno */
	int (*read)(void *ctx, const char *path, struct strbuf *text);
	void *ctx;
};
struct inventory *inventory_parse_includes(const char *source, const char *text, size_t len,
					   const struct inv_include_ops *ops,
					   struct strbuf *diag);

/* Helpers the emitters share. */
bool inv_is_url(const char *s);	/* http://, https:// or tftp:// */
/* The first rule for this client kind with (any_arch false) or without
 * (true) architecture codes. */
const struct inv_boot *inv_find_boot(const struct inventory *inv, enum inv_client client,
				     bool any_arch);
bool inv_has_boot(const struct inventory *inv, enum inv_client client);
/* A stable class/tag name for a rule: "pxekit-uefi-x64", "pxekit-arch-27". */
void inv_boot_tag(const struct inv_boot *b, char *out, size_t len);
void format_mac(const uint8_t mac[6], char sep, char *out /* >= 18 */);
void format_ipv4(uint32_t addr, char *out /* >= 16 */);
void format_ipv6(const uint8_t addr[16], char *out /* >= 46 */);
/* The first boot6 rule, like inv_find_boot. */
const struct inv_boot *inv_find_boot6(const struct inventory *inv, enum inv_client client,
				      bool any_arch);
bool inv_has_proxy(const struct inventory *inv);
/* Kea's subnet-id for a subnet6: from its prefix, not its position, so
 * adding a subnet6 moves no client (1 to 2^32 - 2). */
uint32_t inv_subnet6_id(const struct inv_subnet6 *sn);
/* The URL a DHCPv6 client gets for a boot6 file: URLs as they are,
 * TFTP-root paths as tftp://[server6]/path (RFC 5970 section 3.1). */
void inv_boot6_url(const struct inventory *inv, const char *file, char *out, size_t len);
uint32_t prefix_mask(unsigned prefixlen);
/* Where iPXE and GRUB fetch path (a profile's kernel or initrd): a URL
 * as it is; a TFTP-root path under the http-server URL when there is
 * one (out), else NULL (TFTP). out holds INV_HTTP_URL_MAX bytes. */
#define INV_HTTP_URL_MAX (2 * INV_PATH_MAX + 4)
const char *inv_http_url(const struct inventory *inv, const char *path, char *out);
/* Some subnet names its own http-server: iPXE scripts then take the base
 * from the DHCP answer (INV_IPXE_HTTP_OPTION), the global one being the
 * default. */
bool inv_has_subnet_http(const struct inventory *inv);
/* The option in iPXE's encapsulated space (RFC 2132 option 175, iPXE's
 * include/ipxe/dhcp.h "Etherboot-specific encapsulated options") that
 * carries a subnet's http-server: iPXE asks every server for 175 and
 * keeps what it gets as setting 175.224; iPXE itself defines no 224. */
#define INV_IPXE_ENCAP 175
#define INV_IPXE_HTTP_OPTION 224
const struct inv_subnet *inventory_subnet_of(const struct inventory *inv, uint32_t addr);

#endif
