/* pxe-image: OS install images for network boot (pxe-image(8)):
 * inspect what an image is; add, list, show, remove and verify the
 * images registered on this boot server. Detection is image/detect.c
 * (pure); this file is the I/O shell: what add writes, where, and the
 * state file that lets remove take back exactly that. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect.h"
#include "fdio.h"
#include "log.h"
#include "rules.h"
#include "share.h"
#include "sha256.h"
#include "state.h"
#include "strbuf.h"
#include "tree.h"

#define DEFAULT_RULES PKGDATADIR "/image-rules"
#define DEFAULT_RULES_DIR SYSCONFDIR "/pxekit/image-rules.d"
#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/pxekit/images"
#define DEFAULT_EXPORTS_DIR SYSCONFDIR "/exports.d"
#define DEFAULT_PROFILES_DIR SYSCONFDIR "/pxekit/images.d"
#define DEFAULT_INVENTORY SYSCONFDIR "/pxekit/pxekit.conf"
#define RULES_FILE_MAX (1u << 20)
#define NAME_MAX_LEN 63		/* a pxekit.conf profile name */
#define PROFILE_PATH_MAX 127	/* a pxekit.conf kernel or initrd path */
#define MAX_OUTPUTS 256
/* TFTP block numbers are 16 bits (RFC 1350): the largest file at the
 * default 512-byte blocks without rollover, and at the largest blksize
 * (RFC 2348: 65464) */
#define TFTP_PLAIN_MAX (65535ull * 512)
#define TFTP_BLKSIZE_MAX (65535ull * 65464)

struct config {
	const char *rules, *rules_dir;
	const char *tftp_root, *state_dir, *exports_dir, *profiles_dir, *inventory;
	const char *name, *distro, *arch, *kernel, *initrd, *append, *server, *http_base;
	bool dry_run, quiet, progress;
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: pxe-image [OPTIONS] inspect SOURCE\n"
		"       pxe-image [OPTIONS] add [--name NAME] [--distro D] [--arch A] [--kernel P]\n"
		"                 [--initrd P] [--append ARGS] [--server ADDR] [--dry-run] SOURCE\n"
		"       pxe-image [OPTIONS] list | show NAME | remove NAME | verify [NAME]\n"
		"Registers OS install images (an .iso file or an unpacked tree) for network boot.\n\n"
		"      --rules FILE        the distribution rules (default " DEFAULT_RULES ")\n"
		"      --rules-dir DIR     the admin's rules, *.rules, read first\n"
		"                          (default " DEFAULT_RULES_DIR ")\n"
		"      --tftp-root DIR     default " TFTPROOT "\n"
		"      --state-dir DIR     default " DEFAULT_STATE_DIR "\n"
		"      --exports-dir DIR   default " DEFAULT_EXPORTS_DIR "\n"
		"      --profiles-dir DIR  default " DEFAULT_PROFILES_DIR "\n"
		"      --inventory FILE    where the server address is read (default\n"
		"                          " DEFAULT_INVENTORY ")\n"
		"      --http-base URL     default http://SERVER/pxekit\n"
		"  -n, --dry-run           print what add or remove would do, change nothing\n"
		"  -q, --quiet             no progress and no summary\n"
		"  -h, --help              this text\n"
		"  -V, --version           version\n");
}

static int parse_args(int argc, char **argv, struct config *cfg)
{
	enum {
		OPT_RULES = 256, OPT_RULES_DIR, OPT_TFTP, OPT_STATE, OPT_EXPORTS, OPT_PROFILES,
		OPT_INVENTORY, OPT_NAME, OPT_DISTRO, OPT_ARCH, OPT_KERNEL, OPT_INITRD, OPT_APPEND,
		OPT_SERVER, OPT_HTTP,
	};
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "rules-dir", required_argument, NULL, OPT_RULES_DIR },
		{ "tftp-root", required_argument, NULL, OPT_TFTP },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "exports-dir", required_argument, NULL, OPT_EXPORTS },
		{ "profiles-dir", required_argument, NULL, OPT_PROFILES },
		{ "inventory", required_argument, NULL, OPT_INVENTORY },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "distro", required_argument, NULL, OPT_DISTRO },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "http-base", required_argument, NULL, OPT_HTTP },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*cfg = (struct config){
		.rules = DEFAULT_RULES, .rules_dir = DEFAULT_RULES_DIR, .tftp_root = TFTPROOT,
		.state_dir = DEFAULT_STATE_DIR, .exports_dir = DEFAULT_EXPORTS_DIR,
		.profiles_dir = DEFAULT_PROFILES_DIR, .inventory = DEFAULT_INVENTORY,
	};
	/* options may follow the command word too: permute */
	while ((c = getopt_long(argc, argv, "nqhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RULES: cfg->rules = optarg; break;
		case OPT_RULES_DIR: cfg->rules_dir = optarg; break;
		case OPT_TFTP: cfg->tftp_root = optarg; break;
		case OPT_STATE: cfg->state_dir = optarg; break;
		case OPT_EXPORTS: cfg->exports_dir = optarg; break;
		case OPT_PROFILES: cfg->profiles_dir = optarg; break;
		case OPT_INVENTORY: cfg->inventory = optarg; break;
		case OPT_NAME: cfg->name = optarg; break;
		case OPT_DISTRO: cfg->distro = optarg; break;
		case OPT_ARCH: cfg->arch = optarg; break;
		case OPT_KERNEL: cfg->kernel = optarg; break;
		case OPT_INITRD: cfg->initrd = optarg; break;
		case OPT_APPEND: cfg->append = optarg; break;
		case OPT_SERVER: cfg->server = optarg; break;
		case OPT_HTTP: cfg->http_base = optarg; break;
		case 'n': cfg->dry_run = true; break;
		case 'q': cfg->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("pxe-image (pxekit) " PACKAGE_VERSION "\n"); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	cfg->progress = !cfg->quiet && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
	return optind;
}

static bool load_file(struct image_rules *r, const char *path, bool must_exist)
{
	struct strbuf text = STRBUF_INIT, diag = STRBUF_INIT;
	bool ok = true;

	if (read_text_file(path, 0, RULES_FILE_MAX, &text) != 0) {
		if (errno == ENOENT && !must_exist)
			return true;
		logmsg(LOG_ERR, "%s: %m", path);
		return false;
	}
	if (!image_rules_parse(r, text.buf ? text.buf : "", text.len, path, &diag)) {
		fputs(sb_str(&diag), stderr);
		ok = false;
	}
	sb_free(&text);
	sb_free(&diag);
	return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int rules_file_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && !strcmp(d->d_name + n - 6, ".rules");
}

/* The admin's rules (sorted by name), then the shipped ones. */
static struct image_rules *load_rules(const struct config *cfg)
{
	struct image_rules *r = image_rules_new();
	struct dirent **names = NULL;
	int n = scandir(cfg->rules_dir, &names, rules_file_name, by_name);
	bool ok = r != NULL;

	if (n < 0 && errno != ENOENT) {
		logmsg(LOG_ERR, "%s: %m", cfg->rules_dir);
		ok = false;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", cfg->rules_dir, names[i]->d_name);
		ok = ok && load_file(r, path, true);
		free(names[i]);
	}
	free(names);
	ok = ok && load_file(r, cfg->rules, true);
	if (!ok) {
		image_rules_free(r);
		return NULL;
	}
	return r;
}

static void field(const char *key, const char *value)
{
	if (value[0] != '\0')
		printf("%s: %s\n", key, value);
}


/* ---- an opened source and what it is --------------------------------- */

struct source {
	const char *arg;
	char path[PATH_MAX];	/* absolute, symlinks resolved */
	bool iso;
	struct stat st;
	struct iso_tree *it;
	struct dir_tree d;
	struct image_tree t;
};

static void source_open(struct source *s, const char *arg)
{
	int rc;

	s->arg = arg;
	s->d.root = -1;
	s->it = calloc(1, sizeof(*s->it));
	if (s->it == NULL)
		fatal(1, "out of memory");
	s->it->fd = -1;
	if (stat(arg, &s->st) != 0 || realpath(arg, s->path) == NULL)
		fatal(1, "%s: %m", arg);
	s->iso = S_ISREG(s->st.st_mode);
	if (!s->iso && !S_ISDIR(s->st.st_mode))
		fatal(1, "%s: neither an ISO image file nor a directory", arg);
	if (s->iso) {
		rc = iso_tree_open(s->it, s->path, &s->t);
		if (rc < 0) {
			errno = -rc;
			fatal(1, "%s: %m", arg);
		}
		if (rc > 0)
			fatal(1, "%s: %s", arg, iso_strerror(rc));
	} else if (dir_tree_open(&s->d, s->path, &s->t) != 0) {
		fatal(1, "%s: %m", arg);
	}
}

static void source_close(struct source *s)
{
	iso_tree_close(s->it);
	dir_tree_close(&s->d);
	free(s->it);
}

static int64_t source_copy(struct source *s, const char *path, const struct tree_copy *c)
{
	return s->iso ? iso_tree_copy(s->it, path, c) : dir_tree_copy(&s->d, path, c);
}

static void print_diag_lines(const char *source, const struct strbuf *diag)
{
	const char *p = sb_str(diag);

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		logmsg(LOG_ERR, "%s: %.*s", source, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static int inspect(const struct config *cfg, const char *arg)
{
	struct image_rules *rules = load_rules(cfg);
	struct strbuf diag = STRBUF_INIT;
	struct image_facts *f = calloc(1, sizeof(*f));
	struct source s = { 0 };
	bool found;

	if (rules == NULL || f == NULL)
		return 1;
	source_open(&s, arg);
	found = image_detect(rules, &s.t, f, &diag);
	printf("source: %s\n", arg);
	printf("type: %s\n", s.iso ? "iso" : "tree");
	if (s.iso) {
		static const char *const names[] = { "iso9660", "joliet", "rockridge" };

		field("volume-id", s.it->v.volume_id);
		field("names", names[s.it->v.names]);
	}
	if (found) {
		field("rule", f->rule);
		field("family", f->family);
		field("name", f->name);
		field("version", f->version);
		field("codename", f->codename);
		field("arch", f->arch);
		field("kernel", f->kernel);
		field("initrd", f->initrd);
		field("args", f->args);
		printf("append: %s\n", f->append);
		field("facts-from", f->sources);
		field("note", f->note);
		if (f->warning[0] != '\0') {
			field("warning", f->warning);
			logmsg(LOG_WARNING, "%s: %s", arg, f->warning);
		}
	} else {
		print_diag_lines(arg, &diag);	/* why, rule by rule */
	}
	source_close(&s);
	image_rules_free(rules);
	sb_free(&diag);
	free(f);
	return found ? 0 : 1;
}

/* ---- names, paths and text that end up in other programs' files -------- */

/* An image name becomes a profile name (pxekit.conf: letters, digits, '-'),
 * a directory under the TFTP root and file names in /etc. */
static const char *name_error(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN)
		return "must be 1 to 63 characters long";
	if (name[0] == '-')
		return "may not start with '-'";
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return "may hold only letters, digits and '-' (it becomes a pxekit.conf "
			       "profile name and a directory name)";
	return NULL;
}

/* The default name: distribution, version, architecture, e.g. rocky-linux-10.0-x86_64
 * with anything but letters and digits turned into single '-'. */
static void default_name(const struct image_facts *f, const char *path, char *out, size_t size)
{
	char raw[256];
	size_t n = 0;

	if (f->name[0] != '\0')
		snprintf(raw, sizeof(raw), "%s-%s-%s", f->name, f->version, f->arch);
	else {
		const char *b = strrchr(path, '/');

		snprintf(raw, sizeof(raw), "%.200s", b ? b + 1 : path);
		if (strlen(raw) > 4 && !strcmp(raw + strlen(raw) - 4, ".iso"))
			raw[strlen(raw) - 4] = '\0';
	}
	for (const char *c = raw; *c && n + 1 < size && n < NAME_MAX_LEN; c++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9');

		if (alnum)
			out[n++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "image");
}

/* pxekit.conf refuses these in labels and command lines (they mean
 * something to one of the boot loaders' script languages). */
static const char *text_error(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s > '~' || strchr("\"'\\`$", *s))
			return "holds a quote, '\\', '`', '$' or a non-ASCII or control character";
	return NULL;
}

/* exports(5) lines split at blanks and treat '"' and '\' specially. */
static bool export_path_ok(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' || *p == '#' || *p == 0x7f)
			return false;
	return true;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal(1, "out of memory");
	va_end(ap);
	return s;
}

/* Replaces every ${key} of tmpl by val. */
static void subst(char *buf, size_t size, const char *tmpl, const char *key, const char *val)
{
	struct strbuf sb = STRBUF_INIT;
	size_t klen = strlen(key);

	for (const char *p = tmpl; *p;) {
		if (p[0] == '$' && p[1] == '{' && !strncmp(p + 2, key, klen) && p[2 + klen] == '}') {
			sb_add(&sb, val);
			p += 3 + klen;
		} else {
			sb_addn(&sb, p++, 1);
		}
	}
	if (sb.oom || sb.len >= size)
		fatal(1, "command line too long");
	memcpy(buf, sb_str(&sb), sb.len + 1);
	sb_free(&sb);
}

/* The boot server's address: --server, else the inventory's "server". */
static const char *find_server(const struct config *cfg)
{
	static char addr[INET_ADDRSTRLEN];
	struct strbuf text = STRBUF_INIT;
	struct in_addr a;
	const char *p;

	if (cfg->server) {
		if (inet_pton(AF_INET, cfg->server, &a) != 1)
			fatal(2, "--server %s: not an IPv4 address (klibc's nfsmount takes only those)",
			      cfg->server);
		return cfg->server;
	}
	if (read_text_file(cfg->inventory, 0, 1u << 20, &text) == 0) {
		for (p = sb_str(&text); *p; p += strcspn(p, "\n"), p += *p == '\n') {
			char word[16];

			p += strspn(p, " \t");
			if (sscanf(p, "server %15[0-9.]", word) == 1 &&
			    inet_pton(AF_INET, word, &a) == 1) {
				snprintf(addr, sizeof(addr), "%s", word);
				sb_free(&text);
				return addr;
			}
		}
		sb_free(&text);
		fatal(1, "%s: no 'server ADDRESS' statement; give --server ADDRESS", cfg->inventory);
	}
	fatal(1, "%s: %m; give --server ADDRESS", cfg->inventory);
}

/* ---- what add writes ---------------------------------------------------- */

struct output {
	char *path;		/* absolute */
	char *from;		/* a file in the source, or NULL */
	char *text;		/* or this text */
	bool tftp;		/* a loader fetches it over TFTP */
	char sha256[65];
	uint64_t size;
	char *tmp;		/* written, not yet renamed */
};

struct plan {
	struct output out[MAX_OUTPUTS];
	size_t n;
	char *dirs[8];		/* to create, outermost first */
	size_t ndirs;
	struct strbuf facts;	/* the state file's key: value lines */
};

static struct output *plan_add(struct plan *pl, char *path)
{
	struct output *o;

	if (pl->n == MAX_OUTPUTS)
		fatal(1, "more than %d files to write", MAX_OUTPUTS);
	o = &pl->out[pl->n++];
	memset(o, 0, sizeof(*o));
	o->path = path;
	return o;
}

static void plan_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		if (pl->out[i].tmp) {
			unlink(pl->out[i].tmp);
			free(pl->out[i].tmp);
		}
		free(pl->out[i].path);
		free(pl->out[i].from);
		free(pl->out[i].text);
	}
	for (size_t i = 0; i < pl->ndirs; i++)
		free(pl->dirs[i]);
	sb_free(&pl->facts);
}

static void progress_show(void *arg, uint64_t done, uint64_t total)
{
	static int last = -1;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (pct != last || done == total) {
		fprintf(stderr, "\r%s: %3d%%", (const char *)arg, pct);
		if (done == total)
			fputc('\n', stderr);
		last = done == total ? -1 : pct;
	}
}

/* The checksum of a file as it is now: 0, or -1 (missing or unreadable). */
static int file_sha256(const struct config *cfg, const char *path, char hex[65], uint64_t *size)
{
	struct sha256 sum;
	struct tree_copy c = { -1, &sum, cfg->progress ? progress_show : NULL, (void *)path };
	uint8_t d[32];
	int64_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (st.st_size < (1 << 24))
		c.progress = NULL;	/* only what takes a moment */
	sha256_init(&sum);
	n = fd_copy(fd, &c);
	close(fd);
	if (n < 0)
		return -1;
	sha256_final(&sum, d);
	sha256_hex(d, hex);
	if (size)
		*size = (uint64_t)n;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');

	return b ? b + 1 : p;
}

struct listing {
	char names[64][256];
	size_t n;
};

static void collect(void *arg, const char *name)
{
	struct listing *l = arg;

	if (l->n < 64)
		snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void state_line(struct strbuf *sb, const char *key, const char *value)
{
	if (value && value[0] != '\0')
		sb_addf(sb, "%s: %s\n", key, value);
}

/* What add would write for this image, and its facts. */
static void make_plan(const struct config *cfg, struct source *s, struct image_rules *rules,
		      struct image_facts *f, const char *name, struct plan *pl)
{
	const char *server = find_server(cfg);
	char *imgdir = xasprintf("%s/images/%s", cfg->tftp_root, name);
	char *rel_kernel, *rel_initrd, *export_path, *http, *profile;
	char append[4096], label[256];
	const char *nfs_path = s->path;
	struct output *o;

	if (!export_path_ok(s->path))
		fatal(1, "%s: the path holds a blank, '\"', '#' or '\\', which an exports file cannot "
		      "name; move or link the image elsewhere", s->path);
	/* an ISO: its directory is exported (clients that loop-mount the ISO
	 * read the file through it) and the ISO itself, whose contents
	 * pxe-nfsd serves as a tree (live systems mount that); a tree: the
	 * tree */
	export_path = s->iso ? xasprintf("%.*s", (int)(strrchr(s->path, '/') - s->path), s->path)
			     : xasprintf("%s", s->path);
	if (export_path[0] == '\0') {
		free(export_path);
		export_path = xasprintf("/");
	}

	rel_kernel = xasprintf("images/%s/%s", name, base_name(f->kernel));
	rel_initrd = xasprintf("images/%s/%s", name, base_name(f->initrd));
	if (!strcmp(base_name(f->kernel), base_name(f->initrd)))
		fatal(1, "%s: kernel %s and initrd %s have the same file name", s->arg, f->kernel,
		      f->initrd);
	if (strlen(rel_kernel) > PROFILE_PATH_MAX || strlen(rel_initrd) > PROFILE_PATH_MAX)
		fatal(1, "%s: images/NAME/FILE is longer than pxekit.conf's %d characters: "
		      "choose a shorter --name", s->arg, PROFILE_PATH_MAX);
	for (const char *p = rel_kernel; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/", *p))
			fatal(1, "%s: kernel file name %s holds '%c'", s->arg, f->kernel, *p);
	for (const char *p = rel_initrd; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/", *p))
			fatal(1, "%s: initrd file name %s holds '%c'", s->arg, f->initrd, *p);

	subst(append, sizeof(append), cfg->append ? cfg->append : f->append, "server", server);
	subst(append, sizeof(append), append, "path", nfs_path);
	subst(append, sizeof(append), append, "args", f->args);
	if (text_error(append))
		fatal(1, "%s: the kernel command line '%s' %s, which pxekit.conf refuses", s->arg,
		      append, text_error(append));
	snprintf(label, sizeof(label), "%s%s%s%s%s", f->name[0] ? f->name : name,
		 f->version[0] ? " " : "", f->version, f->arch[0] ? " " : "", f->arch);
	for (char *c = label; *c; c++)
		if (strchr("\"'\\`$", *c) || (unsigned char)*c < ' ' || (unsigned char)*c > '~')
			*c = ' ';

	/* directories under the TFTP root that add creates (and remove takes back) */
	{
		char *images = xasprintf("%s/images", cfg->tftp_root);
		struct stat st;

		if (stat(images, &st) != 0)
			pl->dirs[pl->ndirs++] = images;
		else
			free(images);
		pl->dirs[pl->ndirs++] = xasprintf("%s", imgdir);
	}
	o = plan_add(pl, xasprintf("%s/%s", cfg->tftp_root, rel_kernel));
	o->from = xasprintf("%s", f->kernel);
	o->tftp = true;
	o = plan_add(pl, xasprintf("%s/%s", cfg->tftp_root, rel_initrd));
	o->from = xasprintf("%s", f->initrd);
	o->tftp = true;
	/* d-i's menus read their pictures and help screens next to the kernel */
	if (!strcmp(f->family, "debian-installer")) {
		char *dir = xasprintf("%.*s/boot-screens",
				      (int)(strrchr(f->kernel, '/') ? strrchr(f->kernel, '/') - f->kernel : 0),
				      f->kernel);
		struct listing *l = calloc(1, sizeof(*l));

		if (l == NULL)
			fatal(1, "out of memory");
		if (s->t.ops->list(s->t.ctx, dir[0] == '/' ? dir + 1 : dir, collect, l) == 0 && l->n) {
			qsort(l->names, l->n, sizeof(l->names[0]), cmp_str);
			pl->dirs[pl->ndirs++] = xasprintf("%s/boot-screens", imgdir);
			for (size_t i = 0; i < l->n; i++) {
				char *from = xasprintf("%s/%s", dir[0] == '/' ? dir + 1 : dir, l->names[i]);

				if (s->t.ops->kind(s->t.ctx, from) != IMAGE_FILE ||
				    !export_path_ok(l->names[i])) {
					free(from);
					continue;
				}
				o = plan_add(pl, xasprintf("%s/boot-screens/%s", imgdir, l->names[i]));
				o->from = from;
				o->tftp = true;
			}
		}
		free(l);
		free(dir);
	}
	o = plan_add(pl, xasprintf("%s/pxekit-%s.exports", cfg->exports_dir, name));
	o->text = xasprintf("# written by pxe-image add %s; pxe-image remove %s deletes it\n"
			    "%s *(ro,no_subtree_check)\n%s%s", name, name, export_path,
			    s->iso ? s->path : "", s->iso ? " *(ro,no_subtree_check)\n" : "");
	profile = xasprintf("# written by pxe-image add %s; pxe-image remove %s deletes it\n"
			    "profile %s {\n\tlabel \"%s\"\n\tkernel %s\n\tinitrd %s\n"
			    "\tappend \"%s\"\n}\n", name, name, name, label, rel_kernel, rel_initrd,
			    append);
	o = plan_add(pl, xasprintf("%s/%s.conf", cfg->profiles_dir, name));
	o->text = profile;

	http = xasprintf("%s/%s/%s", cfg->http_base ? cfg->http_base : "", name,
			 s->iso ? base_name(s->path) : "");
	if (!cfg->http_base) {
		free(http);
		http = xasprintf("http://%s/pxekit/%s/%s", server, name, s->iso ? base_name(s->path) : "");
	}

	state_line(&pl->facts, "name", name);
	state_line(&pl->facts, "source", s->path);
	state_line(&pl->facts, "type", s->iso ? "iso" : "tree");
	if (s->iso)
		state_line(&pl->facts, "volume-id", s->it->v.volume_id);
	sb_addf(&pl->facts, "source-size: %llu\nsource-mtime: %lld\n",
		(unsigned long long)s->st.st_size, (long long)s->st.st_mtime);
	state_line(&pl->facts, "rule", f->rule);
	state_line(&pl->facts, "family", f->family);
	state_line(&pl->facts, "distro", f->name);
	state_line(&pl->facts, "version", f->version);
	state_line(&pl->facts, "codename", f->codename);
	state_line(&pl->facts, "arch", f->arch);
	state_line(&pl->facts, "kernel", f->kernel);
	state_line(&pl->facts, "initrd", f->initrd);
	state_line(&pl->facts, "server", server);
	state_line(&pl->facts, "tftp-kernel", rel_kernel);
	state_line(&pl->facts, "tftp-initrd", rel_initrd);
	state_line(&pl->facts, "append", append);
	state_line(&pl->facts, "profile", name);
	state_line(&pl->facts, "profile-file", pl->out[pl->n - 1].path);
	state_line(&pl->facts, "exports-file", pl->out[pl->n - 2].path);
	state_line(&pl->facts, "nfs-export", export_path);
	state_line(&pl->facts, "nfs-path", nfs_path);
	if (s->iso) {
		if (!strcmp(f->family, "rhel") || !strcmp(f->family, "suse"))
			state_line(&pl->facts, "nfs-iso",
				   "the installer loop-mounts the ISO file over NFS (its directory is exported)");
		state_line(&pl->facts, "nfs-contents", s->path);
	}
	state_line(&pl->facts, "http-url", http);
	state_line(&pl->facts, "http-serves", s->iso ? s->path : s->path);
	state_line(&pl->facts, "note", f->note);
	if (f->warning[0])
		state_line(&pl->facts, "warning", f->warning);
	free(imgdir);
	free(rel_kernel);
	free(rel_initrd);
	free(export_path);
	free(http);
	(void)rules;
}

/* Detection, then the overrides. */
static void detect_with_overrides(const struct config *cfg, struct image_rules *rules,
				  struct source *s, struct image_facts *f)
{
	struct strbuf diag = STRBUF_INIT;
	bool found = image_detect(rules, &s->t, f, &diag);

	if (!found && !(cfg->kernel && cfg->initrd)) {
		print_diag_lines(s->arg, &diag);
		fatal(1, "%s: not recognised; give --kernel and --initrd (paths inside it) to add "
		      "it anyway", s->arg);
	}
	sb_free(&diag);
	if (!found)
		snprintf(f->family, sizeof(f->family), "%s", "generic");
	if (cfg->distro) {
		const struct rule *r = NULL;

		for (size_t i = 0; i < rules->n && !r; i++)
			if (!strcmp(rules->v[i].family, cfg->distro))
				r = &rules->v[i];
		if (r == NULL)
			fatal(2, "--distro %s: no rule has that family (see %s)", cfg->distro,
			      cfg->rules);
		snprintf(f->family, sizeof(f->family), "%s", cfg->distro);
		snprintf(f->rule, sizeof(f->rule), "%s", r->name);
		if (r->append) {
			char a[sizeof(f->append)];

			subst(a, sizeof(a), r->append, "args", f->args);
			snprintf(f->append, sizeof(f->append), "%s", a);
		}
	}
	if (cfg->arch)
		snprintf(f->arch, sizeof(f->arch), "%s", cfg->arch);
	if (cfg->kernel)
		snprintf(f->kernel, sizeof(f->kernel), "%s", cfg->kernel + (cfg->kernel[0] == '/'));
	if (cfg->initrd)
		snprintf(f->initrd, sizeof(f->initrd), "%s", cfg->initrd + (cfg->initrd[0] == '/'));
	if (s->t.ops->kind(s->t.ctx, f->kernel) != IMAGE_FILE)
		fatal(1, "%s: no file %s in it", s->arg, f->kernel);
	if (s->t.ops->kind(s->t.ctx, f->initrd) != IMAGE_FILE)
		fatal(1, "%s: no file %s in it", s->arg, f->initrd);
}

static char *state_path(const struct config *cfg, const char *name)
{
	return xasprintf("%s/%s.state", cfg->state_dir, name);
}

/* Writes text to path through a temporary file renamed over it. */
static int write_atomic(const char *path, const char *text, size_t len)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);

	if (fd < 0) {
		logmsg(LOG_ERR, "%s: %m", path);
		free(tmp);
		return -1;
	}
	if (write_all(fd, text, len) != 0 || fchmod(fd, 0644) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		logmsg(LOG_ERR, "%s: %m", path);
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

static void state_text(const struct plan *pl, const char *status, struct strbuf *sb)
{
	sb_add(sb, "# pxe-image state: what add detected and wrote; remove deletes the files\n"
		   "# listed here while their checksum still matches\n");
	sb_addf(sb, "status: %s\n", status);
	sb_add(sb, sb_str(&pl->facts));
	for (size_t i = 0; i < pl->ndirs; i++)
		if (pl->dirs[i])
			sb_addf(sb, "dir: %s\n", pl->dirs[i]);
	for (size_t i = 0; i < pl->n; i++)
		sb_addf(sb, "file: %s %llu %s\n", pl->out[i].sha256,
			(unsigned long long)pl->out[i].size, pl->out[i].path);
}

static int write_state(const struct config *cfg, const char *name, const struct plan *pl,
		       const char *status)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = state_path(cfg, name);
	int rc;

	state_text(pl, status, &sb);
	if (sb.oom)
		fatal(1, "out of memory");
	rc = write_atomic(path, sb_str(&sb), sb.len);
	sb_free(&sb);
	free(path);
	return rc;
}

/* 1: parsed into st; 0: no state file; -1: unreadable or damaged (said). */
static int load_state(const struct config *cfg, const char *name, struct image_state *st)
{
	struct strbuf text = STRBUF_INIT, diag = STRBUF_INIT;
	char *path = state_path(cfg, name);
	int rc = 1;

	if (read_text_file(path, O_NOFOLLOW, STATE_FILE_MAX, &text) != 0) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc < 0)
			logmsg(LOG_ERR, "%s: %m", path);
	} else if (!image_state_parse(sb_str(&text), text.len, path, st, &diag)) {
		fputs(sb_str(&diag), stderr);
		rc = -1;
	}
	sb_free(&text);
	sb_free(&diag);
	free(path);
	return rc;
}

static bool state_has_dir(const struct image_state *st, const char *path)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->key[i], "dir") && !strcmp(st->value[i], path))
			return true;
	return false;
}

/* What a failed add leaves: its temporary files, and the directories it
 * created while no state file names them yet. */
static struct plan *cleanup_plan;
static bool cleanup_dirs;

static void cleanup(void)
{
	if (cleanup_plan == NULL)
		return;
	for (size_t i = 0; i < cleanup_plan->n; i++)
		if (cleanup_plan->out[i].tmp)
			unlink(cleanup_plan->out[i].tmp);
	for (size_t i = cleanup_plan->ndirs; cleanup_dirs && i-- > 0;)
		if (cleanup_plan->dirs[i])
			rmdir(cleanup_plan->dirs[i]);
}

static bool state_has_file(const struct image_state *st, const char *path)
{
	for (size_t i = 0; i < st->nfiles; i++)
		if (!strcmp(st->file[i].path, path))
			return true;
	return false;
}

static void mkdir_p(const char *dir)
{
	char *p = xasprintf("%s", dir);

	for (char *c = p + 1; *c; c++)
		if (*c == '/') {
			*c = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				fatal(1, "%s: %m", p);
			*c = '/';
		}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		fatal(1, "%s: %m", p);
	free(p);
}

/* Content and checksum of every output, into temporary files next to
 * where they go (nothing is in place yet). */
static void stage(const struct config *cfg, struct source *s, struct plan *pl, bool write)
{
	for (size_t i = 0; i < pl->n; i++) {
		struct output *o = &pl->out[i];
		struct sha256 sum;
		uint8_t d[32];
		struct tree_copy c = { -1, &sum, cfg->progress ? progress_show : NULL, o->from };
		int fd = -1;

		if (write) {
			o->tmp = xasprintf("%.*s/.pxe-image.XXXXXX",
					   (int)(strrchr(o->path, '/') - o->path), o->path);
			fd = mkstemp(o->tmp);
			if (fd < 0 || fchmod(fd, 0644) != 0)
				fatal(1, "%s: %m", o->tmp);
			c.out = fd;
		}
		sha256_init(&sum);
		if (o->from) {
			int64_t n = source_copy(s, o->from, &c);

			if (n < 0)
				fatal(1, "%s: %s: %m", s->arg, o->from);
			o->size = (uint64_t)n;
		} else {
			o->size = strlen(o->text);
			sha256_update(&sum, o->text, o->size);
			if (fd >= 0 && write_all(fd, o->text, o->size) != 0)
				fatal(1, "%s: %m", o->tmp);
		}
		if (fd >= 0 && (fsync(fd) != 0 || close(fd) != 0))
			fatal(1, "%s: %m", o->tmp);
		sha256_final(&sum, d);
		sha256_hex(d, o->sha256);
	}
}

static void print_facts(const char *facts)
{
	fputs(facts, stdout);
}

static int add(const struct config *cfg, const char *arg)
{
	struct image_rules *rules = load_rules(cfg);
	struct image_facts *f = calloc(1, sizeof(*f));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct image_state old = { 0 };
	struct source s = { 0 };
	char name[NAME_MAX_LEN + 1];
	int have_old;
	bool same = true;

	if (rules == NULL || f == NULL || pl == NULL)
		return 1;
	source_open(&s, arg);
	detect_with_overrides(cfg, rules, &s, f);
	if (cfg->name) {
		if (name_error(cfg->name))
			fatal(2, "--name %s: a name %s", cfg->name, name_error(cfg->name));
		snprintf(name, sizeof(name), "%s", cfg->name);
	} else {
		default_name(f, s.path, name, sizeof(name));
	}
	if (f->warning[0] && !cfg->quiet)
		logmsg(LOG_WARNING, "%s: %s", arg, f->warning);
	make_plan(cfg, &s, rules, f, name, pl);

	have_old = load_state(cfg, name, &old);
	if (have_old < 0)
		fatal(1, "%s: its state file cannot be read; nothing was changed", name);
	if (have_old && strcmp(image_state_get(&old, "source"), s.path) != 0)
		fatal(1, "%s: already registered from %s; remove it first or choose another --name",
		      name, image_state_get(&old, "source"));
	/* never overwrite what pxe-image did not make */
	for (size_t i = 0; i < pl->n; i++) {
		struct stat st;

		if (lstat(pl->out[i].path, &st) == 0 && !(have_old && state_has_file(&old, pl->out[i].path)))
			fatal(1, "%s: exists and was not written by pxe-image; nothing was changed",
			      pl->out[i].path);
	}
	/* a directory that exists is recorded only if this image made it */
	for (size_t i = 0; i < pl->ndirs; i++) {
		struct stat st;

		if (lstat(pl->dirs[i], &st) == 0 && !(have_old && state_has_dir(&old, pl->dirs[i]))) {
			free(pl->dirs[i]);
			pl->dirs[i] = NULL;
		}
	}
	if (cfg->dry_run) {
		stage(cfg, &s, pl, false);
		printf("# pxe-image add --dry-run: nothing is written\n");
		for (size_t i = 0; i < pl->ndirs; i++)
			if (pl->dirs[i])
				printf("would create directory: %s\n", pl->dirs[i]);
		for (size_t i = 0; i < pl->n; i++)
			printf("would write: %s (%llu bytes%s%s)\n", pl->out[i].path,
			       (unsigned long long)pl->out[i].size, pl->out[i].from ? " from " : "",
			       pl->out[i].from ? pl->out[i].from : "");
		printf("would write: %s/%s.state\n", cfg->state_dir, name);
		print_facts(sb_str(&pl->facts));
		goto done;
	}
	if (have_old) {
		/* the same source again: nothing to do when every file is as
		 * recorded and as it would be written now */
		stage(cfg, &s, pl, false);
		same = !strcmp(image_state_get(&old, "status"), "complete") && old.nfiles == pl->n;
		for (size_t i = 0; same && i < pl->n; i++) {
			char now[65];

			same = !strcmp(old.file[i].path, pl->out[i].path) &&
			       !strcmp(old.file[i].sha256, pl->out[i].sha256) &&
			       file_sha256(cfg, pl->out[i].path, now, NULL) == 0 &&
			       !strcmp(now, pl->out[i].sha256);
		}
		if (same) {
			if (!cfg->quiet)
				printf("%s: already registered from %s, nothing changed\n", name, s.path);
			goto done;
		}
		/* an admin's edit is kept, not overwritten */
		for (size_t i = 0; i < old.nfiles; i++) {
			char now[65];

			if (file_sha256(cfg, old.file[i].path, now, NULL) == 0 &&
			    strcmp(now, old.file[i].sha256) != 0)
				fatal(1, "%s: changed since pxe-image wrote it; not overwritten "
				      "(move it away, or pxe-image remove %s)", old.file[i].path, name);
		}
	}
	mkdir_p(cfg->state_dir);
	mkdir_p(cfg->exports_dir);
	mkdir_p(cfg->profiles_dir);
	mkdir_p(cfg->tftp_root);
	cleanup_plan = pl;
	cleanup_dirs = !have_old;
	atexit(cleanup);
	for (size_t i = 0; i < pl->ndirs; i++)
		if (pl->dirs[i] && mkdir(pl->dirs[i], 0755) != 0 && errno != EEXIST)
			fatal(1, "%s: %m", pl->dirs[i]);
	stage(cfg, &s, pl, true);
	/* intent first: the state names every file before any is in place,
	 * so remove can take back an add that was interrupted */
	if (write_state(cfg, name, pl, "adding") != 0)
		fatal(1, "%s: nothing was changed", name);
	cleanup_dirs = false;	/* the state names them now */
	for (size_t i = 0; i < pl->n; i++) {
		if (rename(pl->out[i].tmp, pl->out[i].path) != 0)
			fatal(1, "%s: %m; pxe-image remove %s takes back what was written", pl->out[i].path, name);
		free(pl->out[i].tmp);
		pl->out[i].tmp = NULL;
	}
	if (write_state(cfg, name, pl, "complete") != 0)
		fatal(1, "%s: pxe-image remove %s takes back what was written", name, name);
	if (!cfg->quiet) {
		printf("added %s\n", name);
		print_facts(sb_str(&pl->facts));
	}
done:
	cleanup_plan = NULL;
	image_state_free(&old);
	plan_free(pl);
	free(pl);
	source_close(&s);
	image_rules_free(rules);
	free(f);
	return 0;
}

/* ---- list, show, remove, verify ------------------------------------------ */

static int state_file_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && !strcmp(d->d_name + n - 6, ".state");
}

/* The registered names, sorted; n < 0 when the directory cannot be read
 * (a missing one is empty). */
static int registered(const struct config *cfg, struct dirent ***names)
{
	int n = scandir(cfg->state_dir, names, state_file_name, by_name);

	if (n < 0 && errno == ENOENT) {
		*names = NULL;
		return 0;
	}
	if (n < 0)
		logmsg(LOG_ERR, "%s: %m", cfg->state_dir);
	return n;
}

static int list(const struct config *cfg)
{
	struct dirent **names;
	int n = registered(cfg, &names), rc = 0;

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct image_state st;

		names[i]->d_name[strlen(names[i]->d_name) - 6] = '\0';
		if (load_state(cfg, names[i]->d_name, &st) == 1) {
			printf("%s\t%s\t%s\t%s\t%s\t%s\n", names[i]->d_name,
			       image_state_get(&st, "family"), image_state_get(&st, "version"),
			       image_state_get(&st, "arch"), image_state_get(&st, "status"),
			       image_state_get(&st, "source"));
			image_state_free(&st);
		} else {
			rc = 1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int load_named(const struct config *cfg, const char *name, struct image_state *st)
{
	int rc;

	if (name_error(name))
		fatal(2, "%s: not an image name (a name %s)", name, name_error(name));
	rc = load_state(cfg, name, st);
	if (rc == 0)
		fatal(1, "%s: no such image (pxe-image list shows them)", name);
	return rc == 1 ? 0 : -1;
}

static int show(const struct config *cfg, const char *name)
{
	struct image_state st;

	if (load_named(cfg, name, &st) != 0)
		return 1;
	for (size_t i = 0; i < st.n; i++)
		printf("%s: %s\n", st.key[i], st.value[i]);
	for (size_t i = 0; i < st.nfiles; i++)
		printf("file: %s\n", st.file[i].path);
	image_state_free(&st);
	return 0;
}

static int remove_image(const struct config *cfg, const char *name)
{
	struct image_state st;
	char *spath;
	unsigned kept = 0;

	if (load_named(cfg, name, &st) != 0)
		fatal(1, "%s: nothing was removed", name);
	for (size_t i = 0; i < st.nfiles; i++) {
		const char *p = st.file[i].path;
		char now[65];

		if (file_sha256(cfg, p, now, NULL) != 0) {
			if (errno != ENOENT) {
				logmsg(LOG_WARNING, "%s: %m; kept", p);
				kept++;
			}
			continue;
		}
		if (strcmp(now, st.file[i].sha256) != 0) {
			logmsg(LOG_WARNING, "%s: changed since pxe-image wrote it; kept", p);
			kept++;
			continue;
		}
		if (cfg->dry_run)
			printf("would remove: %s\n", p);
		else if (unlink(p) != 0)
			fatal(1, "%s: %m", p);
	}
	/* directories add created, innermost first, only when empty */
	for (size_t i = st.n; i-- > 0;) {
		if (strcmp(st.key[i], "dir") != 0 || !image_state_path_ok(st.value[i]))
			continue;
		if (cfg->dry_run)
			printf("would remove directory (if empty): %s\n", st.value[i]);
		else if (rmdir(st.value[i]) != 0 && errno != ENOENT &&
			 /* images/ is shared by every image: kept quietly */
			 !(errno == ENOTEMPTY && !strcmp(base_name(st.value[i]), "images")))
			logmsg(errno == ENOTEMPTY || errno == EEXIST ? LOG_WARNING : LOG_ERR,
			       "%s: %m; kept", st.value[i]);
	}
	spath = state_path(cfg, name);
	if (cfg->dry_run)
		printf("would remove: %s\n", spath);
	else if (unlink(spath) != 0)
		fatal(1, "%s: %m", spath);
	if (!cfg->quiet && !cfg->dry_run)
		printf("removed %s%s\n", name, kept ? " (changed files kept, see above)" : "");
	free(spath);
	image_state_free(&st);
	return 0;
}

static int verify_one(const struct config *cfg, const char *name)
{
	struct image_state st;
	struct stat sst;
	int bad = 0;
	const char *src;

	if (load_named(cfg, name, &st) != 0)
		return 1;
	printf("image: %s\n", name);
	if (strcmp(image_state_get(&st, "status"), "complete") != 0) {
		printf("status: %s (an add was interrupted: add it again or remove it)\n",
		       image_state_get(&st, "status"));
		bad = 1;
	}
	src = image_state_get(&st, "source");
	if (stat(src, &sst) != 0) {
		printf("source: %s: %s\n", src, strerror(errno));
		bad = 1;
	} else if ((unsigned long long)sst.st_size != strtoull(image_state_get(&st, "source-size"), NULL, 10) ||
		   (long long)sst.st_mtime != strtoll(image_state_get(&st, "source-mtime"), NULL, 10)) {
		printf("source: %s changed since it was added (size or time): add it again\n", src);
		bad = 1;
	} else {
		printf("source: ok\n");
	}
	for (size_t i = 0; i < st.nfiles; i++) {
		const struct state_file *fl = &st.file[i];
		char now[65];
		uint64_t size;
		size_t tl = strlen(cfg->tftp_root);

		if (file_sha256(cfg, fl->path, now, &size) != 0) {
			printf("file: %s: %s\n", fl->path, strerror(errno));
			bad = 1;
			continue;
		}
		if (strcmp(now, fl->sha256) != 0) {
			printf("file: %s: changed since it was written\n", fl->path);
			bad = 1;
		} else {
			printf("file: %s: ok\n", fl->path);
		}
		if (strncmp(fl->path, cfg->tftp_root, tl) != 0 || fl->path[tl] != '/')
			continue;
		if (size > TFTP_BLKSIZE_MAX) {
			printf("tftp: %s: %llu bytes: more than 65535 blocks of 65464 bytes, "
			       "so TFTP cannot send it without block-number rollover\n",
			       fl->path, (unsigned long long)size);
			logmsg(LOG_WARNING, "%s: too large for TFTP without rollover; serve it over HTTP",
			       fl->path);
			bad = 1;
		} else if (size > TFTP_PLAIN_MAX) {
			printf("tftp: %s: %llu bytes: more than 65535 blocks of 512 bytes, "
			       "so the client must negotiate blksize (RFC 2348) or the server roll over\n",
			       fl->path, (unsigned long long)size);
		}
	}
	{
		char why[256];
		int r = share_check(image_state_get(&st, "nfs-export"), why, sizeof(why));

		printf("share: %s\n", why);
		if (r < 0)
			bad = 1;
	}
	image_state_free(&st);
	return bad;
}

static int verify(const struct config *cfg, const char *name)
{
	struct dirent **names;
	int n, rc = 0;

	if (name) {
		rc = verify_one(cfg, name);
		share_done();
		return rc;
	}
	n = registered(cfg, &names);
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		names[i]->d_name[strlen(names[i]->d_name) - 6] = '\0';
		rc |= verify_one(cfg, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	share_done();
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int i, n;
	const char *cmd;

	log_open("pxe-image", LOG_TO_STDERR, LOG_USER);
	i = parse_args(argc, argv, &cfg);
	n = argc - i;
	cmd = n > 0 ? argv[i] : "";
	if (cfg.tftp_root[0] != '/' || cfg.state_dir[0] != '/' || cfg.exports_dir[0] != '/' ||
	    cfg.profiles_dir[0] != '/')
		fatal(2, "the TFTP root, state, exports and profiles directories must be absolute paths");
	if (n == 2 && !strcmp(cmd, "inspect"))
		return inspect(&cfg, argv[i + 1]);
	if (n == 2 && !strcmp(cmd, "add"))
		return add(&cfg, argv[i + 1]);
	if (n == 1 && !strcmp(cmd, "list"))
		return list(&cfg);
	if (n == 2 && !strcmp(cmd, "show"))
		return show(&cfg, argv[i + 1]);
	if (n == 2 && !strcmp(cmd, "remove"))
		return remove_image(&cfg, argv[i + 1]);
	if ((n == 1 || n == 2) && !strcmp(cmd, "verify"))
		return verify(&cfg, n == 2 ? argv[i + 1] : NULL);
	usage(stderr);
	return 2;
}
