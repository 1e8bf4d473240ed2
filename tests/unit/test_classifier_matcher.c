/*
 * Unit tests of services/classifier/matcher.c: the classic Aho-Corasick
 * cases, Chinese and mixed texts with exact byte offsets, the ASCII and
 * full-width folds, texts that are not UTF-8, the programming errors, and
 * a seeded randomized comparison with a naive memmem-based reference.
 */
/* cdp-test-sources: services/classifier/matcher.c */
#include <sys/types.h>
#include <sys/wait.h>

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

#include "classifier/classifier.h"
#include "nitems.h"
#include "xmalloc.h"


/* One reported match; order is the order of report. */
struct hit {
	int	id;
	size_t	start;
	size_t	end;
};

struct hits {
	struct hit	*v;
	size_t		 n;
	size_t		 cap;
};

/* The scan callback: appends a hit. */
static void
collect(void *arg, int id, size_t start, size_t end)
{
	struct hits	*h = arg;

	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 16 : h->cap * 2;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	h->v[h->n].id = id;
	h->v[h->n].start = start;
	h->v[h->n].end = end;
	h->n++;
}

/*
 * Scans a copy of text[0, len) in a buffer of exactly len bytes, so that
 * the address sanitizer catches any read past the end.
 */
static void
scan(const struct matcher *m, const char *text, size_t len, struct hits *h)
{
	char	*copy;

	copy = xmalloc(len == 0 ? 1 : len);
	memcpy(copy, text, len);
	h->n = 0;
	matcher_scan(m, copy, len, collect, h);
	free(copy);
}

/* Checks that scanning text reports exactly want, in that order. */
static void
expect(const struct matcher *m, const char *text, size_t len,
    const struct hit *want, size_t nwant)
{
	struct hits	h = { NULL, 0, 0 };
	size_t		i;

	scan(m, text, len, &h);
	for (i = 0; i < h.n && i < nwant; i++) {
		if (h.v[i].id != want[i].id || h.v[i].start != want[i].start ||
		    h.v[i].end != want[i].end)
			fail_msg("hit %zu: got id %d [%zu, %zu), want id %d "
			    "[%zu, %zu)", i, h.v[i].id, h.v[i].start,
			    h.v[i].end, want[i].id, want[i].start, want[i].end);
	}
	assert_int_equal(h.n, nwant);
	free(h.v);
}

#define EXPECT(m, text, ...) do {					\
	static const struct hit	w_[] = { __VA_ARGS__ };			\
	expect((m), (text), sizeof(text) - 1, w_, nitems(w_));		\
} while (0)

#define EXPECT_NONE(m, text)						\
	expect((m), (text), sizeof(text) - 1, NULL, 0)

/* Builds a matcher from NULL-terminated patterns, numbered from first_id. */
static struct matcher *
build(int first_id, ...)
{
	struct matcher	*m;
	const char	*p;
	va_list		 ap;
	int		 id = first_id;

	m = matcher_new();
	va_start(ap, first_id);
	while ((p = va_arg(ap, const char *)) != NULL)
		assert_int_equal(matcher_add(m, p, id++), 0);
	va_end(ap);
	matcher_build(m);
	return m;
}

/* The textbook example: he, she, his, hers in "ushers" and "ahishers". */
static void
test_classic(void **state)
{
	struct matcher	*m;

	m = build(1, "he", "she", "his", "hers", NULL);
	assert_int_equal(matcher_states(m), 10);
	EXPECT(m, "ushers", { 2, 1, 4 }, { 1, 2, 4 }, { 4, 2, 6 });
	EXPECT(m, "ahishers", { 3, 1, 4 }, { 2, 3, 6 }, { 1, 4, 6 },
	    { 4, 4, 8 });
	EXPECT_NONE(m, "hosts");
	matcher_free(m);
}

/* A pattern overlapping itself is reported at every position. */
static void
test_overlapping(void **state)
{
	struct matcher	*m;

	m = build(1, "aa", "aba", NULL);
	EXPECT(m, "aaaa", { 1, 0, 2 }, { 1, 1, 3 }, { 1, 2, 4 });
	EXPECT(m, "abababa", { 2, 0, 3 }, { 2, 2, 5 }, { 2, 4, 7 });
	EXPECT(m, "aabaa", { 1, 0, 2 }, { 2, 1, 4 }, { 1, 3, 5 });
	matcher_free(m);
}

/* Patterns that are suffixes of others come at the same end, shortest last. */
static void
test_suffixes(void **state)
{
	struct matcher	*m;

	m = build(1, "s", "rs", "ers", "hers", NULL);
	EXPECT(m, "hers", { 4, 0, 4 }, { 3, 1, 4 }, { 2, 2, 4 }, { 1, 3, 4 });
	EXPECT(m, "ss", { 1, 0, 1 }, { 1, 1, 2 });
	matcher_free(m);
}

/* One pattern under two ids, and two spellings that fold alike. */
static void
test_same_pattern_two_ids(void **state)
{
	struct matcher	*m;

	m = matcher_new();
	assert_int_equal(matcher_add(m, "假货", 10), 0);
	assert_int_equal(matcher_add(m, "假货", 11), 0);
	assert_int_equal(matcher_add(m, "EXPIRED", 5), 0);
	assert_int_equal(matcher_add(m, "expired", 6), 0);
	matcher_build(m);
	/* Root, 6 states for the bytes of 假货, 7 for expired. */
	assert_int_equal(matcher_states(m), 14);
	EXPECT(m, "卖假货", { 10, 3, 9 }, { 11, 3, 9 });
	EXPECT(m, "Expired", { 5, 0, 7 }, { 6, 0, 7 });
	matcher_free(m);
}

/* Chinese patterns, one a suffix of another, at exact byte offsets. */
static void
test_chinese_offsets(void **state)
{
	struct matcher	*m;

	m = build(1, "过期", "没有过期", "期", "假货", "12315", NULL);
	/*
	 * 这0 个3 商6 品9 没12 有15 过18 期21 ，24 但27 是30 假33 货36 end 39.
	 */
	EXPECT(m, "这个商品没有过期，但是假货",
	    { 2, 12, 24 }, { 1, 18, 24 }, { 3, 21, 24 }, { 4, 33, 39 });
	EXPECT(m, "过过期期", { 1, 3, 9 }, { 3, 6, 9 }, { 3, 9, 12 });
	EXPECT_NONE(m, "过去的日子");
	matcher_free(m);
}

/* Chinese and English patterns in one text. */
static void
test_mixed(void **state)
{
	struct matcher	*m;

	m = build(1, "food poisoning", "食物中毒", "12315", "退款", "中毒",
	    NULL);
	EXPECT(m, "吃了以后food poisoning了，食物中毒，打12315要求退款",
	    { 1, 12, 26 }, { 2, 32, 44 }, { 5, 38, 44 }, { 3, 50, 55 },
	    { 4, 61, 67 });
	matcher_free(m);
}

/* ASCII letters match regardless of case, on both sides; nothing else. */
static void
test_case_folding(void **state)
{
	struct matcher	*m;

	m = build(1, "Expired", "iPhone假货", "[x]", NULL);
	EXPECT(m, "EXPIRED, expired and ExPiReD",
	    { 1, 0, 7 }, { 1, 9, 16 }, { 1, 21, 28 });
	EXPECT(m, "IPHONE假货", { 2, 0, 12 });
	EXPECT(m, "[X]", { 3, 0, 3 });
	EXPECT_NONE(m, "{x}");	/* '[' + 32 is '{': only letters fold */
	EXPECT_NONE(m, "éxpired");
	matcher_free(m);
}

/*
 * Full-width ASCII folds to ASCII on both sides, and offsets stay those of
 * the original text: a full-width character is three bytes there.
 */
static void
test_fullwidth(void **state)
{
	struct matcher	*m;

	m = build(1, "12315", "投诉", "5投", "ＡＢＣ", "!", "~", " ", "￥",
	    NULL);
	/* 打0 了3 １6 ２9 ３12 １15 ５18 投21 诉24 end 27. */
	EXPECT(m, "打了１２３１５投诉",
	    { 1, 6, 21 }, { 3, 18, 24 }, { 2, 21, 27 });
	EXPECT(m, "１2３15", { 1, 0, 9 });
	EXPECT(m, "abc ABC ａｂｃ Ａbｃ",
	    { 4, 0, 3 }, { 7, 3, 4 }, { 4, 4, 7 }, { 7, 7, 8 },
	    { 4, 8, 17 }, { 7, 17, 18 }, { 4, 18, 25 });
	/* U+FF01 and U+FF5E fold; U+FF00 and U+FF5F, just outside, do not. */
	EXPECT(m, "\xef\xbc\x81", { 5, 0, 3 });
	EXPECT(m, "\xef\xbd\x9e", { 6, 0, 3 });
	EXPECT_NONE(m, "\xef\xbc\x80\xef\xbd\x9f");
	/* U+FFE5, the full-width yen, is not full-width ASCII: exact only. */
	EXPECT(m, "价格￥99", { 8, 6, 9 });
	EXPECT_NONE(m, "\xc2\xa5");
	/* Offsets before the first fold and after a later one. */
	EXPECT(m, "12315！12315", { 1, 0, 5 }, { 5, 5, 8 }, { 1, 8, 13 });
	matcher_free(m);

	/* A full-width pattern matches plain ASCII text. */
	m = build(1, "１２３１５", "Ｅｘｐｉｒｅｄ", NULL);
	EXPECT(m, "call 12315", { 1, 5, 10 });
	EXPECT(m, "EXPIRED", { 2, 0, 7 });
	matcher_free(m);
}

/* An empty text reports nothing, with or without a pointer. */
static void
test_empty_text(void **state)
{
	struct matcher	*m;
	struct hits	 h = { NULL, 0, 0 };

	m = build(1, "a", "过期", NULL);
	EXPECT_NONE(m, "");
	matcher_scan(m, NULL, 0, collect, &h);
	assert_int_equal(h.n, 0);
	matcher_free(m);
}

/* A matcher without patterns has one state and reports nothing. */
static void
test_no_patterns(void **state)
{
	struct matcher	*m;

	m = build(1, NULL);
	assert_int_equal(matcher_states(m), 1);
	EXPECT_NONE(m, "anything at all 任何东西");
	matcher_free(m);
}

/*
 * A text need not be UTF-8: invalid bytes, truncated characters (a lone
 * lead byte, half a full-width triple at the very end) and NULs are bytes
 * like any other, and patterns around them are found at their offsets.
 */
static void
test_invalid_utf8_and_nul(void **state)
{
	struct matcher	*m;

	m = build(1, "expired", "过期", "b", "ab", NULL);
	EXPECT(m, "\xff" "expired" "\0" "过期" "\xe8\xbf" "\xef\xbc",
	    { 1, 1, 8 }, { 2, 9, 15 });
	/* Half of 过 then 过期: found where the whole characters start. */
	EXPECT(m, "\xe8\xbf" "过期", { 2, 2, 8 });
	EXPECT(m, "a\0b", { 3, 2, 3 });
	EXPECT(m, "\xef" "ab" "\xef\xbc", { 4, 1, 3 }, { 3, 2, 3 });
	EXPECT(m, "\xef\xbc" "b", { 3, 2, 3 });
	EXPECT_NONE(m, "\x80\x80\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80");
	matcher_free(m);
}

/* Empty patterns and invalid UTF-8 are refused, and nothing is added. */
static void
test_add_rejects(void **state)
{
	static const char	*bad[] = {
		"",			/* empty */
		"\xff",			/* never in UTF-8 */
		"abc\x80",		/* a stray continuation byte */
		"\xe8\xbf",		/* truncated */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* a surrogate */
		"\xf4\x90\x80\x80",	/* beyond U+10FFFF */
	};
	struct matcher		*m;
	size_t			 i;

	m = matcher_new();
	for (i = 0; i < nitems(bad); i++)
		assert_int_equal(matcher_add(m, bad[i], 1), -1);
	assert_int_equal(matcher_add(m, "😀", 2), 0);
	assert_int_equal(matcher_add(m, "\xf4\x8f\xbf\xbf", 3), 0);
	matcher_build(m);
	EXPECT(m, "\xff" "abc\x80" "\xe8\xbf" "\xc0\xaf" "😀",
	    { 2, 9, 13 });
	EXPECT(m, "\xf4\x8f\xbf\xbf", { 3, 0, 4 });
	matcher_free(m);
}

/* A complaint-sized text: matches at its very first and last bytes. */
static void
test_long_text(void **state)
{
	struct matcher	*m;
	char		*text;
	size_t		 len, i;
	static const struct hit	want[] = {
		{ 1, 0, 6 }, { 2, 11994, 12000 },
	};

	m = build(1, "差评", "退款", NULL);
	len = 4000 * 3;
	text = xmalloc(len);
	for (i = 0; i < len; i += 3)
		memcpy(text + i, "好", 3);
	memcpy(text, "差评", 6);
	memcpy(text + len - 6, "退款", 6);
	expect(m, text, len, want, nitems(want));
	free(text);
	matcher_free(m);
}

/* Runs fn in a child, with stderr silenced, and expects exit status 1. */
static void
assert_fatal(void (*fn)(void))
{
	pid_t	pid;
	int	status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(2);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

static void
add_after_build(void)
{
	struct matcher	*m;

	m = matcher_new();
	matcher_add(m, "a", 1);
	matcher_build(m);
	matcher_add(m, "b", 2);
}

static void
scan_before_build(void)
{
	struct matcher	*m;

	m = matcher_new();
	matcher_add(m, "a", 1);
	matcher_scan(m, "a", 1, collect, NULL);
}

static void
build_twice(void)
{
	struct matcher	*m;

	m = matcher_new();
	matcher_build(m);
	matcher_build(m);
}

static void
test_programming_errors(void **state)
{
	assert_fatal(add_after_build);
	assert_fatal(scan_before_build);
	assert_fatal(build_twice);
}

/*
 * The randomized comparison. Texts are glued from pieces that exercise the
 * folds and the byte-level matching: letters of both cases, full-width
 * letters and digits, Chinese characters, and, in texts only, invalid and
 * truncated sequences and NULs. Patterns are glued from the valid pieces.
 */
static const char *const rnd_valid[] = {
	"a", "b", "A", "B", "ab", "ａ", "Ｂ", "过", "期", "没有", "1", "１",
	"￥", "!", "！",
};
static const char *const rnd_invalid[] = {
	"\xef", "\xef\xbc", "\xff", "\xe8\xbf", "\xbf", "\xbc\x81",
};

static uint64_t	rnd_state;

/* xorshift64*: the same sequence on every platform and every run. */
static uint32_t
rnd(uint32_t n)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 2685821657736338717ULL) >> 32) % n;
}

/* Appends a random piece (from both lists if any is true) to buf. */
static size_t
rnd_piece(char *buf, size_t len, bool any)
{
	const char	*p;
	size_t		 n;
	uint32_t	 k;

	k = rnd(nitems(rnd_valid) + (any ? nitems(rnd_invalid) + 1 : 0));
	if (k < nitems(rnd_valid))
		p = rnd_valid[k];
	else if (k < nitems(rnd_valid) + nitems(rnd_invalid))
		p = rnd_invalid[k - nitems(rnd_valid)];
	else {
		buf[len] = '\0';
		return len + 1;
	}
	n = strlen(p);
	memcpy(buf + len, p, n);
	return len + n;
}

/*
 * The reference fold, written the plain way: each unit of the text (one
 * byte, or a full-width triple) becomes one folded unit, and origin[k] is
 * the original offset of folded byte k, origin[*flen] being len.
 */
static void
ref_fold(const uint8_t *p, size_t len, uint8_t *out, size_t *origin,
    size_t *flen)
{
	size_t	i = 0, k = 0;
	uint8_t	c;

	while (i < len) {
		origin[k] = i;
		c = p[i];
		if (c == 0xef && len - i >= 3 && p[i + 1] == 0xbc &&
		    p[i + 2] >= 0x81 && p[i + 2] <= 0xbf) {
			c = 0x21 + (p[i + 2] - 0x81);
			i += 3;
		} else if (c == 0xef && len - i >= 3 && p[i + 1] == 0xbd &&
		    p[i + 2] >= 0x80 && p[i + 2] <= 0x9e) {
			c = 0x60 + (p[i + 2] - 0x80);
			i += 3;
		} else
			i++;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[k++] = c;
	}
	origin[k] = len;
	*flen = k;
}

struct ref_hit {
	struct hit	h;
	size_t		order;	/* the pattern's index of addition */
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref_hit	*x = a, *y = b;

	if (x->h.end != y->h.end)
		return x->h.end < y->h.end ? -1 : 1;
	if (x->h.start != y->h.start)
		return x->h.start < y->h.start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Every occurrence of every pattern, found by memmem (texts hold NULs, so
 * not strstr) from each position on, sorted into the matcher's order.
 */
static size_t
ref_scan(char **pats, size_t npats, const char *text, size_t len,
    struct ref_hit *out)
{
	uint8_t		 ft[2048], fp[64];
	size_t		 ot[2049], op[65], flen, plen, i, n = 0;
	const uint8_t	*at, *from;

	ref_fold((const uint8_t *)text, len, ft, ot, &flen);
	for (i = 0; i < npats; i++) {
		ref_fold((const uint8_t *)pats[i], strlen(pats[i]), fp, op,
		    &plen);
		for (from = ft; (at = memmem(from, ft + flen - from, fp,
		    plen)) != NULL; from = at + 1) {
			out[n].h.id = (int)i;
			out[n].h.start = ot[at - ft];
			out[n].h.end = ot[at - ft + plen];
			out[n].order = i;
			n++;
		}
	}
	qsort(out, n, sizeof(*out), ref_cmp);
	return n;
}

static void
test_random_crosscheck(void **state)
{
	struct matcher	*m;
	struct hits	 h = { NULL, 0, 0 };
	struct ref_hit	*want;
	char		*pats[40], text[2048];
	size_t		 npats, len, nwant, i, j, pieces, total = 0;
	int		 round;

	rnd_state = 0x5eed1234abcdULL;
	want = xreallocarray(NULL, 40 * 2048, sizeof(*want));
	for (round = 0; round < 400; round++) {
		m = matcher_new();
		npats = 1 + rnd(40);
		for (i = 0; i < npats; i++) {
			pats[i] = xcalloc(1, 64);
			for (pieces = 1 + rnd(4), len = 0, j = 0; j < pieces;
			    j++)
				len = rnd_piece(pats[i], len, false);
			assert_int_equal(matcher_add(m, pats[i], (int)i), 0);
		}
		matcher_build(m);
		for (pieces = rnd(300), len = 0, j = 0; j < pieces; j++)
			len = rnd_piece(text, len, true);
		nwant = ref_scan(pats, npats, text, len, want);
		scan(m, text, len, &h);
		assert_int_equal(h.n, nwant);
		for (i = 0; i < nwant; i++) {
			assert_int_equal(h.v[i].id, want[i].h.id);
			assert_int_equal(h.v[i].start, want[i].h.start);
			assert_int_equal(h.v[i].end, want[i].h.end);
		}
		total += nwant;
		for (i = 0; i < npats; i++)
			free(pats[i]);
		matcher_free(m);
	}
	assert_true(total > 10000);	/* the check did compare something */
	free(want);
	free(h.v);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_classic),
		cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_same_pattern_two_ids),
		cmocka_unit_test(test_chinese_offsets),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_fullwidth),
		cmocka_unit_test(test_empty_text),
		cmocka_unit_test(test_no_patterns),
		cmocka_unit_test(test_invalid_utf8_and_nul),
		cmocka_unit_test(test_add_rejects),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_programming_errors),
		cmocka_unit_test(test_random_crosscheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
