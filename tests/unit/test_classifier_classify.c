/*
 * Unit tests of services/classifier/classify.c. The mechanics (negation,
 * excludes, requires, longer keywords, word boundaries, conditions,
 * scope, severity, teams, priority, confidence, reasons) run on a small
 * rules file written here, so each expectation follows from a few lines;
 * the production rules (config/classifier-rules.conf) are then checked
 * for every category, subcategory and severity rule with sentences of our
 * own (the labelled set is test_classifier_labelled.c's).
 */
/* cdp-test-sources: services/classifier/rules.c services/classifier/rules_sections.c services/classifier/rule_keys.c services/classifier/rule_conditions.c services/classifier/rule_patterns.c services/classifier/rules_values.c services/classifier/rules_resolve.c services/classifier/classify.c services/classifier/matcher.c */
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

#define NOW_MS	1767225600000LL
#define DAY_MS	86400000LL

#define CAT(x)	CDP__V1__CATEGORY__CATEGORY_##x
#define SEV(x)	CDP__V1__SEVERITY__SEVERITY_##x
#define FLAG(x)	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_##x
#define TEAM(x)	CDP__V1__TEAM__TEAM_##x
#define TIER(x)	CDP__V1__MEMBER_TIER__MEMBER_TIER_##x

static const char test_rules[] =
    "[settings]\ngroup_threshold = 5\nnegation_window = 3\n"
    "confidence_damping = 1\nkeyword_bonus = 0.5\n"
    "[negation]\ncues = 没有, 没, 不是, 不, 无, not, no, never\n"
    "not_cues = 无法, 不能\n"
    "[priority]\nregular = 0\nsilver = 10\ngold = 40\nplatinum = 60\n"
    "diamond = 80\namount_step_fen = 100000\namount_max = 100\n"
    "[severity urgent]\nsla_policy = urgent\npriority = 1000\n"
    "teams = emergency\n"
    "[severity high]\nsla_policy = priority\npriority = 700\n"
    "[severity normal]\nsla_policy = standard\npriority = 400\n"
    "[severity low]\nsla_policy = standard\npriority = 100\n"
    "[category product]\nsubcategories = quality, expired, safety\n"
    "teams = quality_inspection, supplier\nparty = merchant\n"
    "[category logistics]\nsubcategories = delay, lost, signed_not_received\n"
    "teams = logistics_coordination\nparty = carrier\n"
    "[category service]\nsubcategories = agent_attitude\n"
    "teams = service_quality\nparty = platform\n"
    "[category payment]\nsubcategories = refund_not_received\n"
    "teams = payments\nparty = platform\n"
    "[category advertising]\nsubcategories = false_promotion\n"
    "teams = customer_service\nparty = merchant\n"
    "[category platform]\nsubcategories = app, rules\n"
    "teams = customer_service\nparty = platform\n"
    "[category other]\nteams = customer_service\nparty = platform\n"
    "[scope offline_transaction]\nguidance = 您好，请通过法律途径解决。\n"
    "[scope after_sales_expired]\nguidance = 您好，已超过售后期。\n"
    "[scope not_an_order]\nguidance = 您好，与订单无关。\n"
    "[rule scope.offline]\nkeywords = 微信转账, wechat transfer\n"
    "when = has_order = no\nscope = offline_transaction\n"
    "[rule scope.after_sales]\nwhen = after_sales_expired\n"
    "scope = after_sales_expired\n"
    "[rule scope.not_an_order]\nwhen = has_order = no\n"
    "when = category != platform\nscope = not_an_order\n"
    "[rule urgent.injury]\nkeywords = 烫伤, 烫手, burned\n"
    "exclude = 烫手山芋\nseverity = urgent\nflag = personal_safety\n"
    "[rule urgent.food]\nkeywords = 过期, expired\nrequires = 牛奶, milk\n"
    "severity = urgent\nflag = product_safety\n"
    "[rule urgent.amount]\nwhen = amount_fen >= 1000000\n"
    "severity = urgent\nflag = property_loss\n"
    "[rule urgent.group]\nwhen = group_complaint\nseverity = urgent\n"
    "flag = group_complaint\n"
    "[rule urgent.media]\nkeywords = 记者, 12315, lawyer, press\n"
    "severity = urgent\nflag = public_opinion\nteams = public_relations\n"
    "[rule high.amount]\nwhen = amount_fen >= 100000\nseverity = high\n"
    "[rule high.tier]\nwhen = tier >= gold\nseverity = high\n"
    "[rule high.repeat]\nwhen = repeat_on_order\nseverity = high\n"
    "[rule low.no_order]\nwhen = has_order = no\n"
    "when = category = platform|other\nseverity = low\n"
    "[rule product.expired]\nkeywords = 过期, expired\n"
    "category = product.expired\nweight = 3\n"
    "[rule product.quality]\nkeywords = 坏了, 质量差, 漏水, broken\n"
    "category = product.quality\nweight = 2\n"
    "[rule product.safety]\nkeywords = 烫伤, 烫手\nexclude = 烫手山芋\n"
    "category = product.safety\nweight = 2\n"
    "[rule logistics.lost]\nkeywords = 丢了, lost\n"
    "category = logistics.lost\nweight = 3\n"
    "[rule logistics.lost.status]\nwhen = logistics_status = lost\n"
    "category = logistics.lost\nweight = 3\n"
    "[rule logistics.signed]\nkeywords = 没收到, 签收\n"
    "category = logistics.signed_not_received\nweight = 3\n"
    "[rule logistics.signed.proxy]\nwhen = signed_by_proxy\n"
    "category = logistics.signed_not_received\nweight = 2\n"
    "[rule logistics.delay.late]\nwhen = delivery_late\n"
    "category = logistics.delay\nweight = 1\n"
    "[rule payment.refund]\nkeywords = 没收到退款, 退款, refund*\n"
    "category = payment.refund_not_received\nweight = 3\n"
    "[rule service.attitude]\nkeywords = 态度差, rude\n"
    "category = service.agent_attitude\nweight = 2\n"
    "[rule platform.app]\nkeywords = 闪退, crash*\n"
    "category = platform.app\nweight = 2\n"
    "[rule prior.platform.rules]\nwhen = problem_type = platform.rules\n"
    "category = platform.rules\nweight = 1.5\n"
    "[rule advertising]\nkeywords = 虚假宣传\n"
    "category = advertising.false_promotion\nweight = 3\n";

static struct rules	*test_r;	/* test_rules */
static struct rules	*prod_r;	/* config/classifier-rules.conf */

/* One complaint: the Filed, its order and the facts, on the stack. */
struct tc {
	Cdp__V1__Filed		 filed;
	Cdp__V1__Complainant	 complainant;
	Cdp__V1__OrderRef	 ref;
	Cdp__V1__OrderSnapshot	 snap;
	Cdp__V1__Order		 order;
	Cdp__V1__SkuLine	 line;
	Cdp__V1__SkuLine	*lines[1];
	struct classify_facts	 facts;
	struct classification	*c;
};

static struct rules *
load_text(const char *text)
{
	struct rules	*r;
	char		 path[] = "/tmp/test-classify.XXXXXX", err[512];
	FILE		*fp;
	int		 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	r = rules_load(path, err, sizeof(err));
	unlink(path);
	if (r == NULL)
		fail_msg("%s", err);
	return r;
}

static int
setup(void **state)
{
	const char	*root = getenv("CDP_SOURCE_DIR");
	char		 path[1024], err[512];

	snprintf(path, sizeof(path), "%s/config/classifier-rules.conf",
	    root != NULL ? root : ".");
	test_r = load_text(test_rules);
	if ((prod_r = rules_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	rules_free(test_r);
	rules_free(prod_r);
	return 0;
}

/*
 * A complaint on order O1 (SKU S1, one line, 100 CNY, after-sales open
 * for a week) by a regular member; the snapshot knows the order. Frees
 * the previous result of t, which starts zeroed.
 */
static void
tc_init(struct tc *t, const char *description)
{
	Cdp__V1__Filed		filed = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	complainant = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__OrderRef	ref = CDP__V1__ORDER_REF__INIT;
	Cdp__V1__OrderSnapshot	snap = CDP__V1__ORDER_SNAPSHOT__INIT;
	Cdp__V1__Order		order = CDP__V1__ORDER__INIT;
	Cdp__V1__SkuLine	line = CDP__V1__SKU_LINE__INIT;

	classification_free(t->c);
	memset(t, 0, sizeof(*t));
	t->filed = filed;
	t->complainant = complainant;
	t->ref = ref;
	t->snap = snap;
	t->order = order;
	t->line = line;
	t->complainant.member_tier = TIER(REGULAR);
	t->filed.complainant = &t->complainant;
	t->filed.description = (char *)description;
	t->ref.order_id = "O1";
	t->ref.sku = "S1";
	t->ref.amount_fen = 10000;
	t->ref.after_sales_until_ms = NOW_MS + 7 * DAY_MS;
	t->filed.order = &t->ref;
	t->line.sku = "S1";
	t->line.quantity = 1;
	t->line.unit_price_fen = 10000;
	t->lines[0] = &t->line;
	t->order.lines = t->lines;
	t->order.n_lines = 1;
	t->order.after_sales_until_ms = NOW_MS + 7 * DAY_MS;
	t->snap.order_id = "O1";
	t->snap.order = &t->order;
	t->facts.filed = &t->filed;
	t->facts.order = &t->snap;
	t->facts.group_size = 1;
	t->facts.now_ms = NOW_MS;
}

/* The complaint has no platform order at all. */
static void
tc_no_order(struct tc *t)
{
	t->filed.order = NULL;
	t->facts.order = NULL;
}

static const Cdp__V1__Classified *
tc_run(struct tc *t, const struct rules *r)
{
	classification_free(t->c);
	assert_non_null(t->c = classify(r, &t->facts));
	return classification_classified(t->c);
}

static void
tc_done(struct tc *t)
{
	classification_free(t->c);
	t->c = NULL;
}

/* Classifies a text on the default order with the given rules. */
static const Cdp__V1__Classified *
run_text(struct tc *t, const struct rules *r, const char *description)
{
	tc_init(t, description);
	return tc_run(t, r);
}

/* Finds a reason by rule id and matched text (NULL: any text). */
static const Cdp__V1__ClassificationReason *
find_reason(size_t n, Cdp__V1__ClassificationReason **v, const char *rule_id,
    const char *matched)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i]->rule_id, rule_id) == 0 && (matched == NULL ||
		    strcmp(v[i]->matched, matched) == 0))
			return v[i];
	return NULL;
}

static void
assert_reason(const Cdp__V1__Classified *m, const char *rule_id,
    const char *matched, const char *source)
{
	const Cdp__V1__ClassificationReason	*reason;

	reason = find_reason(m->n_reasons, m->reasons, rule_id, matched);
	if (reason == NULL)
		fail_msg("no reason %s \"%s\"", rule_id, matched ? matched : "");
	assert_string_equal(reason->source, source);
}

static void
assert_no_reason(const Cdp__V1__Classified *m, const char *rule_id)
{
	if (find_reason(m->n_reasons, m->reasons, rule_id, NULL) != NULL)
		fail_msg("unexpected reason from rule %s", rule_id);
}

static bool
has_flag(const Cdp__V1__Classified *m, Cdp__V1__UrgencyFlag f)
{
	size_t	i;

	for (i = 0; i < m->n_urgency_flags; i++)
		if (m->urgency_flags[i] == f)
			return true;
	return false;
}

static void
assert_class(const Cdp__V1__Classified *m, Cdp__V1__Category cat,
    const char *sub, Cdp__V1__Severity sev)
{
	if (m->category != cat || strcmp(m->subcategory, sub) != 0 ||
	    m->severity != sev)
		fail_msg("expected %d.%s severity %d, got %d.%s severity %d",
		    cat, sub, sev, m->category, m->subcategory, m->severity);
}

/*
 * The reasons name the rule, the text as written and the field: keywords
 * from the description, a requires word, a condition with its value.
 */
static void
test_reasons(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "The milk had EXPIRED last week");
	assert_class(m, CAT(PRODUCT), "expired", SEV(URGENT));
	assert_reason(m, "product.expired", "EXPIRED", "description");
	assert_reason(m, "urgent.food", "EXPIRED", "description");
	assert_reason(m, "urgent.food", "milk", "description");
	assert_string_equal(m->reasons[0]->rule_id, "product.expired");
	assert_string_equal(m->rules_version, rules_version(test_r));
	assert_true(has_flag(m, FLAG(PRODUCT_SAFETY)));
	assert_int_equal(m->n_urgency_flags, 1);
	tc_init(&t, "已经过期了");
	t.ref.product_title = "鲜牛奶 1L";
	m = tc_run(&t, test_r);
	assert_int_equal(m->severity, SEV(URGENT));
	assert_reason(m, "urgent.food", "牛奶", "order.product_title");
	t.ref.amount_fen = 1000000;
	m = tc_run(&t, test_r);
	assert_reason(m, "urgent.amount", "amount_fen >= 1000000 (1000000)",
	    "order.amount_fen");
	assert_reason(m, "high.amount", "amount_fen >= 100000 (1000000)",
	    "order.amount_fen");
	tc_done(&t);
}

/* A requires rule needs its word: expiry of something else is not food. */
static void
test_requires(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "面膜已经过期了");
	assert_class(m, CAT(PRODUCT), "expired", SEV(NORMAL));
	assert_no_reason(m, "urgent.food");
	m = run_text(&t, test_r, "买的milk已经过期了");
	assert_int_equal(m->severity, SEV(URGENT));
	tc_done(&t);
}

/* Chinese negation: a cue up to 3 characters before, in the same clause. */
static void
test_negation_chinese(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "牛奶没有过期，就是盒子坏了");
	assert_class(m, CAT(PRODUCT), "quality", SEV(NORMAL));
	assert_no_reason(m, "product.expired");
	m = run_text(&t, test_r, "牛奶没有发现过期");
	assert_no_reason(m, "product.expired");
	m = run_text(&t, test_r, "牛奶不是过期的");
	assert_no_reason(m, "product.expired");
	m = run_text(&t, test_r, "牛奶没有，已经过期了");
	assert_reason(m, "product.expired", "过期", "description");
	m = run_text(&t, test_r, "不知道为什么牛奶过期");
	assert_reason(m, "product.expired", "过期", "description");
	assert_int_equal(m->severity, SEV(URGENT));
	tc_done(&t);
}

/* English negation, counted in characters. */
static void
test_negation_english(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "The milk is not expired but the cap is broken");
	assert_class(m, CAT(PRODUCT), "quality", SEV(NORMAL));
	assert_no_reason(m, "product.expired");
	m = run_text(&t, test_r, "No, the milk expired.");
	assert_reason(m, "product.expired", "expired", "description");
	m = run_text(&t, test_r, "milk: nothing wrong, but expired");
	assert_reason(m, "product.expired", "expired", "description");
	tc_done(&t);
}

/*
 * A cue inside a not-cue ("无" in "无法") or inside a keyword negates
 * nothing; a keyword inside a longer keyword of another category counts
 * only as that one ("没收到" in "没收到退款").
 */
static void
test_cues_and_longer_keywords(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "商家无法退款");
	assert_reason(m, "payment.refund", "退款", "description");
	m = run_text(&t, test_r, "无退款");
	assert_no_reason(m, "payment.refund");
	m = run_text(&t, test_r, "一直没收到退款");
	assert_class(m, CAT(PAYMENT), "refund_not_received", SEV(NORMAL));
	assert_reason(m, "payment.refund", "没收到退款", "description");
	assert_no_reason(m, "logistics.signed");
	m = run_text(&t, test_r, "快递一直没收到");
	assert_class(m, CAT(LOGISTICS), "signed_not_received", SEV(NORMAL));
	tc_done(&t);
}

/* A rule's exclude phrase hides its keyword: an idiom is no injury. */
static void
test_exclude(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "商家把这事当烫手山芋");
	assert_int_equal(m->severity, SEV(NORMAL));
	assert_int_equal(m->category, CAT(OTHER));
	m = run_text(&t, test_r, "充电器烫手");
	assert_class(m, CAT(PRODUCT), "safety", SEV(URGENT));
	assert_true(has_flag(m, FLAG(PERSONAL_SAFETY)));
	tc_done(&t);
}

/*
 * English patterns match whole words ("press" is not in "Express"), a
 * trailing "*" matches longer words, ASCII case and full-width forms are
 * folded, and Chinese and English mix in one text.
 */
static void
test_words_and_mixed(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "SF Express was slow");
	assert_int_equal(m->severity, SEV(NORMAL));
	m = run_text(&t, test_r, "I will go to the PRESS");
	assert_true(has_flag(m, FLAG(PUBLIC_OPINION)));
	m = run_text(&t, test_r, "still not REFUNDED");
	assert_no_reason(m, "payment.refund");
	m = run_text(&t, test_r, "they refunded nothing, 态度差");
	assert_reason(m, "payment.refund", "refunded", "description");
	assert_reason(m, "service.attitude", "态度差", "description");
	m = run_text(&t, test_r, "我要打１２３１５");
	assert_reason(m, "urgent.media", "１２３１５", "description");
	m = run_text(&t, test_r, "客服很rude，我要找lawyer");
	assert_class(m, CAT(SERVICE), "agent_attitude", SEV(URGENT));
	assert_reason(m, "urgent.media", "lawyer", "description");
	tc_done(&t);
}

/* Amounts at the thresholds: 999.99, 1000.00, 9999.99, 10000.00 CNY. */
static void
test_amount_thresholds(void **state)
{
	static const struct {
		int64_t			fen;
		Cdp__V1__Severity	sev;
	} cases[] = {
		{ 99999, SEV(NORMAL) },
		{ 100000, SEV(HIGH) },
		{ 999999, SEV(HIGH) },
		{ 1000000, SEV(URGENT) },
	};
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };
	size_t				 i;

	for (i = 0; i < nitems(cases); i++) {
		tc_init(&t, "盒子坏了");
		t.ref.amount_fen = cases[i].fen;
		m = tc_run(&t, test_r);
		assert_int_equal(m->severity, cases[i].sev);
		assert_int_equal(has_flag(m, FLAG(PROPERTY_LOSS)),
		    cases[i].sev == SEV(URGENT));
	}
	tc_done(&t);
}

/* Without an amount in the complaint, the snapshot's line of the SKU. */
static void
test_amount_from_snapshot(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "盒子坏了");
	t.ref.amount_fen = 0;
	t.line.unit_price_fen = 500000;
	t.line.quantity = 2;
	m = tc_run(&t, test_r);
	assert_int_equal(m->severity, SEV(URGENT));
	assert_reason(m, "urgent.amount", "amount_fen >= 1000000 (1000000)",
	    "snapshot.order.lines");
	tc_done(&t);
}

/*
 * Group complaints: 4 is not a group, 5 is; the threshold is the file's,
 * or the group rule's that the daemon gives.
 */
static void
test_group(void **state)
{
	const Cdp__V1__Classified	*m;
	struct rules			*r;
	struct tc			 t = { 0 };
	char				 text[sizeof(test_rules) + 64];

	tc_init(&t, "盒子坏了");
	t.facts.group_size = 4;
	t.facts.group_key = "sku:S1";
	m = tc_run(&t, test_r);
	assert_int_equal(m->severity, SEV(NORMAL));
	assert_string_equal(m->group_key, "");
	t.facts.group_size = 5;
	m = tc_run(&t, test_r);
	assert_int_equal(m->severity, SEV(URGENT));
	assert_true(has_flag(m, FLAG(GROUP_COMPLAINT)));
	assert_string_equal(m->group_key, "sku:S1");
	assert_reason(m, "urgent.group",
	    "group_complaint (5 customers, threshold 5)", "group_counter");
	snprintf(text, sizeof(text), "%s", test_rules);
	memcpy(strstr(text, "group_threshold = 5"), "group_threshold = 3", 19);
	r = load_text(text);
	t.facts.group_size = 3;
	assert_int_equal(tc_run(&t, r)->severity, SEV(URGENT));
	/* The group rule's own threshold, when the daemon gives one. */
	t.facts.group_threshold = 4;
	assert_int_equal(tc_run(&t, r)->severity, SEV(NORMAL));
	t.facts.group_size = 4;
	m = tc_run(&t, r);
	assert_int_equal(m->severity, SEV(URGENT));
	assert_reason(m, "urgent.group",
	    "group_complaint (4 customers, threshold 4)", "group_counter");
	tc_done(&t);
	rules_free(r);
}

/* A repeat complaint on the same order is high. */
static void
test_repeat(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "盒子坏了");
	t.facts.repeat_on_order = true;
	m = tc_run(&t, test_r);
	assert_int_equal(m->severity, SEV(HIGH));
	assert_reason(m, "high.repeat", "repeat_on_order", "repeat_counter");
	tc_done(&t);
}

/* Member tiers: gold and above are high; the order's tier fills in. */
static void
test_tier(void **state)
{
	static const struct {
		Cdp__V1__MemberTier	tier;
		Cdp__V1__Severity	sev;
	} cases[] = {
		{ TIER(REGULAR), SEV(NORMAL) },
		{ TIER(SILVER), SEV(NORMAL) },
		{ TIER(GOLD), SEV(HIGH) },
		{ TIER(PLATINUM), SEV(HIGH) },
		{ TIER(DIAMOND), SEV(HIGH) },
	};
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };
	size_t				 i;

	for (i = 0; i < nitems(cases); i++) {
		tc_init(&t, "盒子坏了");
		t.complainant.member_tier = cases[i].tier;
		assert_int_equal(tc_run(&t, test_r)->severity, cases[i].sev);
	}
	tc_init(&t, "盒子坏了");
	t.complainant.member_tier = 0;
	t.order.member_tier = TIER(GOLD);
	m = tc_run(&t, test_r);
	assert_int_equal(m->severity, SEV(HIGH));
	assert_reason(m, "high.tier", "tier >= gold",
	    "snapshot.order.member_tier");
	tc_done(&t);
}

/*
 * Low: a question about the platform without an order. With an order the
 * same text is a transaction matter (normal); urgent and high win.
 */
static void
test_low(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "APP一直闪退");
	tc_no_order(&t);
	m = tc_run(&t, test_r);
	assert_class(m, CAT(PLATFORM_RULES), "app", SEV(LOW));
	assert_false(classification_out_of_scope(t.c));
	assert_int_equal(m->priority, 100);
	assert_reason(m, "low.no_order", "category = platform|other",
	    "classification");
	t.complainant.member_tier = TIER(GOLD);
	assert_int_equal(tc_run(&t, test_r)->severity, SEV(HIGH));
	m = run_text(&t, test_r, "APP一直闪退");
	assert_int_equal(m->severity, SEV(NORMAL));
	tc_done(&t);
}

/* Out of scope: an off-platform deal, with guidance and reasons. */
static void
test_scope_offline(void **state)
{
	const Cdp__V1__OutOfScope	*oos;
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "我微信转账给卖家，收到的盒子坏了");
	tc_no_order(&t);
	m = tc_run(&t, test_r);
	assert_true(classification_out_of_scope(t.c));
	assert_non_null(oos = classification_oos(t.c));
	assert_string_equal(oos->reason_code, "offline_transaction");
	assert_string_equal(oos->guidance_zh, "您好，请通过法律途径解决。");
	assert_string_equal(oos->rules_version, rules_version(test_r));
	assert_non_null(find_reason(oos->n_reasons, oos->reasons,
	    "scope.offline", "微信转账"));
	assert_non_null(find_reason(oos->n_reasons, oos->reasons,
	    "scope.offline", "has_order = no"));
	assert_null(find_reason(oos->n_reasons, oos->reasons,
	    "product.quality", NULL));
	assert_class(m, CAT(PRODUCT), "quality", SEV(NORMAL));
	m = run_text(&t, test_r, "我微信转账给卖家，收到的盒子坏了");
	assert_false(classification_out_of_scope(t.c));
	assert_null(classification_oos(t.c));
	tc_done(&t);
}

/* Out of scope: the order's after-sales window is over. */
static void
test_scope_after_sales(void **state)
{
	const Cdp__V1__OutOfScope	*oos;
	struct rules			*r;
	struct tc			 t = { 0 };
	char				 text[sizeof(test_rules) + 64];
	const char			*p, *key = "scope = after_sales_expired\n";

	tc_init(&t, "盒子坏了");
	t.order.after_sales_until_ms = NOW_MS - 1;
	tc_run(&t, test_r);
	assert_non_null(oos = classification_oos(t.c));
	assert_string_equal(oos->reason_code, "after_sales_expired");
	assert_non_null(find_reason(oos->n_reasons, oos->reasons,
	    "scope.after_sales", "after_sales_expired"));
	assert_string_equal(oos->reasons[0]->source,
	    "snapshot.order.after_sales_until_ms");
	t.order.after_sales_until_ms = NOW_MS + 1;
	tc_run(&t, test_r);
	assert_false(classification_out_of_scope(t.c));
	t.order.after_sales_until_ms = 0;
	t.ref.after_sales_until_ms = NOW_MS - DAY_MS;
	tc_run(&t, test_r);
	assert_non_null(oos = classification_oos(t.c));
	assert_string_equal(oos->reasons[0]->source,
	    "order.after_sales_until_ms");
	p = strstr(test_rules, key) + strlen(key);
	snprintf(text, sizeof(text), "%.*senabled = no\n%s",
	    (int)(p - test_rules), test_rules, p);
	r = load_text(text);
	tc_run(&t, r);
	assert_false(classification_out_of_scope(t.c));
	tc_done(&t);
	rules_free(r);
}

/* Out of scope: no order and nothing to do with the platform. */
static void
test_scope_not_an_order(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "请问你们招聘吗");
	tc_no_order(&t);
	m = tc_run(&t, test_r);
	assert_string_equal(classification_oos(t.c)->reason_code,
	    "not_an_order");
	assert_class(m, CAT(OTHER), "", SEV(LOW));
	assert_int_equal(m->confidence_permille, 0);
	tc_done(&t);
}

/* Order and logistics facts of the snapshot as evidence. */
static void
test_snapshot_facts(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "我的包裹呢");
	t.snap.logistics_status =
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST;
	m = tc_run(&t, test_r);
	assert_class(m, CAT(LOGISTICS), "lost", SEV(NORMAL));
	assert_reason(m, "logistics.lost.status", "logistics_status = lost",
	    "snapshot.logistics_status");
	t.snap.logistics_status =
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_SIGNED_BY_PROXY;
	m = tc_run(&t, test_r);
	assert_class(m, CAT(LOGISTICS), "signed_not_received", SEV(NORMAL));
	t.snap.logistics_status = 0;
	t.order.promised_delivery_by_ms = NOW_MS - DAY_MS;
	m = tc_run(&t, test_r);
	assert_class(m, CAT(LOGISTICS), "delay", SEV(NORMAL));
	t.order.delivered_at_ms = NOW_MS - 2 * DAY_MS;
	m = tc_run(&t, test_r);
	assert_int_equal(m->category, CAT(OTHER));
	tc_done(&t);
}

/* The guided form's problem type is a prior; specific text wins. */
static void
test_problem_type_prior(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "处理一下");
	t.filed.problem_type = "platform.rules";
	m = tc_run(&t, test_r);
	assert_class(m, CAT(PLATFORM_RULES), "rules", SEV(NORMAL));
	assert_reason(m, "prior.platform.rules",
	    "problem_type = platform.rules (platform.rules)", "problem_type");
	t.filed.description = "APP闪退";
	m = tc_run(&t, test_r);
	assert_class(m, CAT(PLATFORM_RULES), "app", SEV(NORMAL));
	tc_done(&t);
}

/*
 * Routing: the category's teams (lead first), then the severity's, then
 * the rules'; the category's party; the severity's SLA policy.
 */
static void
test_routing(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "盒子坏了，我已经联系记者了");
	assert_int_equal(m->n_teams, 4);
	assert_int_equal(m->teams[0], TEAM(QUALITY_INSPECTION));
	assert_int_equal(m->teams[1], TEAM(SUPPLIER));
	assert_int_equal(m->teams[2], TEAM(EMERGENCY));
	assert_int_equal(m->teams[3], TEAM(PUBLIC_RELATIONS));
	assert_int_equal(m->responsible_party, CDP__V1__PARTY__PARTY_MERCHANT);
	assert_string_equal(m->sla_policy, "urgent");
	m = run_text(&t, test_r, "快递丢了");
	assert_int_equal(m->n_teams, 1);
	assert_int_equal(m->teams[0], TEAM(LOGISTICS_COORDINATION));
	assert_int_equal(m->responsible_party, CDP__V1__PARTY__PARTY_CARRIER);
	assert_string_equal(m->sla_policy, "standard");
	m = run_text(&t, test_r, "客服态度差");
	assert_int_equal(m->teams[0], TEAM(SERVICE_QUALITY));
	assert_int_equal(m->responsible_party, CDP__V1__PARTY__PARTY_PLATFORM);
	m = run_text(&t, test_r, "虚假宣传");
	assert_int_equal(m->category, CAT(FALSE_ADVERTISING));
	assert_int_equal(m->responsible_party, CDP__V1__PARTY__PARTY_MERCHANT);
	tc_done(&t);
}

/* Priority = severity priority + tier bonus + min(amount / step, max). */
static void
test_priority(void **state)
{
	struct tc	t = { 0 };

	tc_init(&t, "盒子坏了");
	assert_int_equal(tc_run(&t, test_r)->priority, 400);
	t.ref.amount_fen = 250000;
	assert_int_equal(tc_run(&t, test_r)->priority, 700 + 2);
	t.complainant.member_tier = TIER(GOLD);
	assert_int_equal(tc_run(&t, test_r)->priority, 700 + 40 + 2);
	t.ref.amount_fen = 50000000;
	assert_int_equal(tc_run(&t, test_r)->priority, 1000 + 40 + 100);
	tc_done(&t);
}

/*
 * Confidence: 1000 * (best - second) / (best + damping); none without
 * evidence; more distinct keywords give more evidence (keyword_bonus).
 */
static void
test_confidence(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	m = run_text(&t, test_r, "快递丢了");
	assert_int_equal(m->confidence_permille, 1000 * 3 / 4);
	m = run_text(&t, test_r, "快递丢了，盒子坏了");
	assert_int_equal(m->category, CAT(LOGISTICS));
	assert_int_equal(m->confidence_permille, 1000 * 1 / 4);
	m = run_text(&t, test_r, "快递丢了，盒子坏了，还漏水");
	assert_int_equal(m->category, CAT(PRODUCT));
	assert_int_equal(m->confidence_permille, 0);
	m = run_text(&t, test_r, "质量差，盒子坏了，还漏水");
	assert_int_equal(m->confidence_permille, 1000 * 4 / 5);
	m = run_text(&t, test_r, "你好");
	assert_class(m, CAT(OTHER), "", SEV(NORMAL));
	assert_int_equal(m->confidence_permille, 0);
	assert_int_equal(m->n_reasons, 0);
	tc_done(&t);
}

/* A complaint without description or order still classifies. */
static void
test_empty(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "");
	t.filed.complainant = NULL;
	m = tc_run(&t, test_r);
	assert_int_equal(m->category, CAT(OTHER));
	tc_init(&t, NULL);
	m = tc_run(&t, prod_r);
	assert_int_equal(m->category, CAT(OTHER));
	tc_done(&t);
}

/* Production rules: one sentence of our own for every subcategory. */
static void
test_production_categories(void **state)
{
	static const struct {
		const char		*text;
		Cdp__V1__Category	 cat;
		const char		*sub;
	} cases[] = {
		{ "用了三天就坏了，完全不能用", CAT(PRODUCT), "quality" },
		{ "The zipper broke and the seams came loose", CAT(PRODUCT),
		    "quality" },
		{ "收到的实物与图片不符，颜色差很多", CAT(PRODUCT),
		    "misdescription" },
		{ "It was sold as new but it is refurbished", CAT(PRODUCT),
		    "misdescription" },
		{ "拿去专柜鉴定，说是假货", CAT(PRODUCT), "counterfeit" },
		{ "This is a counterfeit, not authentic at all", CAT(PRODUCT),
		    "counterfeit" },
		{ "买的白色，发错成黑色了", CAT(PRODUCT),
		    "wrong_or_missing_item" },
		{ "收到的杯子碎了，外箱完好", CAT(PRODUCT), "damaged" },
		{ "面膜收到时已经过期了", CAT(PRODUCT), "expired" },
		{ "充电器冒烟了，差点着火", CAT(PRODUCT), "safety" },
		{ "下单一周了还没发货", CAT(LOGISTICS), "delay" },
		{ "快递暴力分拣，外箱被压扁了", CAT(LOGISTICS),
		    "damaged_in_transit" },
		{ "快递公司说包裹丢件了", CAT(LOGISTICS), "lost" },
		{ "My parcel was lost by the carrier", CAT(LOGISTICS), "lost" },
		{ "物流显示已签收，但我根本没收到", CAT(LOGISTICS),
		    "signed_not_received" },
		{ "快递员不送上门，还要另外加钱", CAT(LOGISTICS),
		    "courier_conduct" },
		{ "客服态度恶劣，还挂我电话", CAT(SERVICE), "agent_attitude" },
		{ "联系客服三天了都没人回复", CAT(SERVICE), "slow_response" },
		{ "商家和快递互相推诿，一直踢皮球", CAT(SERVICE), "runaround" },
		{ "客服答应给我补偿，到现在都没兑现", CAT(SERVICE),
		    "broken_promise" },
		{ "付款失败了，提示错误码", CAT(PAYMENT), "failed" },
		{ "同一个订单扣了两次钱", CAT(PAYMENT), "double_charge" },
		{ "I was charged twice for one order", CAT(PAYMENT),
		    "double_charge" },
		{ "退款十天了还没到账", CAT(PAYMENT), "refund_not_received" },
		{ "账户被盗刷了好几笔", CAT(PAYMENT), "unauthorised_charge" },
		{ "满减优惠券结算时用不了", CAT(PAYMENT), "coupon_problem" },
		{ "主播说买一送一，结果什么都没送", CAT(FALSE_ADVERTISING),
		    "false_promotion" },
		{ "大促前先涨价后打折，价格欺诈", CAT(FALSE_ADVERTISING),
		    "price_fraud" },
		{ "APP一直闪退，打不开", CAT(PLATFORM_RULES), "app" },
		{ "运费险的规则是怎么规定的？", CAT(PLATFORM_RULES), "rules" },
		{ "建议增加按销量排序的功能", CAT(PLATFORM_RULES),
		    "suggestion" },
		{ "商家天天打电话骚扰我改差评", CAT(OTHER), "" },
	};
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };
	size_t				 i;

	for (i = 0; i < nitems(cases); i++) {
		m = run_text(&t, prod_r, cases[i].text);
		if (m->category != cases[i].cat ||
		    strcmp(m->subcategory, cases[i].sub) != 0)
			fail_msg("\"%s\": expected %d.%s, got %d.%s",
			    cases[i].text, cases[i].cat, cases[i].sub,
			    m->category, m->subcategory);
	}
	tc_done(&t);
}

/* Production rules: every urgent cause, with its flag. */
static void
test_production_urgent(void **state)
{
	static const struct {
		const char		*text;
		Cdp__V1__UrgencyFlag	 flag;
		const char		*rule;
	} cases[] = {
		{ "插座冒烟了", FLAG(PERSONAL_SAFETY), "urgent.fire" },
		{ "The charger caught fire", FLAG(PERSONAL_SAFETY),
		    "urgent.fire" },
		{ "热水器漏电，手被电了一下", FLAG(PERSONAL_SAFETY),
		    "urgent.electric" },
		{ "杯子把手太烫，把手烫伤了", FLAG(PERSONAL_SAFETY),
		    "urgent.injury" },
		{ "用了以后脸上过敏", FLAG(PERSONAL_SAFETY), "urgent.allergy" },
		{ "小零件容易脱落，有窒息风险", FLAG(PERSONAL_SAFETY),
		    "urgent.choking" },
		{ "吃了以后上吐下泻", FLAG(PERSONAL_SAFETY), "urgent.illness" },
		{ "面包里吃出了玻璃渣", FLAG(PRODUCT_SAFETY),
		    "urgent.foreign_body" },
		{ "奶粉过期了", FLAG(PRODUCT_SAFETY), "urgent.spoiled_food" },
		{ "The cough medicine had expired", FLAG(PRODUCT_SAFETY),
		    "urgent.spoiled_food" },
		{ "水果发霉了", FLAG(PRODUCT_SAFETY), "urgent.spoiled_food" },
		{ "我要打12315投诉你们", FLAG(PUBLIC_OPINION),
		    "urgent.public_opinion" },
		{ "再不处理我就找律师起诉", FLAG(PUBLIC_OPINION),
		    "urgent.public_opinion" },
		{ "I have contacted a journalist", FLAG(PUBLIC_OPINION),
		    "urgent.public_opinion" },
	};
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };
	size_t				 i;

	for (i = 0; i < nitems(cases); i++) {
		m = run_text(&t, prod_r, cases[i].text);
		if (m->severity != SEV(URGENT) || !has_flag(m, cases[i].flag) ||
		    find_reason(m->n_reasons, m->reasons, cases[i].rule,
		    NULL) == NULL)
			fail_msg("\"%s\": expected urgent by %s, got severity "
			    "%d", cases[i].text, cases[i].rule, m->severity);
		assert_int_equal(m->teams[m->n_teams - 1 -
		    (cases[i].flag == FLAG(PUBLIC_OPINION))], TEAM(EMERGENCY));
	}
	tc_done(&t);
}

/*
 * Production rules: negated and figurative uses are not urgent, and an
 * expiry of something other than food or medicine is not either.
 */
static void
test_production_not_urgent(void **state)
{
	static const char *const texts[] = {
		"牛奶没有过期，就是包装有点脏",
		"The cookies are not expired, just crushed",
		"包装没有破损，也没有漏电",
		"气得我七窍冒烟，快点发货",
		"商家把问题当烫手山芋推给厂家",
		"这个价格真是火爆",
		"This deal was fire until the coupon failed",
		"I'm shocked by how your staff talked to me",
		"SF Express is slow",
		"面膜过期了，还没用",
		"离婚的事你们有律师可以咨询吗",
		"没伤到人，但快递员扔包裹",
	};
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };
	size_t				 i;

	for (i = 0; i < nitems(texts); i++) {
		m = run_text(&t, prod_r, texts[i]);
		if (m->severity == SEV(URGENT))
			fail_msg("\"%s\" is urgent (%s \"%s\")", texts[i],
			    m->reasons[m->n_reasons - 1]->rule_id,
			    m->reasons[m->n_reasons - 1]->matched);
	}
	tc_done(&t);
}

/* Production rules: amount, group and the amount written in the text. */
static void
test_production_facts(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "耳机左耳没声音");
	t.ref.amount_fen = 1000000;
	m = tc_run(&t, prod_r);
	assert_true(has_flag(m, FLAG(PROPERTY_LOSS)));
	t.ref.amount_fen = 999999;
	assert_int_equal(tc_run(&t, prod_r)->severity, SEV(HIGH));
	t.ref.amount_fen = 0;
	t.line.unit_price_fen = 0;
	t.filed.description = "一万元的手表收到是坏的";
	m = tc_run(&t, prod_r);
	assert_true(has_flag(m, FLAG(PROPERTY_LOSS)));
	t.ref.amount_fen = 30000;
	assert_int_equal(tc_run(&t, prod_r)->severity, SEV(NORMAL));
	t.facts.group_size = 5;
	assert_true(has_flag(tc_run(&t, prod_r), FLAG(GROUP_COMPLAINT)));
	t.facts.group_size = 4;
	assert_int_equal(tc_run(&t, prod_r)->severity, SEV(NORMAL));
	tc_done(&t);
}

/* Production rules: low for platform questions, scope reasons. */
static void
test_production_low_and_scope(void **state)
{
	const Cdp__V1__Classified	*m;
	struct tc			 t = { 0 };

	tc_init(&t, "请问七天无理由退货怎么算？");
	tc_no_order(&t);
	m = tc_run(&t, prod_r);
	assert_class(m, CAT(PLATFORM_RULES), "rules", SEV(LOW));
	assert_false(classification_out_of_scope(t.c));
	tc_init(&t, "请问你们附近有没有好的驾校");
	tc_no_order(&t);
	m = tc_run(&t, prod_r);
	assert_string_equal(classification_oos(t.c)->reason_code,
	    "not_an_order");
	assert_int_equal(m->severity, SEV(LOW));
	tc_init(&t, "卖家让我微信转账，便宜五十，结果收到的是假货");
	tc_no_order(&t);
	m = tc_run(&t, prod_r);
	assert_string_equal(classification_oos(t.c)->reason_code,
	    "offline_transaction");
	assert_true(strlen(classification_oos(t.c)->guidance_zh) > 30);
	assert_int_equal(m->category, CAT(PRODUCT));
	m = run_text(&t, prod_r, "手机壳收到了，想问下能不能开发票");
	assert_class(m, CAT(OTHER), "", SEV(LOW));
	tc_done(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_requires),
		cmocka_unit_test(test_negation_chinese),
		cmocka_unit_test(test_negation_english),
		cmocka_unit_test(test_cues_and_longer_keywords),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_words_and_mixed),
		cmocka_unit_test(test_amount_thresholds),
		cmocka_unit_test(test_amount_from_snapshot),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_tier),
		cmocka_unit_test(test_low),
		cmocka_unit_test(test_scope_offline),
		cmocka_unit_test(test_scope_after_sales),
		cmocka_unit_test(test_scope_not_an_order),
		cmocka_unit_test(test_snapshot_facts),
		cmocka_unit_test(test_problem_type_prior),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_confidence),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_production_categories),
		cmocka_unit_test(test_production_urgent),
		cmocka_unit_test(test_production_not_urgent),
		cmocka_unit_test(test_production_facts),
		cmocka_unit_test(test_production_low_and_scope),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
