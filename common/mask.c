/*
 * Masking of phone numbers and e-mail addresses in free text.
 *
 * Phone numbers are recognised narrowly so that ids, amounts and millisecond
 * timestamps stay readable in logs: a Chinese mobile number (11 digits
 * starting 13-19, optionally after +86 or 86), a landline with a leading
 * zero and a separator (010-12345678), or any number written with a leading
 * plus and 8 to 15 digits. Digits may be ASCII or full-width (１３８...),
 * grouped by single spaces, dashes or dots, the first group possibly in
 * parentheses ((138)1234-5678). A number inside a word is an id and stays,
 * unless the word announces a phone (tel13812345678). The masked form keeps
 * the layout and replaces the middle digits with '*'.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "mask.h"
#include "nitems.h"

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
out_puts(struct out *o, const char *s, size_t n)
{
	while (n-- > 0)
		out_putc(o, *s++);
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
 * If a digit starts at s, returns its length in bytes and stores its ASCII
 * form in *c: '0'-'9', or a full-width digit (U+FF10-U+FF19, three bytes
 * in UTF-8) as typed by Chinese input methods. Returns 0 otherwise.
 */
static size_t
digit_at(const char *s, char *c)
{
	const unsigned char	*u = (const unsigned char *)s;

	if (isdigit(u[0])) {
		*c = s[0];
		return 1;
	}
	if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99) {
		*c = (char)('0' + (u[2] - 0x90));
		return 3;
	}
	return 0;
}

static bool
is_digit_at(const char *s)
{
	char	c;

	return digit_at(s, &c) > 0;
}

/* Whether a letter, an ASCII digit or a full-width digit ends at s[i]. */
static bool
word_before(const char *s, size_t i)
{
	if (i == 0)
		return false;
	if (isalnum((unsigned char)s[i - 1]))
		return true;
	return i >= 3 && is_digit_at(s + i - 3);
}

/*
 * The separators a phone number may be grouped by at s: one space, dash or
 * dot, or a closing parenthesis (after an opening one) with an optional
 * space or dash, always followed by a digit. Returns their length, 0 if
 * none; *separated is set unless the separator is a dot (10.30 is a time).
 */
static size_t
separator_span(const char *s, bool paren, bool *separated)
{
	size_t	n = 0;

	if (s[0] == ')' && paren) {
		n = 1;
		if (s[1] == ' ' || s[1] == '-')
			n = 2;
	} else if (s[0] == ' ' || s[0] == '-' || s[0] == '.')
		n = 1;
	if (n == 0 || !is_digit_at(s + n))
		return 0;
	if (s[0] != '.')
		*separated = true;
	return n;
}

/*
 * Collects the digits of a phone-like run at s, grouped by separators when
 * grouping is allowed, the first group possibly in parentheses. Returns the
 * run's length in bytes.
 */
static size_t
digit_run(const char *s, bool grouped, char *digits, size_t *ndigits,
    bool *separated)
{
	size_t	 i = 0, n = 0, len;
	bool	 paren = false;
	char	 c;

	*separated = false;
	if (grouped && s[0] == '(' && is_digit_at(s + 1)) {
		paren = true;
		i = 1;
	}
	for (;;) {
		if ((len = digit_at(s + i, &c)) > 0) {
			if (n == PHONE_MAX_DIGITS)
				return 0;	/* too long for a phone */
			digits[n++] = c;
			i += len;
		} else if (grouped && n > 0 &&
		    (len = separator_span(s + i, paren, separated)) > 0) {
			if (s[i] == ')')
				paren = false;
			i += len;
		} else
			break;
	}
	if (paren)
		return 0;	/* "(13" is not a number's group */
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
 * and returns the bytes consumed; otherwise returns 0. Masked digits become
 * '*', whether they were typed as ASCII or full-width digits.
 */
static size_t
phone_mask(const char *s, struct out *o)
{
	char	 d[PHONE_MAX_DIGITS], c;
	size_t	 start = s[0] == '+' ? 1 : 0, n = 0, len = 0, head, tail;
	size_t	 i, k, dl;
	bool	 sep, ok = false;
	int	 grouped;

	for (grouped = 1; grouped >= 0 && !ok; grouped--) {
		len = digit_run(s + start, grouped, d, &n, &sep);
		if (len == 0 || isalnum((unsigned char)s[start + len]) ||
		    is_digit_at(s + start + len))
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
	for (i = start, k = 0; i < start + len; i += dl ? dl : 1) {
		if ((dl = digit_at(s + i, &c)) == 0) {
			out_putc(o, s[i]);
			continue;
		}
		if (k < head || k >= n - tail)
			out_puts(o, s + i, dl);
		else
			out_putc(o, '*');
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
 * Whether the letters just before in[i] are a word that announces a phone
 * number written against it ("tel13812345678"); other letters make the
 * digits part of an id ("SKU13812345678").
 */
static bool
phone_prefix(const char *in, size_t i)
{
	static const char	*words[] = { "tel", "phone", "mobile", "mob",
				    "cell" };
	size_t			 w, n;

	for (w = 0; w < nitems(words); w++) {
		n = strlen(words[w]);
		if (i >= n && strncasecmp(in + i - n, words[w], n) == 0 &&
		    !word_before(in, i - n))
			return true;
	}
	return false;
}

/* Whether a phone number may start at in[i]: not inside a word or number. */
static bool
phone_may_start(const char *in, size_t i)
{
	if (in[i] != '+' && in[i] != '(' && !is_digit_at(in + i))
		return false;
	if (i > 0 && in[i - 1] == '+')
		return false;
	return !word_before(in, i) || phone_prefix(in, i);
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
		} else if (phone_may_start(in, i) &&
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
