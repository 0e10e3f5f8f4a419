/* libFuzzer target: the inventory parser, its "include" statements and
 * every emitter. Inventories are admin input, but a parser that crashes
 * or emits an unvalidated value on odd input is a parser that lets bad
 * text into dhcpd.conf. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "failover.h"
#include "emit_nginx.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Emitted text must never carry a byte the inventory refuses. */
static void check_output(const struct strbuf *sb)
{
	for (size_t i = 0; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];

		if ((c < ' ' && c != '\n') || c > '~')
			abort();
	}
}

/* iPXE ends a command at a word ";", "||" or "&&" and a line at a word
 * starting with '#' (core/exec.c): no inventory text may produce one.
 * The only ones pxe-dhcpgen writes itself: "#!ipxe", the "# Generated"
 * header, the "|| goto" after choose, the "|| chain" of boot.ipxe and
 * the line that takes a subnet's http-server from DHCP, whose only
 * inventory text is the global URL, one word at its end. */
#define ISSET "isset ${175.224:string} && set pxekit-http ${175.224:string} || set pxekit-http "
static void check_ipxe(const struct loader_file *f)
{
	const char *line = sb_str(&f->text);

	if (!strstr(f->path, ".ipxe"))
		return;
	while (*line) {
		size_t len = strcspn(line, "\n");
		bool first = true, choose = strncmp(line, "choose ", 7) == 0 ||
						  strncmp(line, "chain ", 6) == 0;

		if (strncmp(line, ISSET, strlen(ISSET)) == 0) {
			if (memchr(line + strlen(ISSET), ' ', len - strlen(ISSET)) ||
			    len == strlen(ISSET))
				abort();
			line += len + (line[len] == '\n');
			continue;
		}

		for (size_t i = 0; i < len;) {
			size_t n;

			while (i < len && line[i] == ' ')
				i++;
			n = strcspn(line + i, " \n");
			if (n > len - i)
				n = len - i;
			if (n == 0)
				break;
			if ((n == 1 && line[i] == ';') || (n == 2 && !memcmp(line + i, "&&", 2)) ||
			    (n == 2 && !memcmp(line + i, "||", 2) && !choose) ||
			    (line[i] == '#' && !first))
				abort();
			if (line[i] == '#' && first && strncmp(line, "#!ipxe", 6) != 0 &&
			    strncmp(line, "# Generated", 11) != 0)
				abort();
			first = false;
			i += n;
		}
		line += len + (line[len] == '\n');
	}
}

/* The input split at form feeds: the inventory, then the files "/f1",
 * "/f2", ... that its include patterns can match (themselves included,
 * so cycles and the depth limit are reached). */
#define FILES 4
struct files {
	const char *text[FILES];
	size_t len[FILES], n;
};

static int files_glob(void *ctx, const char *pattern, char ***names, size_t *n)
{
	const struct files *fs = ctx;

	*n = 0;
	*names = calloc(FILES, sizeof(**names));
	if (*names == NULL)
		return -1;
	for (size_t i = 1; i < fs->n; i++) {
		char name[8] = { '/', 'f', (char)('0' + i), '\0' };

		if (fnmatch(pattern, name, FNM_PATHNAME) == 0)
			(*names)[(*n)++] = strdup(name);
	}
	return 0;
}

static int files_read(void *ctx, const char *path, struct strbuf *text)
{
	const struct files *fs = ctx;

	for (size_t i = 1; i < fs->n; i++)
		if (path[0] == '/' && path[1] == 'f' && path[2] == (char)('0' + i) && !path[3]) {
			sb_addn(text, fs->text[i], fs->len[i]);
			return 0;
		}
	errno = ENOENT;
	return -1;
}

/* The nginx block takes the http-server URL as it is: no quote, '$'
 * (alias expands variables), '\\' or '#' may reach it, and no ';', '{'
 * or '}' but the ones that end its own directives and blocks; its lines
 * are indented with tabs. */
static void check_nginx(const struct strbuf *sb)
{
	const char *line = sb_str(sb);

	for (size_t i = 0; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];

		if ((c < ' ' && c != '\n' && c != '\t') || c > '~')
			abort();
	}
	while (*line) {
		size_t len = strcspn(line, "\n");

		if (line[0] != '#') {
			for (size_t i = 0; i < len; i++)
				if (strchr("\"'$\\#", line[i]) ||
				    (strchr(";{}", line[i]) && i + 1 != len))
					abort();
		}
		line += len + (line[len] == '\n');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf diag = STRBUF_INIT, out = STRBUF_INIT;
	struct loader_files lf = { 0 };
	struct files fs = { .n = 0 };
	const struct inv_include_ops ops = { files_glob, files_read, &fs };
	struct inventory *inv;

	for (const char *p = (const char *)data, *end = p + size; fs.n < FILES;) {
		const char *ff = memchr(p, '\f', (size_t)(end - p));

		fs.text[fs.n] = p;
		fs.len[fs.n++] = (size_t)((ff ? ff : end) - p);
		if (!ff)
			break;
		p = ff + 1;
	}
	inv = inventory_parse_includes("fuzz", fs.text[0], fs.len[0], &ops, &diag);

	if (inv) {
		/* Every format, DHCPv6 ones included (FORMAT_KEA6 is last). */
		for (int f = FORMAT_ISC; f <= FORMAT_KEA6; f++) {
			sb_reset(&out);
			emit_dhcp((enum dhcp_format)f, inv, &out);
			check_output(&out);
		}
		/* Each failover peer's ISC and Kea file, and the format checks. */
		for (size_t p = 0; inv->failover && p < inv->failover->npeers; p++) {
			struct inventory view = failover_view(inv, inv->failover->peer[p].server);

			for (int f = FORMAT_ISC; f <= FORMAT_KEA; f++) {
				sb_reset(&out);
				emit_dhcp((enum dhcp_format)f, &view, &out);
				check_output(&out);
				sb_reset(&diag);
				failover_check_format(inv, (enum dhcp_format)f, &diag);
			}
		}
		emit_loaders(inv, &lf);
		for (size_t i = 0; i < lf.n; i++) {
			check_output(&lf.file[i].text);
			check_ipxe(&lf.file[i]);
		}
		loader_files_free(&lf);
		if (inv->http_server) {
			sb_reset(&out);
			emit_nginx(inv, "/srv/tftp", NULL, 0, &out);
			check_nginx(&out);
		}
		inventory_free(inv);
	}
	sb_free(&out);
	sb_free(&diag);
	return 0;
}
