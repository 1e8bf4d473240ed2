/*
 * The mechanics shared by our configuration files: reading a file whole,
 * its version, splitting it into lines, section headers, "key = value" and
 * list items, the plain kinds of values, and errors that say where. See
 * conffile.h for the format; the sections and keys are each parser's own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "conffile.h"
#include "log.h"
#include "xmalloc.h"

#define CONFFILE_MB	(1024 * 1024)

/* Says that a file is over its limit, in MB when the limit is whole MB. */
static void
read_too_large(const char *path, size_t max, char *err, size_t errsz)
{
	if (max % CONFFILE_MB == 0)
		snprintf(err, errsz, "%s: larger than %zu MB", path,
		    max / CONFFILE_MB);
	else
		snprintf(err, errsz, "%s: larger than %zu bytes", path, max);
}

/*
 * Reads a whole file of at most max bytes into a NUL-terminated buffer
 * that the caller owns and frees. On failure, returns NULL with
 * "<path>: <reason>" in err.
 */
char *
conffile_read(const char *path, size_t max, size_t *len, char *err,
    size_t errsz)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp) || n > max) {
		if (ferror(fp))
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
		else
			read_too_large(path, max, err, errsz);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The version of a file's text: its SHA-256, first 16 hex digits. */
void
conffile_version(const char *text, size_t len,
    char out[CONFFILE_VERSION_LEN + 1])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen;
	size_t		i;

	if (EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("conffile: SHA-256 failed");
	for (i = 0; i < CONFFILE_VERSION_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Starts a parse of path, before its first line; errors go to err. */
void
conffile_init(struct conffile *cf, const char *path, char *err, size_t errsz)
{
	memset(cf, 0, sizeof(*cf));
	cf->path = path;
	cf->err = err;
	cf->errsz = errsz;
}

/*
 * Writes "<path>:<line>: <where><reason>" to the caller's buffer, or
 * "<path>: <where><reason>" when the line is 0 (the file as a whole), and
 * returns -1 so that callers can return it.
 */
int
conffile_error(struct conffile *cf, const char *fmt, ...)
{
	char	reason[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (cf->line > 0)
		snprintf(cf->err, cf->errsz, "%s:%zu: %s%s", cf->path,
		    cf->line, cf->where, reason);
	else
		snprintf(cf->err, cf->errsz, "%s: %s%s", cf->path, cf->where,
		    reason);
	return -1;
}

/* Says whether s[0, n) is valid UTF-8 (no overlongs, no surrogates). */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t		i = 0, len, k;
	uint32_t	cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
		if (s[i] < 0xc2 || s[i] > 0xf4 || i + len > n)
			return false;
		cp = s[i] & (0x3f >> (len - 1));
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/*
 * Parses one line (without its newline): drops the comment and the blanks
 * around it, then hands a section header or a "key = value" to the parser.
 * A key before the first section header has no section to go to.
 */
static int
conffile_line(struct conffile *cf, char *s, size_t len,
    const struct conffile_ops *ops, void *arg)
{
	char	*hash, *eq, *key;

	if (memchr(s, '\0', len) != NULL)
		return conffile_error(cf, "line contains a NUL byte");
	if (cf->utf8 && !utf8_valid((unsigned char *)s, len))
		return conffile_error(cf, "line is not valid UTF-8");
	if ((hash = strchr(s, '#')) != NULL)
		*hash = '\0';
	s = conffile_trim(s);
	if (*s == '\0')
		return 0;
	if (*s == '[') {
		cf->sectioned = true;
		return ops->section(arg, s);
	}
	if ((eq = strchr(s, '=')) == NULL)
		return conffile_error(cf, "expected \"key = value\" or a "
		    "section header");
	*eq = '\0';
	key = conffile_trim(s);
	if (!cf->sectioned)
		return conffile_error(cf, "key %s outside a section", key);
	return ops->assign(arg, key, conffile_trim(eq + 1));
}

/*
 * Parses a file's text line by line, skipping a UTF-8 byte order mark.
 * The text must be NUL-terminated (as conffile_read leaves it); it is cut
 * up in place. On return cf->line is one past the last line, so that what
 * the parser checks at the end of the file is reported there.
 */
int
conffile_parse(struct conffile *cf, char *text, size_t len,
    const struct conffile_ops *ops, void *arg)
{
	char	*s = text, *nl, *end = text + len;

	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end) {
		cf->line++;
		if ((nl = memchr(s, '\n', end - s)) == NULL)
			nl = end;
		*nl = '\0';
		if (conffile_line(cf, s, nl - s, ops, arg) == -1)
			return -1;
		s = nl + 1;
	}
	cf->line++;
	return 0;
}

/*
 * Splits a section header "[kind]" or "[kind name]" (as the lexer hands it
 * over, starting with '[') in place. The name is the trimmed rest after the
 * kind's first blank, "" when there is none; what a name may be is the
 * parser's to say.
 */
int
conffile_section(struct conffile *cf, char *header, char **kind, char **name)
{
	size_t	len = strlen(header);

	if (len == 0 || header[len - 1] != ']')
		return conffile_error(cf, "section header without \"]\"");
	header[len - 1] = '\0';
	*kind = conffile_trim(header + 1);
	*name = *kind + strcspn(*kind, " \t");
	if (**name != '\0')
		*(*name)++ = '\0';
	*name = conffile_trim(*name);
	return 0;
}

/* Cuts the blanks (spaces, tabs and carriage returns) off both ends. */
char *
conffile_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * Calls fn for each trimmed item of a comma-separated list ("," or the
 * full-width "，"), cutting s up in place. An empty list or an empty item
 * is an error naming what the list is.
 */
int
conffile_list(struct conffile *cf, char *s, const char *what,
    int (*fn)(void *arg, char *item), void *arg)
{
	char	*item, *next;
	size_t	 skip;

	if (*s == '\0')
		return conffile_error(cf, "empty %s list", what);
	for (item = s; item != NULL; item = next) {
		next = item + strcspn(item, ",\xef");
		while (*next == '\xef' && strncmp(next, "，", 3) != 0)
			next += 1 + strcspn(next + 1, ",\xef");
		skip = *next == ',' ? 1 : 3;
		if (*next == '\0')
			next = NULL;
		else {
			*next = '\0';
			next += skip;
		}
		item = conffile_trim(item);
		if (*item == '\0')
			return conffile_error(cf, "empty item in %s list",
			    what);
		if (fn(arg, item) == -1)
			return -1;
	}
	return 0;
}

/*
 * Parses a whole base-10 integer (strtoll's syntax) in [min, max]. The
 * caller words the error, since only it knows what the number is.
 */
int
conffile_int(const char *s, long long min, long long max, long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *out < min ||
	    *out > max)
		return -1;
	return 0;
}

/* Parses yes, true or on, and no, false or off. */
int
conffile_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* Says whether s is 1 to max characters of [a-z0-9_.-], an id's shape. */
bool
conffile_id(const char *s, size_t max)
{
	size_t	len;

	len = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
	return len > 0 && len <= max && s[len] == '\0';
}

/* The value of a name in a table, or -1 when the table lacks it. */
int
conffile_lookup(const struct conffile_name *names, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i].name, s) == 0)
			return names[i].value;
	return -1;
}

/*
 * Looks a name up in a table, or reports what was expected: "unknown
 * <what> "<s>" (expected one of <the table's names>)".
 */
int
conffile_enum(struct conffile *cf, const struct conffile_name *names,
    size_t n, const char *what, const char *s, int *out)
{
	char	buf[256];
	size_t	i, off = 0;

	if ((*out = conffile_lookup(names, n, s)) != -1)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < n && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i ? ", " : "", names[i].name);
	return conffile_error(cf, "unknown %s \"" CONFFILE_ECHO "\" (expected "
	    "one of %s)", what, s, buf);
}
