/*
 * The production rules (config/classifier-rules.conf) against the labelled
 * set (tests/data/classifier/labelled.jsonl), which a domain expert wrote
 * from the business rules alone, independently of the rules file. Each line
 * becomes a Filed and an order snapshot; classify() must reach the label.
 *
 * Printed: per-category accuracy, subcategory, severity and out-of-scope
 * accuracy, urgent recall and precision, and every miss with its reasons.
 * The floors sit just under what the rules reach today (see
 * docs/classification.md), so a change that makes the rules worse on
 * either set fails here. For an out-of-scope line the
 * category and severity are those of the best-effort assessment behind the
 * OutOfScope (classification_classified()).
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

#include <cmocka.h>
#include <jansson.h>

#include "classifier/classifier.h"
#include "nitems.h"

#define NOW_MS		1767225600000LL		/* 2026-01-01 */
#define DAY_MS		86400000LL
#define LINE_MAX_LEN	65536

static const char *const category_names[] = {
	"", "product", "logistics", "service", "payment", "advertising",
	"platform", "other",
};

static const char *const severity_names[] = {
	"", "urgent", "high", "normal", "low",
};

static const char *const tier_names[] = {
	"", "regular", "silver", "gold", "platinum", "diamond",
};

static const char *const demand_names[] = {
	"", "refund", "return", "exchange", "repair", "compensation",
	"explanation", "apology", "reship",
};

static const char *const channel_names[] = {
	"", "app", "web", "chat", "hotline", "email", "social", "offline",
	"system",
};

/* A count of right answers out of a total. */
struct tally {
	unsigned	n;
	unsigned	ok;
};

struct stats {
	struct tally	cat[8];
	struct tally	category;
	struct tally	sub;
	struct tally	sev;
	struct tally	oos;
	unsigned	urgent_expected;
	unsigned	urgent_found;
	unsigned	urgent_got;
	unsigned	misses;
};

/* The messages of one line, on the stack of the caller. */
struct line {
	Cdp__V1__Filed		filed;
	Cdp__V1__Complainant	complainant;
	Cdp__V1__OrderRef	ref;
	Cdp__V1__OrderSnapshot	snap;
	Cdp__V1__Order		order;
	struct classify_facts	facts;
	char			order_id[32];
	char			group_key[32];
};

/* The index of name in a table, 0 if absent. */
static int
name_index(const char *const *names, size_t n, const char *name)
{
	size_t	i;

	for (i = 1; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return 0;
}

#define NAME_INDEX(t, s)	name_index((t), sizeof(t) / sizeof((t)[0]), (s))

static const char *
str(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* The order facts of a line: OrderRef in the Filed, and the snapshot. */
static void
line_order(struct line *l, json_t *o, const char *id)
{
	json_t	*amount = json_object_get(o, "amount_cny");
	int64_t	 until;

	snprintf(l->order_id, sizeof(l->order_id), "O-%s", id);
	snprintf(l->group_key, sizeof(l->group_key), "sku:S-%s", id);
	until = flag(o, "after_sales_expired") ? NOW_MS - 30 * DAY_MS :
	    NOW_MS + 30 * DAY_MS;
	l->ref.order_id = l->order_id;
	l->ref.sku = l->group_key + 4;
	l->ref.amount_fen = json_is_number(amount) ?
	    (int64_t)(json_number_value(amount) * 100 + 0.5) : 0;
	l->ref.order_total_fen = l->ref.amount_fen;
	l->ref.after_sales_until_ms = until;
	l->order.member_tier = l->complainant.member_tier;
	l->order.total_fen = l->ref.amount_fen;
	l->order.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_DELIVERED;
	l->order.after_sales_until_ms = until;
	l->snap.order_id = l->order_id;
	l->snap.order = &l->order;
	l->filed.order = &l->ref;
	l->facts.order = &l->snap;
}

/*
 * An amount without a platform order (an off-platform deal): the OrderRef
 * carries the amount, with no order id and no snapshot.
 */
static void
line_amount(struct line *l, json_t *o)
{
	l->ref.amount_fen = (int64_t)(json_number_value(json_object_get(o,
	    "amount_cny")) * 100 + 0.5);
	l->filed.order = &l->ref;
}

/* Builds the Filed, the snapshot and the facts of one labelled line. */
static void
line_build(struct line *l, json_t *o)
{
	Cdp__V1__Filed		filed = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	complainant = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__OrderRef	ref = CDP__V1__ORDER_REF__INIT;
	Cdp__V1__OrderSnapshot	snap = CDP__V1__ORDER_SNAPSHOT__INIT;
	Cdp__V1__Order		order = CDP__V1__ORDER__INIT;
	json_t			*group = json_object_get(o, "group_size");

	memset(l, 0, sizeof(*l));
	l->filed = filed;
	l->complainant = complainant;
	l->ref = ref;
	l->snap = snap;
	l->order = order;
	l->complainant.member_tier = NAME_INDEX(tier_names,
	    str(o, "member_tier"));
	l->filed.complainant = &l->complainant;
	l->filed.description = (char *)(str(o, "description") ?
	    str(o, "description") : "");
	l->filed.problem_type = (char *)(str(o, "problem_type") ?
	    str(o, "problem_type") : "");
	l->filed.demand = NAME_INDEX(demand_names, str(o, "demand"));
	l->filed.channel = NAME_INDEX(channel_names, str(o, "channel"));
	l->facts.filed = &l->filed;
	l->facts.now_ms = NOW_MS;
	l->facts.repeat_on_order = flag(o, "repeat_on_order");
	l->facts.group_size = json_is_integer(group) ?
	    json_integer_value(group) : 1;
	if (flag(o, "has_order"))
		line_order(l, o, str(o, "id"));
	else if (json_is_number(json_object_get(o, "amount_cny")))
		line_amount(l, o);
	l->facts.group_key = l->group_key[0] ? l->group_key : NULL;
}

static void
tally(struct tally *t, bool ok)
{
	t->n++;
	t->ok += ok;
}

static void
print_reasons(const Cdp__V1__Classified *cl, const Cdp__V1__OutOfScope *oos)
{
	size_t	i;

	printf("      reasons:");
	for (i = 0; i < cl->n_reasons; i++)
		printf(" %s[%s@%s]", cl->reasons[i]->rule_id,
		    cl->reasons[i]->matched, cl->reasons[i]->source);
	if (cl->n_reasons == 0)
		printf(" (none)");
	if (oos != NULL)
		printf(" | scope: %s", oos->reason_code);
	printf("\n");
}

/* Prints one miss: what was expected, what came, and why. */
static void
print_miss(json_t *o, const struct classification *c, const char *what)
{
	const Cdp__V1__Classified	*cl = classification_classified(c);
	const Cdp__V1__OutOfScope	*oos = classification_oos(c);
	json_t				*e = json_object_get(o, "expected");

	printf("  %s (%s): expected %s.%s %s%s%s, got %s.%s %s%s%s\n",
	    str(o, "id"), what, str(e, "category"),
	    str(e, "subcategory") ? str(e, "subcategory") : "-",
	    str(e, "severity"), flag(e, "out_of_scope") ? " oos:" : "",
	    flag(e, "out_of_scope") ? str(e, "out_of_scope_reason") : "",
	    category_names[cl->category], cl->subcategory[0] ?
	    cl->subcategory : "-", severity_names[cl->severity],
	    oos != NULL ? " oos:" : "", oos != NULL ? oos->reason_code : "");
	printf("      text: %s\n", str(o, "description"));
	print_reasons(cl, oos);
}

/* Checks one line against its label and counts the result. */
static void
check_line(struct stats *st, json_t *o, const struct classification *c)
{
	const Cdp__V1__Classified	*cl = classification_classified(c);
	const Cdp__V1__OutOfScope	*oos = classification_oos(c);
	json_t				*e = json_object_get(o, "expected");
	int				 cat, sev;
	bool				 cat_ok, sub_ok, sev_ok, oos_ok;
	const char			*sub = str(e, "subcategory");
	char				 what[64];

	cat = NAME_INDEX(category_names, str(e, "category"));
	sev = NAME_INDEX(severity_names, str(e, "severity"));
	cat_ok = (int)cl->category == cat;
	sub_ok = strcmp(cl->subcategory, sub ? sub : "") == 0;
	sev_ok = (int)cl->severity == sev;
	oos_ok = flag(e, "out_of_scope") ? oos != NULL &&
	    strcmp(oos->reason_code, str(e, "out_of_scope_reason")) == 0 :
	    oos == NULL;
	tally(&st->cat[cat], cat_ok);
	tally(&st->category, cat_ok);
	tally(&st->sub, cat_ok && sub_ok);
	tally(&st->sev, sev_ok);
	tally(&st->oos, oos_ok);
	st->urgent_expected += sev == CDP__V1__SEVERITY__SEVERITY_URGENT;
	st->urgent_got += cl->severity == CDP__V1__SEVERITY__SEVERITY_URGENT;
	st->urgent_found += sev == CDP__V1__SEVERITY__SEVERITY_URGENT &&
	    sev_ok;
	if (cat_ok && sub_ok && sev_ok && oos_ok)
		return;
	snprintf(what, sizeof(what), "%s%s%s%s", cat_ok ? "" : "category ",
	    sub_ok ? "" : "subcategory ", sev_ok ? "" : "severity ",
	    oos_ok ? "" : "scope ");
	what[strlen(what) - 1] = '\0';
	st->misses++;
	print_miss(o, c, what);
}

static double
pct(const struct tally *t)
{
	return t->n == 0 ? 100.0 : 100.0 * t->ok / t->n;
}

static void
print_stats(const struct stats *st)
{
	size_t	i;

	printf("\nset: %u lines, %u with a miss\n", st->category.n,
	    st->misses);
	for (i = 1; i < 8; i++)
		printf("  category %-12s %3u/%3u  %5.1f%%\n", category_names[i],
		    st->cat[i].ok, st->cat[i].n, pct(&st->cat[i]));
	printf("  category accuracy      %3u/%3u  %5.1f%%\n", st->category.ok,
	    st->category.n, pct(&st->category));
	printf("  subcategory accuracy   %3u/%3u  %5.1f%%\n", st->sub.ok,
	    st->sub.n, pct(&st->sub));
	printf("  severity accuracy      %3u/%3u  %5.1f%%\n", st->sev.ok,
	    st->sev.n, pct(&st->sev));
	printf("  out-of-scope accuracy  %3u/%3u  %5.1f%%\n", st->oos.ok,
	    st->oos.n, pct(&st->oos));
	printf("  urgent recall          %3u/%3u  %5.1f%%\n", st->urgent_found,
	    st->urgent_expected, st->urgent_expected ? 100.0 *
	    st->urgent_found / st->urgent_expected : 100.0);
	printf("  urgent precision       %3u/%3u  %5.1f%%\n", st->urgent_found,
	    st->urgent_got, st->urgent_got ? 100.0 * st->urgent_found /
	    st->urgent_got : 100.0);
}

/*
 * Floors, just under what the rules reach today: labelled.jsonl 300/304
 * category (98.7%) and 304/304 severity; tuning2.jsonl 92.5% category and
 * 27/27 urgent recall; heldout.jsonl, measured once on 2026-12-04, 191/227
 * category (84.1%) and 33/37 urgent recall (89.2%).
 */
#define LABELLED_CATEGORY_FLOOR		98.5
#define LABELLED_SEVERITY_FLOOR		99.5
#define TUNING2_CATEGORY_FLOOR		92.0
#define TUNING2_URGENT_RECALL_FLOOR	100
#define HELDOUT_CATEGORY_FLOOR		84.0
#define HELDOUT_URGENT_RECALL_FLOOR	89

/* The path of a file of the source tree (ctest sets CDP_SOURCE_DIR). */
static void
source_path(char *buf, size_t size, const char *rel)
{
	const char	*root = getenv("CDP_SOURCE_DIR");

	snprintf(buf, size, "%s/%s", root != NULL ? root : ".", rel);
}

/* Classifies one JSON line and checks it. */
static void
run_line(struct stats *st, const struct rules *r, const char *text,
    size_t lineno)
{
	struct classification	*c;
	struct line		 l;
	json_error_t		 jerr;
	json_t			*o;

	if ((o = json_loads(text, 0, &jerr)) == NULL)
		fail_msg("labelled.jsonl:%zu: %s", lineno, jerr.text);
	line_build(&l, o);
	assert_non_null(c = classify(r, &l.facts));
	check_line(st, o, c);
	classification_free(c);
	json_decref(o);
}

/* Classifies every line of a labelled file and prints the figures. */
static void
evaluate(const char *data_rel, struct stats *st)
{
	struct rules	*r;
	char		 rules_path[1024], data_path[1024], err[512];
	static char	 buf[LINE_MAX_LEN];
	FILE		*fp;
	size_t		 lineno = 0;

	memset(st, 0, sizeof(*st));
	source_path(rules_path, sizeof(rules_path),
	    "config/classifier-rules.conf");
	source_path(data_path, sizeof(data_path), data_rel);
	if ((r = rules_load(rules_path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_non_null(fp = fopen(data_path, "r"));
	printf("%s: misses (id, what, expected, got, reasons):\n", data_rel);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		lineno++;
		if (buf[strspn(buf, " \t\r\n")] != '\0')
			run_line(st, r, buf, lineno);
	}
	fclose(fp);
	print_stats(st);
	rules_free(r);
	assert_true(st->category.n > 0);
}

/* The set the rules were tuned on: urgent recall must stay at 100%. */
static void
test_labelled(void **state)
{
	struct stats	st;

	evaluate("tests/data/classifier/labelled.jsonl", &st);
	assert_int_equal(st.urgent_found, st.urgent_expected);
	assert_true(pct(&st.category) >= LABELLED_CATEGORY_FLOOR);
	assert_true(pct(&st.sev) >= LABELLED_SEVERITY_FLOOR);
}

/*
 * The held-out set (tests/data/classifier/heldout.jsonl, HELDOUT.md): 227
 * complaints written by another hand from the labelling guide alone, never
 * seen by anyone changing the rules. Its figures were measured once, when
 * it arrived, and are in docs/classification.md; the rules are never
 * changed for one of its misses. The floors sit just under that one
 * measurement, so that a rules change that generalises worse fails here.
 */
static void
test_heldout(void **state)
{
	struct stats	st;

	evaluate("tests/data/classifier/heldout.jsonl", &st);
	assert_true(pct(&st.category) >= HELDOUT_CATEGORY_FLOOR);
	assert_true(st.urgent_found * 100 >= st.urgent_expected *
	    HELDOUT_URGENT_RECALL_FLOOR);
}

/*
 * A second set, written later by another labeller in deliberately varied
 * wording. Its misses were used to tune the vocabulary, so it is a tuning
 * set too, not a measure of how the rules generalise: its floors only
 * keep a change from undoing that tuning.
 */
static void
test_tuning2(void **state)
{
	struct stats	st;

	evaluate("tests/data/classifier/tuning2.jsonl", &st);
	assert_true(pct(&st.category) >= TUNING2_CATEGORY_FLOOR);
	assert_true(st.urgent_found * 100 >= st.urgent_expected *
	    TUNING2_URGENT_RECALL_FLOOR);
}

/*
 * Off-platform deals (私下交易) under the production rules: a payment made
 * to the seller outside the platform checkout, with no platform order, is
 * out of scope with reason offline_transaction, in Chinese and in English.
 * Two look-alikes on a platform order stay in scope: WeChat Pay used
 * inside the platform checkout, and WeChat used only to talk to the
 * seller. Only the scope is checked.
 */
static const struct {
	const char	*text;
	bool		 has_order;
	const char	*reason;	/* NULL: in scope */
} offline_cases[] = {
	{ "卖家说走平台要手续费，让我私下转账给他，钱转过去以后人就联系不上了",
	    false, "offline_transaction" },
	{ "在朋友圈看到有人卖二手相机，我扫了他的个人收款码付了两千三，"
	    "到现在不发货也不回消息", false, "offline_transaction" },
	{ "对方让我直接微信付钱给他，说比平台便宜，付完款就把我拉黑了",
	    false, "offline_transaction" },
	{ "I paid the seller directly through a WeChat transfer and never "
	    "got the phone.", false, "offline_transaction" },
	{ "The seller told me to pay him on WeChat instead of through the "
	    "app to save fees, then he blocked me.", false,
	    "offline_transaction" },
	{ "下单的时候用微信支付付款成功了，订单却显示未支付，钱已经扣了",
	    true, NULL },
	{ "I paid with WeChat Pay at checkout in the app, the order says "
	    "payment failed but the money is gone.", true, NULL },
	{ "卖家加了我微信聊天，说会给我补发，结果到现在也没发货", true,
	    NULL },
	{ "The seller added me on WeChat to chat about the size, but the "
	    "parcel still has not arrived.", true, NULL },
};

/* The rules file the classifier ships with. */
static struct rules *
shipped_rules(void)
{
	struct rules	*r;
	char		 path[1024], err[512];

	source_path(path, sizeof(path), "config/classifier-rules.conf");
	if ((r = rules_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return r;
}

static void
test_offline_deals(void **state)
{
	const Cdp__V1__OutOfScope	*oos;
	struct classification		*c;
	struct rules			*r = shipped_rules();
	struct line			 l;
	json_t				*o;
	size_t				 i;

	for (i = 0; i < nitems(offline_cases); i++) {
		o = json_pack("{s:s, s:s, s:b, s:f, s:s, s:s}", "id", "X",
		    "description", offline_cases[i].text, "has_order",
		    offline_cases[i].has_order, "amount_cny", 300.0,
		    "demand", "refund", "channel", "hotline");
		line_build(&l, o);
		assert_non_null(c = classify(r, &l.facts));
		oos = classification_oos(c);
		if (offline_cases[i].reason == NULL ? oos != NULL :
		    oos == NULL || strcmp(oos->reason_code,
		    offline_cases[i].reason) != 0)
			fail_msg("\"%s\": expected %s, got %s",
			    offline_cases[i].text, offline_cases[i].reason ?
			    offline_cases[i].reason : "in scope",
			    oos != NULL ? oos->reason_code : "in scope");
		classification_free(c);
		json_decref(o);
	}
	rules_free(r);
}

/*
 * The out-of-scope reason of a complaint about a deal paid on WeChat,
 * filed on an order the platform knows (a snapshot) or on an id the
 * customer typed (none), into buf; "" when in scope.
 */
static const char *
wechat_deal_reason(struct rules *r, bool known, char *buf, size_t size)
{
	const Cdp__V1__OutOfScope	*oos;
	struct classification		*c;
	struct line			 l;
	json_t				*o;

	o = json_pack("{s:s, s:s, s:b, s:f, s:s, s:s}", "id", "X",
	    "description", "我是在微信上私下转账给卖家的，没有走平台交易，"
	    "现在卖家不发货了", "has_order", known, "amount_cny", 300.0,
	    "demand", "refund", "channel", "app");
	line_build(&l, o);
	if (!known) {
		snprintf(l.order_id, sizeof(l.order_id), "WX8812");
		l.ref.order_id = l.order_id;
		l.filed.order = &l.ref;
	}
	assert_non_null(c = classify(r, &l.facts));
	oos = classification_oos(c);
	snprintf(buf, size, "%s", oos != NULL ? oos->reason_code : "");
	classification_free(c);
	json_decref(o);
	return buf;
}

/*
 * The complaint form requires an order id, so a customer who paid the
 * seller off the platform types whatever id they have. The platform does
 * not know that order (no snapshot): still an off-platform deal. The same
 * words on an order the platform knows stay in scope.
 */
static void
test_offline_deal_with_an_unknown_order_id(void **state)
{
	struct rules	*r = shipped_rules();
	char		 reason[64];

	assert_string_equal(wechat_deal_reason(r, false, reason,
	    sizeof(reason)), "offline_transaction");
	assert_string_equal(wechat_deal_reason(r, true, reason,
	    sizeof(reason)), "");
	rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_tuning2),
		cmocka_unit_test(test_heldout),
		cmocka_unit_test(test_offline_deals),
		cmocka_unit_test(test_offline_deal_with_an_unknown_order_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
