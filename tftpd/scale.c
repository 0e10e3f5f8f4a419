#include "config.h"

#include <ctype.h>
#include <string.h>

#include "scale.h"

bool scale_add_worker(const struct scale_tick *t, unsigned max)
{
	/* 3/4 and not all: a worker that serves every transfer still waits
	 * for ACKs now and then, and the clock ticks are coarse. */
	uint64_t enough = t->interval - t->interval / 4;

	if (t->nworkers == 0 || t->nworkers >= max || t->interval == 0 || t->idle < enough)
		return false;
	for (unsigned i = 0; i < t->nworkers; i++)
		if (t->busy[i] < enough)
			return false;
	return true;
}

/* A decimal number at *p (after blanks), advancing *p; false if none. */
static bool number(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	while (s < end && *s == ' ')
		s++;
	if (s == end || !isdigit((unsigned char)*s))
		return false;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = n;
	return true;
}

bool scale_parse_stat(const char *text, size_t len, const cpu_set_t *set, uint64_t *idle)
{
	const char *p = text, *end = text + len;
	bool found = false;

	*idle = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q;
		uint64_t cpu, f[5];

		/* A line the read cut short (no newline) is not taken. */
		if (eol == NULL)
			break;
		/* cpuN user nice system idle iowait ... */
		q = eol - p > 3 ? p + 3 : eol;
		if (q != eol && memcmp(p, "cpu", 3) == 0 && isdigit((unsigned char)*q) &&
		    number(&q, eol, &cpu) && cpu < CPU_SETSIZE && CPU_ISSET((size_t)cpu, set)) {
			int k;

			for (k = 0; k < 5 && number(&q, eol, &f[k]); k++)
				;
			if (k == 5 && f[3] <= UINT64_MAX - f[4] && *idle <= UINT64_MAX - f[3] - f[4]) {
				*idle += f[3] + f[4];
				found = true;
			}
		}
		p = eol + 1;
	}
	return found;
}

/* Past the next blank-separated field (tpgid may be -1). */
static bool skip_field(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end || *s == '\n')
		return false;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*p = s;
	return true;
}

bool scale_parse_pid_stat(const char *text, size_t len, uint64_t *cpu, char *state)
{
	const char *end = text + len, *p = end;
	uint64_t utime, stime;

	while (p > text && p[-1] != ')')
		p--;
	if (p == text)
		return false;
	/* ") state ppid pgrp session tty_nr tpgid flags minflt cminflt
	 * majflt cmajflt utime stime" */
	if (end - p < 2 || p[0] != ' ' || !isalpha((unsigned char)p[1]))
		return false;
	*state = p[1];
	for (int k = 0; k < 11; k++)
		if (!skip_field(&p, end))
			return false;
	if (!number(&p, end, &utime) || !number(&p, end, &stime) || utime > UINT64_MAX - stime)
		return false;
	*cpu = utime + stime;
	return true;
}
