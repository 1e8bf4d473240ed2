/*
 * Unit tests of common/conffile.c, the mechanics both configuration-file
 * parsers share: reading a file within its limit, the version (SHA-256
 * prefix), errors as "<path>:<line>: <where><reason>", the line, section
 * and "key = value" lexing, lists separated by either comma, whole
 * numbers, booleans, ids, name tables and trimming.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "conffile.h"
#include "nitems.h"

#define MB	(1024 * 1024)

static char	tmp_path[64];

/* Appends s to the string in buf, as far as it fits. */
static void
append(char *buf, size_t size, const char *s)
{
	size_t	len = strlen(buf);

	snprintf(buf + len, size - len, "%s", s);
}

/* Writes len bytes of text to a new temporary file named in tmp_path. */
static void
write_tmp(const char *text, size_t len)
{
	FILE	*fp;
	int	 fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test-conffile.XXXXXX");
	assert_true((fd = mkstemp(tmp_path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Reads a file of size bytes with the limit max; returns the buffer. */
static char *
read_sized(size_t size, size_t max, char *err, size_t errsz)
{
	char	*text, *buf;
	size_t	 len = 0;

	assert_non_null(text = malloc(size + 1));
	memset(text, 'x', size);
	write_tmp(text, size);
	free(text);
	err[0] = '\0';
	buf = conffile_read(tmp_path, max, &len, err, errsz);
	unlink(tmp_path);
	if (buf != NULL) {
		assert_int_equal(len, size);
		assert_int_equal(buf[len], '\0');
	}
	return buf;
}

/* A file is read whole, NUL-terminated, with no trace of a limit. */
static void
test_read_whole(void **state)
{
	char	 err[256];
	char	*buf;
	size_t	 len;

	write_tmp("a = 1\n", 6);
	assert_non_null(buf = conffile_read(tmp_path, MB, &len, err,
	    sizeof(err)));
	unlink(tmp_path);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "a = 1\n");
	free(buf);
	assert_non_null(buf = read_sized(0, MB, err, sizeof(err)));
	free(buf);
}

/* A file at its limit is read; one byte more is refused, said in MB. */
static void
test_read_limits(void **state)
{
	char	 err[256], want[128];
	char	*buf;

	assert_non_null(buf = read_sized(MB, MB, err, sizeof(err)));
	free(buf);
	assert_null(read_sized(MB + 1, MB, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than 1 MB", tmp_path);
	assert_string_equal(err, want);
	assert_non_null(buf = read_sized(MB + 1, 4 * MB, err, sizeof(err)));
	free(buf);
	assert_null(read_sized(4 * MB + 1, 4 * MB, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than 4 MB", tmp_path);
	assert_string_equal(err, want);
	assert_null(read_sized(11, 10, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than 10 bytes", tmp_path);
	assert_string_equal(err, want);
}

/* A file that cannot be read says why, with errno's words. */
static void
test_read_errors(void **state)
{
	char	err[256];
	size_t	len;

	assert_null(conffile_read("/nonexistent/x.conf", MB, &len, err,
	    sizeof(err)));
	assert_string_equal(err,
	    "/nonexistent/x.conf: No such file or directory");
	assert_null(conffile_read("/", MB, &len, err, sizeof(err)));
	assert_string_equal(err, "/: Is a directory");
}

/* The version is the SHA-256's first 16 hex digits, stable per content. */
static void
test_version(void **state)
{
	const char	*text = "[rule a]\nkeywords = 甲\n";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		 a[CONFFILE_VERSION_LEN + 1];
	char		 b[CONFFILE_VERSION_LEN + 1];
	char		 want[CONFFILE_VERSION_LEN + 1];
	size_t		 i;

	assert_int_equal(EVP_Digest(text, strlen(text), md, &mdlen,
	    EVP_sha256(), NULL), 1);
	for (i = 0; i < CONFFILE_VERSION_LEN / 2; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	conffile_version(text, strlen(text), a);
	conffile_version(text, strlen(text), b);
	assert_int_equal(strlen(a), CONFFILE_VERSION_LEN);
	assert_string_equal(a, want);
	assert_string_equal(a, b);
	conffile_version(text, strlen(text) - 1, b);
	assert_string_not_equal(a, b);
	conffile_version("", 0, a);
	assert_string_equal(a, "e3b0c44298fc1c14");
}

/* Errors name the file, the line (unless 0) and the where prefix. */
static void
test_error_format(void **state)
{
	struct conffile	cf;
	char		err[128];

	conffile_init(&cf, "x.conf", err, sizeof(err));
	assert_int_equal(conffile_error(&cf, "bad %s", "thing"), -1);
	assert_string_equal(err, "x.conf: bad thing");
	cf.line = 12;
	conffile_error(&cf, "bad %d", 7);
	assert_string_equal(err, "x.conf:12: bad 7");
	snprintf(cf.where, sizeof(cf.where), "[policy p] ");
	conffile_error(&cf, "no clock");
	assert_string_equal(err, "x.conf:12: [policy p] no clock");
	cf.line = 0;
	conffile_error(&cf, "no clock");
	assert_string_equal(err, "x.conf: [policy p] no clock");
	conffile_init(&cf, "x.conf", err, 8);
	conffile_error(&cf, "a long reason");
	assert_string_equal(err, "x.conf:");
}

/* Blanks are spaces, tabs and carriage returns, at either end. */
static void
test_trim(void **state)
{
	char	a[] = " \t key = value \r", b[] = "   ", c[] = "x";
	char	d[] = "\v x \n";

	assert_string_equal(conffile_trim(a), "key = value");
	assert_string_equal(conffile_trim(b), "");
	assert_string_equal(conffile_trim(c), "x");
	assert_string_equal(conffile_trim(d), "\v x \n");
}

/* What a list gave its callback, joined by "|". */
struct items {
	char	joined[256];
	int	calls;
	int	fail_at;	/* the call that fails, from 1; 0: none */
};

static int
collect(void *arg, char *item)
{
	struct items	*it = arg;

	it->calls++;
	if (it->calls == it->fail_at)
		return -1;
	if (it->joined[0] != '\0')
		append(it->joined, sizeof(it->joined), "|");
	append(it->joined, sizeof(it->joined), item);
	return 0;
}

/* Splits s as a list; returns what the callback saw, or the error. */
static const char *
list(const char *s, char *err, size_t errsz, struct items *it)
{
	struct conffile	cf;
	char		buf[256];

	snprintf(buf, sizeof(buf), "%s", s);
	conffile_init(&cf, "x.conf", err, errsz);
	cf.line = 3;
	err[0] = '\0';
	if (conffile_list(&cf, buf, "team", collect, it) == -1)
		return err;
	return it->joined;
}

/* Either comma separates; items are trimmed; other bytes stay put. */
static void
test_list_commas(void **state)
{
	struct items	it;
	char		err[128];

#define LIST(s, want) do {						\
	memset(&it, 0, sizeof(it));					\
	assert_string_equal(list((s), err, sizeof(err), &it), (want));	\
} while (0)

	LIST("a", "a");
	LIST("a,b", "a|b");
	LIST(" a , b ,c ", "a|b|c");
	LIST("甲，乙，丙", "甲|乙|丙");
	LIST("甲， 乙 ,丙", "甲|乙|丙");
	LIST("ａ，ｂ", "ａ|ｂ");		/* \xef lead bytes, not commas */
	LIST("ｆｏｏ,bar", "ｆｏｏ|bar");
	LIST("、", "、");
	LIST("a\xef", "a\xef");			/* a lone lead byte at the end */
	LIST("x\xef\xbc", "x\xef\xbc");		/* half a full-width comma */
#undef LIST
}

/* An empty list or item is an error naming the list; fn's error stops it. */
static void
test_list_errors(void **state)
{
	struct items	it;
	char		err[128];

	memset(&it, 0, sizeof(it));
	assert_string_equal(list("", err, sizeof(err), &it),
	    "x.conf:3: empty team list");
	assert_int_equal(it.calls, 0);
	memset(&it, 0, sizeof(it));
	assert_string_equal(list("a,,b", err, sizeof(err), &it),
	    "x.conf:3: empty item in team list");
	assert_int_equal(it.calls, 1);
	memset(&it, 0, sizeof(it));
	assert_string_equal(list("a， ，b", err, sizeof(err), &it),
	    "x.conf:3: empty item in team list");
	memset(&it, 0, sizeof(it));
	assert_string_equal(list("a,", err, sizeof(err), &it),
	    "x.conf:3: empty item in team list");
	memset(&it, 0, sizeof(it));
	assert_string_equal(list("，a", err, sizeof(err), &it),
	    "x.conf:3: empty item in team list");
	assert_int_equal(it.calls, 0);
	memset(&it, 0, sizeof(it));
	it.fail_at = 2;
	assert_string_equal(list("a,b,c", err, sizeof(err), &it), "");
	assert_int_equal(it.calls, 2);
}

/* Whole base-10 numbers within their bounds, strtoll's syntax. */
static void
test_int(void **state)
{
	long long	n;

	assert_int_equal(conffile_int("0", 0, 10, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(conffile_int("10", 0, 10, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(conffile_int("9223372036854775807", 0, INT64_MAX,
	    &n), 0);
	assert_true(n == INT64_MAX);
	assert_int_equal(conffile_int("11", 0, 10, &n), -1);
	assert_int_equal(conffile_int("1", 2, 10, &n), -1);
	assert_int_equal(conffile_int("-1", 0, 10, &n), -1);
	assert_int_equal(conffile_int("", 0, 10, &n), -1);
	assert_int_equal(conffile_int("5x", 0, 10, &n), -1);
	assert_int_equal(conffile_int("5 ", 0, 10, &n), -1);
	assert_int_equal(conffile_int("1.5", 0, 10, &n), -1);
	assert_int_equal(conffile_int("0x5", 0, 10, &n), -1);
	assert_int_equal(conffile_int("9223372036854775808", 0, INT64_MAX,
	    &n), -1);
	/* strtoll's sign is accepted; callers that want digits check. */
	assert_int_equal(conffile_int("+5", 0, 10, &n), 0);
	assert_int_equal(n, 5);
}

/* yes, true and on; no, false and off; nothing else, in lower case. */
static void
test_bool(void **state)
{
	static const char	*yes[] = { "yes", "true", "on" };
	static const char	*no[] = { "no", "false", "off" };
	static const char	*bad[] = { "", "Yes", "1", "0", "y", "n",
				    "yes ", "enabled" };
	bool			 b;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		b = false;
		assert_int_equal(conffile_bool(yes[i], &b), 0);
		assert_true(b);
		assert_int_equal(conffile_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (i = 0; i < nitems(bad); i++)
		assert_int_equal(conffile_bool(bad[i], &b), -1);
}

/* Ids are 1 to max characters of [a-z0-9_.-]. */
static void
test_id(void **state)
{
	assert_true(conffile_id("a", 3));
	assert_true(conffile_id("a.b-c_9", 7));
	assert_false(conffile_id("abcd", 3));
	assert_false(conffile_id("", 3));
	assert_false(conffile_id("A", 3));
	assert_false(conffile_id("a b", 3));
	assert_false(conffile_id("甲", 3));
}

/* Names look up their values; an unknown one lists what was expected. */
static void
test_names(void **state)
{
	static const struct conffile_name	names[] = {
		{ "merchant", 1 }, { "carrier", 2 }, { "platform", 3 },
	};
	struct conffile				cf;
	char					err[256];
	int					v = 0;

	assert_int_equal(conffile_lookup(names, 3, "carrier"), 2);
	assert_int_equal(conffile_lookup(names, 3, "Carrier"), -1);
	conffile_init(&cf, "x.conf", err, sizeof(err));
	cf.line = 4;
	assert_int_equal(conffile_enum(&cf, names, 3, "party", "platform",
	    &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(conffile_enum(&cf, names, 3, "party", "shop", &v),
	    -1);
	assert_string_equal(err, "x.conf:4: unknown party \"shop\" (expected "
	    "one of merchant, carrier, platform)");
}

/* A parse: what the callbacks saw, one entry a line, and its line. */
struct seen {
	struct conffile	*cf;
	char		 log[512];
	int		 fail_line;	/* the line whose callback fails */
};

static int
seen_add(struct seen *s, const char *what)
{
	char	entry[256];

	snprintf(entry, sizeof(entry), "%zu:%s\n", s->cf->line, what);
	append(s->log, sizeof(s->log), entry);
	if (s->cf->line == (size_t)s->fail_line)
		return conffile_error(s->cf, "refused");
	return 0;
}

static int
seen_section(void *arg, char *header)
{
	return seen_add(arg, header);
}

static int
seen_assign(void *arg, char *key, char *value)
{
	char	kv[128];

	snprintf(kv, sizeof(kv), "<%s>=<%s>", key, value);
	return seen_add(arg, kv);
}

static const struct conffile_ops	seen_ops = {
	.section = seen_section,
	.assign = seen_assign,
};

/* Parses text (a copy) and returns the log, or the error. */
static const char *
parse(const char *text, bool utf8, int fail_line, char *out, size_t outsz)
{
	struct conffile	cf;
	struct seen	s;
	char		buf[512], err[256], end[32];
	size_t		len = strlen(text);

	memcpy(buf, text, len + 1);
	conffile_init(&cf, "x.conf", err, sizeof(err));
	cf.utf8 = utf8;
	memset(&s, 0, sizeof(s));
	s.cf = &cf;
	s.fail_line = fail_line;
	if (conffile_parse(&cf, buf, len, &seen_ops, &s) == -1) {
		snprintf(out, outsz, "%s", err);
		return out;
	}
	snprintf(end, sizeof(end), "end:%zu", cf.line);
	snprintf(out, outsz, "%s", s.log);
	append(out, outsz, end);
	return out;
}

/* Headers and keys reach their callbacks trimmed, comments and blanks not. */
static void
test_parse_lines(void **state)
{
	char	out[512];

	assert_string_equal(parse("", false, 0, out, sizeof(out)), "end:1");
	assert_string_equal(parse("\xef\xbb\xbf# only a comment\n\n", false,
	    0, out, sizeof(out)), "end:3");
	assert_string_equal(parse("[a x] # c\r\n  key =  v w \r\n\t\n"
	    "k2=# nothing\nk3 = a = b", false, 0, out, sizeof(out)),
	    "1:[a x]\n2:<key>=<v w>\n4:<k2>=<>\n5:<k3>=<a = b>\nend:6");
	assert_string_equal(parse("[s]\n = v\n", false, 0, out, sizeof(out)),
	    "1:[s]\n2:<>=<v>\nend:3");
}

/* What the lexer refuses itself, and a callback's error stopping it. */
static void
test_parse_errors(void **state)
{
	char	out[512];

	assert_string_equal(parse("k = v\n", false, 0, out, sizeof(out)),
	    "x.conf:1: key k outside a section");
	assert_string_equal(parse("# c\n[s]\njust words\n", false, 0, out,
	    sizeof(out)), "x.conf:3: expected \"key = value\" or a section "
	    "header");
	assert_string_equal(parse("[s]\nk = \xff\n", true, 0, out,
	    sizeof(out)), "x.conf:2: line is not valid UTF-8");
	assert_string_equal(parse("[s]\n# \xc0\xaf\n", true, 0, out,
	    sizeof(out)), "x.conf:2: line is not valid UTF-8");
	assert_string_equal(parse("[s]\nk = \xff\n", false, 0, out,
	    sizeof(out)), "1:[s]\n2:<k>=<\xff>\nend:3");
	assert_string_equal(parse("[s]\nk = 甲\xf0\x9f\x98\x80\n", true, 0,
	    out, sizeof(out)), "1:[s]\n2:<k>=<甲\xf0\x9f\x98\x80>\nend:3");
	assert_string_equal(parse("[s]\nk = 1\nk = 2\n", false, 2, out,
	    sizeof(out)), "x.conf:2: refused");
}

/* A NUL byte inside a line is refused, whatever follows it. */
static void
test_parse_nul(void **state)
{
	struct conffile	cf;
	struct seen	s;
	char		buf[] = "[s]\nk = a\0b\n", err[128];

	conffile_init(&cf, "x.conf", err, sizeof(err));
	memset(&s, 0, sizeof(s));
	s.cf = &cf;
	assert_int_equal(conffile_parse(&cf, buf, sizeof(buf) - 1, &seen_ops,
	    &s), -1);
	assert_string_equal(err, "x.conf:2: line contains a NUL byte");
}

/* A header splits into its kind and its trimmed name. */
static void
test_section(void **state)
{
	struct conffile	 cf;
	char		 err[128], a[] = "[ policy   p 1 ]", b[] = "[settings]";
	char		 c[] = "[rule x", d[] = "[]";
	char		*kind, *name;

	conffile_init(&cf, "x.conf", err, sizeof(err));
	cf.line = 9;
	assert_int_equal(conffile_section(&cf, a, &kind, &name), 0);
	assert_string_equal(kind, "policy");
	assert_string_equal(name, "p 1");
	assert_int_equal(conffile_section(&cf, b, &kind, &name), 0);
	assert_string_equal(kind, "settings");
	assert_string_equal(name, "");
	assert_int_equal(conffile_section(&cf, d, &kind, &name), 0);
	assert_string_equal(kind, "");
	assert_string_equal(name, "");
	assert_int_equal(conffile_section(&cf, c, &kind, &name), -1);
	assert_string_equal(err, "x.conf:9: section header without \"]\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_whole),
		cmocka_unit_test(test_read_limits),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_list_commas),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
