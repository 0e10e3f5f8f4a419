/* libFuzzer target: the inventory parser and every emitter. Inventories
 * are admin input, but a parser that crashes or emits an unvalidated
 * value on odd input is a parser that lets bad text into dhcpd.conf. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
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
		for (size_t i = 0; i < lf.n; i++)
			check_output(&lf.file[i].text);
		loader_files_free(&lf);
		inventory_free(inv);
	}
	sb_free(&out);
	sb_free(&diag);
	return 0;
}
