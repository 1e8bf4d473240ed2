/*
 * UTF-8 checks and repair (utf8.h). Well-formed means RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF. Repair follows
 * the Unicode Standard's "maximal subpart" practice (chapter 3, U+FFFD
 * substitution): each longest prefix of a sequence that could have been
 * valid becomes one U+FFFD, so a truncated character is one replacement
 * and the byte after it is kept.
 */
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

/* The bytes allowed second after a lead byte (the rest are 80..BF). */
static void
second_range(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead == 0xe0)
		*lo = 0xa0;		/* no overlong 3-byte forms */
	else if (lead == 0xed)
		*hi = 0x9f;		/* no surrogates */
	else if (lead == 0xf0)
		*lo = 0x90;		/* no overlong 4-byte forms */
	else if (lead == 0xf4)
		*hi = 0x8f;		/* nothing above U+10FFFF */
}

/*
 * The length of the well-formed sequence at s (at most n bytes), or 0 when
 * there is none; then *bad, if given, is the length of the maximal subpart
 * to replace (at least 1).
 */
static size_t
sequence(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char	lo, hi;
	size_t		len, k;

	if (bad != NULL)
		*bad = 1;
	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	second_range(s[0], &lo, &hi);
	for (k = 1; k < len; k++) {
		if (k >= n || s[k] < lo || s[k] > hi) {
			if (bad != NULL)
				*bad = k;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/* The length of the well-formed sequence at s (at most n bytes), or 0. */
size_t
utf8_sequence(const unsigned char *s, size_t n)
{
	return sequence(s, n, NULL);
}

/* Whether s[0, n) is well-formed UTF-8. */
bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, len;

	while (i < n) {
		if ((len = sequence(u + i, n - i, NULL)) == 0)
			return false;
		i += len;
	}
	return true;
}

/* A copy of s (NUL-terminated) with every ill-formed part as U+FFFD. */
char *
utf8_sanitize(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = strlen(s), i = 0, o = 0, len, bad;
	char			*out;

	if (utf8_valid(s, n))
		return xstrdup(s);
	/* At worst each byte becomes three. */
	out = xmalloc(3 * n + 1);
	while (i < n) {
		if ((len = sequence(u + i, n - i, &bad)) > 0) {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
			continue;
		}
		memcpy(out + o, UTF8_REPLACEMENT, 3);
		o += 3;
		i += bad;
	}
	out[o] = '\0';
	return out;
}

/*
 * Copies src into dst (size bytes, always NUL-terminated when size > 0),
 * sanitised, and cut only between characters, so a long value cut to fit
 * does not end in half a character.
 */
void
utf8_copy(char *dst, size_t size, const char *src)
{
	const unsigned char	*u;
	char			*clean;
	size_t			 n, i = 0, len;

	if (size == 0)
		return;
	clean = utf8_sanitize(src);
	u = (const unsigned char *)clean;
	n = strlen(clean);
	while (i < n && (len = sequence(u + i, n - i, NULL)) > 0 &&
	    i + len < size)
		i += len;
	memcpy(dst, clean, i);
	dst[i] = '\0';
	free(clean);
}
