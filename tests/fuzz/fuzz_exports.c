/* libFuzzer target: the exports(5) parser, the access decision and
 * option rendering on any text. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "exports.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static bool some_name(void *ctx, const struct sockaddr *sa, struct peer_name *out)
{
	(void)ctx;
	out->name = sa->sa_family == AF_INET ? "node7.lab.example" : NULL;
	out->unconfirmed = NULL;
	return true;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct strbuf diag = STRBUF_INIT, opts = STRBUF_INIT;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	char *text = malloc(size + 1);
	struct name_lookup names = { some_name, NULL };
	struct access_result r;
	struct exports *ex;
	char path[EXPORTS_PATH_MAX + 1];

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ex = exports_parse(text, "fuzz", &diag);
	inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::7", &a6.sin6_addr);
	for (size_t i = 0; ex && i < ex->n; i++) {
		access_check(&ex->v[i], (struct sockaddr *)&a4, &names, &r);
		access_check(&ex->v[i], (struct sockaddr *)&a6, &names, &r);
		exports_find_path(ex, ex->v[i].path, NULL);
		for (size_t c = 0; c < ex->v[i].nclients; c++)
			export_options_format(&ex->v[i].clients[c].opts, &opts);
	}
	/* the first line as a MNT path */
	snprintf(path, sizeof path, "%.*s", (int)strcspn(text, "\n"), text);
	if (exports_normalize_path(path) && ex)
		exports_find_path(ex, path, NULL);
	exports_free(ex);
	sb_free(&diag);
	sb_free(&opts);
	free(text);
	return 0;
}
