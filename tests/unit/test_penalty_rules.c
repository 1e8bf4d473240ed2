/*
 * Unit tests for services/penalty/rules.c: the shipped rules files load
 * with the defaults, and every kind of mistake stops the load with
 * the file, line, section and reason.
 */
/* cdp-test-sources: services/penalty/rules.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "penalty/penalty.h"

#define DAY		INT64_C(86400000)
#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define STANDING(x)	CDP__V1__STANDING__STANDING_##x

#define HEAD	"[penalty]\nwindow = 365d\nrepeat_window = 30d\n" \
		"repeat_factor = 2\nappeal_window = 7d\n"
#define VIOL	"[violation late]\npoints = 2\nbreach = merchant_response\n"
#define LEVEL	"[level warning]\npoints = 1\nstanding = warned\n"

static struct pen_rules *
load(const char *text, char *err, size_t errsz)
{
	char	*copy = strdup(text);
	struct pen_rules *r;

	err[0] = '\0';
	r = rules_load_text("t.conf", copy, strlen(copy), err, errsz);
	free(copy);
	return r;
}

/* The load fails, and the error holds each of the given strings. */
static void
expect_error(const char *text, const char *want1, const char *want2)
{
	struct pen_rules	*r;
	char			 err[512];

	r = load(text, err, sizeof(err));
	if (r != NULL)
		fail_msg("loaded, expected \"%s\"", want1);
	if (strstr(err, want1) == NULL || (want2 != NULL &&
	    strstr(err, want2) == NULL))
		fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, want1,
		    want2 != NULL ? want2 : "");
}

static struct pen_rules *
load_shipped(const char *rel)
{
	const char		*root = getenv("CDP_SOURCE_DIR");
	char			 path[1024], err[512];
	struct pen_rules	*r;

	snprintf(path, sizeof(path), "%s/%s", root != NULL ? root : ".", rel);
	if ((r = rules_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return r;
}

static void
test_shipped_defaults(void **state)
{
	struct pen_rules	*r = load_shipped("config/penalty-rules.conf");

	assert_int_equal(r->window_ms, 365 * DAY);
	assert_int_equal(r->repeat_window_ms, 30 * DAY);
	assert_int_equal(r->repeat_factor, 2);
	assert_int_equal(r->appeal_window_ms, 7 * DAY);
	assert_int_equal(rules_breach(r, CLK(MERCHANT_RESPONSE))->points, 2);
	assert_string_equal(rules_breach(r, CLK(EXECUTION))->name,
	    "decision_not_executed");
	assert_int_equal(rules_breach(r, CLK(EXECUTION))->points, 6);
	assert_null(rules_breach(r, CLK(FIRST_CONTACT)));
	assert_int_equal(rules_decision(r,
	    "return.unjustified_rejection")->points, 4);
	assert_int_equal(rules_decision(r, "false_advertising")->points, 4);
	assert_int_equal(rules_decision(r, "counterfeit")->points, 12);
	assert_null(rules_decision(r, ""));
	assert_int_equal(r->nlevels, 5);
	assert_int_equal(rules_level_for(r, 0), -1);
	assert_string_equal(r->levels[rules_level_for(r, 2)].name, "warning");
	assert_string_equal(r->levels[rules_level_for(r, 12)].name,
	    "restricted");
	assert_int_equal(r->levels[1].duration_ms, 7 * DAY);
	assert_int_equal(r->levels[2].points, 24);
	assert_int_equal(r->levels[2].duration_ms, 14 * DAY);
	assert_string_equal(r->levels[2].restrictions[2], "sales_suspended");
	assert_int_equal(r->levels[3].points, 36);
	assert_int_equal(r->levels[3].duration_ms, 30 * DAY);
	assert_string_equal(r->levels[4].name, "expelled");
	assert_int_equal(r->levels[4].points, 48);
	assert_int_equal(r->levels[4].standing, STANDING(EXPELLED));
	assert_int_equal(r->levels[4].duration_ms, 0);
	rules_free(r);
}

/* The test file has the same ladder with seconds-scale durations. */
static void
test_shipped_fast(void **state)
{
	struct pen_rules	*r = load_shipped(
	    "config/penalty-rules-fast.conf");

	assert_int_equal(r->nlevels, 5);
	assert_true(r->levels[1].duration_ms <= 60000);
	assert_int_equal(r->levels[4].points, 48);
	rules_free(r);
}

static void
test_level_for_thresholds(void **state)
{
	struct pen_rules	*r = load_shipped("config/penalty-rules.conf");

	assert_int_equal(rules_level_for(r, 1), 0);
	assert_int_equal(rules_level_for(r, 11), 0);
	assert_int_equal(rules_level_for(r, 23), 1);
	assert_int_equal(rules_level_for(r, 24), 2);
	assert_int_equal(rules_level_for(r, 35), 2);
	assert_int_equal(rules_level_for(r, 36), 3);
	assert_int_equal(rules_level_for(r, 47), 3);
	assert_int_equal(rules_level_for(r, 48), 4);
	assert_int_equal(rules_level_for(r, 1000), 4);
	rules_free(r);
}

static void
test_errors_structure(void **state)
{
	expect_error(VIOL LEVEL, "no [penalty] section", NULL);
	expect_error(HEAD LEVEL, "no [violation] section", NULL);
	expect_error(HEAD VIOL, "no [level] section", NULL);
	expect_error("[penalty]\nwindow = 365d\n" VIOL LEVEL, "t.conf:1:",
	    "repeat_window");
	expect_error(HEAD "[penalty]\n" VIOL LEVEL, "t.conf:6:", "penalty");
	expect_error(HEAD VIOL LEVEL "[rule x]\n", "t.conf:12:", "rule");
	expect_error(HEAD VIOL LEVEL "[level warning]\npoints = 3\n"
	    "standing = warned\n", "t.conf:12:", "defined twice");
}

static void
test_errors_values(void **state)
{
	expect_error("[penalty]\nwindow = 1y\nrepeat_window = 30d\n"
	    "repeat_factor = 2\nappeal_window = 7d\n" VIOL LEVEL, "t.conf:2:",
	    "bad duration");
	expect_error("[penalty]\nwindow = 10d\nrepeat_window = 30d\n"
	    "repeat_factor = 2\nappeal_window = 7d\n" VIOL LEVEL,
	    "repeat_window longer than window", NULL);
	expect_error(HEAD "[violation late]\npoints = 0\nbreach = execution\n"
	    LEVEL, "t.conf:7:", "bad number");
	expect_error(HEAD "[violation late]\npoints = 2\nbreach = solution\n"
	    LEVEL, "unknown merchant clock \"solution\"", NULL);
	expect_error(HEAD "[violation late]\npoints = 2\n" LEVEL,
	    "[violation late]", "neither breach nor decision");
	expect_error(HEAD VIOL "[violation later]\npoints = 2\n"
	    "breach = merchant_response\n" LEVEL, "t.conf:11:",
	    "already the violation late");
	expect_error(HEAD VIOL "[level warning]\npoints = 1\n"
	    "standing = banned\n", "unknown standing", NULL);
	expect_error(HEAD VIOL "[level Warning]\npoints = 1\n"
	    "standing = warned\n", "bad name", NULL);
}

static void
test_errors_ladder(void **state)
{
	expect_error(HEAD VIOL LEVEL "[level r]\npoints = 1\n"
	    "standing = restricted\nrestrictions = x\nduration = 1d\n",
	    "[level r]", "not above the level before");
	expect_error(HEAD VIOL "[level r]\npoints = 5\n"
	    "standing = restricted\nrestrictions = x\n[level w]\n"
	    "points = 9\nstanding = warned\n", "[level w]",
	    "standing milder");
	expect_error(HEAD VIOL LEVEL "[level r]\npoints = 5\n"
	    "standing = restricted\nduration = 1d\n", "[level r]",
	    "a duration without restrictions");
	expect_error(HEAD VIOL LEVEL "[level r]\npoints = 5\n"
	    "standing = restricted\n", "[level r]",
	    "restricted without restrictions");
	expect_error(HEAD VIOL LEVEL "[level r]\npoints = 5\n"
	    "standing = restricted\nrestrictions = a,,b\n", "[level r]",
	    "empty item");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_defaults),
		cmocka_unit_test(test_shipped_fast),
		cmocka_unit_test(test_level_for_thresholds),
		cmocka_unit_test(test_errors_structure),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test(test_errors_ladder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
