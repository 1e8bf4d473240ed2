/*
 * Benchmark of the classifier's keyword matching with the full rules file
 * (issue 15, item 5): descriptions matched a second on one core by the
 * Aho-Corasick matcher the rules build (services/classifier/matcher.c),
 * against, in the same run, the naive way: the description folded the
 * same way (ASCII lower case, full-width ASCII to ASCII), then one strstr
 * per distinct keyword of the file. Both find which keywords occur in
 * each description; the totals must agree (exit status 1 otherwise).
 *
 * The descriptions are the project's labelled complaints, Chinese,
 * English and mixed, as customers write them (tests/data/classifier/
 * *.jsonl, read here, not copied). It also times the whole classify() of
 * each description (matching, whole words, negation, the decision), which
 * does more than either, for the analysis in docs/performance-sla.md.
 *
 *	matcher_bench [-r RULES] [-k RUNS] [-t SECONDS] [DATA.jsonl ...]
 *
 * RULES defaults to config/classifier-rules.conf and the data to the three
 * labelled sets, both under $CDP_SOURCE_DIR (default "."). Each of RUNS
 * runs (default 3) times every method for about SECONDS (default 1) of
 * whole passes over the descriptions; the RESULT row (bench/result.h)
 * gives the medians. Built on demand (cmake target matcher_bench), run by
 * bench/run-rules.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "classifier/classifier.h"
#include "result.h"
#include "xmalloc.h"

#define BENCH_RUNS_MAX	15
#define BENCH_NOW_MS	1767225600000LL		/* 2026-01-01 */

struct corpus {
	char	**text;
	size_t	 *len;
	size_t	  n;
	size_t	  bytes;
};

struct naive {
	char	**pat;		/* folded, NUL-terminated */
	size_t	  n;
	char	 *buf;		/* a folded description */
};

struct seen {
	uint32_t	*mark;		/* by pattern id: the pass that saw it */
	uint32_t	 stamp;
	size_t		 found;
};

static volatile size_t	bench_sink;

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench_path(char *buf, size_t size, const char *rel)
{
	const char	*root = getenv("CDP_SOURCE_DIR");

	if (rel[0] == '/')
		snprintf(buf, size, "%s", rel);
	else
		snprintf(buf, size, "%s/%s", root != NULL ? root : ".", rel);
}

/* Adds the description of every line of a labelled JSONL file. */
static void
corpus_read(struct corpus *c, const char *rel)
{
	char		 path[1024], line[65536];
	const char	*d;
	json_t		*o;
	FILE		*fp;

	bench_path(path, sizeof(path), rel);
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((o = json_loads(line, 0, NULL)) == NULL)
			continue;
		if ((d = json_string_value(json_object_get(o,
		    "description"))) != NULL && d[0] != '\0') {
			c->text = xreallocarray(c->text, c->n + 1,
			    sizeof(*c->text));
			c->len = xreallocarray(c->len, c->n + 1,
			    sizeof(*c->len));
			c->text[c->n] = xstrdup(d);
			c->len[c->n] = strlen(d);
			c->bytes += c->len[c->n++];
		}
		json_decref(o);
	}
	fclose(fp);
}

/*
 * The matcher's fold (matcher.c): ASCII lower case, full-width ASCII
 * (U+FF01..U+FF5E) to ASCII; everything else as it is. Writes a
 * NUL-terminated string of at most len bytes to out.
 */
static void
bench_fold(const char *text, size_t len, char *out)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i = 0, k = 0;
	unsigned char		 c;

	while (i < len) {
		c = p[i++];
		if (c == 0xef && len - i >= 2 && p[i] == 0xbc &&
		    p[i + 1] >= 0x81 && p[i + 1] <= 0xbf) {
			c = 0x21 + (p[i + 1] - 0x81);
			i += 2;
		} else if (c == 0xef && len - i >= 2 && p[i] == 0xbd &&
		    p[i + 1] >= 0x80 && p[i + 1] <= 0x9e) {
			c = 0x60 + (p[i + 1] - 0x80);
			i += 2;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[k++] = (char)c;
	}
	out[k] = '\0';
}

/* The rules' distinct patterns, folded, for the strstr loop. */
static void
naive_init(struct naive *nv, const struct rules *r, const struct corpus *c)
{
	const struct rule_pattern	*p;
	size_t				 i, max = 0;

	nv->n = rules_pattern_count(r);
	nv->pat = xreallocarray(NULL, nv->n, sizeof(*nv->pat));
	for (i = 0; i < nv->n; i++) {
		p = rules_pattern(r, (int)i);
		nv->pat[i] = xmalloc(strlen(p->text) + 1);
		bench_fold(p->text, strlen(p->text), nv->pat[i]);
	}
	for (i = 0; i < c->n; i++)
		if (c->len[i] > max)
			max = c->len[i];
	nv->buf = xmalloc(max + 1);
}

/* The naive way: which keywords occur, one strstr each. */
static size_t
naive_match(struct naive *nv, const char *text, size_t len)
{
	size_t	i, found = 0;

	bench_fold(text, len, nv->buf);
	for (i = 0; i < nv->n; i++)
		if (strstr(nv->buf, nv->pat[i]) != NULL)
			found++;
	return found;
}

/* The matcher's callback: counts each pattern once per description. */
static void
seen_hit(void *arg, int id, size_t start, size_t end)
{
	struct seen	*s = arg;

	if (s->mark[id] != s->stamp) {
		s->mark[id] = s->stamp;
		s->found++;
	}
}

static size_t
matcher_match(const struct rules *r, struct seen *s, const char *text,
    size_t len)
{
	if (++s->stamp == 0) {
		memset(s->mark, 0, rules_pattern_count(r) * sizeof(*s->mark));
		s->stamp = 1;
	}
	s->found = 0;
	matcher_scan(rules_matcher(r), text, len, seen_hit, s);
	return s->found;
}

/* The whole classification of one description, as the classifier does. */
static size_t
classify_one(const struct rules *r, const char *text)
{
	Cdp__V1__Filed		 filed = CDP__V1__FILED__INIT;
	struct classify_facts	 facts = { 0 };
	struct classification	*c;
	size_t			 urgent;

	filed.description = (char *)text;
	facts.filed = &filed;
	facts.group_size = 1;
	facts.now_ms = BENCH_NOW_MS;
	c = classify(r, &facts);
	urgent = classification_classified(c)->severity ==
	    CDP__V1__SEVERITY__SEVERITY_URGENT;
	classification_free(c);
	return urgent;
}

enum method { M_MATCHER, M_NAIVE, M_CLASSIFY };

/*
 * Whole passes over the corpus with one method for at least secs seconds:
 * descriptions a second, and what one pass found in *found.
 */
static double
bench_method(enum method m, const struct rules *r, const struct corpus *c,
    struct naive *nv, struct seen *s, double secs, size_t *found)
{
	double	t0 = bench_now(), t;
	size_t	i, n = 0, f;

	do {
		for (i = 0, f = 0; i < c->n; i++)
			f += m == M_MATCHER ? matcher_match(r, s, c->text[i],
			    c->len[i]) : m == M_NAIVE ? naive_match(nv,
			    c->text[i], c->len[i]) : classify_one(r,
			    c->text[i]);
		n += c->n;
		*found = f;
		bench_sink += f;
	} while ((t = bench_now() - t0) < secs);
	return n / t;
}

static void
usage(void)
{
	fprintf(stderr, "usage: matcher_bench [-r rules] [-k runs] "
	    "[-t seconds] [data.jsonl ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const char *const data[] = {
		"tests/data/classifier/labelled.jsonl",
		"tests/data/classifier/tuning2.jsonl",
		"tests/data/classifier/heldout.jsonl",
	};
	const char	*rules_rel = "config/classifier-rules.conf";
	double		 secs = 1, mat[BENCH_RUNS_MAX], nai[BENCH_RUNS_MAX];
	double		 cls[BENCH_RUNS_MAX], m, b, t0;
	struct corpus	 c = { 0 };
	struct naive	 nv;
	struct seen	 s = { 0 };
	struct rules	*r;
	char		 path[1024], err[512];
	size_t		 runs = 3, i, fm = 0, fn = 0, fc = 0;
	int		 ch;

	while ((ch = getopt(argc, argv, "r:k:t:")) != -1) {
		switch (ch) {
		case 'r':
			rules_rel = optarg;
			break;
		case 'k':
			runs = strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		default:
			usage();
		}
	}
	if (runs < 1 || runs > BENCH_RUNS_MAX || secs <= 0)
		usage();
	for (i = optind; i < (size_t)argc; i++)
		corpus_read(&c, argv[i]);
	for (i = 0; optind == argc && i < sizeof(data) / sizeof(data[0]); i++)
		corpus_read(&c, data[i]);
	if (c.n == 0)
		usage();
	bench_path(path, sizeof(path), rules_rel);
	t0 = bench_now();
	if ((r = rules_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "matcher_bench: %s\n", err);
		return 2;
	}
	printf("rules %s: %zu rules, %zu distinct patterns, matcher %zu "
	    "states, loaded in %.1f ms\n", rules_rel, rules_count(r),
	    rules_pattern_count(r), matcher_states(rules_matcher(r)),
	    (bench_now() - t0) * 1e3);
	printf("descriptions %zu, %.0f bytes on average\n", c.n,
	    (double)c.bytes / c.n);
	naive_init(&nv, r, &c);
	s.mark = xcalloc(rules_pattern_count(r), sizeof(*s.mark));
	for (i = 0; i < runs; i++) {
		mat[i] = bench_method(M_MATCHER, r, &c, &nv, &s, secs, &fm);
		nai[i] = bench_method(M_NAIVE, r, &c, &nv, &s, secs, &fn);
		cls[i] = bench_method(M_CLASSIFY, r, &c, &nv, &s, secs, &fc);
		printf("run %zu: matcher %.0f/s, strstr loop %.0f/s, "
		    "classify() %.0f/s\n", i + 1, mat[i], nai[i], cls[i]);
	}
	printf("keywords found in one pass: matcher %zu, strstr %zu%s; "
	    "urgent by classify() %zu\n", fm, fn, fm == fn ? "" :
	    "  MISMATCH", fc);
	m = result_median(mat, runs);
	b = result_median(nai, runs);
	printf("median of %zu: matcher %.0f desc/s, strstr %.0f desc/s "
	    "(%.1fx); whole classify() %.0f desc/s (%.1fx strstr)\n", runs,
	    m, b, m / b, result_median(cls, runs),
	    result_median(cls, runs) / b);
	result_row("rules.desc_per_s", m, "desc/s", "strstr.desc_per_s", b,
	    m / b, "ratio>=5", m / b >= 5);
	rules_free(r);
	return fm == fn ? 0 : 1;
}
