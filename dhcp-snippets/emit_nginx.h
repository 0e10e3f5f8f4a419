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

/* The server block serving tftproot (nginx_path_ok) for inv, which has
 * an http-server. */
void emit_nginx(const struct inventory *inv, const char *tftproot, struct strbuf *out);

/* pxe-dhcpgen --nginx FILE: renders, checks with nginx -t (checker:
 * the nginx binary, NULL for PATH; no_checker skips it), and puts the
 * file in place as the DHCP file is (check_only, diff as --check and
 * --diff). Returns the exit status. */
struct nginx_run {
	const char *output, *tftproot, *manifest, *checker;
	bool no_checker, check_only, diff, quiet;
};
int nginx_main(const struct nginx_run *run, const struct inventory *inv);

#endif
