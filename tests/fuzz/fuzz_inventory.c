/* libFuzzer target: the inventory parser and every emitter. Inventories
 * are admin input, but a parser that crashes or emits an unvalidated
 * value on odd input is a parser that lets bad text into dhcpd.conf. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
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
 * header, the "|| goto" after choose and the "|| chain" of boot.ipxe. */
static void check_ipxe(const struct loader_file *f)
{
	const char *line = sb_str(&f->text);

	if (!strstr(f->path, ".ipxe"))
		return;
	while (*line) {
		size_t len = strcspn(line, "\n");
		bool first = true, choose = strncmp(line, "choose ", 7) == 0 ||
						  strncmp(line, "chain ", 6) == 0;

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
	struct inventory *inv = inventory_parse("fuzz", (const char *)data, size, &diag);

	if (inv) {
		/* Every format, DHCPv6 ones included (FORMAT_KEA6 is last). */
		for (int f = FORMAT_ISC; f <= FORMAT_KEA6; f++) {
			sb_reset(&out);
			emit_dhcp((enum dhcp_format)f, inv, &out);
			check_output(&out);
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
