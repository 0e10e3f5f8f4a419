/* pxe-dhcpgen --nginx: the server block checked by nginx -t and put in
 * place the way the DHCP file is (output.c's plan: atomic, only over a
 * file pxe-dhcpgen wrote, --check and --diff). */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit_nginx.h"
#include "log.h"
#include "output.h"
#include "state.h"

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

/* The images pxe-image registered completely (its NAME.state files, in name
 * order): those nginx cannot serve as they are, or whose URL another
 * location has, are left out with a warning. */
static struct nginx_image *load_images(const char *dir, const struct inventory *inv, size_t *n)
{
	struct nginx_image *img = NULL;
	char pattern[PATH_MAX], tftp_loc[INV_PATH_MAX + 2];
	const char *base = strchr(inv->http_server + 7, '/');
	glob_t g;

	*n = 0;
	snprintf(tftp_loc, sizeof tftp_loc, "%s/", base ? base : "");
	if ((size_t)snprintf(pattern, sizeof pattern, "%s/*.state", dir) >= sizeof pattern)
		fatal(1, "%s: too long a path", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		return NULL;	/* none, or no such directory */
	img = calloc(g.gl_pathc, sizeof *img);
	if (!img)
		fatal(1, "out of memory");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct strbuf text = STRBUF_INIT, diag = STRBUF_INIT;
		struct image_state st = { 0 };
		const char *why = NULL;
		bool taken = false;

		if (read_text_file(g.gl_pathv[i], 0, STATE_FILE_MAX, &text) < 0) {
			logmsg(LOG_WARNING, "%s: %m; its image is not served", g.gl_pathv[i]);
		} else if (!image_state_parse(sb_str(&text), text.len, g.gl_pathv[i], &st, &diag)) {
			logmsg(LOG_WARNING, "%s: not a pxe-image state file; its image is not served:\n%s",
			       g.gl_pathv[i], sb_str(&diag));
		} else if (strcmp(image_state_get(&st, "status"), "complete") == 0) {
			struct nginx_image *m = &img[*n];

			if (!nginx_image_from_state(image_state_get(&st, "name"),
						    image_state_get(&st, "type"),
						    image_state_get(&st, "http-url"),
						    image_state_get(&st, "http-serves"), m, &why))
				logmsg(LOG_WARNING, "%s: %s; the image is not served", g.gl_pathv[i], why);
			else if (strcmp(m->url_path, tftp_loc) == 0)
				logmsg(LOG_WARNING, "%s: its http-url is the TFTP root's (%s); the image is not served",
				       g.gl_pathv[i], tftp_loc);
			else
				taken = true;
			for (size_t k = 0; taken && k < *n; k++)
				if (strcmp(img[k].url_path, m->url_path) == 0) {
					logmsg(LOG_WARNING, "%s: image %s has its http-url already; the image is not served",
					       g.gl_pathv[i], img[k].name);
					taken = false;
				}
			*n += taken;
		}
		image_state_free(&st);
		sb_free(&text);
		sb_free(&diag);
	}
	globfree(&g);
	return img;
}

int nginx_main(const struct nginx_run *run, const struct inventory *whole)
{
	struct inventory view = *whole, *inv = &view;
	bool is_global;
	struct nginx_image *img;
	size_t nimg;
	struct strbuf text = STRBUF_INIT;
	struct plan plan = { 0 };
	struct output out;
	int status = 0;

	/* A subnet's http-server: the block for the web server at that URL,
	 * on the URL's own address and port. */
	view.http_server = (char *)nginx_pick_url(whole, run->http_server, &is_global);
	if (!is_global)
		view.http_listen = NULL;
	if (run->http_server && !view.http_server)
		fatal(1, "%s: --http-server %s is not an http-server of the inventory (global or a subnet's)",
		      inv->source, run->http_server);
	if (!inv->http_server)
		fatal(1, "%s: --nginx needs an http-server statement (the URL the block serves)",
		      inv->source);
	if (!nginx_path_ok(run->tftproot))
		fatal(1, "%s: the TFTP root holds a character the nginx block cannot name as it is "
		      "(letters, digits and /._-+~ only)", run->tftproot);
	img = load_images(run->images, inv, &nimg);
	emit_nginx(inv, run->tftproot, img, nimg, &text);
	free(img);
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
