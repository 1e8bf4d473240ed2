/*
 * One complaint's classification: the rules of the rules file applied to
 * the complaint's own fields and the facts the daemon gathered (the order
 * snapshot, the group and repeat counters). Pure: no I/O, no clock.
 *
 * The method, step by step:
 *
 *   1. One scan of the description (and one of the product title, which
 *	only serves "requires" words) with the matcher of all patterns.
 *	English patterns match whole words. A keyword found inside a longer
 *	keyword of another category ("没收到" in "没收到退款") counts only as
 *	the longer one; a keyword inside one of its rule's exclude phrases
 *	("烫手" in "烫手山芋") does not count for that rule; a keyword is
 *	negated when a negation cue ends at most negation_window characters
 *	before it in the same clause (no ，。！？；,.;!? or newline between),
 *	"没有过期" being no expiry.
 *   2. Every rule without a condition on the decided category is
 *	evaluated: it fires when a keyword, a requires word and all its
 *	conditions hold. A firing rule with a category adds its weight to
 *	that category (and subcategory), plus keyword_bonus of the weight for
 *	each further distinct keyword it found (two at most).
 *   3. The category with the most evidence wins (ties: the one with the
 *	stronger subcategory, then the lower enum value), its subcategory
 *	the strongest of its own; without evidence the complaint is "other".
 *	Confidence (per mille) is 1000 * (best - second) / (best + damping).
 *   4. The post rules (conditions on the decided category) are evaluated.
 *   5. Severity is the highest a firing rule set, urgent > high
 *	> low > normal (normal when none did); the urgency flags are those of
 *	the firing urgent rules. Teams: the category's, then the severity's,
 *	then those of firing rules. Priority = the severity's priority + the
 *	member tier's bonus + min(amount_fen / amount_step_fen, amount_max).
 *   6. A firing rule with a scope makes the complaint out of scope: the
 *	first such rule in the file gives the reason code. The Classified is
 *	still made, as the best-effort assessment behind the OutOfScope.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classifier.h"
#include "nitems.h"
#include "xmalloc.h"

#define CLASSIFY_SHOWN		3	/* keywords shown per rule */
#define CLASSIFY_NFACTS		(RULE_FACT_SUBCATEGORY + 1)
#define CLASSIFY_MAX_TEAMS	16
#define CLASSIFY_MAX_FLAGS	8

/* A pattern found in a text, [start, end) in bytes. */
struct hit {
	int	pat;
	size_t	start;
	size_t	end;
	uint8_t	covered;	/* categories of longer keywords around it */
	int	negated;	/* -1: not yet known */
};

/* One scanned text and what was found in it. */
struct scan {
	const struct rules	*r;
	const char		*text;
	size_t			 len;
	const char		*source;	/* field path, for reasons */
	struct hit		*v;
	size_t			 n;
	size_t			 cap;
	unsigned char		*cue_end;	/* a live cue ends at byte i */
};

/* What one rule found in the texts. */
struct found {
	const struct hit	*kw[CLASSIFY_SHOWN];
	size_t			 nkw;
	const struct scan	*req_scan;
	const struct hit	*req;
	bool			 fired;
};

/* The facts rule conditions test, with where each came from. */
struct facts {
	int64_t		 v[CLASSIFY_NFACTS];
	const char	*src[CLASSIFY_NFACTS];
	const char	*problem_type;
	const char	*subcategory;
	uint32_t	 group_threshold;
};

struct classification {
	bool				  oos;
	Cdp__V1__Classified		  classified;
	Cdp__V1__OutOfScope		  out_of_scope;
	Cdp__V1__ClassificationReason	 *reasons;
	Cdp__V1__ClassificationReason	**reason_ptrs;
	size_t				  nreasons;
	Cdp__V1__Team			  teams[CLASSIFY_MAX_TEAMS];
	Cdp__V1__UrgencyFlag		  flags[CLASSIFY_MAX_FLAGS];
	char				**strs;		/* owned */
	size_t				  nstrs;
};

/* The state of one classification while it is being made. */
struct run {
	const struct rules		*r;
	const struct classify_facts	*in;
	struct facts			 f;
	struct scan			 desc;
	struct scan			 title;
	struct found			*found;
	int64_t				 cat[RULES_NCATS];
	int64_t				 sub[RULES_NCATS][RULES_SUBS_MAX];
	Cdp__V1__Category		 category;
	int				 subidx;
	uint32_t			 confidence;
	struct classification		*c;
};

/* Takes ownership of s: it is freed with the classification. */
static char *
own(struct classification *c, char *s)
{
	c->strs = xreallocarray(c->strs, c->nstrs + 1, sizeof(*c->strs));
	c->strs[c->nstrs++] = s;
	return s;
}

static bool
is_word_byte(unsigned char b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	    (b >= '0' && b <= '9');
}

/*
 * Says whether a match of an English pattern stands as a whole word: no
 * letter or digit touches it, except after a prefix pattern ("refund*").
 */
static bool
word_bounded(const struct scan *s, const struct rule_pattern *pat,
    size_t start, size_t end)
{
	size_t	len = strlen(pat->text);

	if (is_word_byte(pat->text[0]) && start > 0 &&
	    is_word_byte(s->text[start - 1]))
		return false;
	if (!pat->prefix && is_word_byte(pat->text[len - 1]) && end < s->len &&
	    is_word_byte(s->text[end]))
		return false;
	return true;
}

/*
 * Records a match. A prefix pattern's match is widened to the end of the
 * word, so that the reasons show the word as written ("refunded").
 */
static void
scan_hit(void *arg, int id, size_t start, size_t end)
{
	struct scan			*s = arg;
	const struct rule_pattern	*pat = rules_pattern(s->r, id);

	if (!word_bounded(s, pat, start, end))
		return;
	while (pat->prefix && end < s->len && is_word_byte(s->text[end]))
		end++;
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 32 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n].pat = id;
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->v[s->n].covered = 0;
	s->v[s->n++].negated = -1;
}

/* Orders hits by start, longer first at the same start. */
static int
hit_cmp(const void *a, const void *b)
{
	const struct hit	*x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->pat - y->pat;
}

static bool
pattern_has(const struct rules *r, int id, enum rule_use_kind kind)
{
	const struct rule_pattern	*pat = rules_pattern(r, id);
	size_t				 i;

	for (i = 0; i < pat->nuses; i++)
		if (pat->uses[i].kind == kind)
			return true;
	return false;
}

/* The categories a pattern gives evidence for, as keyword, one bit each. */
static uint8_t
pattern_cats(const struct rules *r, int id)
{
	const struct rule_pattern	*pat = rules_pattern(r, id);
	uint8_t				 cats = 0;
	size_t				 i;

	for (i = 0; i < pat->nuses; i++)
		if (pat->uses[i].kind == RULE_USE_KEYWORD)
			cats |= 1u << rules_rule(r, pat->uses[i].rule)->category;
	return cats & ~1u;
}

/*
 * Notes, for every hit, the categories of the longer keywords it lies in
 * ("没收到" in "没收到退款"), and where the live negation cues end: a cue
 * inside any keyword ("没" in "没收到") or inside a not-cue ("无" in "无法")
 * negates nothing. Hits are sorted, so whatever covers a hit came before
 * it, in an earlier group of equal spans; cover_end[c] is the furthest end
 * of the keywords of category c so far (0: none, as no keyword is empty).
 */
static void
scan_resolve(struct scan *s)
{
	size_t	i, j, c, cover_end[RULES_NCATS] = { 0 }, kw_end = 0;
	size_t	nc_end = 0, end;
	uint8_t	cats, covered;
	bool	kw, nc, cue;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), hit_cmp);
	for (i = 0; i < s->n; i = j) {
		end = s->v[i].end;
		for (covered = 0, c = 0; c < RULES_NCATS; c++)
			if (cover_end[c] >= end)
				covered |= 1u << c;
		cue = kw_end < end && nc_end < end;
		cats = 0;
		kw = nc = false;
		for (j = i; j < s->n && s->v[j].start == s->v[i].start &&
		    s->v[j].end == end; j++) {
			s->v[j].covered = covered;
			cats |= pattern_cats(s->r, s->v[j].pat);
			kw |= pattern_has(s->r, s->v[j].pat, RULE_USE_KEYWORD);
			nc |= pattern_has(s->r, s->v[j].pat, RULE_USE_NOT_CUE);
			if (cue && pattern_has(s->r, s->v[j].pat, RULE_USE_CUE))
				s->cue_end[end] = 1;
		}
		for (c = 0; c < RULES_NCATS; c++)
			if ((cats & (1u << c)) && end > cover_end[c])
				cover_end[c] = end;
		if (kw && end > kw_end)
			kw_end = end;
		if (nc && end > nc_end)
			nc_end = end;
	}
}

/* Scans one text: every pattern, then the keyword and cue resolution. */
static void
scan_text(struct scan *s, const struct rules *r, const char *text,
    const char *source)
{
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->text = text == NULL ? "" : text;
	s->len = strlen(s->text);
	s->source = source;
	s->cue_end = xcalloc(s->len + 1, 1);
	matcher_scan(rules_matcher(r), s->text, s->len, scan_hit, s);
	scan_resolve(s);
}

static void
scan_free(struct scan *s)
{
	free(s->v);
	free(s->cue_end);
}

/* Says whether the character at byte i ends a clause. */
static bool
clause_break(const char *t, size_t i)
{
	static const char	*const wide[] = { "，", "。", "！", "？", "；" };
	size_t			 k;

	if (strchr(",.;!?\n", t[i]) != NULL && t[i] != '\0')
		return true;
	for (k = 0; k < nitems(wide); k++)
		if (strncmp(t + i, wide[k], strlen(wide[k])) == 0)
			return true;
	return false;
}

/*
 * Says whether a keyword is negated: a live cue ends at most window
 * characters before it, with no clause break between.
 */
static bool
negated(const struct scan *s, const struct hit *h, size_t window)
{
	size_t	pos = h->start, k;

	for (k = 0;; k++) {
		if (s->cue_end[pos])
			return true;
		if (k == window || pos == 0)
			return false;
		do
			pos--;
		while (pos > 0 && ((unsigned char)s->text[pos] & 0xc0) == 0x80);
		if (clause_break(s->text, pos))
			return false;
	}
}

/* Says whether a keyword hit lies inside one of the rule's excludes. */
static bool
excluded(const struct scan *s, const struct hit *h, size_t rule)
{
	const struct rule_pattern	*pat;
	size_t				 i, u;

	for (i = 0; i < s->n && s->v[i].start <= h->start; i++) {
		if (s->v[i].end < h->end)
			continue;
		pat = rules_pattern(s->r, s->v[i].pat);
		for (u = 0; u < pat->nuses; u++)
			if (pat->uses[u].kind == RULE_USE_EXCLUDE &&
			    pat->uses[u].rule == rule)
				return true;
	}
	return false;
}

/*
 * Notes a keyword for a rule, once per distinct text; a hit overlapping one
 * already noted ("假的" in "是假的") is the same evidence. Hits come sorted
 * by start, so a noted hit overlaps h when it ends after h starts.
 */
static void
found_keyword(struct found *fd, const struct scan *s, const struct hit *h)
{
	size_t	i, len = h->end - h->start;

	for (i = 0; i < fd->nkw; i++)
		if (fd->kw[i]->end > h->start ||
		    (fd->kw[i]->end - fd->kw[i]->start == len &&
		    strncasecmp(s->text + fd->kw[i]->start, s->text + h->start,
		    len) == 0))
			return;
	if (fd->nkw < CLASSIFY_SHOWN)
		fd->kw[fd->nkw++] = h;
}

/*
 * Says whether a keyword hit counts for a rule: not inside a longer keyword
 * of another category, not negated, not inside one of the rule's excludes.
 * Rules without a category (severity, scope) are never overruled by
 * longer keywords.
 */
static bool
keyword_counts(struct run *run, struct hit *h, size_t rule)
{
	const struct rule	*rl = rules_rule(run->r, rule);

	if (rl->category != 0 && (h->covered & ~(1u << rl->category)) != 0)
		return false;
	if (h->negated == -1)
		h->negated = negated(&run->desc, h,
		    rules_settings(run->r)->negation_window);
	if (h->negated)
		return false;
	return !rl->has_exclude || !excluded(&run->desc, h, rule);
}

/* Hands a hit of the description to the rules that use its pattern. */
static void
distribute_desc(struct run *run, struct hit *h)
{
	const struct rule_pattern	*pat = rules_pattern(run->r, h->pat);
	const struct rule_use		*u;
	size_t				 i;

	for (i = 0; i < pat->nuses; i++) {
		u = &pat->uses[i];
		if (u->kind == RULE_USE_REQUIRES && run->found[u->rule].req ==
		    NULL) {
			run->found[u->rule].req = h;
			run->found[u->rule].req_scan = &run->desc;
		}
		if (u->kind == RULE_USE_KEYWORD && keyword_counts(run, h,
		    u->rule))
			found_keyword(&run->found[u->rule], &run->desc, h);
	}
}

/* Hands a hit of the product title to the rules that require its word. */
static void
distribute_title(struct run *run, const struct hit *h)
{
	const struct rule_pattern	*pat = rules_pattern(run->r, h->pat);
	size_t				 i, rule;

	for (i = 0; i < pat->nuses; i++) {
		rule = pat->uses[i].rule;
		if (pat->uses[i].kind == RULE_USE_REQUIRES &&
		    run->found[rule].req == NULL) {
			run->found[rule].req = h;
			run->found[rule].req_scan = &run->title;
		}
	}
}

static void
scan_all(struct run *run)
{
	const Cdp__V1__Filed	*filed = run->in->filed;
	size_t			 i;

	scan_text(&run->desc, run->r, filed->description, "description");
	scan_text(&run->title, run->r, filed->order != NULL ?
	    filed->order->product_title : NULL, "order.product_title");
	for (i = 0; i < run->desc.n; i++)
		distribute_desc(run, &run->desc.v[i]);
	for (i = 0; i < run->title.n; i++)
		distribute_title(run, &run->title.v[i]);
}

/*
 * The amount of the complained line: Filed.order.amount_fen, else the
 * snapshot's line of the same SKU (or its only line).
 */
static void
facts_amount(struct facts *f, const Cdp__V1__Filed *filed,
    const Cdp__V1__Order *o)
{
	const char	*sku = filed->order != NULL ? filed->order->sku : "";
	size_t		 i;

	f->src[RULE_FACT_AMOUNT_FEN] = "order.amount_fen";
	if (filed->order != NULL && filed->order->amount_fen > 0) {
		f->v[RULE_FACT_AMOUNT_FEN] = filed->order->amount_fen;
		return;
	}
	if (o == NULL)
		return;
	for (i = 0; i < o->n_lines; i++) {
		if (o->n_lines == 1 || (sku[0] != '\0' &&
		    strcmp(o->lines[i]->sku, sku) == 0)) {
			f->v[RULE_FACT_AMOUNT_FEN] = o->lines[i]->unit_price_fen *
			    (o->lines[i]->quantity ? o->lines[i]->quantity : 1);
			f->src[RULE_FACT_AMOUNT_FEN] = "snapshot.order.lines";
			return;
		}
	}
}

/* The member tier: the complaint's, else the order's. */
static void
facts_tier(struct facts *f, const Cdp__V1__Filed *filed,
    const Cdp__V1__Order *o)
{
	f->src[RULE_FACT_TIER] = "complainant.member_tier";
	if (filed->complainant != NULL && filed->complainant->member_tier != 0)
		f->v[RULE_FACT_TIER] = filed->complainant->member_tier;
	else if (o != NULL && o->member_tier != 0) {
		f->v[RULE_FACT_TIER] = o->member_tier;
		f->src[RULE_FACT_TIER] = "snapshot.order.member_tier";
	}
}

/* Whether there is an order and whether its after-sales window is over. */
static void
facts_order(struct facts *f, const struct classify_facts *in,
    const Cdp__V1__Order *o)
{
	const Cdp__V1__OrderRef	*ref = in->filed->order;
	int64_t			 until = 0;

	f->v[RULE_FACT_HAS_ORDER] = in->order != NULL ||
	    (ref != NULL && ref->order_id[0] != '\0');
	f->src[RULE_FACT_HAS_ORDER] = in->order != NULL ? "snapshot" :
	    "order.order_id";
	f->v[RULE_FACT_ORDER_KNOWN] = in->order != NULL;
	f->src[RULE_FACT_ORDER_KNOWN] = "snapshot";
	f->src[RULE_FACT_AFTER_SALES_EXPIRED] =
	    "snapshot.order.after_sales_until_ms";
	if (o != NULL)
		until = o->after_sales_until_ms;
	if (until == 0 && ref != NULL) {
		until = ref->after_sales_until_ms;
		f->src[RULE_FACT_AFTER_SALES_EXPIRED] =
		    "order.after_sales_until_ms";
	}
	f->v[RULE_FACT_AFTER_SALES_EXPIRED] = until != 0 && until < in->now_ms;
}

/* The snapshot's logistics facts: status, proxy signing, lateness. */
static void
facts_logistics(struct facts *f, const struct classify_facts *in,
    const Cdp__V1__Order *o)
{
	int64_t	now = in->now_ms;

	if (in->order != NULL)
		f->v[RULE_FACT_LOGISTICS_STATUS] = in->order->logistics_status;
	f->v[RULE_FACT_SIGNED_BY_PROXY] = f->v[RULE_FACT_LOGISTICS_STATUS] ==
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_SIGNED_BY_PROXY;
	if (o == NULL)
		return;
	f->v[RULE_FACT_ORDER_STATUS] = o->status;
	f->v[RULE_FACT_SHIP_LATE] = o->promised_ship_by_ms != 0 &&
	    (o->shipped_at_ms == 0 ? now : o->shipped_at_ms) >
	    o->promised_ship_by_ms;
	f->v[RULE_FACT_DELIVERY_LATE] = o->promised_delivery_by_ms != 0 &&
	    (o->delivered_at_ms == 0 ? now : o->delivered_at_ms) >
	    o->promised_delivery_by_ms;
}

static void
facts_sources(struct facts *f)
{
	f->src[RULE_FACT_DEMAND_AMOUNT_FEN] = "demand_amount_fen";
	f->src[RULE_FACT_DEMAND] = "demand";
	f->src[RULE_FACT_CHANNEL] = "channel";
	f->src[RULE_FACT_PROBLEM_TYPE] = "problem_type";
	f->src[RULE_FACT_SIGNED_BY_PROXY] = "snapshot.logistics_status";
	f->src[RULE_FACT_SHIP_LATE] = "snapshot.order.promised_ship_by_ms";
	f->src[RULE_FACT_DELIVERY_LATE] =
	    "snapshot.order.promised_delivery_by_ms";
	f->src[RULE_FACT_REPEAT_ON_ORDER] = "repeat_counter";
	f->src[RULE_FACT_GROUP_COMPLAINT] = "group_counter";
	f->src[RULE_FACT_GROUP_SIZE] = "group_counter";
	f->src[RULE_FACT_ORDER_STATUS] = "snapshot.order.status";
	f->src[RULE_FACT_LOGISTICS_STATUS] = "snapshot.logistics_status";
	f->src[RULE_FACT_CATEGORY] = "classification";
	f->src[RULE_FACT_SUBCATEGORY] = "classification";
}

/* Gathers every fact the conditions may test. */
static void
facts_gather(struct facts *f, const struct rules *r,
    const struct classify_facts *in)
{
	const Cdp__V1__Filed	*filed = in->filed;
	const Cdp__V1__Order	*o = in->order != NULL ? in->order->order :
				    NULL;

	memset(f, 0, sizeof(*f));
	facts_sources(f);
	facts_amount(f, filed, o);
	facts_tier(f, filed, o);
	facts_order(f, in, o);
	facts_logistics(f, in, o);
	f->v[RULE_FACT_DEMAND_AMOUNT_FEN] = filed->demand_amount_fen;
	f->v[RULE_FACT_DEMAND] = filed->demand;
	f->v[RULE_FACT_CHANNEL] = filed->channel;
	f->problem_type = filed->problem_type != NULL ? filed->problem_type :
	    "";
	f->v[RULE_FACT_REPEAT_ON_ORDER] = in->repeat_on_order;
	f->v[RULE_FACT_GROUP_SIZE] = in->group_size;
	f->group_threshold = in->group_threshold != 0 ?
	    in->group_threshold : rules_settings(r)->group_threshold;
	f->v[RULE_FACT_GROUP_COMPLAINT] = in->group_size >= f->group_threshold;
	f->subcategory = "";
}

static bool
cond_strings(const struct rule_cond *c, const char *s)
{
	size_t	i;

	for (i = 0; i < c->nstrs; i++)
		if (strcmp(c->strs[i], s) == 0)
			return true;
	return false;
}

/* Evaluates a condition against the facts. */
static bool
cond_holds(const struct rule_cond *c, const struct facts *f)
{
	int64_t	v = f->v[c->fact];
	bool	in;

	if (c->nstrs > 0)
		in = cond_strings(c, c->fact == RULE_FACT_PROBLEM_TYPE ?
		    f->problem_type : f->subcategory);
	else if (c->mask != 0 && (c->op == RULE_OP_EQ || c->op == RULE_OP_NE))
		in = v >= 0 && v < 64 && (c->mask & (1ULL << v)) != 0;
	else
		in = v == c->value;
	switch (c->op) {
	case RULE_OP_EQ:
		return in;
	case RULE_OP_NE:
		return !in;
	case RULE_OP_LT:
		return v < c->value;
	case RULE_OP_LE:
		return v <= c->value;
	case RULE_OP_GT:
		return v > c->value;
	case RULE_OP_GE:
		return v >= c->value;
	}
	return false;
}

static bool
rule_holds(const struct rule *rule, const struct found *fd,
    const struct facts *f)
{
	size_t	i;

	if (rule->has_keywords && fd->nkw == 0)
		return false;
	if (rule->has_requires && fd->req == NULL)
		return false;
	for (i = 0; i < rule->nconds; i++)
		if (!cond_holds(&rule->conds[i], f))
			return false;
	return true;
}

/*
 * The evidence a firing rule gives: its weight, plus keyword_bonus of it
 * for each further distinct keyword found (at most CLASSIFY_SHOWN count).
 */
static int64_t
evidence(const struct run *run, const struct rule *rule,
    const struct found *fd)
{
	int64_t	extra = fd->nkw > 1 ? fd->nkw - 1 : 0;

	return rule->weight + rule->weight * extra *
	    rules_settings(run->r)->keyword_bonus / 1000;
}

/* Evaluates the rules of one phase (post or not); tallies the evidence. */
static void
evaluate(struct run *run, bool post)
{
	const struct rule	*rule;
	int64_t			 e;
	size_t			 i;

	for (i = 0; i < rules_count(run->r); i++) {
		rule = rules_rule(run->r, i);
		if (rule->post != post ||
		    !rule_holds(rule, &run->found[i], &run->f))
			continue;
		run->found[i].fired = true;
		if (rule->category == 0)
			continue;
		e = evidence(run, rule, &run->found[i]);
		run->cat[rule->category] += e;
		if (rule->sub >= 0)
			run->sub[rule->category][rule->sub] += e;
	}
}

static int64_t
best_sub(const struct run *run, int cat, int *idx)
{
	const struct rule_category	*rc;
	int64_t				 best = 0;
	size_t				 i;

	rc = rules_category(run->r, cat);
	*idx = -1;
	for (i = 0; i < rc->nsubs; i++) {
		if (run->sub[cat][i] > best) {
			best = run->sub[cat][i];
			*idx = i;
		}
	}
	return best;
}

/*
 * Picks the category with the most evidence and its strongest subcategory;
 * confidence comes from the margin over the runner-up.
 */
static void
decide(struct run *run)
{
	int64_t	best = 0, second = 0, damping;
	int	c, bc = 0, idx, bidx = -1;

	for (c = 1; c < RULES_NCATS; c++) {
		if (run->cat[c] == 0)
			continue;
		if (run->cat[c] > best || (run->cat[c] == best &&
		    best_sub(run, c, &idx) > best_sub(run, bc, &bidx))) {
			second = best;
			best = run->cat[c];
			bc = c;
		} else if (run->cat[c] > second)
			second = run->cat[c];
	}
	run->category = bc != 0 ? bc : CDP__V1__CATEGORY__CATEGORY_OTHER;
	best_sub(run, run->category, &run->subidx);
	damping = rules_settings(run->r)->confidence_damping;
	run->confidence = best == 0 ? 0 :
	    (uint32_t)(1000 * (best - second) / (best + damping));
	run->f.v[RULE_FACT_CATEGORY] = run->category;
	if (run->subidx >= 0)
		run->f.subcategory =
		    rules_category(run->r, run->category)->subs[run->subidx];
}

static Cdp__V1__ClassificationReason *
reason_add(struct run *run, const char *rule_id, char *matched,
    const char *source)
{
	struct classification		*c = run->c;
	Cdp__V1__ClassificationReason	 init = CDP__V1__CLASSIFICATION_REASON__INIT;
	Cdp__V1__ClassificationReason	*reason;

	c->reasons = xreallocarray(c->reasons, c->nreasons + 1,
	    sizeof(*c->reasons));
	reason = &c->reasons[c->nreasons++];
	*reason = init;
	reason->rule_id = own(c, xstrdup(rule_id));
	reason->matched = own(c, matched);
	reason->source = (char *)source;
	return reason;
}

/* The text of a met condition, with the fact's value when it is a number. */
static char *
cond_matched(const struct run *run, const struct rule_cond *c)
{
	if (c->fact == RULE_FACT_GROUP_COMPLAINT)
		return xasprintf("%s (%lld customers, threshold %u)", c->text,
		    (long long)run->f.v[RULE_FACT_GROUP_SIZE],
		    run->f.group_threshold);
	if (c->fact == RULE_FACT_AMOUNT_FEN || c->fact ==
	    RULE_FACT_DEMAND_AMOUNT_FEN || c->fact == RULE_FACT_GROUP_SIZE)
		return xasprintf("%s (%lld)", c->text,
		    (long long)run->f.v[c->fact]);
	if (c->fact == RULE_FACT_PROBLEM_TYPE)
		return xasprintf("%s (%s)", c->text, run->f.problem_type);
	return xstrdup(c->text);
}

/* Adds the reasons of one fired rule: its keywords, word, conditions. */
static void
reasons_rule(struct run *run, size_t i)
{
	const struct rule	*rule = rules_rule(run->r, i);
	const struct found	*fd = &run->found[i];
	const struct scan	*s;
	size_t			 k;

	for (k = 0; k < fd->nkw; k++)
		reason_add(run, rule->id, xstrndup(run->desc.text +
		    fd->kw[k]->start, fd->kw[k]->end - fd->kw[k]->start),
		    run->desc.source);
	if (fd->req != NULL) {
		s = fd->req_scan;
		reason_add(run, rule->id, xstrndup(s->text + fd->req->start,
		    fd->req->end - fd->req->start), s->source);
	}
	for (k = 0; k < rule->nconds; k++)
		reason_add(run, rule->id, cond_matched(run, &rule->conds[k]),
		    run->f.src[rule->conds[k].fact]);
}

/*
 * Makes the array of reason pointers the messages carry, once every reason
 * is in place: the Classified's first, then the OutOfScope's.
 */
static void
reasons_finish(struct classification *c, size_t nclassified)
{
	size_t	i;

	c->reason_ptrs = xreallocarray(NULL, c->nreasons + 1,
	    sizeof(*c->reason_ptrs));
	for (i = 0; i < c->nreasons; i++)
		c->reason_ptrs[i] = &c->reasons[i];
	c->classified.n_reasons = nclassified;
	c->classified.reasons = c->reason_ptrs;
	if (c->oos) {
		c->out_of_scope.n_reasons = c->nreasons - nclassified;
		c->out_of_scope.reasons = c->reason_ptrs + nclassified;
	}
}

/*
 * Lists the reasons of a Classified: evidence for the decided category
 * first, then the rules that set severity or teams, then the rest.
 */
static void
reasons_classified(struct run *run)
{
	const struct rule	*rule;
	size_t			 pass, i;
	bool			 lead, grade;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < rules_count(run->r); i++) {
			rule = rules_rule(run->r, i);
			if (!run->found[i].fired)
				continue;
			lead = rule->category == run->category;
			grade = !lead && (rule->severity != 0 ||
			    rule->nteams > 0);
			if ((pass == 0 && lead) || (pass == 1 && grade) ||
			    (pass == 2 && !lead && !grade))
				reasons_rule(run, i);
		}
	}
}

/* The severity set by the firing rules: urgent > high > low > normal. */
static Cdp__V1__Severity
severity(const struct run *run)
{
	static const Cdp__V1__Severity	 order[] = {
		CDP__V1__SEVERITY__SEVERITY_URGENT,
		CDP__V1__SEVERITY__SEVERITY_HIGH,
		CDP__V1__SEVERITY__SEVERITY_LOW,
	};
	size_t				 k, i;

	for (k = 0; k < nitems(order); k++)
		for (i = 0; i < rules_count(run->r); i++)
			if (run->found[i].fired &&
			    rules_rule(run->r, i)->severity == order[k])
				return order[k];
	return CDP__V1__SEVERITY__SEVERITY_NORMAL;
}

/* The urgency flags of the firing urgent rules, each once, sorted. */
static void
urgency_flags(struct run *run, Cdp__V1__Classified *m)
{
	const struct rule	*rule;
	bool			 seen[CLASSIFY_MAX_FLAGS] = { false };
	size_t			 i;
	int			 f;

	for (i = 0; i < rules_count(run->r); i++) {
		rule = rules_rule(run->r, i);
		if (run->found[i].fired && rule->flag > 0 &&
		    rule->flag < CLASSIFY_MAX_FLAGS)
			seen[rule->flag] = true;
	}
	m->urgency_flags = run->c->flags;
	for (f = 1; f < CLASSIFY_MAX_FLAGS; f++)
		if (seen[f])
			m->urgency_flags[m->n_urgency_flags++] = f;
}

static void
team_add(Cdp__V1__Classified *m, Cdp__V1__Team t)
{
	size_t	i;

	for (i = 0; i < m->n_teams; i++)
		if (m->teams[i] == t)
			return;
	if (m->n_teams < CLASSIFY_MAX_TEAMS)
		m->teams[m->n_teams++] = t;
}

/* The teams: the category's (lead first), the severity's, the rules'. */
static void
teams(struct run *run, Cdp__V1__Classified *m)
{
	const struct rule_category	*rc;
	const struct rule_severity	*rs;
	const struct rule		*rule;
	size_t				 i, k;

	m->teams = run->c->teams;
	rc = rules_category(run->r, run->category);
	for (i = 0; i < rc->nteams; i++)
		team_add(m, rc->teams[i]);
	rs = rules_severity(run->r, m->severity);
	for (i = 0; i < rs->nteams; i++)
		team_add(m, rs->teams[i]);
	for (i = 0; i < rules_count(run->r); i++) {
		rule = rules_rule(run->r, i);
		for (k = 0; run->found[i].fired && k < rule->nteams; k++)
			team_add(m, rule->teams[k]);
	}
}

/*
 * Priority: the severity's base, plus the member tier's bonus, plus one
 * point per amount_step_fen of the line amount, at most amount_max.
 */
static uint32_t
priority(const struct run *run, Cdp__V1__Severity sev)
{
	const struct rule_settings	*s = rules_settings(run->r);
	int64_t				 tier, amount, bonus;

	tier = run->f.v[RULE_FACT_TIER];
	amount = run->f.v[RULE_FACT_AMOUNT_FEN];
	bonus = amount > 0 ? amount / s->amount_step_fen : 0;
	if (bonus > s->amount_bonus_max)
		bonus = s->amount_bonus_max;
	return rules_severity(run->r, sev)->priority + (uint32_t)bonus +
	    (tier > 0 && tier < 6 ? s->tier_bonus[tier] : 0);
}

/* Fills the Classified message from the decision. */
static void
build_classified(struct run *run)
{
	Cdp__V1__Classified	 init = CDP__V1__CLASSIFIED__INIT;
	Cdp__V1__Classified	*m = &run->c->classified;
	struct classification	*c = run->c;

	*m = init;
	m->category = run->category;
	m->subcategory = own(c, xstrdup(run->f.subcategory));
	m->severity = severity(run);
	urgency_flags(run, m);
	teams(run, m);
	m->responsible_party = rules_category(run->r, run->category)->party;
	m->priority = priority(run, m->severity);
	m->sla_policy = own(c, xstrdup(rules_severity(run->r,
	    m->severity)->sla_policy));
	m->confidence_permille = run->confidence;
	m->group_key = own(c, xstrdup(run->f.v[RULE_FACT_GROUP_COMPLAINT] &&
	    run->in->group_key != NULL ? run->in->group_key : ""));
	m->rules_version = own(c, xstrdup(rules_version(run->r)));
	reasons_classified(run);
}

/* The first firing scope rule in the file, or -1. */
static ssize_t
first_scope(const struct run *run)
{
	size_t	i;

	for (i = 0; i < rules_count(run->r); i++)
		if (run->found[i].fired && rules_rule(run->r, i)->scope != NULL)
			return i;
	return -1;
}

/* Fills the OutOfScope message: the reasons are the scope rules'. */
static void
build_oos(struct run *run, size_t first)
{
	Cdp__V1__OutOfScope	 init = CDP__V1__OUT_OF_SCOPE__INIT;
	Cdp__V1__OutOfScope	*m = &run->c->out_of_scope;
	struct classification	*c = run->c;
	const char		*code = rules_rule(run->r, first)->scope;
	size_t			 i;

	*m = init;
	c->oos = true;
	m->reason_code = own(c, xstrdup(code));
	m->guidance_zh = own(c, xstrdup(rules_guidance(run->r, code)));
	for (i = 0; i < rules_count(run->r); i++)
		if (run->found[i].fired && rules_rule(run->r, i)->scope != NULL)
			reasons_rule(run, i);
	m->rules_version = own(c, xstrdup(rules_version(run->r)));
}

/*
 * Classifies one complaint. The result owns every string and array its
 * messages point to; free it with classification_free().
 */
struct classification *
classify(const struct rules *r, const struct classify_facts *facts)
{
	struct run	run;
	ssize_t		scope;
	size_t		nclassified;

	memset(&run, 0, sizeof(run));
	run.r = r;
	run.in = facts;
	run.c = xcalloc(1, sizeof(*run.c));
	run.found = xcalloc(rules_count(r) + 1, sizeof(*run.found));
	facts_gather(&run.f, r, facts);
	scan_all(&run);
	evaluate(&run, false);
	decide(&run);
	evaluate(&run, true);
	build_classified(&run);
	nclassified = run.c->nreasons;
	if ((scope = first_scope(&run)) != -1)
		build_oos(&run, scope);
	reasons_finish(run.c, nclassified);
	scan_free(&run.desc);
	scan_free(&run.title);
	free(run.found);
	return run.c;
}

bool
classification_out_of_scope(const struct classification *c)
{
	return c->oos;
}

/*
 * The Classified message. For an out-of-scope complaint it is the
 * best-effort assessment (category, severity, reasons) behind the
 * OutOfScope, for logs and tests: only the OutOfScope is emitted then.
 */
const Cdp__V1__Classified *
classification_classified(const struct classification *c)
{
	return &c->classified;
}

/* The OutOfScope message, or NULL if the complaint was classified. */
const Cdp__V1__OutOfScope *
classification_oos(const struct classification *c)
{
	return c->oos ? &c->out_of_scope : NULL;
}

void
classification_free(struct classification *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->reasons);
	free(c->reason_ptrs);
	free(c);
}
