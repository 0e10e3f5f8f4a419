#include "config.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privdrop.h"
#include "strbuf.h"

static unsigned last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	unsigned n = 40;

	if (f) {
		if (fscanf(f, "%u", &n) != 1)
			n = 40;
		fclose(f);
	}
	return n > 63 ? 63 : n;
}

static bool fail(char *errbuf, size_t errlen, const char *what)
{
	snprintf(errbuf, errlen, "%s: %s", what, strerror(errno));
	return false;
}

/* One "Name:\tvalue..." line of /proc/self/status. */
static const char *field(const char *status, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = status; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return p + n + 1;
	return NULL;
}

static bool all_ids(const char *v, unsigned long want)
{
	char *end;

	if (v == NULL)
		return false;
	for (int i = 0; i < 4; i++) {
		unsigned long id = strtoul(v, &end, 10);

		if (end == v || id != want)
			return false;
		v = end;
	}
	return true;
}

static bool caps_are(const char *v, uint64_t want)
{
	return v != NULL && strtoull(v, NULL, 16) == want;
}

bool priv_check_status(const char *status, uid_t uid, gid_t gid, uint64_t caps)
{
	const char *nnp = field(status, "NoNewPrivs");

	return all_ids(field(status, "Uid"), uid) && all_ids(field(status, "Gid"), gid) &&
	       caps_are(field(status, "CapEff"), caps) && caps_are(field(status, "CapPrm"), caps) &&
	       caps_are(field(status, "CapInh"), 0) && caps_are(field(status, "CapAmb"), 0) &&
	       nnp != NULL && strtoul(nnp, NULL, 10) == 1;
}

bool priv_drop(uid_t uid, gid_t gid, uint64_t caps, char *errbuf, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	struct strbuf status = STRBUF_INIT;
	unsigned last = last_cap();
	bool ok;

	/* The bounding set needs CAP_SETPCAP, so it goes while still root. */
	for (unsigned c = 0; c <= last; c++)
		if (!(caps & PRIV_CAP(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return fail(errbuf, errlen, "PR_CAPBSET_DROP");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail(errbuf, errlen, "PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) < 0)
		return fail(errbuf, errlen, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return fail(errbuf, errlen, "setresgid");
	if (setresuid(uid, uid, uid) < 0)
		return fail(errbuf, errlen, "setresuid");
	memset(data, 0, sizeof data);
	data[0].effective = data[0].permitted = (uint32_t)caps;
	data[1].effective = data[1].permitted = (uint32_t)(caps >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(errbuf, errlen, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail(errbuf, errlen, "PR_CAP_AMBIENT_CLEAR_ALL");
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(errbuf, errlen, "PR_SET_NO_NEW_PRIVS");
	if (read_text_file("/proc/self/status", 0, 1 << 16, &status) < 0)
		return fail(errbuf, errlen, "/proc/self/status");
	ok = priv_check_status(sb_str(&status), uid, gid, caps);
	if (!ok)
		snprintf(errbuf, errlen, "/proc/self/status does not show uid %u, gid %u and "
			 "capabilities %016" PRIx64 " only after the drop", (unsigned)uid,
			 (unsigned)gid, caps);
	sb_free(&status);
	return ok;
}
