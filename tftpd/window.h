/* Block-number arithmetic of a sending window (RFC 1350, RFC 7440, and
 * tftpd-hpa's "rollover"): transfers count blocks in 64 bits, the wire
 * carries 16. Pure; the transfer loop and its unit tests share it. */
#ifndef TFTPD_WINDOW_H
#define TFTPD_WINDOW_H

#include <stdint.h>

/* The 16-bit number block goes out as: after 65535 comes the negotiated
 * rollover value (default 0), and so on each time round. */
uint16_t wire_block(uint64_t block, uint16_t rollover);

/* How many blocks of the window [base, base + n) an ACK carrying ack
 * acknowledges: the highest j in 1..n whose block base - 1 + j goes out
 * as ack; 0 for a duplicate or stray ACK, which must never trigger a
 * resend (the Sorcerer's Apprentice bug, RFC 1123 section 4.2.3.1).
 * base 0 stands for the OACK (acknowledged as block 0) with n == 1. */
unsigned acked_blocks(uint64_t base, unsigned n, uint16_t ack, uint16_t rollover);

#endif
