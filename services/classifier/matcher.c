/*
 * Many patterns found in one pass over a text: an Aho-Corasick automaton
 * over the UTF-8 bytes. UTF-8 is self-synchronising, so a valid pattern
 * found among the bytes of a text is found at character boundaries, and
 * Chinese, English and mixed patterns need no decoding of the text.
 *
 * Patterns and texts go through the same fold, one character at a time:
 * ASCII letters become lower case, and full-width ASCII (U+FF01..U+FF5E,
 * "１２３１５", "ＡＢＣ") becomes its ASCII form, then lower case. Everything
 * else, invalid bytes included, is matched exactly. Offsets reported are
 * byte offsets in the original text, whatever the fold did.
 *
 * Layout. matcher_build() turns the trie into a complete DFA: a goto table
 * with a row for every state, so the scan does one table load per byte and
 * never follows a failure link. The columns are byte classes rather than
 * bytes: every byte that occurs in a folded pattern has its own class and
 * all other bytes share class 0 (which always leads back to the root).
 * Upper-case letters get the class of their lower-case letter, which folds
 * ASCII case for free. A few hundred Chinese and English keywords use about
 * a hundred distinct bytes (letters, digits, UTF-8 lead and continuation
 * bytes), so the table is a hundred columns of 4 bytes instead of 256:
 * 520 keywords make 3360 states of 103 columns, 1.4 MB, and a scan touches
 * mostly the rows near the root, which stay in cache. Sorted edge arrays
 * would take a tenth of that but cost a binary search per byte and a walk
 * down the failure links at every mismatch; at this size memory is cheap
 * and the scan is what runs for every complaint. Table entries are
 * premultiplied by the row length, so the next state is one add and one
 * load. States that report something are numbered last, so the scan tests
 * for a match with one comparison; their outputs are read from a small
 * per-state array and the output (dictionary suffix) links.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "log.h"
#include "xmalloc.h"

#define MATCHER_NONE	UINT32_MAX	/* no state, no edge */

/* A pattern as added: its folded bytes, its id and, once built, its state. */
struct matcher_pattern {
	uint8_t		*bytes;
	size_t		 len;
	int		 id;
	uint32_t	 state;
};

/* One output of a state: a pattern's id and its folded length. */
struct matcher_out {
	int		 id;
	size_t		 len;
};

/*
 * What the scan needs of a state besides its transitions: its own outputs,
 * outs[first, first + n), and the nearest state down its failure chain that
 * has outputs of its own (MATCHER_NONE if none).
 */
struct matcher_state {
	uint32_t	 out_first;
	uint32_t	 out_n;
	uint32_t	 dict;
};

/*
 * The patterns until the build; then the table (row s * stride holds state
 * s, entries are premultiplied rows), the per-state outputs, and the first
 * reporting row (every row from match_min on reports something).
 */
struct matcher {
	struct matcher_pattern	*pats;
	size_t			 npats;
	size_t			 patcap;
	int			 built;

	uint8_t			 cls[256];	/* byte to column */
	uint32_t		 stride;	/* columns: 1 + bytes used */
	uint32_t		 nstates;
	uint32_t		 cap;		/* rows while building */
	uint32_t		*delta;		/* nstates * stride */
	uint32_t		 match_min;
	struct matcher_state	*states;
	struct matcher_out	*outs;

	/* Only while building, indexed by the trie's state numbers. */
	uint32_t		*fail;
	uint32_t		*dict;
	uint32_t		*own;		/* patterns ending there */
};

/* An empty matcher: add patterns, build it, then scan with it. */
struct matcher *
matcher_new(void)
{
	return xcalloc(1, sizeof(struct matcher));
}

/*
 * Decodes one UTF-8 character of s[0, n) into *cp and returns its length, or
 * returns 0 for an invalid sequence: truncated, overlong, a surrogate or
 * beyond U+10FFFF.
 */
static size_t
matcher_utf8(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t	 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			 len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	*cp = s[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min[len] || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * The text side of the full-width fold: given the two bytes after an 0xef,
 * says whether the three bytes are U+FF01..U+FF5E and sets *c to the ASCII
 * character. An 0xef is never a continuation byte, so such a triple is
 * always a whole character, whatever surrounds it.
 */
static int
matcher_fullwidth(uint8_t b1, uint8_t b2, uint8_t *c)
{
	if (b1 == 0xbc && b2 >= 0x81 && b2 <= 0xbf) {
		*c = b2 - 0x81 + 0x21;
		return 1;
	}
	if (b1 == 0xbd && b2 >= 0x80 && b2 <= 0x9e) {
		*c = b2 - 0x80 + 0x60;
		return 1;
	}
	return 0;
}

/*
 * Folds a pattern into a new buffer of *len bytes, or returns NULL if it is
 * not valid UTF-8. The fold is the one the scan applies to texts.
 */
static uint8_t *
matcher_fold(const char *pattern, size_t *len)
{
	const uint8_t	*s = (const uint8_t *)pattern;
	uint8_t		*out;
	size_t		 n, i, k;
	uint32_t	 cp;

	n = strlen(pattern);
	out = xmalloc(n);
	for (i = 0, *len = 0; i < n; i += k) {
		if ((k = matcher_utf8(s + i, n - i, &cp)) == 0) {
			free(out);
			return NULL;
		}
		if (cp >= 0xff01 && cp <= 0xff5e)
			cp -= 0xfee0;
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (cp < 0x80)
			out[(*len)++] = cp;
		else {
			memcpy(out + *len, s + i, k);
			*len += k;
		}
	}
	return out;
}

/*
 * Adds a pattern reported with id. The same pattern may be added under
 * several ids, and patterns that fold alike ("Expired", "expired") share
 * their states; each addition is reported on its own.
 */
int
matcher_add(struct matcher *m, const char *pattern, int id)
{
	struct matcher_pattern	*p;
	uint8_t			*bytes;
	size_t			 len;

	if (m->built)
		fatalx("matcher_add: pattern added after matcher_build");
	if (pattern[0] == '\0' || (bytes = matcher_fold(pattern, &len)) == NULL)
		return -1;
	if (m->npats == m->patcap) {
		m->patcap = m->patcap == 0 ? 64 : m->patcap * 2;
		m->pats = xreallocarray(m->pats, m->patcap, sizeof(*m->pats));
	}
	p = &m->pats[m->npats++];
	p->bytes = bytes;
	p->len = len;
	p->id = id;
	p->state = MATCHER_NONE;
	return 0;
}

/*
 * Gives every byte used by a folded pattern a column of its own, and every
 * upper-case letter the column of its lower-case letter.
 */
static void
matcher_classes(struct matcher *m)
{
	size_t	i, j;
	int	c;

	memset(m->cls, 0, sizeof(m->cls));
	for (i = 0; i < m->npats; i++)
		for (j = 0; j < m->pats[i].len; j++)
			m->cls[m->pats[i].bytes[j]] = 1;
	m->stride = 1;
	for (c = 0; c < 256; c++)
		if (m->cls[c])
			m->cls[c] = m->stride++;
	for (c = 'A'; c <= 'Z'; c++)
		m->cls[c] = m->cls[c + 'a' - 'A'];
}

/* Appends a state with no edges yet and returns its number. */
static uint32_t
matcher_state_new(struct matcher *m)
{
	uint32_t	i, s;

	if (m->nstates == m->cap) {
		if (m->cap > UINT32_MAX / 2 / m->stride)
			fatalx("matcher_build: too many states");
		m->cap = m->cap == 0 ? 64 : m->cap * 2;
		m->delta = xreallocarray(m->delta, m->cap,
		    m->stride * sizeof(*m->delta));
		m->own = xreallocarray(m->own, m->cap, sizeof(*m->own));
	}
	s = m->nstates++;
	for (i = 0; i < m->stride; i++)
		m->delta[s * m->stride + i] = MATCHER_NONE;
	m->own[s] = 0;
	return s;
}

/* Builds the trie of the folded patterns and notes each one's state. */
static void
matcher_trie(struct matcher *m)
{
	struct matcher_pattern	*p;
	uint32_t		 s, t, e;
	size_t			 i, j;

	matcher_state_new(m);
	for (i = 0; i < m->npats; i++) {
		p = &m->pats[i];
		for (s = 0, j = 0; j < p->len; j++) {
			e = s * m->stride + m->cls[p->bytes[j]];
			if ((t = m->delta[e]) == MATCHER_NONE) {
				/* The new state may move the table. */
				t = matcher_state_new(m);
				m->delta[e] = t;
			}
			s = t;
		}
		p->state = s;
		m->own[s]++;
	}
}

/*
 * Completes the goto table and computes the failure and output links, in
 * breadth-first order so that a state's failure state (which is shallower)
 * is always complete before the state itself. A missing edge becomes the
 * edge of the failure state; the root's missing edges lead to the root.
 */
static void
matcher_links(struct matcher *m)
{
	uint32_t	*queue, head = 0, tail = 0, s, t, f, c;

	queue = xreallocarray(NULL, m->nstates, sizeof(*queue));
	m->fail = xreallocarray(NULL, m->nstates, sizeof(*m->fail));
	m->dict = xreallocarray(NULL, m->nstates, sizeof(*m->dict));
	m->fail[0] = 0;
	m->dict[0] = MATCHER_NONE;
	queue[tail++] = 0;
	while (head < tail) {
		s = queue[head++];
		for (c = 0; c < m->stride; c++) {
			t = m->delta[s * m->stride + c];
			f = s == 0 ? 0 : m->delta[m->fail[s] * m->stride + c];
			if (t == MATCHER_NONE) {
				m->delta[s * m->stride + c] = f;
				continue;
			}
			m->fail[t] = f;
			m->dict[t] = m->own[f] > 0 ? f : m->dict[f];
			queue[tail++] = t;
		}
	}
	free(queue);
}

/* Says whether a state, as numbered by the trie, reports anything. */
static int
matcher_reports(const struct matcher *m, uint32_t s)
{
	return m->own[s] > 0 || m->dict[s] != MATCHER_NONE;
}

/*
 * Fills the per-state outputs, state by state in their final numbering,
 * each state's own patterns in the order they were added.
 */
static void
matcher_outputs(struct matcher *m, const uint32_t *num)
{
	struct matcher_state	*st;
	uint32_t		 s, first = 0;
	size_t			 i;

	for (s = 0; s < m->nstates; s++)
		m->states[num[s]].out_n = m->own[s];
	for (s = 0; s < m->nstates; s++) {
		m->states[s].out_first = first;
		first += m->states[s].out_n;
		m->states[s].out_n = 0;
	}
	if (m->npats > 0)
		m->outs = xreallocarray(NULL, m->npats, sizeof(*m->outs));
	for (i = 0; i < m->npats; i++) {
		st = &m->states[num[m->pats[i].state]];
		m->outs[st->out_first + st->out_n].id = m->pats[i].id;
		m->outs[st->out_first + st->out_n].len = m->pats[i].len;
		st->out_n++;
	}
}

/*
 * Renumbers the states so that those that report come last (the root,
 * which never reports, stays 0), premultiplies the table by the row length
 * and fills the per-state output links and outputs.
 */
static void
matcher_renumber(struct matcher *m)
{
	uint32_t	*num, *delta, s, c, next = 0;

	num = xreallocarray(NULL, m->nstates, sizeof(*num));
	for (s = 0; s < m->nstates; s++)
		if (!matcher_reports(m, s))
			num[s] = next++;
	m->match_min = next * m->stride;
	for (s = 0; s < m->nstates; s++)
		if (matcher_reports(m, s))
			num[s] = next++;

	delta = xreallocarray(NULL, m->nstates, m->stride * sizeof(*delta));
	m->states = xcalloc(m->nstates, sizeof(*m->states));
	for (s = 0; s < m->nstates; s++) {
		for (c = 0; c < m->stride; c++)
			delta[num[s] * m->stride + c] =
			    num[m->delta[s * m->stride + c]] * m->stride;
		m->states[num[s]].dict = m->dict[s] == MATCHER_NONE ?
		    MATCHER_NONE : num[m->dict[s]];
	}
	free(m->delta);
	m->delta = delta;
	matcher_outputs(m, num);
	free(num);
}

/*
 * Builds the automaton from the patterns added so far; the patterns
 * themselves are not kept. Adding a pattern afterwards is a programming
 * error, since the table is complete only for the bytes it has seen.
 */
void
matcher_build(struct matcher *m)
{
	size_t	i;

	if (m->built)
		fatalx("matcher_build: already built");
	matcher_classes(m);
	matcher_trie(m);
	matcher_links(m);
	matcher_renumber(m);
	for (i = 0; i < m->npats; i++)
		free(m->pats[i].bytes);
	free(m->pats);
	m->pats = NULL;
	m->npats = m->patcap = 0;
	free(m->fail);
	free(m->dict);
	free(m->own);
	m->fail = m->dict = m->own = NULL;
	m->built = 1;
}

/*
 * The start, in the original text, of the match of n folded bytes that
 * ends at end: walks back one character of the fold at a time, a
 * full-width triple being one folded byte. Only needed once the scan has
 * folded a full-width character; before that, start is end - n.
 */
static size_t
matcher_start(const uint8_t *p, size_t end, size_t n)
{
	uint8_t	c;

	while (n-- > 0) {
		if (end >= 3 && p[end - 3] == 0xef &&
		    matcher_fullwidth(p[end - 2], p[end - 1], &c))
			end -= 3;
		else
			end--;
	}
	return end;
}

/*
 * Reports every pattern that ends at end in state s: its own, longest
 * first, then those down its output links.
 */
static void
matcher_report(const struct matcher *m, uint32_t s, const uint8_t *p,
    size_t end, int folded, matcher_fn fn, void *arg)
{
	const struct matcher_state	*st;
	const struct matcher_out	*o, *last;

	for (; s != MATCHER_NONE; s = st->dict) {
		st = &m->states[s];
		o = &m->outs[st->out_first];
		for (last = o + st->out_n; o < last; o++)
			fn(arg, o->id, folded ? matcher_start(p, end, o->len) :
			    end - o->len, end);
	}
}

/*
 * Calls fn for every occurrence of every pattern in text[0, len), overlaps
 * included, in order of end; at one end, longer patterns first, and a
 * pattern's ids in the order they were added. The text is bytes: it need
 * not be NUL-terminated nor valid UTF-8, and nothing past len is read.
 */
void
matcher_scan(const struct matcher *m, const char *text, size_t len,
    matcher_fn fn, void *arg)
{
	const uint8_t	*p = (const uint8_t *)text;
	const uint32_t	*delta = m->delta;
	const uint8_t	*cls = m->cls;
	size_t		 i = 0, s = 0, match_min = m->match_min;
	int		 folded = 0;
	uint8_t		 c;

	if (!m->built)
		fatalx("matcher_scan: matcher not built");
	while (i < len) {
		c = p[i++];
		if (c == 0xef && len - i >= 2 &&
		    matcher_fullwidth(p[i], p[i + 1], &c)) {
			i += 2;
			folded = 1;
		}
		s = delta[s + cls[c]];
		if (s >= match_min)
			matcher_report(m, s / m->stride, p, i, folded, fn,
			    arg);
	}
}

/* The number of states of a built matcher; 0 before matcher_build. */
size_t
matcher_states(const struct matcher *m)
{
	return m->built ? m->nstates : 0;
}

/* Frees a matcher, built or not; NULL is allowed. */
void
matcher_free(struct matcher *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->npats; i++)
		free(m->pats[i].bytes);
	free(m->pats);
	free(m->delta);
	free(m->states);
	free(m->outs);
	free(m->fail);
	free(m->dict);
	free(m->own);
	free(m);
}
