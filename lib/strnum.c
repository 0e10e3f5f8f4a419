#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>

#include "strnum.h"

bool parse_uint_base(const char *s, int base, uintmax_t min, uintmax_t max,
		     uintmax_t *out)
{
	uintmax_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return false;
	for (p = s; *p; p++) {
		unsigned digit;

		if (!isdigit((unsigned char)*p))
			return false;
		digit = (unsigned)(*p - '0');
		if (digit >= (unsigned)base)
			return false;
		if (v > (UINTMAX_MAX - digit) / (uintmax_t)base)
			return false;
		v = v * (uintmax_t)base + digit;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_uint(const char *s, uintmax_t min, uintmax_t max, uintmax_t *out)
{
	return parse_uint_base(s, 10, min, max, out);
}
