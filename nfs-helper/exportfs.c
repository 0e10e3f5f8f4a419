/* pxe-exportfs: checks the exports (file and drop-ins) and shows what
 * they export, and with -r makes the running pxe-mountd and pxe-nfsd
 * re-read them (what exportfs -r is to knfsd). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "exports_load.h"
#include "log.h"
#include "pidfile.h"
#include "strbuf.h"

#define MAX_PIDFILES 8

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"Usage: pxe-exportfs [OPTION]...\n"
"Check an exports(5) file, list its exports, and make the running\n"
"pxe-mountd and pxe-nfsd re-read it.\n"
"\n"
"  -e, --exports FILE   exports file (default /etc/exports), and FILE.d/*.exports\n"
"  -v, --verbose        list every export with its clients and options\n"
"  -r, --reexport       signal the daemons (SIGHUP) after a clean check\n"
"  -P, --pidfile FILE   a daemon's pid file (default " RUNSTATEDIR "/pxe-mountd.pid\n"
"                       and " RUNSTATEDIR "/pxe-nfsd.pid); may be repeated\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 when the file is valid (and a daemon was signalled),\n"
"1 when it has errors, 2 when no daemon (or one named by -P) was signalled.\n");
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
			printf("%s\t%s(%s)\n", export_shown_path(e), e->clients[c].spec, sb_str(&sb));
		}
	}
	sb_free(&sb);
}

static const char *const daemons[] = { "pxe-mountd", "pxe-nfsd" };

/* SIGHUP to the daemon a pid file names, if it is one of ours: a stale
 * file may name any process by now. Returns true when one was signalled;
 * complains on stderr otherwise (a missing file quietly if may_be_missing). */
static bool signal_daemon(const char *pidfile, bool may_be_missing)
{
	pid_t pid = pidfile_read(pidfile);
	bool ours = false;

	if (pid == 0) {
		if (!may_be_missing)
			fprintf(stderr, "pxe-exportfs: %s does not exist\n", pidfile);
		return false;
	}
	if (pid < 0) {
		fprintf(stderr, "pxe-exportfs: cannot read %s: %s\n", pidfile,
			errno == EINVAL ? "it holds no process ID" : strerror(errno));
		return false;
	}
	for (size_t i = 0; i < sizeof daemons / sizeof *daemons; i++)
		ours = ours || pid_runs_program(pid, daemons[i]);
	if (!ours) {
		fprintf(stderr, "pxe-exportfs: %s is stale: process %ld is not pxe-mountd or "
			"pxe-nfsd; not signalled\n", pidfile, (long)pid);
		return false;
	}
	if (kill(pid, SIGHUP) < 0) {
		fprintf(stderr, "pxe-exportfs: cannot signal process %ld from %s: %s\n",
			(long)pid, pidfile, strerror(errno));
		return false;
	}
	return true;
}

/* With -P, every file named must reach a daemon; by default, the two
 * daemons' own pid files, one of which may be missing (a host may run
 * only one), but not both. */
static int reexport(const char *const *pidfiles, size_t npid)
{
	unsigned reached = 0;
	int rc = 0;

	for (size_t i = 0; i < npid; i++) {
		if (signal_daemon(pidfiles[i], false))
			reached++;
		else
			rc = 2;
	}
	if (npid)
		return rc;
	for (size_t i = 0; i < sizeof daemons / sizeof *daemons; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof path, RUNSTATEDIR "/%s.pid", daemons[i]);
		if (signal_daemon(path, true))
			reached++;
		else
			fprintf(stderr, "pxe-exportfs: warning: %s was not signalled (%s): is it "
				"running?\n", daemons[i], path);
	}
	if (reached == 0) {
		fprintf(stderr, "pxe-exportfs: no daemon was reached: the exports are not "
			"re-read\n");
		return 2;
	}
	return 0;
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
	struct strbuf diag = STRBUF_INIT;
	bool verbose = false, do_reexport = false;
	size_t npid = 0;
	struct exports *ex;
	int ch, rc = 0;

	log_open("pxe-exportfs", LOG_TO_STDERR, LOG_USER);
	while ((ch = getopt_long(argc, argv, "e:vrP:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e': file = optarg; break;
		case 'v': verbose = true; break;
		case 'r': do_reexport = true; break;
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
	ex = exports_load(file, &diag);
	fputs(sb_str(&diag), stderr);
	if (ex == NULL)
		fatal(1, "%s has errors: nothing re-exported", file);
	if (verbose)
		list_exports(ex);
	if (do_reexport)
		rc = reexport(pidfiles, npid);
	exports_free(ex);
	sb_free(&diag);
	return rc;
}
