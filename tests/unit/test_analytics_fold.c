/*
 * Unit tests for services/analytics/fold.c beyond windows: spike alerts
 * when a window closes, the 24-hour target, SLA and satisfaction
 * attributed by the complaint's facts, re-classification, the backlog by
 * status and age, forgetting closed complaints, and the summary's JSON.
 */
/* cdp-test-sources: services/analytics/window.c services/analytics/fold.c services/analytics/agg.c services/analytics/hist.c services/analytics/topk.c services/analytics/spike.c services/analytics/sampler.c services/analytics/summary.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define MIN	60000LL
#define HOUR	3600000LL
#define BODY(x)	CDP__V1__COMPLAINT_EVENT__BODY_##x

static const struct fold_settings settings = {
	.grace_ms = 0, .audit_permille = 0, .spike_factor = 3,
	.spike_min = 3,
};

static void
feed(struct fold *f, const char *id, const char *merchant, int64_t t,
    Cdp__V1__ComplaintEvent *ev)
{
	Cdp__V1__EventMeta	meta = CDP__V1__EVENT_META__INIT;
	struct fold_out		out;

	meta.occurred_at_ms = t;
	ev->meta = &meta;
	ev->complaint_id = (char *)id;
	ev->merchant_id = (char *)merchant;
	fold_complaint_event(f, ev, &out);
}

static void
file(struct fold *f, const char *id, const char *merchant, int64_t t)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Filed		fi = CDP__V1__FILED__INIT;

	fi.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	ev.body_case = BODY(FILED);
	ev.filed = &fi;
	feed(f, id, merchant, t, &ev);
}

static void
classify(struct fold *f, const char *id, Cdp__V1__Severity sev,
    Cdp__V1__Team team, int64_t t)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	cl = CDP__V1__CLASSIFIED__INIT;

	cl.category = CDP__V1__CATEGORY__CATEGORY_PRODUCT;
	cl.severity = sev;
	cl.teams = &team;
	cl.n_teams = 1;
	ev.body_case = BODY(CLASSIFIED);
	ev.classified = &cl;
	feed(f, id, "M1", t, &ev);
}

static void
act(struct fold *f, const char *id, Cdp__V1__Action a, uint32_t rating,
    int64_t t)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ActionRecorded	ar = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Satisfaction	s = CDP__V1__SATISFACTION__INIT;

	ar.action = a;
	s.rating = rating;
	ar.satisfaction = rating != 0 ? &s : NULL;
	ev.body_case = BODY(ACTION_RECORDED);
	ev.action_recorded = &ar;
	feed(f, id, "M1", t, &ev);
}

static struct fold *
new_fold(void)
{
	struct fold	*f = malloc(sizeof(*f));

	fold_init(f, &settings);
	return f;
}

static void
free_fold(struct fold *f)
{
	fold_free(f);
	free(f);
}

/* One complaint a minute for M1, then ten in a minute: a spike. */
static void
test_spike_when_window_closes(void **state)
{
	struct fold	*f = new_fold();
	struct agg	*closed = calloc(24, sizeof(*closed));
	char		 id[32];
	size_t		 n, i;
	int		 m;

	for (m = 0; m < 5; m++) {
		snprintf(id, sizeof(id), "A%d", m);
		file(f, id, "M1", T0 + m * MIN + 1000);
		n = fold_close(f, closed, 24);
		for (i = 0; i < n; i++)
			assert_int_equal(closed[i].nspikes, 0);
	}
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "B%zu", i);
		file(f, id, "M1", T0 + 5 * MIN + 1000 + (int64_t)i);
	}
	n = fold_close(f, closed, 24);		/* minute 4: no spike */
	assert_int_equal(n, 1);
	assert_int_equal(closed[0].nspikes, 0);
	file(f, "C", "M2", T0 + 6 * MIN + 1000);	/* closes minute 5 */
	n = fold_close(f, closed, 24);
	assert_int_equal(n, 1);
	assert_int_equal(closed[0].start_ms, T0 + 5 * MIN);
	assert_int_equal(closed[0].nspikes, 1);
	assert_int_equal(closed[0].spikes[0].dim, AGG_HOT_MERCHANT);
	assert_string_equal(closed[0].spikes[0].key, "M1");
	assert_int_equal(closed[0].spikes[0].count, 10);
	assert_true(closed[0].spikes[0].baseline > 0.9);
	assert_true(closed[0].spikes[0].baseline <= 1.0);
	free(closed);
	free_fold(f);
}

/* First contact after 25 hours misses the target; SLA goes by severity. */
static void
test_target_sla_and_ratings_by_facts(void **state)
{
	struct fold		*f = new_fold();
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaBreached	 b = CDP__V1__SLA_BREACHED__INIT;

	file(f, "C1", "M1", T0);
	classify(f, "C1", CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__TEAM__TEAM_PAYMENTS, T0 + 1);
	file(f, "C2", "M1", T0);
	classify(f, "C2", CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__TEAM__TEAM_PAYMENTS, T0 + 1);
	act(f, "C1", CDP__V1__ACTION__ACTION_FIRST_CONTACT, 0, T0 + HOUR);
	act(f, "C2", CDP__V1__ACTION__ACTION_FIRST_CONTACT, 0, T0 + 25 * HOUR);
	act(f, "C2", CDP__V1__ACTION__ACTION_FIRST_CONTACT, 0, T0 + 26 * HOUR);
	assert_int_equal(f->totals.ordinary_answered, 2);
	assert_int_equal(f->totals.ordinary_within_24h, 1);
	assert_int_equal(f->totals.durations[AGG_FIRST_CONTACT].count, 2);
	b.clock = CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT;
	ev.body_case = BODY(SLA_BREACHED);
	ev.sla_breached = &b;
	feed(f, "C2", "M1", T0 + 24 * HOUR, &ev);
	assert_int_equal(f->totals.sla_severity[
	    CDP__V1__SEVERITY__SEVERITY_NORMAL].breached, 1);
	assert_int_equal(f->totals.sla_clock[
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT].breached, 1);
	act(f, "C1", CDP__V1__ACTION__ACTION_SATISFACTION_RATED, 2, T0 + HOUR);
	act(f, "C2", CDP__V1__ACTION__ACTION_SATISFACTION_RATED, 4, T0 + HOUR);
	act(f, "C2", CDP__V1__ACTION__ACTION_SATISFACTION_RATED, 9, T0 + HOUR);
	assert_int_equal(f->totals.rating_team[
	    CDP__V1__TEAM__TEAM_PAYMENTS].count, 2);
	assert_int_equal(f->totals.rating_team[
	    CDP__V1__TEAM__TEAM_PAYMENTS].sum, 6);
	assert_int_equal(f->totals.ratings[2] + f->totals.ratings[4], 2);
	free_fold(f);
}

static void
test_reclassified_counts_once_and_backlog(void **state)
{
	struct fold	*f = new_fold();
	uint64_t	 st[AGG_STATUSES], age[4];

	file(f, "C1", "M1", T0);
	classify(f, "C1", CDP__V1__SEVERITY__SEVERITY_LOW,
	    CDP__V1__TEAM__TEAM_PAYMENTS, T0 + 1);
	classify(f, "C1", CDP__V1__SEVERITY__SEVERITY_URGENT,
	    CDP__V1__TEAM__TEAM_EMERGENCY, T0 + 2);
	assert_int_equal(f->totals.by_severity[
	    CDP__V1__SEVERITY__SEVERITY_LOW], 1);
	assert_int_equal(f->totals.by_severity[
	    CDP__V1__SEVERITY__SEVERITY_URGENT], 0);
	assert_int_equal(fold_find(f, "C1")->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	file(f, "C2", "M1", T0 + 70 * HOUR);
	file(f, "C3", "M1", T0 + 73 * HOUR);
	fold_backlog(f, st, age);
	assert_int_equal(st[CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_CLASSIFIED],
	    1);
	assert_int_equal(st[CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_RECEIVED],
	    2);
	assert_int_equal(age[0], 1);	/* C3, just filed */
	assert_int_equal(age[1], 1);	/* C2, 3 hours old */
	assert_int_equal(age[2], 0);
	assert_int_equal(age[3], 1);	/* C1, 73 hours old */
	act(f, "C1", CDP__V1__ACTION__ACTION_CLOSED, 0, T0 + 73 * HOUR);
	fold_backlog(f, st, age);
	assert_int_equal(age[3], 0);
	file(f, "C4", "M1", T0 + 73 * HOUR + FOLD_EVICT_MS + 1);
	fold_evict(f);
	assert_null(fold_find(f, "C1"));	/* closed a week ago */
	assert_non_null(fold_find(f, "C2"));	/* open: kept */
	free_fold(f);
}

static void
test_summary_json(void **state)
{
	struct fold	*f = new_fold();
	json_t		*j;

	file(f, "C1", "M1", T0);
	classify(f, "C1", CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__TEAM__TEAM_PAYMENTS, T0 + 1);
	j = summary_build(f, WINDOW_1H);
	assert_string_equal(json_string_value(json_object_get(j, "window")),
	    "1h");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "current"), "volume"), "filed")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(j, "totals"), "volume"),
	    "by_team"), "payments")), 1);
	assert_true(json_is_null(json_object_get(j, "previous")));
	json_decref(j);
	free_fold(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spike_when_window_closes),
		cmocka_unit_test(test_target_sla_and_ratings_by_facts),
		cmocka_unit_test(test_reclassified_counts_once_and_backlog),
		cmocka_unit_test(test_summary_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
