/* libFuzzer target: a requested name (untrusted) through remap rules of
 * every kind: rewrite with groups, global, case, client escapes, abort
 * after rewrite (issue 21: its message read past the rewritten name). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "remap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_text[] =
	"rg \\\\ /\n"
	"ri ^PXELINUX\\.CFG/(.*) pxelinux.cfg/\\L\\1\n"
	"r4 ^hex/(.*) \\x/\\1\n"
	"r6 ^ip/(.*) \\i/\\U\\1\\E\n"
	"ra ^a*(b)$ \\1\\1\\1\n"
	"rga x(y)(z)? <\\2\\1>\n"
	"a~ ^[[:print:]]*$ bad\\ name\n"
	"rs ^loop/(.) loop\\1\n"
	"e ^done\n"
	"r ^(.)(.)(.)(.)(.)(.)(.)(.)(.)(.) \\9\\8\\7\\6\\5\\4\\3\\2\\1\\0\n";

static struct remap *rules(void)
{
	static struct remap *m;

	if (m == NULL) {
		char err[256];
		FILE *f = fmemopen((void *)rules_text, strlen(rules_text), "r");

		m = remap_parse(f, "fuzz", err, sizeof(err));
		fclose(f);
		if (m == NULL)
			abort();
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	struct remap_request rq = { 0 };
	char *name, *out = NULL;

	if (size < 1)
		return 0;
	/* A request's name: NUL-terminated, at most what a datagram holds. */
	name = malloc(size);
	if (name == NULL)
		return 0;
	memcpy(name, data + 1, size - 1);
	name[size - 1] = '\0';
	inet_pton(AF_INET, "192.0.2.169", &v4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	rq.is_wrq = data[0] & 1;
	rq.client = data[0] & 2 ? (struct sockaddr *)&v6 : (struct sockaddr *)&v4;
	remap_apply(rules(), name, &rq, &out);
	free(out);
	free(name);
	return 0;
}
