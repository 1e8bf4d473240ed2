/*
 * Unit tests of services/classifier/rules.c: the production rules file
 * loads; every kind of mistake is refused with "<path>:<line>: <reason>";
 * settings, patterns and rules come out as written; rules_version is the
 * SHA-256 prefix of the content, stable for the same content. Files are
 * written to temporary files.
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
#include <openssl/evp.h>

#include "classifier/classifier.h"
#include "nitems.h"

/* Every category and severity, as every rules file must have them. */
#define BASE \
    "[severity urgent]\nsla_policy = urgent\npriority = 1000\n" \
    "teams = emergency\n" \
    "[severity high]\nsla_policy = priority\npriority = 700\n" \
    "[severity normal]\nsla_policy = standard\npriority = 400\n" \
    "[severity low]\nsla_policy = standard\npriority = 100\n" \
    "[category product]\nsubcategories = quality, expired\n" \
    "teams = quality_inspection, supplier\nparty = merchant\n" \
    "[category logistics]\nsubcategories = lost\n" \
    "teams = logistics_coordination\nparty = carrier\n" \
    "[category service]\nteams = service_quality\nparty = platform\n" \
    "[category payment]\nteams = payments\nparty = platform\n" \
    "[category advertising]\nteams = customer_service\nparty = merchant\n" \
    "[category platform]\nsubcategories = app\n" \
    "teams = customer_service\nparty = platform\n" \
    "[category other]\nteams = customer_service\nparty = platform\n" \
    "[scope offline]\nguidance = 您好，\nguidance = 请走法律途径。\n"

#define BASE_LINES	40	/* lines of BASE */

static char	tmp_path[64];

/* Writes text to a new temporary file, whose name is left in tmp_path. */
static void
write_tmp(const char *text)
{
	FILE	*fp;
	int	 fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test-rules.XXXXXX");
	assert_true((fd = mkstemp(tmp_path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* Loads rules from text, by way of a temporary file. */
static struct rules *
load_text(const char *text, char *err, size_t errsz)
{
	struct rules	*r;

	write_tmp(text);
	err[0] = '\0';
	r = rules_load(tmp_path, err, errsz);
	unlink(tmp_path);
	return r;
}

/* Loads BASE followed by extra and expects success. */
static struct rules *
load_ok(const char *extra)
{
	struct rules	*r;
	char		 text[8192], err[512];

	snprintf(text, sizeof(text), "%s%s", BASE, extra);
	if ((r = load_text(text, err, sizeof(err))) == NULL)
		fail_msg("unexpected error: %s", err);
	return r;
}

/*
 * Loads BASE followed by extra and expects the error to name the line
 * (counted in extra, from 1; 0: no line) and to contain reason.
 */
static void
expect_error(const char *extra, size_t line, const char *reason)
{
	char	text[8192], err[512], where[128];

	snprintf(text, sizeof(text), "%s%s", BASE, extra);
	assert_null(load_text(text, err, sizeof(err)));
	if (line > 0)
		snprintf(where, sizeof(where), "%s:%zu: ", tmp_path,
		    BASE_LINES + line);
	else
		snprintf(where, sizeof(where), "%s: ", tmp_path);
	if (strncmp(err, where, strlen(where)) != 0 ||
	    strstr(err, reason) == NULL)
		fail_msg("expected \"%s...%s\", got \"%s\"", where, reason, err);
}

static const char *
source_file(char *buf, size_t size, const char *rel)
{
	const char	*root = getenv("CDP_SOURCE_DIR");

	snprintf(buf, size, "%s/%s", root != NULL ? root : ".", rel);
	return buf;
}

/* The base file has exactly BASE_LINES lines, which the tests count on. */
static void
test_base_lines(void **state)
{
	const char	*s;
	size_t		 n = 0;

	for (s = BASE; *s != '\0'; s++)
		n += *s == '\n';
	assert_int_equal(n, BASE_LINES);
}

/* The production file loads, with its settings and the whole vocabulary. */
static void
test_production_file(void **state)
{
	const struct rule_category	*c;
	struct rules			*r;
	char				 path[1024], err[512];

	source_file(path, sizeof(path), "config/classifier-rules.conf");
	if ((r = rules_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(rules_settings(r)->group_threshold, 5);
	assert_int_equal(rules_settings(r)->group_window_ms, 30 * 60 * 1000);
	assert_int_equal(strlen(rules_version(r)), 16);
	assert_true(rules_count(r) > 50);
	c = rules_category(r, CDP__V1__CATEGORY__CATEGORY_PRODUCT);
	assert_int_equal(c->nsubs, 7);
	assert_int_equal(c->party, CDP__V1__PARTY__PARTY_MERCHANT);
	assert_int_equal(c->teams[0], CDP__V1__TEAM__TEAM_QUALITY_INSPECTION);
	assert_int_equal(rules_category(r,
	    CDP__V1__CATEGORY__CATEGORY_LOGISTICS)->nsubs, 5);
	assert_int_equal(rules_category(r,
	    CDP__V1__CATEGORY__CATEGORY_PAYMENT)->nsubs, 5);
	assert_string_equal(rules_severity(r,
	    CDP__V1__SEVERITY__SEVERITY_URGENT)->sla_policy, "urgent");
	assert_non_null(rules_guidance(r, "offline_transaction"));
	assert_non_null(rules_guidance(r, "after_sales_expired"));
	assert_non_null(rules_guidance(r, "not_an_order"));
	assert_true(matcher_states(rules_matcher(r)) > 1000);
	rules_free(r);
}

/* Formats the SHA-256 prefix of text, independently of rules.c. */
static void
sha256_prefix(const char *text, char out[17])
{
	unsigned char	md[32];
	unsigned int	len;
	size_t		i;

	assert_int_equal(EVP_Digest(text, strlen(text), md, &len,
	    EVP_sha256(), NULL), 1);
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* rules_version: the SHA-256 prefix, the same for the same content. */
static void
test_version(void **state)
{
	struct rules	*a, *b, *c;
	char		 text[8192], want[17];
	char		 version[17];

	a = load_ok("");
	b = load_ok("");
	c = load_ok("# a comment changes the version\n");
	snprintf(text, sizeof(text), "%s", BASE);
	sha256_prefix(text, want);
	assert_string_equal(rules_version(a), want);
	assert_string_equal(rules_version(a), rules_version(b));
	snprintf(version, sizeof(version), "%s", rules_version(c));
	assert_string_not_equal(rules_version(a), version);
	rules_free(a);
	rules_free(b);
	rules_free(c);
}

/* Settings: defaults, then what the file says. */
static void
test_settings(void **state)
{
	const struct rule_settings	*s;
	struct rules			*r;

	r = load_ok("");
	s = rules_settings(r);
	assert_int_equal(s->group_threshold, 5);
	assert_int_equal(s->group_window_ms, 1800000);
	assert_int_equal(s->negation_window, 4);
	assert_int_equal(s->confidence_damping, 1000);
	assert_int_equal(s->keyword_bonus, 500);
	rules_free(r);
	r = load_ok("[settings]\ngroup_threshold = 3\ngroup_window = 2h\n"
	    "negation_window = 2\nconfidence_damping = 0.5\n"
	    "keyword_bonus = 0\n[priority]\ngold = 40\ndiamond = 80\n"
	    "amount_step_fen = 50000\namount_max = 7\n");
	s = rules_settings(r);
	assert_int_equal(rules_settings(r)->group_threshold, 3);
	assert_int_equal(rules_settings(r)->group_window_ms, 7200000);
	assert_int_equal(s->negation_window, 2);
	assert_int_equal(s->confidence_damping, 500);
	assert_int_equal(s->keyword_bonus, 0);
	assert_int_equal(s->tier_bonus[CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD],
	    40);
	assert_int_equal(s->tier_bonus[CDP__V1__MEMBER_TIER__MEMBER_TIER_DIAMOND],
	    80);
	assert_int_equal(s->amount_step_fen, 50000);
	assert_int_equal(s->amount_bonus_max, 7);
	rules_free(r);
	r = load_ok("[settings]\ngroup_window = 90s\n");
	assert_int_equal(rules_settings(r)->group_window_ms, 90000);
	rules_free(r);
}

/* A rule as written: category, subcategory, weight, conditions, flags. */
static void
test_rule_fields(void **state)
{
	const struct rule	*rule;
	struct rules		*r;

	r = load_ok("[rule a.one]\nkeywords = 过期, Expired\n"
	    "category = product.expired\nweight = 2.5\n"
	    "[rule b.two]\nwhen = amount_fen >= 1000000\n"
	    "when = tier >= gold\nwhen = demand = refund|return\n"
	    "severity = urgent\nflag = property_loss\n"
	    "teams = public_relations\n"
	    "[rule c.three]\nwhen = category = platform|other\n"
	    "when = has_order = no\nseverity = low\n"
	    "[rule d.four]\nkeywords = 私下\nscope = offline\n");
	assert_int_equal(rules_count(r), 4);
	rule = rules_rule(r, 0);
	assert_string_equal(rule->id, "a.one");
	assert_int_equal(rule->line, BASE_LINES + 1);
	assert_int_equal(rule->category, CDP__V1__CATEGORY__CATEGORY_PRODUCT);
	assert_int_equal(rule->sub, 1);
	assert_int_equal(rule->weight, 2500);
	assert_true(rule->has_keywords);
	assert_false(rule->post);
	rule = rules_rule(r, 1);
	assert_int_equal(rule->nconds, 3);
	assert_int_equal(rule->conds[0].fact, RULE_FACT_AMOUNT_FEN);
	assert_int_equal(rule->conds[0].op, RULE_OP_GE);
	assert_int_equal(rule->conds[0].value, 1000000);
	assert_string_equal(rule->conds[0].text, "amount_fen >= 1000000");
	assert_int_equal(rule->conds[1].value, CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD);
	assert_int_equal(rule->conds[2].mask, (1u << 1) | (1u << 2));
	assert_int_equal(rule->severity, CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_int_equal(rule->flag,
	    CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PROPERTY_LOSS);
	assert_int_equal(rule->nteams, 1);
	assert_true(rules_rule(r, 2)->post);
	assert_string_equal(rules_rule(r, 3)->scope, "offline");
	assert_string_equal(rules_guidance(r, "offline"), "您好，请走法律途径。");
	assert_null(rules_guidance(r, "nope"));
	rules_free(r);
}

/* Finds the pattern with the given text. */
static const struct rule_pattern *
find_pattern(const struct rules *r, const char *text)
{
	size_t	i;

	for (i = 0; i < rules_pattern_count(r); i++)
		if (strcmp(rules_pattern(r, i)->text, text) == 0)
			return rules_pattern(r, i);
	return NULL;
}

/*
 * One pattern per distinct keyword (English case folded), with a use for
 * every rule; full-width commas separate items; a trailing "*" is a prefix;
 * negation cues are patterns too.
 */
static void
test_patterns(void **state)
{
	const struct rule_pattern	*p;
	struct rules			*r;

	r = load_ok("[negation]\ncues = 没有, not\nnot_cues = 无法\n"
	    "[rule a]\nkeywords = 过期，Expired, refund*\ncategory = product\n"
	    "[rule b]\nkeywords = 过期, expired\nrequires = 牛奶\n"
	    "exclude = 过期券\ncategory = product.expired\n");
	assert_int_equal(rules_pattern_count(r), 8);
	assert_non_null(p = find_pattern(r, "过期"));
	assert_int_equal(p->nuses, 2);
	assert_int_equal(p->uses[0].rule, 0);
	assert_int_equal(p->uses[1].rule, 1);
	assert_non_null(p = find_pattern(r, "Expired"));
	assert_int_equal(p->nuses, 2);
	assert_null(find_pattern(r, "expired"));
	assert_non_null(p = find_pattern(r, "refund"));
	assert_true(p->prefix);
	assert_non_null(p = find_pattern(r, "牛奶"));
	assert_int_equal(p->uses[0].kind, RULE_USE_REQUIRES);
	assert_non_null(p = find_pattern(r, "过期券"));
	assert_int_equal(p->uses[0].kind, RULE_USE_EXCLUDE);
	assert_non_null(p = find_pattern(r, "没有"));
	assert_int_equal(p->uses[0].kind, RULE_USE_CUE);
	assert_non_null(p = find_pattern(r, "无法"));
	assert_int_equal(p->uses[0].kind, RULE_USE_NOT_CUE);
	assert_true(rules_rule(r, 1)->has_requires);
	assert_true(rules_rule(r, 1)->has_exclude);
	rules_free(r);
}

/* enabled = no leaves a rule out, keywords and all. */
static void
test_disabled(void **state)
{
	struct rules	*r;

	r = load_ok("[rule a]\nkeywords = 甲\ncategory = other\n"
	    "[rule b]\nkeywords = 乙\nenabled = no\ncategory = other\n"
	    "[rule c]\nkeywords = 丙\nscope = offline\nenabled = yes\n");
	assert_int_equal(rules_count(r), 2);
	assert_string_equal(rules_rule(r, 1)->id, "c");
	assert_string_equal(rules_rule(r, 1)->scope, "offline");
	assert_int_equal(find_pattern(r, "乙")->nuses, 0);
	rules_free(r);
}

/* A file that cannot be read. */
static void
test_error_missing_file(void **state)
{
	char	err[512];

	assert_null(rules_load("/nonexistent/rules.conf", err, sizeof(err)));
	assert_string_equal(err,
	    "/nonexistent/rules.conf: No such file or directory");
}

/* Mistakes in the structure of the file. */
static void
test_error_structure(void **state)
{
	expect_error("[rules]\n", 1, "unknown section [rules]");
	expect_error("[rule\n", 1, "section header without \"]\"");
	expect_error("[rule]\n", 1, "[rule] needs a name");
	expect_error("[settings x]\n", 1, "[settings] takes no name");
	expect_error("[rule a b]\n", 1, "bad section name");
	expect_error("[rule A]\n", 1, "bad rule id \"A\"");
	expect_error("[settings]\n[settings]\n", 2,
	    "duplicate section [settings]");
	expect_error("[category product]\n", 1,
	    "duplicate section [category product]");
	expect_error("[severity high]\n", 1,
	    "duplicate section [severity high]");
	expect_error("[scope offline]\n", 1, "duplicate section [scope offline]");
	expect_error("[severity urgentish]\n", 1,
	    "unknown severity \"urgentish\"");
	expect_error("[category shoes]\n", 1, "unknown category \"shoes\"");
	expect_error("[rule a]\nkeywords = 甲\ncategory = other\n"
	    "just words\n", 4, "expected \"key = value\"");
	expect_error("[rule a]\nkeywords = 甲\ncolour = red\ncategory = other\n",
	    3, "unknown key \"colour\" in [rule]");
	expect_error("[settings]\ngroup_size = 3\n", 2,
	    "unknown key \"group_size\" in [settings]");
	expect_error("[rule a]\nkeywords = 甲\ncategory = other\n"
	    "category = product\n", 4, "duplicate key category");
	expect_error("[rule a]\nkeywords = 甲\ncategory = other\n"
	    "[rule a]\nkeywords = 乙\ncategory = other\n", 4,
	    "duplicate rule id a (first at line 41)");
	expect_error("[rule a]\nkeywords = \xff\xfe\ncategory = other\n", 2,
	    "not valid UTF-8");
}

/* A key before any section, written straight into the file. */
static void
test_error_outside_section(void **state)
{
	char	err[512], want[128];

	assert_null(load_text("weight = 1\n" BASE, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: key weight outside a section",
	    tmp_path);
	assert_string_equal(err, want);
}

/* Every category and severity needs its section. */
static void
test_error_incomplete(void **state)
{
	char	err[512];

	assert_null(load_text("[severity urgent]\nsla_policy = u\n"
	    "priority = 1\n", err, sizeof(err)));
	assert_non_null(strstr(err, ": no [category product] section"));
	assert_null(load_text("[category product]\nteams = supplier\n"
	    "party = merchant\n", err, sizeof(err)));
	assert_non_null(strstr(err, ": no [category logistics] section"));
}

/* Bad values of keys of every section. */
static void
test_error_values(void **state)
{
	expect_error("[settings]\ngroup_threshold = 1\n", 2,
	    "bad group_threshold \"1\": an integer from 2 to 100000");
	expect_error("[settings]\ngroup_threshold = five\n", 2,
	    "bad group_threshold");
	expect_error("[settings]\ngroup_window = 30\n", 2,
	    "bad group_window \"30\"");
	expect_error("[settings]\ngroup_window = -5m\n", 2, "bad group_window");
	expect_error("[settings]\nnegation_window = 99\n", 2,
	    "bad negation_window");
	expect_error("[settings]\nkeyword_bonus = 2\n", 2, "bad keyword_bonus");
	expect_error("[priority]\ngold = lots\n", 2, "bad gold");
	expect_error("[negation]\ncues =\n", 2, "empty negation cue list");
	expect_error("[scope other_channel]\n[rule a]\nkeywords = 甲\n"
	    "category = other\n", 1, "[scope other_channel] needs guidance");
}

/* Mistakes in the severity and category sections. */
static void
test_error_sections(void **state)
{
	char	err[512], want[128];

	assert_null(load_text("[severity urgent]\nsla_policy = u\n"
	    "[severity high]\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: [severity urgent] needs "
	    "sla_policy and priority", tmp_path);
	assert_string_equal(err, want);
	assert_null(load_text("[category product]\nteams = supplier\n"
	    "[severity high]\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: [category product] needs teams "
	    "and party", tmp_path);
	assert_string_equal(err, want);
	assert_null(load_text("[category product]\nteams = cooks\n", err,
	    sizeof(err)));
	assert_non_null(strstr(err,
	    ":2: [category product] unknown team \"cooks\""));
	assert_null(load_text("[category product]\nparty = nobody\n", err,
	    sizeof(err)));
	assert_non_null(strstr(err,
	    ":2: [category product] unknown party \"nobody\""));
	assert_null(load_text("[category product]\nteams = supplier, "
	    "supplier\n", err, sizeof(err)));
	assert_non_null(strstr(err,
	    ":2: [category product] team supplier is listed twice"));
	assert_null(load_text("[category product]\nsubcategories = a, a\n",
	    err, sizeof(err)));
	assert_non_null(strstr(err, ":2: [category product] subcategory a is "
	    "listed twice"));
	assert_null(load_text("[severity low]\nsla_policy = Not Valid\n", err,
	    sizeof(err)));
	assert_non_null(strstr(err, ":2: [severity low] bad sla_policy"));
}

/* Bad weights: zero, negative, too large, too precise, not a number. */
static void
test_error_weight(void **state)
{
	static const char *const bad[] = {
		"0", "-1", "100.5", "1.2345", "abc", "1.", ".5", "",
	};
	char	extra[256];
	size_t	i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(extra, sizeof(extra), "[rule a]\nkeywords = 甲\n"
		    "category = other\nweight = %s\n", bad[i]);
		expect_error(extra, 4, "bad weight");
	}
	expect_error("[rule a]\nkeywords = 甲\nseverity = high\nweight = 2\n",
	    1, "rule a has a weight but no category");
}

/* Unknown names in a rule: category, subcategory, severity, flag, team. */
static void
test_error_names(void **state)
{
	expect_error("[rule a]\nkeywords = 甲\ncategory = shoes\n", 3,
	    "unknown category \"shoes\" (expected one of product, logistics");
	expect_error("[rule a]\nkeywords = 甲\ncategory = product.fake\n", 3,
	    "unknown subcategory product.fake (not in [category product] "
	    "subcategories)");
	expect_error("[rule a]\nkeywords = 甲\ncategory = product.\n", 3,
	    "empty subcategory");
	expect_error("[rule a]\nkeywords = 甲\nseverity = critical\n", 3,
	    "unknown severity \"critical\"");
	expect_error("[rule a]\nkeywords = 甲\nseverity = normal\n", 3,
	    "severity normal is what a rule without severity leaves");
	expect_error("[rule a]\nkeywords = 甲\nseverity = urgent\n"
	    "flag = fire\n", 4, "unknown flag \"fire\"");
	expect_error("[rule a]\nkeywords = 甲\nteams = cooks\n", 3,
	    "unknown team \"cooks\"");
	expect_error("[rule a]\nkeywords = 甲\nscope = elsewhere\n", 3,
	    "unknown scope elsewhere (no [scope elsewhere] section)");
	expect_error("[rule a]\nkeywords = 甲\nenabled = maybe\n", 3,
	    "bad enabled \"maybe\"");
}

/* Empty lists, empty items and misplaced "*". */
static void
test_error_lists(void **state)
{
	expect_error("[rule a]\nkeywords =\ncategory = other\n", 2,
	    "empty keyword list");
	expect_error("[rule a]\nkeywords = 甲,, 乙\ncategory = other\n", 2,
	    "empty item in keyword list");
	expect_error("[rule a]\nkeywords = 甲，\ncategory = other\n", 2,
	    "empty item in keyword list");
	expect_error("[rule a]\nkeywords = 甲\nrequires =\ncategory = other\n",
	    3, "empty requires list");
	expect_error("[rule a]\nkeywords = 甲\nexclude = ,\ncategory = other\n",
	    3, "empty item in exclude list");
	expect_error("[rule a]\nkeywords = re*fund\ncategory = other\n", 2,
	    "\"*\" may only end a pattern");
	expect_error("[rule a]\nkeywords = 退*\ncategory = other\n", 2,
	    "\"*\" may only end an English word");
}

/* Bad conditions: unknown fact, operator, value; operators by type. */
static void
test_error_conditions(void **state)
{
	expect_error("[rule a]\nwhen = colour = red\ncategory = other\n", 2,
	    "unknown fact in condition \"colour = red\"");
	expect_error("[rule a]\nwhen = amount_fen ~ 5\ncategory = other\n", 2,
	    "bad operator in condition");
	expect_error("[rule a]\nwhen = amount_fen >= lots\ncategory = other\n",
	    2, "bad amount_fen \"lots\"");
	expect_error("[rule a]\nwhen = amount_fen\ncategory = other\n", 2,
	    "condition on amount_fen needs an operator and a value");
	expect_error("[rule a]\nwhen = amount_fen >=\ncategory = other\n", 2,
	    "condition on amount_fen has no value");
	expect_error("[rule a]\nwhen = tier >= bronze\ncategory = other\n", 2,
	    "unknown tier \"bronze\"");
	expect_error("[rule a]\nwhen = demand > refund\ncategory = other\n", 2,
	    "demand takes only = or !=");
	expect_error("[rule a]\nwhen = has_order = perhaps\ncategory = other\n",
	    2, "bad value \"perhaps\" for has_order: yes or no");
	expect_error("[rule a]\nwhen = logistics_status = vanished\n"
	    "category = other\n", 2, "unknown logistics_status \"vanished\"");
	expect_error("[rule a]\nwhen = subcategory = nonesuch\nseverity = low\n",
	    2, "unknown subcategory nonesuch in condition");
	expect_error("[rule a]\nwhen = problem_type = Not Valid\n"
	    "category = other\n", 2, "bad problem_type");
}

/* Rules that are incomplete or contradict themselves. */
static void
test_error_rule_checks(void **state)
{
	expect_error("[rule a]\ncategory = other\n", 1,
	    "rule a has nothing to match");
	expect_error("[rule a]\nkeywords = 甲\n[rule b]\nkeywords = 乙\n"
	    "category = other\n", 1, "rule a does nothing");
	expect_error("[rule a]\nkeywords = 甲\nrequires = 乙\ncategory = other\n"
	    "[rule b]\nrequires = 乙\nwhen = has_order\ncategory = other\n",
	    5, "rule b has requires but no keywords");
	expect_error("[rule a]\nwhen = category = other\ncategory = product\n",
	    1, "rule a tests the decided category, so it cannot give "
	    "category evidence");
	expect_error("[rule a]\nkeywords = 甲\nseverity = high\n"
	    "flag = public_opinion\n", 1,
	    "rule a has a flag, which only goes with severity = urgent");
	expect_error("[rule a]\nkeywords = 甲\nseverity = urgent\n", 1,
	    "rule a is urgent without a flag saying why");
}

/*
 * Group-complaint rules: without [group] sections only the SKU rule is on,
 * with the settings' threshold and window; [group <by>] sections turn
 * rules on with their own threshold and window (the settings' by default),
 * and mistakes name their line.
 */
static void
test_group_rules(void **state)
{
	const struct rule_group	*sku, *sub;
	struct rules		*r;

	r = load_ok("[settings]\ngroup_threshold = 4\ngroup_window = 2h\n");
	sku = rules_group(r, GROUP_BY_SKU);
	sub = rules_group(r, GROUP_BY_SUBCATEGORY);
	assert_true(sku->enabled);
	assert_int_equal(sku->threshold, 4);
	assert_int_equal(sku->window_ms, 7200000);
	assert_false(sub->enabled);
	assert_int_equal(rules_group_window_max(r), 7200000);
	rules_free(r);
	r = load_ok("[group subcategory]\nthreshold = 8\nwindow = 1h\n"
	    "[group sku]\nwindow = 90s\nenabled = no\n");
	sku = rules_group(r, GROUP_BY_SKU);
	sub = rules_group(r, GROUP_BY_SUBCATEGORY);
	assert_false(sku->enabled);
	assert_int_equal(sku->threshold, 5);
	assert_int_equal(sku->window_ms, 90000);
	assert_true(sub->enabled);
	assert_string_equal(sub->name, "subcategory");
	assert_int_equal(sub->threshold, 8);
	assert_int_equal(sub->window_ms, 3600000);
	assert_int_equal(rules_group_window_max(r), 3600000);
	rules_free(r);
	expect_error("[group merchant]\n", 1, "group");
	expect_error("[group sku]\n[group sku]\n", 2,
	    "duplicate section [group sku]");
	expect_error("[group sku]\nthreshold = 1\n", 2,
	    "bad threshold \"1\": an integer from 2 to 100000");
	expect_error("[group sku]\nwindow = 30\n", 2, "bad window \"30\"");
	expect_error("[group sku]\nsize = 3\n", 2,
	    "unknown key \"size\" in [group]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_lines),
		cmocka_unit_test(test_production_file),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_rule_fields),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_error_missing_file),
		cmocka_unit_test(test_error_structure),
		cmocka_unit_test(test_error_outside_section),
		cmocka_unit_test(test_error_incomplete),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_error_sections),
		cmocka_unit_test(test_error_weight),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_error_lists),
		cmocka_unit_test(test_error_conditions),
		cmocka_unit_test(test_error_rule_checks),
		cmocka_unit_test(test_group_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
