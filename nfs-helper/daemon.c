#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "daemon.h"
#include "exports_load.h"
#include "log.h"
#include "pidfile.h"
#include "privdrop.h"
#include "resolver.h"
#include "sigflags.h"
#include "strbuf.h"
#include "strnum.h"

#define MAX_CONNS 1024
#define DEFAULT_USER "pxekit"
/* open_by_handle_at (pxe-nfsd); reading exports below private
 * directories after a reload (both) */
#define KEEP_CAPS PRIV_CAP(CAP_DAC_READ_SEARCH)

/* ---- command line ------------------------------------------------------ */

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
		case 'd': o->debug = true; break;
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

/* ---- the handle key ---------------------------------------------------- */

static bool read_key(const char *path, struct fh_key *key)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		fatal(EX_CONFIG, "handle key %s is not a regular file", path);
	if (st.st_mode & 077)
		fatal(EX_CONFIG, "handle key %s is readable by others (mode %o): "
		      "chmod 600 it", path, st.st_mode & 0777);
	n = read(fd, key->k, sizeof key->k);
	close(fd);
	if (n != (ssize_t)sizeof key->k)
		fatal(EX_CONFIG, "handle key %s is not %zu bytes", path, sizeof key->k);
	return true;
}

/* The state directory and any missing parent (a fresh prefix has no
 * PREFIX/var/lib), mode 0755 as Debian's /var/lib. */
static void make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = (size_t)snprintf(path, sizeof path, "%s", dir);

	/* Each prefix ending at a '/' or at the end, shortest first. */
	for (size_t i = 1; i <= len && i < sizeof path; i++) {
		char saved = path[i];

		if (saved != '/' && saved != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fatal(EX_CANTCREAT, "cannot create %s: %m", path);
		path[i] = saved;
	}
}

/* Written to a temporary file and linked into place, so the other daemon
 * starting at the same moment reads either no key or the whole one. */
void load_key(const char *path, struct fh_key *key)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *slash;
	bool created;
	int fd;

	if (read_key(path, key))
		return;
	if (errno != ENOENT)
		fatal(EX_CONFIG, "cannot read handle key %s: %m", path);
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		make_dirs(dir);
	}
	if (getrandom(key->k, sizeof key->k, 0) != (ssize_t)sizeof key->k)
		fatal(EX_OSERR, "getrandom: %m");
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		fatal(EX_CANTCREAT, "cannot create handle key %s: %m", tmp);
	if (write(fd, key->k, sizeof key->k) != (ssize_t)sizeof key->k || fsync(fd) < 0)
		fatal(EX_IOERR, "cannot write handle key %s: %m", tmp);
	close(fd);
	created = link(tmp, path) == 0;
	if (!created && errno != EEXIST)
		fatal(EX_CANTCREAT, "cannot create handle key %s: %m", path);
	unlink(tmp);
	if (!read_key(path, key))
		fatal(EX_CONFIG, "cannot read handle key %s: %m", path);
	if (created)
		logmsg(LOG_NOTICE, "created the file handle key %s", path);
}

bool key_file_changed(const char *path, const struct fh_key *key)
{
	struct fh_key now;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool changed;

	if (fd < 0)
		return errno == ENOENT;
	changed = read(fd, now.k, sizeof now.k) != (ssize_t)sizeof now.k ||
		  memcmp(now.k, key->k, sizeof now.k) != 0;
	close(fd);
	return changed;
}

/* ---- handles and exports ----------------------------------------------- */

bool fh_of_fd(int dirfd, const char *name, uint32_t fsid, struct fh *out)
{
	union {
		struct file_handle h;
		unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	int mount_id;

	u.h.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dirfd, name ? name : "", &u.h, &mount_id,
			      name ? 0 : AT_EMPTY_PATH) < 0)
		return false;
	if (u.h.handle_bytes > FH_KERNEL_MAX) {
		errno = EOVERFLOW;
		return false;
	}
	out->fsid = fsid;
	out->handle_type = u.h.handle_type;
	out->handle_bytes = u.h.handle_bytes;
	memcpy(out->f_handle, u.h.f_handle, u.h.handle_bytes);
	return true;
}

/* A regular file is an ISO image whose contents are served read-only
 * (pxe-exports(5)); "rw" cannot apply. */
static void open_image_export(struct export_state *st, const struct export *e)
{
	st->iso = isofs_open(e->path);
	if (st->iso == NULL)
		logmsg(LOG_ERR, "%s: out of memory", e->path);
	for (size_t c = 0; c < e->nclients; c++)
		if (e->clients[c].opts.rw)
			logmsg(LOG_WARNING, "%s: 'rw' for %s: an ISO image is served read-only",
			       e->path, e->clients[c].spec);
}

/* An export that cannot be opened is kept (it may appear later, as a
 * mount) but refuses every mount until a reload finds it. */
static void open_export(struct export_state *st, const struct export *e)
{
	struct fh root;
	struct stat sb;

	st->ex = e;
	st->root_fd = -1;
	if (isofs_is_image_path(e->path)) {
		open_image_export(st, e);
		return;
	}
	/* O_RDONLY: open_by_handle_at refuses an O_PATH descriptor. */
	st->root_fd = open(e->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->root_fd < 0) {
		logmsg(LOG_ERR, "Failed to stat %s: %m", e->path);
		return;
	}
	if (fstat(st->root_fd, &sb) < 0 || !fh_of_fd(st->root_fd, NULL, e->fsid, &root)) {
		logmsg(LOG_ERR, "%s does not support NFS export: no file handles of at most "
		       "%d bytes (%m)", e->path, FH_KERNEL_MAX);
		close(st->root_fd);
		st->root_fd = -1;
		return;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
}

void export_table_free(struct export_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->st[i].root_fd >= 0)
			close(t->st[i].root_fd);
	for (size_t i = 0; i < t->n; i++)
		isofs_free(t->st[i].iso);
	free(t->st);
	exports_free(t->exports);
	t->st = NULL;
	t->exports = NULL;
	t->n = 0;
}

bool export_table_load(struct export_table *t, const char *file)
{
	struct strbuf diag = STRBUF_INIT;
	struct exports *ex = NULL;
	struct export_state *st;
	bool ok = false;

	ex = exports_load(file, &diag);
	for (char *line = diag.buf, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		logmsg(ex ? LOG_WARNING : LOG_ERR, "%s", line);
	}
	if (ex == NULL) {
		logmsg(LOG_ERR, "%s has errors: keeping the exports as they were", file);
		goto out;
	}
	st = calloc(ex->n ? ex->n : 1, sizeof *st);
	if (st == NULL)
		goto out;
	export_table_free(t);
	t->exports = ex;
	t->st = st;
	t->n = ex->n;
	t->generation++;
	for (size_t i = 0; i < ex->n; i++)
		open_export(&st[i], &ex->v[i]);
	ex = NULL;
	ok = true;
out:
	exports_free(ex);
	sb_free(&diag);
	return ok;
}

const struct export_state *export_table_fsid(const struct export_table *t, uint32_t fsid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->st[i].ex->fsid == fsid)
			return &t->st[i];
	return NULL;
}

/* ---- access ------------------------------------------------------------ */

const struct export_options *export_access(const struct export *e, struct rpc_req *req)
{
	struct daemon_ctx *d = req->ctx;
	struct name_lookup names = { resolver_lookup, d->resolver };
	struct access_result r;
	char addr[ADDR_STRLEN], name[300] = "";

	if (access_check(e, req->peer, &names, &r) == ACCESS_OK)
		return &r.client->opts;
	peer_ntop(req->peer, addr, sizeof addr);
	if (r.name.name)
		snprintf(name, sizeof name, " (%s)", r.name.name);
	else if (r.name.unconfirmed)
		snprintf(name, sizeof name, " (its PTR record names %s, whose addresses do not "
			 "include it)", r.name.unconfirmed);
	else if (r.looked_up)
		snprintf(name, sizeof name, " (no host name)");
	switch (r.reason) {
	case ACCESS_NAME_PENDING:
		/* A refusal would be final for the client; silence makes it
		 * retransmit, by which time the name is known. */
		req->drop = true;
		if (d->opts.debug)
			logmsg(LOG_DEBUG, "dropped %s from %s: %s", req->proc_name, addr,
			       access_reason_text(r.reason));
		break;
	case ACCESS_INSECURE_PORT:
		logmsg(LOG_NOTICE, "refused %s from %s%s port %u: %s is %s", req->proc_name, addr,
		       name, addr_port(req->peer), e->path, access_reason_text(r.reason));
		break;
	case ACCESS_NOT_EXPORTED_TO_HOST:
	case ACCESS_OK:
		logmsg(LOG_NOTICE, "refused %s from %s%s: %s is %s", req->proc_name, addr, name,
		       e->path, access_reason_text(r.reason));
		break;
	}
	return NULL;
}

/* ---- start and stop ---------------------------------------------------- */

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

/* systemd gives services a soft limit of 1024 descriptors and a hard one
 * far above: take the hard one. Returns the limit in force. */
static unsigned raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > (1u << 20) ? 1u << 20 : (unsigned)rl.rlim_cur;
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
		.debug = d->opts.debug,
		.ctx = d,
	};

	d->nofile = raise_nofile();
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
		if (daemon(0, 0) < 0)
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
