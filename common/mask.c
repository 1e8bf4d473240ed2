/*
 * Masking of phone numbers and e-mail addresses in free text.
 *
 * Phone numbers are recognised narrowly so that ids, amounts and millisecond
 * timestamps stay readable in logs: a Chinese mobile number (11 digits
 * starting 13-19, optionally after +86 or 86), a landline with a leading
 * zero and a separator (010-12345678), or any number written with a leading
 * plus and 8 to 15 digits. Digits may be grouped by single spaces or dashes.
 * The masked form keeps the layout and replaces the middle digits with '*'.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "mask.h"

#define PHONE_MAX_DIGITS	20

struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void
out_putc(struct out *o, char c)
{
	if (o->size > 0 && o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
out_finish(struct out *o)
{
	if (o->size == 0)
		return;
	o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
}

static bool
is_local_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
	    c == '-';
}

static bool
is_domain_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/*
 * If an e-mail address starts at s[0], returns its length and sets *at to
 * the offset of the '@'; otherwise returns 0.
 */
static size_t
email_span(const char *s, size_t *at)
{
	size_t	 i = 0, end;
	bool	 dot = false;

	while (is_local_char((unsigned char)s[i]))
		i++;
	if (i == 0 || s[i] != '@')
		return 0;
	*at = i;
	end = i + 1;
	while (is_domain_char((unsigned char)s[end])) {
		if (s[end] == '.')
			dot = true;
		end++;
	}
	while (end > i + 1 && s[end - 1] == '.')
		end--;
	if (!dot || end - (i + 1) < 3 || s[end - 1] == '-')
		return 0;
	return end;
}

/*
 * Collects the digits of a phone-like run at s, grouped by single spaces or
 * dashes when grouping is allowed. Returns the run's length in bytes.
 */
static size_t
digit_run(const char *s, bool grouped, char *digits, size_t *ndigits,
    bool *separated)
{
	size_t	 i = 0, n = 0;

	*separated = false;
	for (;;) {
		if (isdigit((unsigned char)s[i])) {
			if (n == PHONE_MAX_DIGITS)
				return 0;
			digits[n++] = s[i++];
		} else if (grouped && (s[i] == ' ' || s[i] == '-') &&
		    i > 0 && isdigit((unsigned char)s[i + 1])) {
			*separated = true;
			i++;
		} else
			break;
	}
	*ndigits = n;
	return i;
}

/*
 * Decides whether a run of digits is a phone number and how many leading
 * and trailing digits stay visible. Returns false for anything else.
 */
static bool
phone_shape(const char *d, size_t n, bool plus, bool separated, size_t *head,
    size_t *tail)
{
	if (plus && n == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1') {
		*head = 5;
		*tail = 4;
		return true;
	}
	if (plus)
		return false;
	if (n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9') {
		*head = 3;
		*tail = 4;
		return true;
	}
	if (n == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1' &&
	    d[3] >= '3' && d[3] <= '9') {
		*head = 5;
		*tail = 4;
		return true;
	}
	if (d[0] == '0' && separated && n >= 10 && n <= 12) {
		*head = 3;
		*tail = 2;
		return true;
	}
	return false;
}

static bool
phone_shape_plus(const char *d, size_t n, size_t *head, size_t *tail)
{
	if (phone_shape(d, n, true, false, head, tail))
		return true;
	if (n < 8 || n > 15)
		return false;
	*head = 2;
	*tail = 2;
	return true;
}

/*
 * If a phone number starts at s (after an optional '+'), writes it masked
 * and returns the bytes consumed; otherwise returns 0.
 */
static size_t
phone_mask(const char *s, struct out *o)
{
	char	 d[PHONE_MAX_DIGITS];
	size_t	 start = s[0] == '+' ? 1 : 0, n, len, head, tail, i, k;
	bool	 sep, ok = false;
	int	 grouped;

	for (grouped = 1; grouped >= 0 && !ok; grouped--) {
		len = digit_run(s + start, grouped, d, &n, &sep);
		if (len == 0 || isalnum((unsigned char)s[start + len]))
			continue;
		if (start)
			ok = phone_shape_plus(d, n, &head, &tail);
		else
			ok = phone_shape(d, n, false, sep, &head, &tail);
	}
	if (!ok)
		return 0;
	if (start)
		out_putc(o, '+');
	for (i = start, k = 0; i < start + len; i++) {
		if (!isdigit((unsigned char)s[i])) {
			out_putc(o, s[i]);
			continue;
		}
		out_putc(o, k < head || k >= n - tail ? s[i] : '*');
		k++;
	}
	return start + len;
}

static void
email_mask(const char *s, size_t len, size_t at, struct out *o)
{
	size_t	 i;

	out_putc(o, s[0]);
	out_putc(o, '*');
	out_putc(o, '*');
	out_putc(o, '*');
	for (i = at; i < len; i++)
		out_putc(o, s[i]);
}

/*
 * Copies in to out with every phone number and e-mail address masked.
 * Returns the length of the masked text, which may exceed outsz - 1 when
 * out was too small (the copy is then truncated, like snprintf).
 */
size_t
mask_text(const char *in, char *out, size_t outsz)
{
	struct out	 o = { out, outsz, 0 };
	size_t		 i = 0, len, at;
	unsigned char	 prev = 0;

	while (in[i] != '\0') {
		if (!is_local_char(prev) &&
		    (len = email_span(in + i, &at)) > 0) {
			email_mask(in + i, len, at, &o);
			i += len;
		} else if (!isalnum(prev) && prev != '+' &&
		    (isdigit((unsigned char)in[i]) || in[i] == '+') &&
		    (len = phone_mask(in + i, &o)) > 0) {
			i += len;
		} else
			out_putc(&o, in[i++]);
		prev = (unsigned char)in[i - 1];
	}
	out_finish(&o);
	return o.len;
}

/*
 * Masks a value known to be a phone number: the first three and last four
 * digits stay, or everything is hidden when the number is too short.
 */
void
mask_phone(const char *phone, char *out, size_t outsz)
{
	struct out	 o = { out, outsz, 0 };
	size_t		 n = strlen(phone), i;

	for (i = 0; i < n; i++) {
		if (n >= 8 && (i < 3 || i >= n - 4))
			out_putc(&o, phone[i]);
		else
			out_putc(&o, '*');
	}
	out_finish(&o);
}

/* Masks a value known to be an e-mail address: a***@domain. */
void
mask_email(const char *email, char *out, size_t outsz)
{
	struct out	 o = { out, outsz, 0 };
	const char	*at = strchr(email, '@');

	if (at == NULL || at == email) {
		out_putc(&o, '*');
		out_putc(&o, '*');
		out_putc(&o, '*');
	} else
		email_mask(email, strlen(email), (size_t)(at - email), &o);
	out_finish(&o);
}
