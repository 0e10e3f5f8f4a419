/* libFuzzer target: the exports(5) parser, host matching and option
 * rendering on any text. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "exports.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct strbuf diag = STRBUF_INIT, opts = STRBUF_INIT;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	char *text = malloc(size + 1);
	struct exports *ex;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ex = exports_parse(text, "fuzz", &diag);
	inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::7", &a6.sin6_addr);
	for (size_t i = 0; ex && i < ex->n; i++) {
		export_match(&ex->v[i], (struct sockaddr *)&a4, "node7.lab.example");
		export_match(&ex->v[i], (struct sockaddr *)&a6, NULL);
		exports_find_path(ex, ex->v[i].path);
		for (size_t c = 0; c < ex->v[i].nclients; c++)
			export_options_format(&ex->v[i].clients[c].opts, &opts);
	}
	exports_free(ex);
	sb_free(&diag);
	sb_free(&opts);
	free(text);
	return 0;
}
