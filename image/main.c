/* pxe-image: OS install images for network boot (pxe-image(8)). This
 * version has "inspect": what an ISO or a tree is, as key: value lines. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect.h"
#include "log.h"
#include "strbuf.h"
#include "tree.h"

#define DEFAULT_RULES PKGDATADIR "/image-rules"
#define DEFAULT_RULES_DIR SYSCONFDIR "/pxekit/image-rules.d"
#define RULES_FILE_MAX (1u << 20)

struct config {
	const char *rules, *rules_dir;
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: pxe-image [--rules FILE] [--rules-dir DIR] inspect SOURCE\n"
		"Recognises an OS install image (an .iso file or an unpacked tree) and prints\n"
		"what it is as key: value lines.\n\n"
		"      --rules FILE      the distribution rules (default " DEFAULT_RULES ")\n"
		"      --rules-dir DIR   the admin's rules, *.rules, read first\n"
		"                        (default " DEFAULT_RULES_DIR ")\n"
		"  -h, --help            this text\n"
		"  -V, --version         version\n");
}

static int parse_args(int argc, char **argv, struct config *cfg)
{
	enum { OPT_RULES = 256, OPT_RULES_DIR };
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "rules-dir", required_argument, NULL, OPT_RULES_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cfg->rules = DEFAULT_RULES;
	cfg->rules_dir = DEFAULT_RULES_DIR;
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RULES: cfg->rules = optarg; break;
		case OPT_RULES_DIR: cfg->rules_dir = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("pxe-image (pxekit) " PACKAGE_VERSION "\n"); exit(0);
		default: usage(stderr); exit(2);
		}
	}
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

static int inspect(const struct config *cfg, const char *source)
{
	struct image_rules *rules = load_rules(cfg);
	struct strbuf diag = STRBUF_INIT;
	struct image_facts *f = malloc(sizeof(*f));
	struct iso_tree *it = malloc(sizeof(*it));
	struct dir_tree d = { -1 };
	struct image_tree t;
	struct stat st;
	bool iso, found;
	int rc;

	if (rules == NULL || f == NULL || it == NULL)
		return 1;
	if (stat(source, &st) != 0)
		fatal(1, "%s: %m", source);
	iso = S_ISREG(st.st_mode);
	if (!iso && !S_ISDIR(st.st_mode))
		fatal(1, "%s: neither an ISO image file nor a directory", source);
	it->fd = -1;
	if (iso) {
		rc = iso_tree_open(it, source, &t);
		if (rc < 0) {
			errno = -rc;
			fatal(1, "%s: %m", source);
		}
		if (rc > 0)
			fatal(1, "%s: %s", source, iso_strerror(rc));
	} else if (dir_tree_open(&d, source, &t) != 0) {
		fatal(1, "%s: %m", source);
	}
	found = image_detect(rules, &t, f, &diag);
	printf("source: %s\n", source);
	printf("type: %s\n", iso ? "iso" : "tree");
	if (iso) {
		static const char *const names[] = { "iso9660", "joliet", "rockridge" };

		field("volume-id", it->v.volume_id);
		field("names", names[it->v.names]);
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
			logmsg(LOG_WARNING, "%s: %s", source, f->warning);
		}
	} else {
		/* why, rule by rule, each line naming the image */
		const char *p = sb_str(&diag);

		while (*p != '\0') {
			size_t n = strcspn(p, "\n");

			logmsg(LOG_ERR, "%s: %.*s", source, (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	iso_tree_close(it);
	dir_tree_close(&d);
	image_rules_free(rules);
	sb_free(&diag);
	free(f);
	free(it);
	return found ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int i;

	log_open("pxe-image", LOG_TO_STDERR, LOG_USER);
	i = parse_args(argc, argv, &cfg);
	if (argc - i == 2 && !strcmp(argv[i], "inspect"))
		return inspect(&cfg, argv[i + 1]);
	usage(stderr);
	return 2;
}
