/* pxe-exportfs: checks an exports file and shows what it exports, and
 * with -r makes the running pxe-mountd and pxe-nfsd re-read it (what
 * exportfs -r is to knfsd). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "exports.h"
#include "log.h"
#include "strbuf.h"
#include "strnum.h"

#define MAX_PIDFILES 8

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"Usage: pxe-exportfs [OPTION]...\n"
"Check an exports(5) file, list its exports, and make the running\n"
"pxe-mountd and pxe-nfsd re-read it.\n"
"\n"
"  -e, --exports FILE   exports file (default /etc/exports)\n"
"  -v, --verbose        list every export with its clients and options\n"
"  -r, --reexport       signal the daemons (SIGHUP) after a clean check\n"
"  -P, --pidfile FILE   a daemon's pid file (default " RUNSTATEDIR "/pxe-mountd.pid\n"
"                       and " RUNSTATEDIR "/pxe-nfsd.pid); may be repeated\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 when the file is valid (and every daemon was signalled),\n"
"1 when it has errors, 2 when a daemon could not be signalled.\n");
	exit(status);
}

static void list_exports(const struct exports *ex)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < ex->n; i++) {
		const struct export *e = &ex->v[i];

		for (size_t c = 0; c < e->nclients; c++) {
			sb_reset(&sb);
			export_options_format(&e->clients[c].opts, &sb);
			printf("%s\t%s(%s)\n", e->path, e->clients[c].spec, sb_str(&sb));
		}
	}
	sb_free(&sb);
}

/* A missing pid file is a daemon that is not running: not an error. */
static int signal_daemon(const char *pidfile)
{
	struct strbuf text = STRBUF_INIT;
	uintmax_t pid;
	int rc = 0;

	if (read_text_file(pidfile, 0, 64, &text) < 0) {
		if (errno != ENOENT) {
			fprintf(stderr, "pxe-exportfs: cannot read %s: %s\n", pidfile, strerror(errno));
			rc = 2;
		}
		goto out;
	}
	text.buf[strcspn(text.buf, "\n")] = '\0';
	if (!parse_uint(text.buf, 2, INT32_MAX, &pid)) {
		fprintf(stderr, "pxe-exportfs: %s holds no process ID\n", pidfile);
		rc = 2;
	} else if (kill((pid_t)pid, SIGHUP) < 0) {
		fprintf(stderr, "pxe-exportfs: cannot signal process %ju from %s: %s\n", pid,
			pidfile, strerror(errno));
		rc = 2;
	}
out:
	sb_free(&text);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "exports", required_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "reexport", no_argument, NULL, 'r' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = "/etc/exports", *pidfiles[MAX_PIDFILES];
	struct strbuf text = STRBUF_INIT, diag = STRBUF_INIT;
	bool verbose = false, reexport = false;
	size_t npid = 0;
	struct exports *ex;
	int ch, rc = 0;

	log_open("pxe-exportfs", LOG_TO_STDERR, LOG_USER);
	while ((ch = getopt_long(argc, argv, "e:vrP:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e': file = optarg; break;
		case 'v': verbose = true; break;
		case 'r': reexport = true; break;
		case 'P':
			if (npid == MAX_PIDFILES)
				fatal(EX_USAGE, "at most %d pid files", MAX_PIDFILES);
			pidfiles[npid++] = optarg;
			break;
		case 'h': usage(EXIT_SUCCESS); break;
		case 'V': printf("pxe-exportfs (pxekit) %s\n", PACKAGE_VERSION); return 0;
		default: usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (read_text_file(file, 0, 1u << 20, &text) < 0)
		fatal(1, "cannot read %s: %m", file);
	ex = exports_parse(sb_str(&text), file, &diag);
	fputs(sb_str(&diag), stderr);
	if (ex == NULL)
		fatal(1, "%s has errors: nothing re-exported", file);
	if (verbose)
		list_exports(ex);
	if (reexport) {
		if (npid == 0) {
			pidfiles[npid++] = RUNSTATEDIR "/pxe-mountd.pid";
			pidfiles[npid++] = RUNSTATEDIR "/pxe-nfsd.pid";
		}
		for (size_t i = 0; i < npid; i++)
			if (signal_daemon(pidfiles[i]) != 0)
				rc = 2;
	}
	exports_free(ex);
	sb_free(&text);
	sb_free(&diag);
	return rc;
}
