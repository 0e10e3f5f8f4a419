/* pxe-dhcpgen: DHCP server include files and boot-loader configs from one
 * inventory (pxe-dhcpgen(8), pxekit.conf(5)). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emit.h"
#include "failover.h"
#include "emit_nginx.h"
#include "inventory.h"
#include "log.h"
#include "output.h"
#include "siphash.h"

#define DEFAULT_INVENTORY SYSCONFDIR "/pxekit/pxekit.conf"
#define DEFAULT_MANIFEST LOCALSTATEDIR "/lib/pxekit/pxe-dhcpgen.manifest"
#define DEFAULT_IMAGES LOCALSTATEDIR "/lib/pxekit/images"	/* pxe-image's state */

static const char *const default_output[] = {
	[FORMAT_ISC] = SYSCONFDIR "/dhcp/pxekit.conf",
	[FORMAT_KEA] = SYSCONFDIR "/kea/pxekit-dhcp4.json",
	[FORMAT_DNSMASQ] = SYSCONFDIR "/dnsmasq.d/pxekit.conf",
	[FORMAT_ISC6] = SYSCONFDIR "/dhcp/pxekit6.conf",
	[FORMAT_KEA6] = SYSCONFDIR "/kea/pxekit-dhcp6.json",
};

/* The server configuration the fragment is checked inside. */
static const char *const default_main_conf[] = {
	[FORMAT_ISC] = SYSCONFDIR "/dhcp/dhcpd.conf",
	[FORMAT_KEA] = SYSCONFDIR "/kea/kea-dhcp4.conf",
	[FORMAT_DNSMASQ] = NULL,
	[FORMAT_ISC6] = SYSCONFDIR "/dhcp/dhcpd6.conf",
	[FORMAT_KEA6] = SYSCONFDIR "/kea/kea-dhcp6.conf",
};

/* Generous: 10^6 hosts are some 70 MB of inventory. */
#define MAX_INVENTORY ((size_t)256 << 20)

struct config {
	const char *inventory, *output, *tftproot, *manifest, *checker, *main_conf;
	const char *server;	/* --server: one DHCP server's output only */
	const char *nginx;	/* --nginx FILE: write the HTTP server block only */
	const char *images;	/* --images DIR: pxe-image's state, for --nginx */
	const char *http_server;	/* --http-server URL: which block --nginx writes */
	enum dhcp_format format;
	bool check_only, diff, no_loaders, no_checker, no_main_conf, quiet, kea_lists;
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: pxe-dhcpgen [-c FILE] [-f isc|kea|dnsmasq|isc6|kea6] [-o FILE|-] [-t DIR]\n"
		"                   [--check | --diff] [--manifest FILE] [--checker PROG]\n"
		"                   [--main-config FILE | --no-main-config] [--no-checker]\n"
		"                   [--kea-lists] [--no-loaders] [--server NAME] [-q]\n"
		"       pxe-dhcpgen --nginx FILE|- [--http-server URL] [--images DIR] [-c FILE] [-t DIR]\n"
		"                   [--check | --diff] ...\n"
		"Writes DHCP server configuration and boot-loader files from a pxekit inventory.\n\n"
		"  -c, --config FILE     inventory (default " DEFAULT_INVENTORY ")\n"
		"  -f, --format FMT      isc (default), kea, dnsmasq, or for DHCPv6 isc6 or kea6\n"
		"  -o, --output FILE     DHCP file to write (default per format, e.g.\n"
		"                        " SYSCONFDIR "/dhcp/pxekit.conf); - prints it and writes nothing else\n"
		"  -t, --tftproot DIR    where boot-loader files go (default " TFTPROOT ")\n"
		"      --check           validate everything, write nothing\n"
		"      --diff            show what would change, write nothing\n"
		"      --manifest FILE   list of written files (default " DEFAULT_MANIFEST ")\n"
		"      --checker PROG    the server binary that checks the output (default:\n"
		"                        dhcpd, kea-dhcp4, kea-dhcp6 or dnsmasq from PATH)\n"
		"      --main-config FILE  the server's own configuration, to check the output\n"
		"                        inside it (default " SYSCONFDIR "/dhcp/dhcpd.conf or\n"
		"                        " SYSCONFDIR "/kea/kea-dhcp4.conf, or their v6 peers,\n"
		"                        when it exists)\n"
		"      --no-main-config  check the output on its own\n"
		"      --no-checker      do not run it\n"
		"      --kea-lists       Kea: pieces for inside your own client-classes,\n"
		"                        subnet4/subnet6 and reservations lists\n"
		"      --no-loaders      write only the DHCP file\n"
		"      --server NAME     with a failover: only this DHCP server's file, at -o's\n"
		"                        path (default: each server's, -o with -NAME added)\n"
		"      --nginx FILE      write only the nginx server block of the HTTP boot\n"
		"                        path (http-server), checked with nginx -t\n"
		"      --http-server URL the block of a subnet's http-server (default: the global one)\n"
		"      --images DIR      pxe-image's state directory: --nginx serves its images\n"
		"                        too (default " DEFAULT_IMAGES ")\n"
		"  -q, --quiet           only errors and warnings\n"
		"  -h, --help            this text\n"
		"  -V, --version         version\n");
}

static enum dhcp_format parse_format(const char *s)
{
	if (strcmp(s, "isc") == 0 || strcmp(s, "dhcpd") == 0)
		return FORMAT_ISC;
	if (strcmp(s, "kea") == 0)
		return FORMAT_KEA;
	if (strcmp(s, "dnsmasq") == 0)
		return FORMAT_DNSMASQ;
	if (strcmp(s, "isc6") == 0 || strcmp(s, "dhcpd6") == 0)
		return FORMAT_ISC6;
	if (strcmp(s, "kea6") == 0)
		return FORMAT_KEA6;
	fatal(2, "unknown format '%s' (isc, kea, dnsmasq, isc6 or kea6)", s);
}

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	enum { OPT_CHECK = 256, OPT_DIFF, OPT_MANIFEST, OPT_CHECKER, OPT_NO_CHECKER,
	       OPT_NO_LOADERS, OPT_MAIN_CONF, OPT_NO_MAIN_CONF, OPT_KEA_LISTS, OPT_SERVER,
	       OPT_NGINX, OPT_IMAGES, OPT_HTTP_SERVER };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "tftproot", required_argument, NULL, 't' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "manifest", required_argument, NULL, OPT_MANIFEST },
		{ "checker", required_argument, NULL, OPT_CHECKER },
		{ "no-checker", no_argument, NULL, OPT_NO_CHECKER },
		{ "no-loaders", no_argument, NULL, OPT_NO_LOADERS },
		{ "main-config", required_argument, NULL, OPT_MAIN_CONF },
		{ "no-main-config", no_argument, NULL, OPT_NO_MAIN_CONF },
		{ "kea-lists", no_argument, NULL, OPT_KEA_LISTS },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "nginx", required_argument, NULL, OPT_NGINX },
		{ "images", required_argument, NULL, OPT_IMAGES },
		{ "http-server", required_argument, NULL, OPT_HTTP_SERVER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:f:o:t:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg->inventory = optarg; break;
		case 'f': cfg->format = parse_format(optarg); break;
		case 'o': cfg->output = optarg; break;
		case 't': cfg->tftproot = optarg; break;
		case 'q': cfg->quiet = true; break;
		case OPT_CHECK: cfg->check_only = true; break;
		case OPT_DIFF: cfg->diff = true; break;
		case OPT_MANIFEST: cfg->manifest = optarg; break;
		case OPT_CHECKER: cfg->checker = optarg; break;
		case OPT_NO_CHECKER: cfg->no_checker = true; break;
		case OPT_NO_LOADERS: cfg->no_loaders = true; break;
		case OPT_MAIN_CONF: cfg->main_conf = optarg; break;
		case OPT_NO_MAIN_CONF: cfg->no_main_conf = true; break;
		case OPT_KEA_LISTS: cfg->kea_lists = true; break;
		case OPT_SERVER: cfg->server = optarg; break;
		case OPT_NGINX: cfg->nginx = optarg; break;
		case OPT_IMAGES: cfg->images = optarg; break;
		case OPT_HTTP_SERVER: cfg->http_server = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("pxe-dhcpgen (pxekit) " PACKAGE_VERSION "\n"); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pxe-dhcpgen: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (cfg->check_only && cfg->diff)
		fatal(2, "--check and --diff do not go together");
	if (cfg->nginx && (cfg->output || cfg->main_conf || cfg->no_loaders))
		fatal(2, "--nginx writes the server block only: -o, --main-config and --no-loaders do not go with it");
	if (cfg->images && !cfg->nginx)
		fatal(2, "--images goes with --nginx");
	if (cfg->http_server && !cfg->nginx)
		fatal(2, "--http-server goes with --nginx");
	if (cfg->nginx)
		cfg->output = cfg->nginx;
	if (!cfg->output)
		cfg->output = default_output[cfg->format];
	if (cfg->kea_lists && cfg->format != FORMAT_KEA && cfg->format != FORMAT_KEA6)
		fatal(2, "--kea-lists goes with -f kea or -f kea6");
	if (cfg->main_conf && cfg->no_main_conf)
		fatal(2, "--main-config and --no-main-config do not go together");
	if (cfg->main_conf && access(cfg->main_conf, R_OK) < 0)
		fatal(2, "%s: %m", cfg->main_conf);
	if (!cfg->main_conf && !cfg->no_main_conf && default_main_conf[cfg->format] &&
	    access(default_main_conf[cfg->format], F_OK) == 0)
		cfg->main_conf = default_main_conf[cfg->format];
	if (cfg->no_main_conf)
		cfg->main_conf = NULL;
	if (cfg->tftproot[0] != '/' || (cfg->output[0] != '/' && strcmp(cfg->output, "-") != 0) ||
	    cfg->manifest[0] != '/')
		fatal(2, "the output, TFTP root and manifest must be absolute paths");
	/* With a failover the file names come from it: /etc/dhcp gave
	 * /etc/dhcp-NAME, /etc/dhcp/ gave /etc/dhcp/-NAME. */
	if (strcmp(cfg->output, "-") != 0 &&
	    (cfg->output[strlen(cfg->output) - 1] == '/' || is_directory(cfg->output)))
		fatal(2, "%s is a directory: -o names the DHCP file, e.g. %s", cfg->output,
		      default_output[cfg->format]);
}

/* A directory that does not exist matches nothing, like an empty one;
 * one that cannot be read is an error. */
static int glob_error;

static int include_glob_error(const char *path, int err)
{
	(void)path;
	if (err == ENOENT || err == ENOTDIR)
		return 0;
	glob_error = err;
	return 1;
}

static int include_glob(void *ctx, const char *pattern, char ***names, size_t *n)
{
	glob_t g;
	int rc;

	(void)ctx;
	*names = NULL;
	*n = 0;
	glob_error = 0;
	rc = glob(pattern, 0, include_glob_error, &g);
	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc != 0) {
		errno = rc == GLOB_NOSPACE ? ENOMEM : glob_error ? glob_error : EIO;
		if (rc != GLOB_NOSPACE)
			globfree(&g);
		return -1;
	}
	*names = calloc(g.gl_pathc ? g.gl_pathc : 1, sizeof **names);
	for (size_t i = 0; *names && i < g.gl_pathc; i++)
		if (((*names)[(*n)++] = strdup(g.gl_pathv[i])) == NULL)
			fatal(1, "out of memory");
	globfree(&g);
	if (!*names)
		fatal(1, "out of memory");
	return 0;
}

/* The run's key (run_key): SipHash-2-4 under two fixed keys, 128 bits,
 * of each piece's bytes, and of the names and hashes of all pieces in
 * order. Not SHA-256, which took 70 ms on the 7 MB of 10^5 hosts: the
 * key tells a changed input from an unchanged one, it is not a defence
 * against someone who can write the inventory (who can do anything). */
struct run_key {
	struct strbuf chain;	/* each piece: its name, NUL, its 16 bytes */
};

static const unsigned char key_a[] = "pxekit-dhcpgen:a", key_b[] = "pxekit-dhcpgen:b";

static void hash128(const void *data, size_t len, uint64_t out[2])
{
	out[0] = siphash24(key_a, data, len);
	out[1] = siphash24(key_b, data, len);
}

/* Every byte the loader files are made of goes into the run's key. */
static void key_add(struct run_key *key, const char *path, const struct strbuf *text)
{
	uint64_t h[2];

	hash128(sb_str(text), text->len, h);
	sb_addn(&key->chain, path, strlen(path) + 1);
	sb_addn(&key->chain, (const char *)h, sizeof h);
}

static int include_read(void *ctx, const char *path, struct strbuf *text)
{
	if (read_text_file(path, 0, MAX_INVENTORY, text) < 0)
		return -1;
	key_add(ctx, path, text);
	return 0;
}

static struct inventory *load_inventory(const char *path, struct run_key *key)
{
	const struct inv_include_ops include_ops = { include_glob, include_read, key };
	struct strbuf text = STRBUF_INIT, diag = STRBUF_INIT;
	struct inventory *inv;

	if (read_text_file(path, 0, MAX_INVENTORY, &text) < 0)
		fatal(1, errno == EFBIG ? "%s: larger than 256 MiB; is it an inventory?" : "%s: %m", path);
	key_add(key, path, &text);
	inv = inventory_parse_includes(path, sb_str(&text), text.len, &include_ops, &diag);
	fputs(sb_str(&diag), stderr);
	sb_free(&text);
	sb_free(&diag);
	if (!inv)
		fatal(1, "%s: not changed anything because of the errors above", path);
	return inv;
}

/* What the inventory asks for that the chosen server cannot do. */
static void check_format(const struct config *cfg, const struct inventory *inv)
{
	if (inv_has_proxy(inv) && (cfg->format == FORMAT_ISC || cfg->format == FORMAT_KEA))
		fatal(1, "%s: a proxy subnet needs -f dnsmasq: ISC dhcpd and Kea do not do proxy DHCP",
		      cfg->inventory);
	if (cfg->format == FORMAT_DNSMASQ &&
	    (inv_find_boot6(inv, CLIENT_HTTP, true) || inv_find_boot6(inv, CLIENT_HTTP, false)))
		logmsg(LOG_WARNING,
		       "%s: dnsmasq cannot echo DHCPv6 vendor class 343 \"HTTPClient\", which UEFI HTTP boot needs: the boot6 http rules are left out (use -f isc6 or -f kea6)",
		       cfg->inventory);
	if ((cfg->format == FORMAT_ISC6 || cfg->format == FORMAT_KEA6) && !inv->nsubnets6 &&
	    !inv->nboots6)
		fatal(1, "%s: -f %s writes DHCPv6 configuration, but there is no subnet6 or boot6",
		      cfg->inventory, cfg->format == FORMAT_ISC6 ? "isc6" : "kea6");
}

/* ---- DHCP failover / HA: which outputs a run renders ---------------- */

static bool failover_outputs(const struct config *cfg, const struct inventory *inv)
{
	return inv->failover && (cfg->format == FORMAT_ISC || cfg->format == FORMAT_KEA);
}

static void check_failover_format(const struct config *cfg, const struct inventory *inv)
{
	struct strbuf diag = STRBUF_INIT;
	bool ok = failover_check_format(inv, cfg->format, &diag);

	fputs(sb_str(&diag), stderr);
	sb_free(&diag);
	if (!ok)
		fatal(1, "%s: not changed anything because of the errors above", cfg->inventory);
	/* Two servers including the same DHCPv6 file each lease from the
	 * whole range on their own. */
	if (inv->failover && (cfg->format == FORMAT_ISC6 || cfg->format == FORMAT_KEA6) &&
	    inv->nsubnets6 && !cfg->server)
		logmsg(LOG_WARNING,
		       "%s: failover %s is DHCPv4's only: this one DHCPv6 file has no failover; run it on one server (or give each server its own ranges)",
		       cfg->inventory, inv->failover->name);
	if (cfg->server && !failover_outputs(cfg, inv))
		fatal(2, "--server: %s", inv->failover ? "DHCPv6 outputs have no failover (one file serves both)"
						      : "the inventory has no failover");
	if (cfg->server && !failover_server(inv, cfg->server))
		fatal(2, "--server: no dhcp-server '%s' in %s", cfg->server, cfg->inventory);
	if (failover_outputs(cfg, inv) && !cfg->server && strcmp(cfg->output, "-") == 0)
		fatal(2, "-o - prints one file: name its DHCP server with --server");
}

/* Renders and checks the DHCP file of self (NULL: the only one), into
 * o's text and path. Returns 0, or 1 when the checker refused it. */
static int render_dhcp(const struct config *cfg, const struct inventory *inv,
		       const struct inv_dhcp_server *self, struct output *o)
{
	struct inventory view = failover_view(inv, self);
	/* The main configuration here is at most one peer's: the other
	 * peer's file is checked on its own. */
	const char *main_conf = !self || cfg->server ? cfg->main_conf : NULL;
	struct dhcp_part part;

	*o = (struct output){ .text = STRBUF_INIT };
	emit_dhcp(cfg->format, &view, &o->text);
	if (o->text.oom)
		fatal(1, "out of memory");
	if (self && !cfg->server && strcmp(cfg->output, "-") != 0)
		o->path = failover_output_path(cfg->output, self->name);
	else
		o->path = strdup(cfg->output);
	if (!o->path)
		fatal(1, "out of memory");
	part = (struct dhcp_part){ .path = o->path, .text = &o->text };
	if (!cfg->no_checker &&
	    run_checker(cfg->format, cfg->checker, &part, 1, main_conf, cfg->quiet) != 0)
		return 1;
	return 0;
}

/* A run that writes every server's file owns -o and each -o-NAME it
 * wrote: those it wrote earlier and no longer generates (a failover
 * removed or added, a server renamed or gone) are taken back, so a
 * server never keeps including a file with another site's peers. A run
 * with --server writes one server's file and takes back nothing. */
static void take_back_dhcp_files(const struct config *cfg, struct plan *plan)
{
	struct strbuf text = STRBUF_INIT;
	size_t dir = (size_t)(strrchr(cfg->output, '/') - cfg->output) + 1;

	if (cfg->server)
		return;
	for (size_t i = 0; i < plan->old.n; i++) {
		struct manifest_entry *e = &plan->old.entry[i];

		/* Only -o's directory: not 10^5 loader files read for nothing. */
		if (e->seen || e->dropped || strncmp(e->path, cfg->output, dir) != 0 ||
		    strchr(e->path + dir, '/'))
			continue;
		sb_reset(&text);
		if (read_text_file(e->path, O_NOFOLLOW, MAX_INVENTORY, &text) < 0)
			continue;	/* gone already, or not ours to judge */
		e->take_back = failover_output_of(cfg->output, e->path, sb_str(&text));
	}
	sb_free(&text);
}

/* ---- end of DHCP failover / HA ------------------------------------ */

/* --check: could a real run write under dir? The nearest directory that
 * exists must be writable (access(2) also says EROFS for a read-only
 * mount). */
static bool writable(const char *what, const char *path, bool is_dir)
{
	char dir[PATH_MAX];
	char *slash;

	if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir)
		return false;
	if (!is_dir && (slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	while (access(dir, F_OK) < 0 && errno == ENOENT && (slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	if (access(dir, W_OK) == 0)
		return true;
	logmsg(LOG_ERR, "%s: %s cannot be written: %m", what, dir);
	return false;
}

/* The key of the loader files a run makes: a hash of this program, the
 * TFTP root and every inventory file read (in order). A run with the key
 * the manifest records, whose files all still have the stat recorded,
 * would write the same files: they need not be rendered (pxe-dhcpgen(8),
 * FILES). The program's own bytes stand for its version: a rebuilt one
 * renders everything once. */
static void run_key(struct run_key *key, const char *tftproot, char hex[33])
{
	struct strbuf exe = STRBUF_INIT;
	uint64_t h[2];

	hex[0] = '\0';	/* no key: every run renders */
	if (read_text_file("/proc/self/exe", 0, (size_t)256 << 20, &exe) < 0)
		return;
	key_add(key, "/proc/self/exe", &exe);
	sb_free(&exe);
	sb_addn(&key->chain, tftproot, strlen(tftproot) + 1);
	if (key->chain.oom)
		return;
	hash128(key->chain.buf, key->chain.len, h);
	snprintf(hex, 33, "%016" PRIx64 "%016" PRIx64, h[0], h[1]);
}

/* With --kea-lists, the piece for list beside output: "pxekit-dhcp4.json"
 * gives "pxekit-dhcp4-subnet4.json". */
static char *piece_path(const char *output, const char *list)
{
	size_t n = strlen(output);
	char *path;

	if (n > 5 && strcmp(output + n - 5, ".json") == 0)
		n -= 5;
	if (asprintf(&path, "%.*s-%s.json", (int)n, output, list) < 0)
		fatal(1, "out of memory");
	return path;
}

/* Each loader file, as soon as it is rendered, goes to the plan, which
 * keeps its text only when it will be written. */
static void plan_loader_file(void *ctx, struct loader_file *f)
{
	struct output o = { .path = f->path, .text = f->text, .tracked = true };

	f->path = NULL;
	f->text = (struct strbuf)STRBUF_INIT;
	plan_add(ctx, &o);
}

/* --kea-lists: the members of each Kea list, one file each, checked
 * inside the administrator's own configuration. Returns how many. */
static size_t render_kea_lists(const struct config *cfg, const struct inventory *inv,
			       struct output out[KEA_NLISTS])
{
	static const char *const lists[KEA_NLISTS] = { "client-classes", "subnet4", "reservations" };
	struct strbuf pieces[KEA_NLISTS] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct dhcp_part part[KEA_NLISTS];
	bool v6 = cfg->format == FORMAT_KEA6;
	size_t n = v6 ? 2 : KEA_NLISTS;

	(v6 ? emit_kea6_lists : emit_kea_lists)(inv, pieces);
	for (size_t i = 0; i < n; i++) {
		const char *list = i == KEA_SUBNETS && v6 ? "subnet6" : lists[i];

		out[i] = (struct output){
			.path = strcmp(cfg->output, "-") == 0 ? strdup("-") : piece_path(cfg->output, list),
			.text = pieces[i],
		};
		if (!out[i].path || pieces[i].oom)
			fatal(1, "out of memory");
		part[i] = (struct dhcp_part){ .path = out[i].path, .text = &out[i].text, .list = list };
	}
	if (!cfg->no_checker &&
	    run_checker(cfg->format, cfg->checker, part, n, cfg->main_conf, cfg->quiet) != 0)
		exit(1);
	return n;
}

/* The manifest, read while the inventory is: a run that may keep every
 * loader file as it is checks their stat meanwhile. */
static void start_plan(const struct config *cfg, struct plan *plan)
{
	plan->manifest_path = cfg->manifest;
	plan->tftproot = cfg->tftproot;
	plan->no_loaders = cfg->no_loaders;
	if (plan_open(plan, !cfg->no_loaders && !cfg->check_only && !cfg->diff) < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.inventory = DEFAULT_INVENTORY, .tftproot = TFTPROOT, .manifest = DEFAULT_MANIFEST,
	};
	struct loader_files lf = { 0 };
	struct plan plan = { 0 };
	struct output out[KEA_NLISTS];	/* the DHCP files: one, a failover's two, or Kea's lists */
	const struct inv_dhcp_server *self[2] = { NULL, NULL };
	size_t nout = 1;
	struct inventory *inv;
	struct run_key key = { STRBUF_INIT };
	char key_hex[33];
	struct strbuf include = STRBUF_INIT;	/* what the admin includes */
	int status = 0;

	log_open("pxe-dhcpgen", LOG_TO_STDERR, LOG_DAEMON);
	/* Arrays of 10^5 hosts and 4 * 10^5 outputs grow by doubling: from
	 * 1 MiB on they stay mmap'ed, so realloc moves pages (mremap), not
	 * bytes; glibc's sliding threshold would put them on the heap and
	 * copy each doubling (~8 % of a no-op run's CPU at 20000 hosts). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	parse_args(argc, argv, &cfg);
	if (!cfg.nginx && strcmp(cfg.output, "-") != 0)
		start_plan(&cfg, &plan);
	inv = load_inventory(cfg.inventory, &key);
	if (cfg.nginx) {
		struct nginx_run run = {
			.output = cfg.nginx, .tftproot = cfg.tftproot, .manifest = cfg.manifest,
			.images = cfg.images ? cfg.images : DEFAULT_IMAGES,
			.http_server = cfg.http_server,
			.checker = cfg.checker, .no_checker = cfg.no_checker,
			.check_only = cfg.check_only, .diff = cfg.diff, .quiet = cfg.quiet,
		};

		status = nginx_main(&run, inv);
		inventory_free(inv);
		return status;
	}
	check_format(&cfg, inv);
	check_failover_format(&cfg, inv);
	if (cfg.kea_lists && failover_outputs(&cfg, inv))
		fatal(2, "--kea-lists: a failover's HA hook goes in the Dhcp4 map's own hooks-libraries "
		      "and multi-threading, which list pieces cannot carry; write whole files "
		      "(without --kea-lists)");
	/* With a failover, one file per DHCP server, both from this one
	 * inventory in this one run. */
	if (failover_outputs(&cfg, inv) && cfg.server) {
		self[0] = failover_server(inv, cfg.server);
	} else if (failover_outputs(&cfg, inv)) {
		self[0] = inv->failover->peer[0].server;
		self[1] = inv->failover->peer[1].server;
		nout = 2;
	}
	if (cfg.kea_lists)
		nout = render_kea_lists(&cfg, inv, out);
	else
		for (size_t i = 0; i < nout; i++)
			status |= render_dhcp(&cfg, inv, self[i], &out[i]);
	if (status)
		exit(1);
	if (strcmp(cfg.output, "-") == 0) {
		for (size_t i = 0; i < nout; i++) {
			fputs(sb_str(&out[i].text), stdout);
			sb_free(&out[i].text);
			free(out[i].path);
		}
		status = fflush(stdout) == 0 ? 0 : 1;
		inventory_free(inv);
		return status;
	}

	run_key(&key, cfg.tftproot, key_hex);
	/* --no-loaders, --check and --diff look at (or keep) the loader
	 * files as they are: no key recorded, no short cut. */
	if (!cfg.no_loaders && !cfg.check_only && !cfg.diff && key_hex[0])
		plan.key = key_hex;
	/* One run at a time per manifest: held until exit. --check and
	 * --diff write nothing, not even the lock. */
	if (!cfg.check_only && !cfg.diff && manifest_lock(cfg.manifest) < 0)
		fatal(1, "cannot lock %s.lock: %m", cfg.manifest);
	if (plan_opened(&plan) < 0)
		exit(1);
	if (loaders_unchanged(&plan))
		plan.no_loaders = true;	/* kept as they are, as recorded */
	else if (manifest_index_entries(&plan.old) < 0)
		exit(1);
	for (size_t i = 0; i < nout; i++) {
		if (!self[1])	/* a failover's files are each server's own */
			sb_addf(&include, "%s%s", i ? ", " : "", out[i].path);
		out[i].recorded = true;
		plan_add(&plan, &out[i]);
	}
	if (!plan.no_loaders) {
		lf.prefix = cfg.tftproot;
		lf.done = plan_loader_file;
		lf.ctx = &plan;
		emit_loaders(inv, &lf);
		if (lf.oom)
			fatal(1, "out of memory");
	}
	take_back_dhcp_files(&cfg, &plan);
	if (plan_finish(&plan) < 0)
		fatal(1, "nothing was changed");
	if (cfg.check_only) {
		bool ok = writable("the manifest", cfg.manifest, false);
		const char *last = NULL;

		/* Each directory a file would be written to, once. */
		for (size_t i = 0; i < plan.n; i++) {
			const char *p = plan.out[i].path, *slash = strrchr(p, '/');

			if (plan.out[i].same || (last && strncmp(last, p, (size_t)(slash - p + 1)) == 0 &&
						 !strchr(last + (slash - p + 1), '/')))
				continue;
			ok &= writable(plan.out[i].tracked ? "the TFTP root" : "the DHCP file", p, false);
			last = p;
		}
		if (!ok)
			fatal(1, "a run would fail to write its files");
	}
	if (cfg.diff)
		status = show_diff(&plan) < 0;
	else if (!cfg.check_only)
		status = apply_plan(&plan) < 0;
	if (!status && !cfg.quiet && cfg.check_only)
		logmsg(LOG_INFO, "%s: no errors (%zu files would be written)", cfg.inventory, plan.n);
	else if (!status && !cfg.quiet && !cfg.diff)
		logmsg(LOG_INFO, "%u written, %u unchanged, %u removed; %s %s yours to include",
		       plan.written, plan.unchanged + plan.verified, plan.removed,
		       self[1] ? "each DHCP server's file" : sb_str(&include), nout > 1 && !self[1] ? "are" : "is");

	plan_free(&plan);
	loader_files_free(&lf);
	sb_free(&include);
	sb_free(&key.chain);
	inventory_free(inv);
	return status;
}
