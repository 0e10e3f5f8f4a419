/* The HTTP boot path's web server: an nginx server block (for Debian's
 * stock nginx, included in its http {} context) that serves the TFTP
 * root under the inventory's http-server URL, read-only, with range
 * requests and sendfile. */
#ifndef PXEKIT_EMIT_NGINX_H
#define PXEKIT_EMIT_NGINX_H

#include <stdbool.h>

#include "inventory.h"
#include "strbuf.h"

/* Whether nginx can take dir as it is inside a server block: an
 * absolute path without quotes, blanks, ';', '{', '}', '#', '\' or '$'
 * (alias expands variables), so it needs no quoting. */
bool nginx_path_ok(const char *dir);

/* An image pxe-image registered, from its state file: its ISO file
 * (dir false) or unpacked tree (dir true) at fs_path, served at url_path,
 * the path of the state's http-url, for installers that fetch them. */
struct nginx_image {
	char name[64];
	char url_path[INV_PATH_MAX + 1];
	char fs_path[4096];
	bool dir;
};

/* From a state file's name, type ("iso" or "tree"), http-url and
 * http-serves: true, or false with *why when nginx cannot take it as it
 * is (characters it would need quoted, a path that is not absolute). */
bool nginx_image_from_state(const char *name, const char *type, const char *http_url,
			    const char *serves, struct nginx_image *out, const char **why);

/* The server block serving tftproot (nginx_path_ok) for inv, which has
 * an http-server, and the images (their url_path distinct). */
void emit_nginx(const struct inventory *inv, const char *tftproot,
		const struct nginx_image *img, size_t nimg, struct strbuf *out);

/* Which of the inventory's http-server URLs a block serves: want (as
 * written, a trailing '/' or not) when it is the global one or a
 * subnet's, or the global one when want is NULL. *is_global says which
 * (http-listen is the global URL's only). NULL: none matches. */
const char *nginx_pick_url(const struct inventory *inv, const char *want, bool *is_global);

/* pxe-dhcpgen --nginx FILE: renders, checks with nginx -t (checker:
 * the nginx binary, NULL for PATH; no_checker skips it), with the
 * images whose state files are in images (complete ones), and puts the
 * file in place as the DHCP file is (check_only, diff as --check and
 * --diff). Returns the exit status. */
struct nginx_run {
	const char *output, *tftproot, *manifest, *checker;
	const char *images;	/* pxe-image's state directory */
	const char *http_server;	/* --http-server: a subnet's URL; NULL: the global */
	bool no_checker, check_only, diff, quiet;
};
int nginx_main(const struct nginx_run *run, const struct inventory *inv);

#endif
