/* Boot-loader files under the TFTP root, named the way each loader looks
 * them up:
 * - PXELINUX/syslinux.efi: pxelinux.cfg/01-<mac with dashes, lower case>,
 *   then pxelinux.cfg/default, in the directory of pxelinux.0 (its path
 *   prefix; pxelinux.txt "HOW TO CONFIGURE PXELINUX").
 * - GRUB: $prefix/grub.cfg-01-<mac dashes> (grub_net_search_config_file),
 *   then grub.cfg. Debian's signed grubnetx64 never searches, it only
 *   reads $prefix/grub.cfg, so that file sources the host's file by
 *   $net_default_mac (colon form) itself. That file alone reaches every
 *   GRUB (one that searches finds no 01- file and reads grub.cfg too):
 *   no grub.cfg-01- copy, a quarter fewer files at 10^5 hosts.
 * - iPXE: a script chains /ipxe/${mac:hexhyp}.ipxe, else the menu. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "emit.h"

#define LOCAL_MAX 32	/* "local-disk-" and a size_t */

static struct strbuf *new_file(struct loader_files *lf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct strbuf *new_file(struct loader_files *lf, const char *fmt, ...)
{
	struct loader_file *f;
	va_list ap;
	char *path;

	if (lf->done && lf->n)
		lf->done(lf->ctx, &lf->file[lf->n - 1]);
	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) < 0)
		path = NULL;
	va_end(ap);
	if (path && lf->prefix && *lf->prefix) {
		char *full;

		if (asprintf(&full, "%s%s%s", lf->prefix,
			     lf->prefix[strlen(lf->prefix) - 1] == '/' ? "" : "/", path) < 0)
			full = NULL;
		free(path);
		path = full;
	}
	/* Doubles at each power of two: four files a host, 10^5 hosts. */
	f = lf->file;
	if (path && (lf->n & (lf->n - 1)) == 0)
		f = big_reallocarray(lf->file, lf->n ? 2 * lf->n : 1, sizeof *f);
	if (!path || !f) {
		free(path);
		lf->oom = true;
		return NULL;
	}
	lf->file = f;
	f = &lf->file[lf->n++];
	f->path = path;
	f->text = (struct strbuf)STRBUF_INIT;
	return &f->text;
}

void loader_files_free(struct loader_files *lf)
{
	for (size_t i = 0; i < lf->n; i++) {
		free(lf->file[i].path);
		sb_free(&lf->file[i].text);
	}
	free(lf->file);
	*lf = (struct loader_files){ 0 };
}

static const char *label_of(const struct inv_profile *pr)
{
	return pr->label ? pr->label : pr->name;
}

static void header(struct strbuf *sb, const char *comment, const struct inventory *inv,
		   const struct inv_host *h)
{
	char mac[18];

	sb_add(sb, comment);
	sb_add(sb, " " GENERATED_MARK " from ");
	sb_add(sb, inv->source);
	if (h) {
		format_mac(h->mac, ':', mac);
		sb_add(sb, " for host ");
		sb_add(sb, h->name);
		sb_add(sb, " (");
		sb_add(sb, mac);
		sb_add(sb, ")");
	}
	sb_add(sb, "; do not edit, it is rewritten.\n");
}

static const char *host_append(const struct inv_host *h)
{
	return h->cmdline ? h->cmdline : h->profile->append;
}

/* What a host's file holds after its header depends only on its profile
 * (and, for PXELINUX, the directory): rendered once per profile and
 * copied for each host, not formatted again 10^5 times. */
struct bodies {
	size_t n;
	struct strbuf *sb;
};

static struct bodies bodies_new(const struct inventory *inv)
{
	struct bodies b = { inv->nprofiles, calloc(inv->nprofiles + 1, sizeof *b.sb) };

	return b;
}

static void bodies_free(struct bodies *b)
{
	for (size_t i = 0; b->sb && i < b->n; i++)
		sb_free(&b->sb[i]);
	free(b->sb);
	b->sb = NULL;
}

/* Where pr's body is kept (empty until rendered), or NULL when the
 * cache could not be allocated (the file is then marked out of memory). */
static struct strbuf *body_slot(struct bodies *b, const struct inventory *inv,
				const struct inv_profile *pr)
{
	return b->sb ? &b->sb[pr - inv->profiles] : NULL;
}

static void add_body(struct strbuf *sb, struct strbuf *body, bool oom_if_null)
{
	if (!body) {
		sb->oom |= oom_if_null;
		return;
	}
	sb_addn(sb, sb_str(body), body->len);
	sb->oom |= body->oom;
}

/* The menu entry that boots the local disk: the inventory's first
 * localboot profile, or a built-in one (*builtin set) when it has none,
 * under a name no profile has, or the menu's default could boot a
 * profile (a disk wipe, say) in its place. */
static bool profile_named(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nprofiles; i++)
		if (strcmp(inv->profiles[i].name, name) == 0)
			return true;
	return false;
}

static const char *local_entry(const struct inventory *inv, bool *builtin, char buf[LOCAL_MAX])
{
	for (size_t i = 0; i < inv->nprofiles; i++)
		if (inv->profiles[i].localboot) {
			*builtin = false;
			return inv->profiles[i].name;
		}
	*builtin = true;
	snprintf(buf, LOCAL_MAX, "local");
	/* nprofiles + 1 candidates: one of them is free. */
	for (size_t n = 1; profile_named(inv, buf) && n <= inv->nprofiles + 1; n++) {
		if (n == 1)
			snprintf(buf, LOCAL_MAX, "local-disk");
		else
			snprintf(buf, LOCAL_MAX, "local-disk-%zu", n);
	}
	return buf;
}

/* What the menu boots when the timeout runs out. */
static const char *menu_default(const struct inventory *inv, const char *local)
{
	return inv->default_prof ? inv->default_prof->name : local;
}

/* ---- PXELINUX ------------------------------------------------------ */

/* append: the profile's command line, or a host's (profile + group +
 * host, templates expanded by the inventory). */
static void pxelinux_label(struct strbuf *sb, const struct inv_profile *pr, const char *dir,
			   const char *append)
{
	/* "::" passes a name to the server without pxelinux.0's directory in
	 * front, so inventory paths stay relative to the TFTP root. */
	const char *root = *dir ? "::" : "";

	sb_addf(sb, "\nLABEL %s\n  MENU LABEL %s\n", pr->name, label_of(pr));
	if (pr->localboot) {
		sb_add(sb, "  LOCALBOOT 0\n");
		return;
	}
	sb_addf(sb, "  KERNEL %s%s\n", inv_is_url(pr->kernel) ? "" : root, pr->kernel);
	if (pr->initrd)
		sb_addf(sb, "  INITRD %s%s\n", inv_is_url(pr->initrd) ? "" : root, pr->initrd);
	if (append)
		sb_addf(sb, "  APPEND %s\n", append);
}

static void pxelinux_menu(struct strbuf *sb, const struct inventory *inv, const char *dir)
{
	char buf[LOCAL_MAX];
	bool builtin;
	const char *local = local_entry(inv, &builtin, buf), *def = menu_default(inv, local);

	/* No UI module: ldlinux.c32 alone shows the labels (SAY) and a
	 * boot: prompt, and boots DEFAULT when the timeout runs out.
	 * TIMEOUT 0 would wait for ever: timeout 0 is PROMPT 0, which
	 * boots DEFAULT at once, as GRUB's timeout=0 does. */
	sb_addf(sb, "DEFAULT %s\nPROMPT %d\nTIMEOUT %u\n", def, inv->timeout > 0,
		inv->timeout * 10);
	for (size_t i = 0; i < inv->nprofiles; i++)
		sb_addf(sb, "SAY   %-16s %s\n", inv->profiles[i].name,
			label_of(&inv->profiles[i]));
	if (builtin)
		sb_addf(sb, "SAY   %-16s %s\n", local, "Boot from the local disk");
	for (size_t i = 0; i < inv->nprofiles; i++)
		pxelinux_label(sb, &inv->profiles[i], dir, inv->profiles[i].append);
	if (builtin)
		sb_addf(sb, "\nLABEL %s\n  MENU LABEL Boot from the local disk\n  LOCALBOOT 0\n", local);
}

#define PXELINUX_DIRS_MAX 32	/* the boot rules' directories */
#define HOST_DIRS_MAX 64	/* hosts' own directories that get a default menu */

/* The directory part of file (*dirlen bytes; 0 is the TFTP root) when
 * file is a PXELINUX-family boot file, which reads pxelinux.cfg/ there. */
static bool pxelinux_dir_of(const char *file, const char **dir, size_t *dirlen)
{
	static const char *const names[] = { "pxelinux.0", "lpxelinux.0", "gpxelinux.0",
					     "syslinux.efi" };
	const char *base;

	if (!file || inv_is_url(file))
		return false;
	file += file[0] == '/';
	base = strrchr(file, '/');
	*dir = file;
	*dirlen = base ? (size_t)(base - file + 1) : 0;
	base = base ? base + 1 : file;
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strcmp(base, names[k]) == 0)
			return true;
	return false;
}

static bool dir_listed(char dirs[][INV_PATH_MAX + 1], size_t n, const char *dir, size_t dirlen)
{
	for (size_t d = 0; d < n; d++)
		if (strlen(dirs[d]) == dirlen && strncmp(dirs[d], dir, dirlen) == 0)
			return true;
	return false;
}

/* Adds the directory of file to dirs[] when it is a PXELINUX one not
 * listed yet; returns whether it did. */
static bool add_pxelinux_dir(char dirs[][INV_PATH_MAX + 1], size_t *n, size_t max,
			     const char *file)
{
	const char *dir;
	size_t dirlen;

	if (*n == max || !pxelinux_dir_of(file, &dir, &dirlen) || dir_listed(dirs, *n, dir, dirlen))
		return false;
	memcpy(dirs[*n], dir, dirlen);
	dirs[(*n)++][dirlen] = '\0';
	return true;
}

/* Directories the boot rules' PXELINUX files are in: each gets the menu
 * and every host's file. */
static size_t pxelinux_dirs(const struct inventory *inv, char dirs[][INV_PATH_MAX + 1],
			    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < inv->nboots; i++)
		add_pxelinux_dir(dirs, &n, max, inv->boots[i].file);
	if (n == 0)
		dirs[n++][0] = '\0';
	return n;
}

static void pxelinux_default(struct loader_files *lf, const struct inventory *inv, const char *dir)
{
	struct strbuf *sb = new_file(lf, "%spxelinux.cfg/default", dir);

	if (sb) {
		header(sb, "#", inv, NULL);
		pxelinux_menu(sb, inv, dir);
	}
}

/* bodies: the rendered per-profile bodies for this directory, or NULL
 * to render here; a host with its own command line always is. */
static void pxelinux_host(struct loader_files *lf, const struct inventory *inv,
			  const struct inv_host *h, const char *dir, struct bodies *bodies)
{
	struct strbuf *sb, *body = NULL;
	char mac[18];

	format_mac(h->mac, '-', mac);
	if (!(sb = new_file(lf, "%spxelinux.cfg/01-%s", dir, mac)))
		return;
	header(sb, "#", inv, h);
	if (bodies && !h->cmdline) {
		body = body_slot(bodies, inv, h->profile);
		if (!body) {
			sb->oom = true;
			return;
		}
		if (body->len) {
			add_body(sb, body, true);
			return;
		}
	}
	/* PROMPT 0: straight to the host's profile. */
	sb_addf(body ? body : sb, "DEFAULT %s\nPROMPT 0\nTIMEOUT %u\n", h->profile->name,
		inv->timeout * 10);
	pxelinux_label(body ? body : sb, h->profile, dir, host_append(h));
	if (body)
		add_body(sb, body, true);
}

/* A host's own pxelinux.0 elsewhere (its filename, or its file for one
 * architecture, also from its group) looks for pxelinux.cfg/ there: its
 * file goes there too, and only its (the directories could be many). */
static void pxelinux_host_dirs(struct loader_files *lf, const struct inventory *inv,
			       const struct inv_host *h, char rule_dirs[][INV_PATH_MAX + 1],
			       size_t nrule, char menus[][INV_PATH_MAX + 1], size_t *nmenus)
{
	char mine[INV_MAX_ARCHES + 1][INV_PATH_MAX + 1];
	size_t nmine = 0;

	for (size_t k = 0; k <= h->nboots; k++) {
		const char *file = k < h->nboots ? h->boot[k].file : h->filename, *dir;
		size_t dirlen;

		if (!pxelinux_dir_of(file, &dir, &dirlen) || dir_listed(rule_dirs, nrule, dir, dirlen) ||
		    !add_pxelinux_dir(mine, &nmine, INV_MAX_ARCHES + 1, file))
			continue;
		if (add_pxelinux_dir(menus, nmenus, HOST_DIRS_MAX, file))
			pxelinux_default(lf, inv, mine[nmine - 1]);
		if (h->profile)
			pxelinux_host(lf, inv, h, mine[nmine - 1], NULL);
	}
}

static void emit_pxelinux(const struct inventory *inv, struct loader_files *lf)
{
	char dirs[PXELINUX_DIRS_MAX][INV_PATH_MAX + 1], menus[HOST_DIRS_MAX][INV_PATH_MAX + 1];
	size_t ndirs = pxelinux_dirs(inv, dirs, PXELINUX_DIRS_MAX), nmenus = 0;

	for (size_t d = 0; d < ndirs; d++) {
		struct bodies bodies = bodies_new(inv);

		pxelinux_default(lf, inv, dirs[d]);
		for (size_t i = 0; i < inv->nhosts; i++)
			if (inv->hosts[i].profile)
				pxelinux_host(lf, inv, &inv->hosts[i], dirs[d], &bodies);
		bodies_free(&bodies);
	}
	for (size_t i = 0; i < inv->nhosts; i++)
		pxelinux_host_dirs(lf, inv, &inv->hosts[i], dirs, ndirs, menus, &nmenus);
}

/* ---- GRUB ---------------------------------------------------------- */

/* Every string GRUB reads goes out as one single-quoted word: inside
 * single quotes GRUB's script lexer (grub.info "Shell-like scripting")
 * expands nothing and splits nothing, so '&', ';', '$', '#' and spaces
 * are plain characters; a single quote itself is closed, escaped and
 * reopened ('\''). */
static void grub_quote(struct strbuf *sb, const char *text, size_t len)
{
	sb_add(sb, "'");
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\'')
			sb_add(sb, "'\\''");
		else
			sb_addn(sb, &text[i], 1);
	}
	sb_add(sb, "'");
}

static void grub_string(struct strbuf *sb, const char *text)
{
	grub_quote(sb, text, strlen(text));
}

/* The kernel command line, a word per argument as Linux splits it. */
static void grub_words(struct strbuf *sb, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n) {
			sb_add(sb, " ");
			grub_quote(sb, p, n);
		}
		p += n;
	}
}

/* A file for GRUB: TFTP-root paths as they are, http:// and tftp://
 * URLs as GRUB device syntax, (http,host)/path; one quoted word.
 * TFTP-root paths stay on TFTP when the inventory has an http-server:
 * Debian's signed grubnetx64 has no http module (and loads no unsigned
 * one under Secure Boot), and no test in GRUB 2.06's script tells
 * whether one is there: "if insmod http" took the then-branch after
 * "File not found", "[ -e (http,host)/file ]" stayed false with the
 * module loaded (tests/integration/dhcpgen-http-boot.sh, 2026-12-02). */
static void grub_file(struct strbuf *sb, const char *path)
{
	const char *scheme_end = strstr(path, "://");
	struct strbuf word = STRBUF_INIT;

	if (inv_is_url(path) && scheme_end) {
		const char *host = scheme_end + 3, *slash = strchr(host, '/');
		size_t hostlen = slash ? (size_t)(slash - host) : strlen(host);

		sb_addf(&word, "(%.*s,%.*s)%s", (int)(scheme_end - path), path, (int)hostlen, host,
			slash ? slash : "/");
	} else {
		sb_addf(&word, "%s%s", path[0] == '/' ? "" : "/", path);
	}
	sb->oom |= word.oom;
	grub_quote(sb, sb_str(&word), word.len);
	sb_free(&word);
}

static bool is_https(const char *path)
{
	return path && strncmp(path, "https://", 8) == 0;
}

static void grub_entry(struct strbuf *sb, const struct inv_profile *pr, const char *append)
{
	sb_add(sb, "\nmenuentry ");
	grub_string(sb, label_of(pr));
	sb_add(sb, " --id ");
	grub_string(sb, pr->name);
	sb_add(sb, " {\n");
	if (pr->localboot) {
		sb_add(sb, "  exit\n}\n");	/* back to the firmware's next boot device */
		return;
	}
	if (is_https(pr->kernel) || is_https(pr->initrd)) {
		/* GRUB 2.06 has http and tftp only: say so rather than fail
		 * with "unrecognized network protocol". */
		sb_add(sb, "  echo 'This entry needs https://, which GRUB cannot fetch.'\n"
			   "  sleep 10\n}\n");
		return;
	}
	sb_add(sb, "  echo 'Loading kernel...'\n  linux ");
	grub_file(sb, pr->kernel);
	if (append)
		grub_words(sb, append);
	sb_add(sb, "\n");
	if (pr->initrd) {
		sb_add(sb, "  echo 'Loading initrd...'\n  initrd ");
		grub_file(sb, pr->initrd);
		sb_add(sb, "\n");
	}
	sb_add(sb, "}\n");
}

static void grub_menu(struct strbuf *sb, const struct inventory *inv)
{
	char buf[LOCAL_MAX];
	bool builtin;
	const char *local = local_entry(inv, &builtin, buf), *def = menu_default(inv, local);

	sb_addf(sb, "set timeout=%u\n", inv->timeout);
	sb_add(sb, "# A host's own file, for GRUBs that never search by MAC (Debian's\n"
		   "# signed grubnetx64 reads only $prefix/grub.cfg).\n"
		   "if [ -s \"$prefix/grub.cfg-$net_default_mac\" ]; then\n"
		   "  configfile \"$prefix/grub.cfg-$net_default_mac\"\n"
		   "fi\n");
	sb_add(sb, "set default=");
	grub_string(sb, def);
	sb_add(sb, "\n");
	for (size_t i = 0; i < inv->nprofiles; i++)
		grub_entry(sb, &inv->profiles[i], inv->profiles[i].append);
	if (builtin) {
		sb_add(sb, "\nmenuentry 'Boot from the local disk' --id ");
		grub_string(sb, local);
		sb_add(sb, " {\n  exit\n}\n");
	}
}

static void grub_host(struct strbuf *sb, const struct inventory *inv, const struct inv_host *h,
		      struct strbuf *body)
{
	header(sb, "#", inv, h);
	/* A host with its own command line has a body of its own. */
	if (h->cmdline) {
		sb_addf(sb, "set timeout=%u\nset default=", inv->timeout);
		grub_string(sb, h->profile->name);
		sb_add(sb, "\n");
		grub_entry(sb, h->profile, h->cmdline);
		return;
	}
	if (body && !body->len) {
		sb_addf(body, "set timeout=%u\nset default=", inv->timeout);
		grub_string(body, h->profile->name);
		sb_add(body, "\n");
		grub_entry(body, h->profile, h->profile->append);
	}
	add_body(sb, body, true);
}

/* Where GRUB reads grub.cfg: grub/ (the $prefix of Debian's and Ubuntu's
 * signed grubnetx64), and each secure-boot pair's own $prefix. */
static size_t grub_dirs(const struct inventory *inv, const char *dirs[], size_t max)
{
	size_t n = 0;

	dirs[n++] = GRUB_DIR;
	for (size_t i = 0; i < inv->nboots && n < max; i++) {
		const char *d = inv->boots[i].grub_dir;
		bool seen = false;

		for (size_t k = 0; d && k < n; k++)
			seen |= strcmp(dirs[k], d) == 0;
		if (d && !seen)
			dirs[n++] = d;
	}
	return n;
}

static void emit_grub_dir(const struct inventory *inv, struct loader_files *lf, const char *dir)
{
	const char *sep = *dir ? "/" : "";
	struct bodies bodies = bodies_new(inv);
	struct strbuf *sb;
	char mac[18];

	if ((sb = new_file(lf, "%s%sgrub.cfg", dir, sep))) {
		header(sb, "#", inv, NULL);
		grub_menu(sb, inv);
	}
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];

		if (!h->profile)
			continue;
		format_mac(h->mac, ':', mac);
		if ((sb = new_file(lf, "%s%sgrub.cfg-%s", dir, sep, mac)))
			grub_host(sb, inv, h, body_slot(&bodies, inv, h->profile));
	}
	bodies_free(&bodies);
}

static void emit_grub(const struct inventory *inv, struct loader_files *lf)
{
	const char *dirs[8];
	size_t n = grub_dirs(inv, dirs, 8);

	for (size_t d = 0; d < n; d++)
		emit_grub_dir(inv, lf, dirs[d]);
}

/* ---- iPXE ---------------------------------------------------------- */

/* iPXE has no quoting: a line is split at white space, and a word ";",
 * "||" or "&&" ends the command, a word starting with '#' the line
 * (core/exec.c system(), command_terminator()), before any ${...} is
 * expanded. Expansion happens afterwards, once per word, and its result
 * is never split again. So inventory text never appears in a script as
 * words: it is stored in a setting as hex bytes (only 0-9a-f and ':'
 * reach the parser) and used as ${name:string}, one word that becomes
 * one argument whatever it holds. Paths need no such care: the inventory
 * lets no space, '#', ';', '|' or '$' into one, and every path here
 * starts with '/' or a URL scheme, so none is also an option. */
static void ipxe_set_text(struct strbuf *sb, const char *kind, const char *name,
			  const char *text)
{
	sb_addf(sb, "set pxekit-%s-%s:hex ", kind, name);
	for (size_t i = 0; text[i]; i++)
		sb_addf(sb, "%s%02x", i ? ":" : "", (unsigned char)text[i]);
	sb_add(sb, "\n");
}

/* Absolute paths: iPXE resolves them against the server of the script,
 * whether it came over TFTP or HTTP. */
static const char *ipxe_prefix(const char *path)
{
	return inv_is_url(path) || path[0] == '/' ? "" : "/";
}

/* Where a script's kernel and initrd come from when a subnet names its
 * own http-server (pxekit.conf(5) THE HTTP BOOT PATH): the DHCP answer's
 * option 175.224, else the global http-server, else (no base: a path
 * from '/') the TFTP server the script came from. The URL from DHCP is
 * only ever expanded, never parsed as script text. */
#define IPXE_TEXT(x) #x
#define IPXE_OPTION(e, o) "${" IPXE_TEXT(e) "." IPXE_TEXT(o) ":string}"
#define IPXE_DHCP_BASE IPXE_OPTION(INV_IPXE_ENCAP, INV_IPXE_HTTP_OPTION)
#define IPXE_BASE "${pxekit-http}"

static void ipxe_base(struct strbuf *sb, const struct inventory *inv)
{
	if (inv_has_subnet_http(inv) && inv->http_server)
		sb_addf(sb, "isset %s && set pxekit-http %s || set pxekit-http %s\n",
			IPXE_DHCP_BASE, IPXE_DHCP_BASE, inv->http_server);
}

/* A file for iPXE: from the http-server when the inventory names one. */
static const char *ipxe_file(const struct inventory *inv, const char *path,
			     char url[INV_HTTP_URL_MAX])
{
	const char *u;

	if (!inv_is_url(path) && inv_has_subnet_http(inv)) {
		snprintf(url, INV_HTTP_URL_MAX, "%s/%s", inv->http_server ? IPXE_BASE : IPXE_DHCP_BASE,
			 path + (path[0] == '/'));
		return url;
	}
	u = inv_http_url(inv, path, url);
	if (u)
		return u;
	snprintf(url, INV_HTTP_URL_MAX, "%s%s", ipxe_prefix(path), path);
	return url;
}

static void ipxe_boot(struct strbuf *sb, const struct inventory *inv,
		      const struct inv_profile *pr, const char *append)
{
	char url[INV_HTTP_URL_MAX];

	if (pr->localboot) {
		sb_add(sb, "exit\n");
		return;
	}
	if (append)
		ipxe_set_text(sb, "append", pr->name, append);
	ipxe_base(sb, inv);
	/* initrd= names the initrd for a kernel's EFI stub (ipxe.org/cmd/initrd). */
	sb_addf(sb, "kernel %s%s", ipxe_file(inv, pr->kernel, url),
		pr->initrd ? " initrd=initrd" : "");
	if (append)
		sb_addf(sb, " ${pxekit-append-%s:string}", pr->name);
	sb_add(sb, "\n");
	if (pr->initrd)
		sb_addf(sb, "initrd --name initrd %s\n", ipxe_file(inv, pr->initrd, url));
	sb_add(sb, "boot\n");
}

static void ipxe_menu(struct strbuf *sb, const struct inventory *inv)
{
	char buf[LOCAL_MAX];
	bool builtin;
	const char *local = local_entry(inv, &builtin, buf), *def = menu_default(inv, local);

	for (size_t i = 0; i < inv->nprofiles; i++)
		ipxe_set_text(sb, "label", inv->profiles[i].name, label_of(&inv->profiles[i]));
	sb_add(sb, "menu Network boot\n");
	for (size_t i = 0; i < inv->nprofiles; i++)
		sb_addf(sb, "item %s ${pxekit-label-%s:string}\n", inv->profiles[i].name,
			inv->profiles[i].name);
	if (builtin)
		sb_addf(sb, "item %s Boot from the local disk\n", local);
	/* --timeout 0 would wait for ever: timeout 0 boots the default at
	 * once, as GRUB's timeout=0 does. */
	if (inv->timeout)
		sb_addf(sb, "choose --default %s --timeout %u target || goto %s\n"
			    "goto ${target}\n", def, inv->timeout * 1000, def);
	else
		sb_addf(sb, "goto %s\n", def);
	for (size_t i = 0; i < inv->nprofiles; i++) {
		sb_addf(sb, "\n:%s\n", inv->profiles[i].name);
		ipxe_boot(sb, inv, &inv->profiles[i], inv->profiles[i].append);
	}
	if (builtin)
		sb_addf(sb, "\n:%s\nexit\n", local);
}

static void emit_ipxe(const struct inventory *inv, struct loader_files *lf)
{
	struct bodies bodies = bodies_new(inv);
	struct strbuf *sb;
	char mac[18];

	if ((sb = new_file(lf, IPXE_SCRIPT))) {
		sb_add(sb, "#!ipxe\n");
		header(sb, "#", inv, NULL);
		sb_add(sb, "chain --autofree /ipxe/${mac:hexhyp}.ipxe || chain --autofree /ipxe/default.ipxe\n");
	}
	if ((sb = new_file(lf, "ipxe/default.ipxe"))) {
		sb_add(sb, "#!ipxe\n");
		header(sb, "#", inv, NULL);
		ipxe_menu(sb, inv);
	}
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];
		struct strbuf *body;

		if (!h->profile)
			continue;
		body = body_slot(&bodies, inv, h->profile);
		format_mac(h->mac, '-', mac);
		if (!(sb = new_file(lf, "ipxe/%s.ipxe", mac)))
			continue;
		sb_add(sb, "#!ipxe\n");
		header(sb, "#", inv, h);
		if (h->cmdline) {
			ipxe_boot(sb, inv, h->profile, h->cmdline);
			continue;
		}
		if (body && !body->len)
			ipxe_boot(body, inv, h->profile, h->profile->append);
		add_body(sb, body, true);
	}
	bodies_free(&bodies);
}

void emit_loaders(const struct inventory *inv, struct loader_files *lf)
{
	if (!inv->nprofiles)
		return;	/* nothing to boot into: the admin's own configs rule */
	emit_pxelinux(inv, lf);
	emit_grub(inv, lf);
	emit_ipxe(inv, lf);
	if (lf->done && lf->n)
		lf->done(lf->ctx, &lf->file[lf->n - 1]);
}
