/* Big-endian (network order) loads and stores of wire fields, for the
 * parsers of every tool (RPC, record marks, file handles). */
#ifndef PXEKIT_BYTEORDER_H
#define PXEKIT_BYTEORDER_H

#include <stdint.h>

static inline uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline unsigned char *put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

#endif
