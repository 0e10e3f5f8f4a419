/* Filename remapping with tftpd-hpa's rule files (-m): one rule a line,
 * "flags regex [replacement]", POSIX extended regexes. Pure policy: it
 * never opens the files it names, so it can be tested offline. */
#ifndef TFTPD_REMAP_H
#define TFTPD_REMAP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

struct remap;

/* Fails on the first bad line; err gets "name:line: what is wrong". */
struct remap *remap_parse(FILE *f, const char *name, char *err, size_t errlen);
void remap_free(struct remap *rules);

struct remap_request {
	bool is_wrq;
	const struct sockaddr *client;	/* for \i, \x and the 4/6 flags */
	int trace;			/* log each step (verbosity >= 3) */
};

enum remap_result { REMAP_OK, REMAP_DENY };

/* On REMAP_OK *out is the new name; on REMAP_DENY it is the message for
 * the client (an 'a' rule's replacement, or a fixed text). Free it. */
enum remap_result remap_apply(const struct remap *rules, const char *input,
			      const struct remap_request *rq, char **out);

/* Evaluation stops after this many rule steps (loops with 's' or 'g'). */
#define REMAP_MAX_STEPS 1024
/* Longest name a rewrite may produce. */
#define REMAP_MAX_LEN 4096

#endif
