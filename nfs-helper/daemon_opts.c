#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "daemon_opts.h"
#include "log.h"
#include "strnum.h"

void daemon_usage(int status, const char *name, const char *what, const char *peer,
		  const char *default_port)
{
	FILE *out = status ? stderr : stdout;

	fprintf(out, "Usage: %s [OPTION]...\n%s\n", name, what);
	fprintf(out,
"  -e, --exports FILE   exports file (default /etc/exports), and FILE.d/*.exports\n"
"  -k, --key FILE       file handle key shared with %s\n"
"                       (default " LOCALSTATEDIR "/lib/pxekit/nfs-handle.key)\n"
"  -p, --port PORT      UDP and TCP port (default: %s)\n"
"  -a, --address ADDR   listen on this address only\n"
"  -N, --no-rpcbind     do not register with rpcbind\n"
"  -P, --pidfile FILE   write the process ID to FILE\n"
"                       (default " RUNSTATEDIR "/%s.pid)\n"
"  -u, --user USER      serve as USER, keeping only CAP_DAC_READ_SEARCH\n"
"                       (default " DEFAULT_USER ")\n"
"  -F, --foreground     stay in the foreground and log to stderr\n"
"  -d, --debug          log every request\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"SIGHUP re-reads the exports file. See %s(8).\n", peer, default_port, name, name);
	exit(status);
}

void daemon_parse_args(struct daemon_opts *o, int argc, char **argv,
		       void (*usage)(int status), unsigned default_port)
{
	static const struct option longopts[] = {
		{ "exports", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "address", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "no-rpcbind", no_argument, NULL, 'N' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char pid_file[PATH_MAX];
	uintmax_t v;
	int ch;

	/* pxe-exportfs -r finds the daemons here with no option given. */
	snprintf(pid_file, sizeof pid_file, RUNSTATEDIR "/%s.pid", o->progname);
	o->pid_file = pid_file;
	o->exports_file = "/etc/exports";
	o->user = DEFAULT_USER;
	o->key_file = LOCALSTATEDIR "/lib/pxekit/nfs-handle.key";
	o->port = default_port;
	o->rpcbind = true;
	while ((ch = getopt_long(argc, argv, "e:k:P:u:a:p:FNdhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e': o->exports_file = optarg; break;
		case 'k': o->key_file = optarg; break;
		case 'P': o->pid_file = optarg; break;
		case 'u': o->user = optarg; break;
		case 'a': o->bind_addr = optarg; break;
		case 'p':
			if (!parse_uint(optarg, 0, 65535, &v))
				fatal(EX_USAGE, "bad port '%s'", optarg);
			o->port = (unsigned)v;
			break;
		case 'F': o->foreground = true; break;
		case 'N': o->rpcbind = false; break;
		case 'd': log_set_verbosity(1); break;
		case 'h': usage(EXIT_SUCCESS); break;
		case 'V':
			printf("%s (pxekit) %s\n", o->progname, PACKAGE_VERSION);
			exit(EXIT_SUCCESS);
		default: usage(EX_USAGE);
		}
	}
	if (optind != argc) {
		logmsg(LOG_ERR, "unexpected argument '%s'", argv[optind]);
		usage(EX_USAGE);
	}
}
