/* Strict decimal numbers from the wire and the command line: one helper,
 * so every value is range-checked the same way (OpenBSD's strtonum). */
#ifndef PXEKIT_STRNUM_H
#define PXEKIT_STRNUM_H

#include <stdbool.h>
#include <stdint.h>

/* Accepts only [0-9]+ (no sign, no spaces, no base prefix) within
 * [min, max]; returns false otherwise and leaves *out alone. */
bool parse_uint(const char *s, uintmax_t min, uintmax_t max, uintmax_t *out);

/* Same for a number in a given base (8 for umasks, 10 otherwise). */
bool parse_uint_base(const char *s, int base, uintmax_t min, uintmax_t max,
		     uintmax_t *out);

#endif
