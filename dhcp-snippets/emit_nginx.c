/* The nginx server block for the HTTP boot path (pxe-dhcpgen(8) --nginx).
 * What a boot storm needs from the web server: sendfile (kernel and
 * initrd go from the page cache to the socket), byte ranges (iPXE and
 * installers resume and fetch ISOs in pieces; nginx's static module
 * serves them unless max_ranges is 0 or a filter such as gzip changes
 * the body, so gzip is off here), GET and HEAD only, no listings. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "emit_nginx.h"

bool nginx_path_ok(const char *dir)
{
	if (!dir || dir[0] != '/')
		return false;
	for (const char *p = dir; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._-+~", *p)))
			return false;
	return true;
}

/* A URL path nginx takes as it is, and that cannot leave its prefix. */
static bool url_path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) > INV_PATH_MAX || strstr(p, "//"))
		return false;
	for (const char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("/._-+~", *c)))
			return false;
	for (const char *c = p; (c = strstr(c, "/.")) != NULL; c++)
		if (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return false;
	return true;
}

bool nginx_image_from_state(const char *name, const char *type, const char *http_url,
			    const char *serves, struct nginx_image *out, const char **why)
{
	const char *path;
	size_t len;

	*out = (struct nginx_image){ .dir = strcmp(type, "tree") == 0 };
	if (!out->dir && strcmp(type, "iso") != 0)
		return *why = "its type is neither iso nor tree", false;
	if (strncmp(http_url, "http://", 7) != 0 || !(path = strchr(http_url + 7, '/')))
		return *why = "its http-url is not http://HOST/PATH", false;
	if (!url_path_ok(path) || strlen(path) < 2)
		return *why = "its http-url's path holds a character nginx would need quoted", false;
	if (out->dir != (path[strlen(path) - 1] == '/'))
		return *why = "its http-url ends in '/' for a tree only", false;
	len = strlen(serves);
	if (!nginx_path_ok(serves) || len + 2 > sizeof out->fs_path || strstr(serves, "/../") ||
	    strstr(serves, "/./") || (len >= 3 && strcmp(serves + len - 3, "/..") == 0))
		return *why = "its http-serves path holds a character nginx would need quoted", false;
	if (!name[0] || strlen(name) >= sizeof out->name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+") !=
		    strlen(name))
		return *why = "its name is not letters, digits and ._-+", false;
	snprintf(out->name, sizeof out->name, "%s", name);
	snprintf(out->url_path, sizeof out->url_path, "%s", path);
	snprintf(out->fs_path, sizeof out->fs_path, "%s%s", serves,
		 out->dir && serves[len - 1] != '/' ? "/" : "");
	return true;
}

static bool same_url(const char *base, const char *want)
{
	size_t len = strlen(base);

	return strncmp(base, want, len) == 0 && (!want[len] || strcmp(want + len, "/") == 0);
}

const char *nginx_pick_url(const struct inventory *inv, const char *want, bool *is_global)
{
	*is_global = true;
	if (!want || (inv->http_server && same_url(inv->http_server, want)))
		return inv->http_server;
	*is_global = false;
	for (size_t i = 0; i < inv->nsubnets; i++)
		if (inv->subnets[i].http_server && same_url(inv->subnets[i].http_server, want))
			return inv->subnets[i].http_server;
	return NULL;
}

/* The URL's host[:port] and path (after the host; "" for none). */
static void split_url(const char *url, size_t *hostlen, const char **path)
{
	const char *host = url + 7, *slash = strchr(host, '/');

	*hostlen = slash ? (size_t)(slash - host) : strlen(host);
	*path = slash ? slash : "";
}

/* listen: http-listen, else the URL's address and port when its host is
 * an IPv4 address, else the URL's port on every address. */
static void listen_of(const struct inventory *inv, const char *host, size_t namelen,
		      const char *port, struct strbuf *out)
{
	char name[INV_PATH_MAX + 1];
	struct in_addr a;

	if (inv->http_listen) {
		sb_add(out, inv->http_listen);
		return;
	}
	memcpy(name, host, namelen);
	name[namelen] = '\0';
	if (inet_pton(AF_INET, name, &a) == 1)
		sb_addf(out, "%s:", name);
	sb_addf(out, "%.*s", port ? (int)strcspn(port, "/") : 2, port ? port : "80");
}

/* What every location serves files with. */
static void file_settings(struct strbuf *out)
{
	sb_add(out, "\t\tlimit_except GET {\n\t\t\tdeny all;\n\t\t}\n"
		    "\t\tautoindex off;\n"
		    "\t\tsendfile on;\n"
		    "\t\ttcp_nopush on;\n"
		    "\t\tgzip off;\n"
		    "\t\tdefault_type application/octet-stream;\n"
		    "\t}\n");
}

void emit_nginx(const struct inventory *inv, const char *tftproot,
		const struct nginx_image *img, size_t nimg, struct strbuf *out)
{
	const char *path, *host = inv->http_server + 7, *colon;
	size_t hostlen, namelen;
	bool slash = tftproot[strlen(tftproot) - 1] == '/';

	split_url(inv->http_server, &hostlen, &path);
	colon = memchr(host, ':', hostlen);
	namelen = colon ? (size_t)(colon - host) : hostlen;
	sb_addf(out, "# " GENERATED_MARK " from %s; do not edit, it is rewritten.\n"
		     "# The HTTP boot path: %s/ serves the TFTP root %s read-only.\n"
		     "# Goes in nginx's http {} context (Debian: /etc/nginx/conf.d/pxekit.conf).\n",
		inv->source, inv->http_server, tftproot);
	sb_add(out, "server {\n\tlisten ");
	listen_of(inv, host, namelen, colon ? colon + 1 : NULL, out);
	sb_addf(out, ";\n\tserver_name %.*s;\n\n", (int)namelen, host);
	/* ^~: no regular-expression location elsewhere in the server takes
	 * a boot file over (and none is here). */
	sb_addf(out, "\tlocation ^~ %s/ {\n", path);
	if (*path)
		sb_addf(out, "\t\talias %s%s;\n", tftproot, slash ? "" : "/");
	else
		sb_addf(out, "\t\troot %s;\n", tftproot);
	file_settings(out);
	/* pxe-image's images stay where they are: each at its http-url. */
	for (size_t i = 0; i < nimg; i++) {
		sb_addf(out, "\n\t# image %s (pxe-image)\n\tlocation %s %s {\n\t\talias %s;\n",
			img[i].name, img[i].dir ? "^~" : "=", img[i].url_path, img[i].fs_path);
		file_settings(out);
	}
	if (*path)
		sb_add(out, "\n\tlocation / {\n\t\treturn 404;\n\t}\n");
	sb_add(out, "}\n");
}
