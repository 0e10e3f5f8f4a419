/* pxe-dhcpgen --nginx: the server block checked by nginx -t and put in
 * place the way the DHCP file is (output.c's plan: atomic, only over a
 * file pxe-dhcpgen wrote, --check and --diff). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit_nginx.h"
#include "log.h"
#include "output.h"

/* The directories nginx -t makes (as root) for its temporary files;
 * pointed into the check's own directory so nothing under /var is made. */
static const char *const temp_dirs[][2] = {
	{ "client_body_temp_path", "body" }, { "proxy_temp_path", "proxy" },
	{ "fastcgi_temp_path", "fastcgi" }, { "uwsgi_temp_path", "uwsgi" },
	{ "scgi_temp_path", "scgi" },
};

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int rc;

	if (!f)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

/* nginx -t on a main configuration that holds only what the block needs
 * around it: events {} and an http {} that includes it, as Debian's
 * nginx.conf includes its conf.d files. 0 passed (or no nginx: warned),
 * 1 refused, -1 could not run. */
static int check_nginx(const char *checker, const struct strbuf *text, bool quiet)
{
	char prog[PATH_MAX], dir[] = "/tmp/pxe-dhcpgen.XXXXXX", path[PATH_MAX], conf[PATH_MAX];
	struct strbuf main_conf = STRBUF_INIT, said = STRBUF_INIT;
	int rc = -1;

	if (checker) {
		snprintf(prog, sizeof prog, "%s", checker);
	} else if (!output_find_program("nginx", prog, sizeof prog)) {
		logmsg(LOG_WARNING, "nginx is not installed: the server block was not checked by it");
		return 0;
	}
	if (!mkdtemp(dir)) {
		logmsg(LOG_ERR, "cannot make a directory for the check (%s): %m", dir);
		return -1;
	}
	sb_addf(&main_conf, "pid %s/nginx.pid;\nevents {\n}\nhttp {\n\taccess_log off;\n", dir);
	for (size_t i = 0; i < sizeof temp_dirs / sizeof temp_dirs[0]; i++)
		sb_addf(&main_conf, "\t%s %s/%s;\n", temp_dirs[i][0], dir, temp_dirs[i][1]);
	sb_addf(&main_conf, "\tinclude %s/generated;\n}\n", dir);
	snprintf(path, sizeof path, "%s/generated", dir);
	snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
	if (main_conf.oom || write_text(path, sb_str(text)) < 0 ||
	    write_text(conf, sb_str(&main_conf)) < 0) {
		logmsg(LOG_ERR, "cannot write files for the check in %s: %m", dir);
		goto out;
	}
	snprintf(path, sizeof path, "%s/", dir);
	rc = output_run((char *[]){ prog, "-t", "-q", "-e", "stderr", "-p", path, "-c", conf, NULL },
			&said);
	if (rc < 0) {
		logmsg(LOG_ERR, "cannot run %s: %m", prog);
	} else if (rc != 0) {
		logmsg(LOG_ERR, "%s rejected the server block, nothing was replaced. It said:\n%s",
		       prog, sb_str(&said));
		rc = 1;
	} else if (!quiet) {
		logmsg(LOG_INFO, "checked with %s -t", prog);
	}
out:
	for (size_t i = 0; i < sizeof temp_dirs / sizeof temp_dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, temp_dirs[i][1]);
		rmdir(path);
	}
	unlink(conf);
	snprintf(path, sizeof path, "%s/nginx.pid", dir);	/* nginx -t leaves it empty */
	unlink(path);
	snprintf(path, sizeof path, "%s/generated", dir);
	unlink(path);
	rmdir(dir);
	sb_free(&main_conf);
	sb_free(&said);
	return rc;
}

int nginx_main(const struct nginx_run *run, const struct inventory *inv)
{
	struct strbuf text = STRBUF_INIT;
	struct plan plan = { 0 };
	struct output out;
	int status = 0;

	if (!inv->http_server)
		fatal(1, "%s: --nginx needs an http-server statement (the URL the block serves)",
		      inv->source);
	if (!nginx_path_ok(run->tftproot))
		fatal(1, "%s: the TFTP root holds a character the nginx block cannot name as it is "
		      "(letters, digits and /._-+~ only)", run->tftproot);
	emit_nginx(inv, run->tftproot, &text);
	if (text.oom)
		fatal(1, "out of memory");
	if (!run->no_checker && check_nginx(run->checker, &text, run->quiet) != 0)
		return 1;
	if (strcmp(run->output, "-") == 0) {
		fputs(sb_str(&text), stdout);
		sb_free(&text);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (!run->check_only && !run->diff && manifest_lock(run->manifest) < 0)
		fatal(1, "cannot lock %s.lock: %m", run->manifest);
	plan.manifest_path = run->manifest;
	plan.tftproot = run->tftproot;
	plan.no_loaders = true;	/* the TFTP root's files are the DHCP run's */
	if (manifest_load(run->manifest, &plan.old) < 0 || plan_start(&plan) < 0)
		return 1;
	out = (struct output){ .path = strdup(run->output), .text = text };
	if (!out.path)
		fatal(1, "out of memory");
	plan_add(&plan, &out);
	if (plan_finish(&plan) < 0)
		fatal(1, "nothing was changed");
	if (run->diff)
		status = show_diff(&plan) < 0;
	else if (!run->check_only)
		status = apply_plan(&plan) < 0;
	if (!status && !run->quiet && run->check_only)
		logmsg(LOG_INFO, "%s: no errors (%s would be written)", inv->source, run->output);
	else if (!status && !run->quiet && !run->diff)
		logmsg(LOG_INFO, "%s: %s; nginx -t && systemctl reload nginx applies it", run->output,
		       plan.written ? "written" : "unchanged");
	plan_free(&plan);
	return status;
}
