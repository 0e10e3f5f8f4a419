#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "detach.h"
#include "log.h"
#include "nofile.h"
#include "pidfile.h"
#include "privdrop.h"
#include "resolver.h"
#include "sigflags.h"

#define MAX_CONNS 1024
/* open_by_handle_at (pxe-nfsd); reading exports below private
 * directories after a reload (both) */
#define KEEP_CAPS PRIV_CAP(CAP_DAC_READ_SEARCH)

static void reload_exports(void *ctx)
{
	struct daemon_ctx *d = ctx;

	resolver_flush(d->resolver);
	if (export_table_load(&d->exports, d->opts.exports_file)) {
		logmsg(LOG_NOTICE, "re-read %s: %zu exports", d->opts.exports_file,
		       d->exports.n);
		if (d->after_reload)
			d->after_reload(d);
	}
}

/* Everything that needs root is done (sockets bound, rpcbind told, key
 * read, pid file written): serve as the service user. The package makes
 * it; without one, nobody's ids. */
static void drop_privileges(const struct daemon_opts *o)
{
	struct passwd *pw;
	char err[256];

	if (geteuid() != 0)
		return;
	pw = getpwnam(o->user);
	if (pw == NULL && strcmp(o->user, DEFAULT_USER) == 0) {
		logmsg(LOG_WARNING, "no user %s: serving as nobody", o->user);
		pw = getpwnam("nobody");
	}
	if (pw == NULL)
		fatal(EX_NOUSER, "no user %s", o->user);
	if (pw->pw_uid == 0)
		fatal(EX_USAGE, "user %s is root: name an unprivileged one", o->user);
	/* Its directory may stay root's: the file is emptied on exit then. */
	if (o->pid_file && chown(o->pid_file, pw->pw_uid, pw->pw_gid) < 0)
		logmsg(LOG_WARNING, "cannot hand the pid file %s to %s: %m", o->pid_file, o->user);
	if (!priv_drop(pw->pw_uid, pw->pw_gid, KEEP_CAPS, err, sizeof err))
		fatal(EX_OSERR, "cannot drop privileges to %s: %s", o->user, err);
}

void daemon_start(struct daemon_ctx *d, const struct rpc_program *prog,
		  size_t max_record, size_t max_datagram)
{
	struct server_config cfg = {
		.prog = prog,
		.bind_addr = d->opts.bind_addr,
		.port = (uint16_t)d->opts.port,
		.rpcbind = d->opts.rpcbind,
		.max_record = max_record,
		.max_datagram = max_datagram,
		.max_conns = 0,		/* below, from the descriptor limit */
		.idle_timeout = 360,	/* knfsd's idle limit is 6 minutes */
		.ctx = d,
	};

	d->nofile = nofile_raise();
	/* Each connection may hold two descriptors (socket, file being
	 * sent): half the limit for them, a quarter for pxe-nfsd's cache. */
	cfg.max_conns = d->nofile / 4 < MAX_CONNS ? d->nofile / 4 : MAX_CONNS;
	if (cfg.max_conns < 4)
		fatal(EX_OSERR, "the open file limit (%u) is too low", d->nofile);
	sigflags_install();
	d->resolver = resolver_new();
	if (d->resolver == NULL)
		fatal(EX_OSERR, "out of memory");
	load_key(d->opts.key_file, &d->key);
	if (!export_table_load(&d->exports, d->opts.exports_file))
		fatal(EX_CONFIG, "no usable exports in %s", d->opts.exports_file);
	d->svc = server_open(&cfg);
	if (!d->opts.foreground) {
		if (!detach_daemon(false, false))
			fatal(EX_OSERR, "daemon: %m");
		log_set_target(LOG_TO_SYSLOG);
	}
	pidfile_write(d->opts.pid_file);
	drop_privileges(&d->opts);
	server_register(d->svc);
	logmsg(LOG_NOTICE, "serving %zu exports from %s on port %u (udp, tcp)%s as uid %u; "
	       "handle key %s (id %016llx)", d->exports.n, d->opts.exports_file,
	       server_port(d->svc), d->opts.rpcbind ? ", registered with rpcbind" : "",
	       (unsigned)geteuid(), d->opts.key_file, (unsigned long long)fh_key_id(&d->key));
}

void daemon_serve(struct daemon_ctx *d)
{
	server_run(d->svc, &sigflag_stop, &sigflag_reload, reload_exports);
	server_close(d->svc);
	pidfile_remove(d->opts.pid_file);
	export_table_free(&d->exports);
	resolver_free(d->resolver);
	logmsg(LOG_NOTICE, "exiting");
}
