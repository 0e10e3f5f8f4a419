#include "config.h"

#include <string.h>

#include "packet.h"
#include "path.h"

bool path_has_dotdot(const char *name)
{
	const char *p = name;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

static const char *skip_slashes(const char *s)
{
	return s + strspn(s, "/");
}

/* dir matches name on a whole-component boundary: "/srv/tftp" covers
 * "/srv/tftp/x" but not "/srv/tftp2/x" (tftpd-hpa 5.2 allowed the latter). */
static const char *under_dir(const char *name, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(name, dir, n) != 0)
		return NULL;
	if (n == 1)
		return name + 1;	/* dir is "/" */
	if (name[n] != '/' && name[n] != '\0')
		return NULL;
	return name + n;
}

int path_resolve(const struct path_policy *pol, const char *name, size_t *dir,
		 const char **rel, const char **errmsg)
{
	size_t i;

	*dir = 0;
	if (pol->secure) {
		/* Inside the root, "/x", "x" and "../x" all name the same file,
		 * as they do under tftpd-hpa's chroot. */
		*rel = skip_slashes(name);
		return 0;
	}
	if (name[0] != '/') {
		*errmsg = "Only absolute filenames allowed";
		return TFTP_EACCESS;
	}
	if (path_has_dotdot(name)) {
		*errmsg = "Reverse path not allowed";
		return TFTP_EACCESS;
	}
	if (pol->ndirs == 0) {
		*rel = skip_slashes(name);
		return 0;
	}
	for (i = 0; i < pol->ndirs; i++) {
		const char *rest = under_dir(name, pol->dirs[i]);

		if (rest != NULL) {
			*dir = i;
			*rel = skip_slashes(rest);
			return 0;
		}
	}
	*errmsg = "Forbidden directory";
	return TFTP_EACCESS;
}
