/*
 * UTF-8 from outside: event strings come from other services, and
 * protobuf-c does not check that a string field is UTF-8, while jansson
 * refuses to hold a string that is not. Text written into JSON goes
 * through utf8_sanitize() first, so one bad byte costs one character
 * (U+FFFD) instead of the field or the whole payload. Pure, no I/O.
 */
#ifndef CDP_UTF8_H
#define CDP_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#define UTF8_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

size_t	utf8_sequence(const unsigned char *s, size_t n);
bool	utf8_valid(const char *s, size_t n);
char	*utf8_sanitize(const char *s);
void	utf8_copy(char *dst, size_t size, const char *src);

#endif
