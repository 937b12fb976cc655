/* tool_number.h: number parsing shared by the C test tools (seccompose-probe, libseccomp-export). */
#ifndef SECCOMPOSE_TOOL_NUMBER_H
#define SECCOMPOSE_TOOL_NUMBER_H

#include <stdint.h>

/*
 * Parse a whole string as a 64-bit number: decimal or 0x hex.  With allow_negative,
 * a leading '-' gives the two's complement.  Returns 0, or -1 (and leaves *out alone)
 * on an empty string, a stray character or overflow.
 */
int tool_parse_u64(const char *s, int allow_negative, uint64_t *out);

#endif
