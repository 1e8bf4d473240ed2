/*
 * Unit tests of services/classifier/group.c, the decisions of group
 * complaints: group keys always name the merchant; the group a complaint
 * formed, else the first rule whose distinct customers reach its
 * threshold, is its group; a raised member
 * gets the urgent severity's SLA policy, priority base and teams and the
 * group flag, each once.
 */
/* cdp-test-sources: services/classifier/group.c services/classifier/rules.c services/classifier/rules_sections.c services/classifier/rule_keys.c services/classifier/rule_conditions.c services/classifier/rule_patterns.c services/classifier/rules_values.c services/classifier/rules_resolve.c services/classifier/classify.c services/classifier/matcher.c */
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

#define FLAG(x)	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_##x
#define TEAM(x)	CDP__V1__TEAM__TEAM_##x
#define SEV(x)	CDP__V1__SEVERITY__SEVERITY_##x

static const char group_rules[] =
    "[severity urgent]\nsla_policy = urgent\npriority = 1000\n"
    "teams = emergency\n"
    "[severity high]\nsla_policy = priority\npriority = 700\n"
    "[severity normal]\nsla_policy = standard\npriority = 400\n"
    "[severity low]\nsla_policy = standard\npriority = 100\n"
    "[category product]\nsubcategories = quality\n"
    "teams = quality_inspection\nparty = merchant\n"
    "[category logistics]\nteams = logistics_coordination\nparty = carrier\n"
    "[category service]\nteams = service_quality\nparty = platform\n"
    "[category payment]\nteams = payments\nparty = platform\n"
    "[category advertising]\nteams = customer_service\nparty = merchant\n"
    "[category platform]\nteams = customer_service\nparty = platform\n"
    "[category other]\nteams = customer_service\nparty = platform\n"
    "[group sku]\nthreshold = 5\nwindow = 30m\n"
    "[group subcategory]\nthreshold = 10\nwindow = 1h\n";

static int
setup(void **state)
{
	char	 path[] = "/tmp/test-group-rules.XXXXXX", err[512];
	FILE	*fp;
	int	 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_true(fputs(group_rules, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	*state = rules_load(path, err, sizeof(err));
	unlink(path);
	if (*state == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	rules_free(*state);
	return 0;
}

/* Keys name the merchant first, so two merchants never share a group. */
static void
test_keys_name_the_merchant(void **state)
{
	const struct rules	*r = *state;
	Cdp__V1__Filed		 f = CDP__V1__FILED__INIT;
	Cdp__V1__OrderRef	 ref = CDP__V1__ORDER_REF__INIT;
	char			 a[128], b[128];

	ref.sku = "S9";
	f.order = &ref;
	assert_int_equal(group_key(r, GROUP_BY_SKU, "M1", &f, "", a,
	    sizeof(a)), 0);
	assert_string_equal(a, "merchant:M1/sku:S9");
	assert_int_equal(group_key(r, GROUP_BY_SKU, "M2", &f, "", b,
	    sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(group_key(r, GROUP_BY_SUBCATEGORY, "M1", &f,
	    "product.quality", a, sizeof(a)), 0);
	assert_string_equal(a, "merchant:M1/subcategory:product.quality");
	/* A part missing: no group. */
	assert_int_equal(group_key(r, GROUP_BY_SUBCATEGORY, "M1", &f, "", a,
	    sizeof(a)), -1);
	assert_int_equal(group_key(r, GROUP_BY_SKU, "", &f, "", a,
	    sizeof(a)), -1);
	ref.sku = "";
	assert_int_equal(group_key(r, GROUP_BY_SKU, "M1", &f, "", a,
	    sizeof(a)), -1);
	f.order = NULL;
	assert_int_equal(group_key(r, GROUP_BY_SKU, "M1", &f, "", a,
	    sizeof(a)), -1);
	assert_int_equal(group_key(r, GROUP_BY_SKU, "M1", &f, "", a, 8), -1);
}

/* Distinct customers against each rule's own threshold. */
static void
test_pick_by_distinct_customers(void **state)
{
	const struct rules	*r = *state;
	struct group_count	 c[GROUP_BY_N];

	memset(c, 0, sizeof(c));
	c[GROUP_BY_SKU].customers = 4;
	c[GROUP_BY_SUBCATEGORY].customers = 9;
	assert_int_equal(group_pick(r, c), -1);
	/* Nearest its threshold: 9 of 10 over 4 of 5. */
	assert_int_equal(group_shown(r, c), GROUP_BY_SUBCATEGORY);
	c[GROUP_BY_SUBCATEGORY].customers = 3;
	assert_int_equal(group_shown(r, c), GROUP_BY_SKU);
	c[GROUP_BY_SUBCATEGORY].customers = 10;
	assert_int_equal(group_pick(r, c), GROUP_BY_SUBCATEGORY);
	c[GROUP_BY_SKU].customers = 5;
	assert_int_equal(group_pick(r, c), GROUP_BY_SKU);
	assert_int_equal(group_shown(r, c), GROUP_BY_SKU);
	/* The group this complaint formed wins: its members are raised. */
	c[GROUP_BY_SUBCATEGORY].formed = true;
	assert_int_equal(group_pick(r, c), GROUP_BY_SUBCATEGORY);
}

static void
test_others_leave_self_out(void **state)
{
	char	*ids[] = { "C1", "C2", "C3" }, *out[3];

	assert_int_equal(group_others(ids, 3, "C2", out), 2);
	assert_string_equal(out[0], "C1");
	assert_string_equal(out[1], "C3");
	assert_int_equal(group_others(ids, 3, "C9", out), 3);
}

static bool
has_team(const Cdp__V1__Classified *cl, Cdp__V1__Team t, size_t *n)
{
	size_t	i;

	*n = 0;
	for (i = 0; i < cl->n_teams; i++)
		*n += cl->teams[i] == t;
	return *n > 0;
}

/*
 * A normal member (gold, 2,500 CNY: 400 + 40 + 2) raised: urgent, the
 * urgent policy, 1000 + 40 + 2, the group flag and the emergency team.
 * Raised again, nothing doubles.
 */
static void
test_raise_takes_urgent_policy_and_priority_once(void **state)
{
	const struct rules	*r = *state;
	Cdp__V1__Classified	 cl = CDP__V1__CLASSIFIED__INIT, again;
	Cdp__V1__Team		 teams0[] = { TEAM(QUALITY_INSPECTION) };
	Cdp__V1__UrgencyFlag	 flags[4], flags2[4];
	Cdp__V1__Team		 teams[4], teams2[4];
	size_t			 nteams, nflags, n;

	cl.severity = SEV(NORMAL);
	cl.sla_policy = "standard";
	cl.priority = 442;
	cl.teams = teams0;
	cl.n_teams = 1;
	nflags = group_raise_room(r, &cl, &nteams);
	assert_true(nflags <= 4 && nteams <= 4);
	group_raise(r, &cl, flags, teams);
	assert_int_equal(cl.severity, SEV(URGENT));
	assert_string_equal(cl.sla_policy, "urgent");
	assert_int_equal(cl.priority, 1042);
	assert_int_equal(cl.n_urgency_flags, 1);
	assert_int_equal(cl.urgency_flags[0], FLAG(GROUP_COMPLAINT));
	assert_int_equal(cl.teams[0], TEAM(QUALITY_INSPECTION));
	assert_true(has_team(&cl, TEAM(EMERGENCY), &n));
	assert_int_equal(n, 1);
	assert_int_equal(teams0[0], TEAM(QUALITY_INSPECTION));	/* kept */
	again = cl;
	group_raise(r, &again, flags2, teams2);
	assert_int_equal(again.priority, 1042);
	assert_int_equal(again.n_urgency_flags, 1);
	assert_int_equal(again.n_teams, 2);
	assert_true(has_team(&again, TEAM(EMERGENCY), &n));
	assert_int_equal(n, 1);
}

/* An urgent member (safety) keeps its flag and priority, adds the group's. */
static void
test_raise_of_an_urgent_member(void **state)
{
	const struct rules	*r = *state;
	Cdp__V1__Classified	 cl = CDP__V1__CLASSIFIED__INIT;
	Cdp__V1__UrgencyFlag	 flags0[] = { FLAG(PERSONAL_SAFETY) };
	Cdp__V1__Team		 teams0[] = { TEAM(QUALITY_INSPECTION),
	    TEAM(EMERGENCY) };
	Cdp__V1__UrgencyFlag	 flags[4];
	Cdp__V1__Team		 teams[4];

	cl.severity = SEV(URGENT);
	cl.sla_policy = "urgent";
	cl.priority = 1003;
	cl.urgency_flags = flags0;
	cl.n_urgency_flags = 1;
	cl.teams = teams0;
	cl.n_teams = 2;
	group_raise(r, &cl, flags, teams);
	assert_int_equal(cl.priority, 1003);
	assert_int_equal(cl.n_urgency_flags, 2);
	assert_int_equal(cl.urgency_flags[0], FLAG(PERSONAL_SAFETY));
	assert_int_equal(cl.urgency_flags[1], FLAG(GROUP_COMPLAINT));
	assert_int_equal(cl.n_teams, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_name_the_merchant),
		cmocka_unit_test(test_pick_by_distinct_customers),
		cmocka_unit_test(test_others_leave_self_out),
		cmocka_unit_test(
		    test_raise_takes_urgent_policy_and_priority_once),
		cmocka_unit_test(test_raise_of_an_urgent_member),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
