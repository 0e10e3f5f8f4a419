/* pxe-dhcpgen: DHCP server include files and boot-loader configs from one
 * inventory (pxe-dhcpgen(8), pxekit.conf(5)). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "inventory.h"
#include "log.h"
#include "output.h"

#define DEFAULT_INVENTORY SYSCONFDIR "/pxekit/pxekit.conf"
#define DEFAULT_MANIFEST LOCALSTATEDIR "/lib/pxekit/pxe-dhcpgen.manifest"

static const char *const default_output[] = {
	[FORMAT_ISC] = SYSCONFDIR "/dhcp/pxekit.conf",
	[FORMAT_KEA] = SYSCONFDIR "/kea/pxekit-dhcp4.json",
	[FORMAT_DNSMASQ] = SYSCONFDIR "/dnsmasq.d/pxekit.conf",
};

struct config {
	const char *inventory, *output, *tftproot, *manifest, *checker;
	enum dhcp_format format;
	bool check_only, diff, no_loaders, no_checker, quiet;
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: pxe-dhcpgen [-c FILE] [-f isc|kea|dnsmasq] [-o FILE|-] [-t DIR]\n"
		"                   [--check | --diff] [--manifest FILE] [--checker PROG]\n"
		"                   [--no-checker] [--no-loaders] [-q]\n"
		"Writes DHCP server configuration and boot-loader files from a pxekit inventory.\n\n"
		"  -c, --config FILE     inventory (default " DEFAULT_INVENTORY ")\n"
		"  -f, --format FMT      isc (default), kea or dnsmasq\n"
		"  -o, --output FILE     DHCP file to write (default per format, e.g.\n"
		"                        " SYSCONFDIR "/dhcp/pxekit.conf); - prints it and writes nothing else\n"
		"  -t, --tftproot DIR    where boot-loader files go (default " TFTPROOT ")\n"
		"      --check           validate everything, write nothing\n"
		"      --diff            show what would change, write nothing\n"
		"      --manifest FILE   list of written files (default " DEFAULT_MANIFEST ")\n"
		"      --checker PROG    the server binary that checks the output (default:\n"
		"                        dhcpd, kea-dhcp4 or dnsmasq from PATH)\n"
		"      --no-checker      do not run it\n"
		"      --no-loaders      write only the DHCP file\n"
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
	fatal(2, "unknown format '%s' (isc, kea or dnsmasq)", s);
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	enum { OPT_CHECK = 256, OPT_DIFF, OPT_MANIFEST, OPT_CHECKER, OPT_NO_CHECKER,
	       OPT_NO_LOADERS };
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
	if (!cfg->output)
		cfg->output = default_output[cfg->format];
	if (cfg->tftproot[0] != '/' || (cfg->output[0] != '/' && strcmp(cfg->output, "-") != 0) ||
	    cfg->manifest[0] != '/')
		fatal(2, "the output, TFTP root and manifest must be absolute paths");
}

static int include_glob(void *ctx, const char *pattern, char ***names, size_t *n)
{
	glob_t g;
	int rc = glob(pattern, GLOB_ERR, NULL, &g);

	(void)ctx;
	*names = NULL;
	*n = 0;
	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc != 0) {
		if (rc == GLOB_NOSPACE)
			errno = ENOMEM;
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

static int include_read(void *ctx, const char *path, struct strbuf *text)
{
	(void)ctx;
	return read_text_file(path, 0, 1u << 20, text) < 0 ? -1 : 0;
}

static struct inventory *load_inventory(const char *path)
{
	static const struct inv_include_ops include_ops = { include_glob, include_read, NULL };
	struct strbuf text = STRBUF_INIT, diag = STRBUF_INIT;
	struct inventory *inv;

	if (read_text_file(path, 0, 1u << 20, &text) < 0)
		fatal(1, errno == EFBIG ? "%s: larger than 1 MiB; is it an inventory?" : "%s: %m", path);
	inv = inventory_parse_includes(path, sb_str(&text), text.len, &include_ops, &diag);
	fputs(sb_str(&diag), stderr);
	sb_free(&text);
	sb_free(&diag);
	if (!inv)
		fatal(1, "%s: not changed anything because of the errors above", path);
	return inv;
}

static char *join(const char *dir, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel) < 0)
		fatal(1, "out of memory");
	return p;
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.inventory = DEFAULT_INVENTORY, .tftproot = TFTPROOT, .manifest = DEFAULT_MANIFEST,
	};
	struct strbuf dhcp = STRBUF_INIT;
	struct loader_files lf = { 0 };
	struct plan plan = { 0 };
	struct inventory *inv;
	int status = 0;

	log_open("pxe-dhcpgen", LOG_TO_STDERR, LOG_DAEMON);
	parse_args(argc, argv, &cfg);
	inv = load_inventory(cfg.inventory);
	emit_dhcp(cfg.format, inv, &dhcp);
	if (!cfg.no_loaders && strcmp(cfg.output, "-") != 0)
		emit_loaders(inv, &lf);
	if (dhcp.oom || lf.oom)
		fatal(1, "out of memory");
	if (!cfg.no_checker && run_checker(cfg.format, cfg.checker, &dhcp, cfg.quiet) != 0)
		exit(1);
	if (strcmp(cfg.output, "-") == 0) {
		fputs(sb_str(&dhcp), stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}

	plan.manifest_path = cfg.manifest;
	plan.out = calloc(lf.n + 1, sizeof *plan.out);
	if (!plan.out || manifest_load(cfg.manifest, &plan.old) < 0)
		exit(1);
	plan.out[plan.n++] = (struct output){ .path = strdup(cfg.output), .text = &dhcp };
	for (size_t i = 0; i < lf.n; i++)
		plan.out[plan.n++] = (struct output){
			.path = join(cfg.tftproot, lf.file[i].path), .text = &lf.file[i].text,
			.tracked = true };
	if (plan_outputs(&plan) < 0)
		fatal(1, "nothing was changed");
	if (cfg.diff)
		status = show_diff(&plan) < 0;
	else if (!cfg.check_only)
		status = apply_plan(&plan) < 0;
	if (!status && !cfg.quiet && cfg.check_only)
		logmsg(LOG_INFO, "%s: no errors (%zu files would be written)", cfg.inventory, plan.n);
	else if (!status && !cfg.quiet && !cfg.diff)
		logmsg(LOG_INFO, "%u written, %u unchanged, %u removed; %s is yours to include",
		       plan.written, plan.unchanged, plan.removed, cfg.output);

	for (size_t i = 0; i < plan.n; i++)
		free(plan.out[i].path);
	free(plan.out);
	manifest_free(&plan.old);
	loader_files_free(&lf);
	sb_free(&dhcp);
	inventory_free(inv);
	return status;
}
