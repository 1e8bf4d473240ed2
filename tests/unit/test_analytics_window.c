/*
 * Unit tests for services/analytics/window.c and fold.c's windows: event
 * time decides the window, late events within the grace still count, a
 * window closes once the watermark passes its end plus the grace, and a
 * checkpoint restores the same figures.
 */
/* cdp-test-sources: services/analytics/window.c services/analytics/fold.c services/analytics/agg.c services/analytics/hist.c services/analytics/topk.c services/analytics/spike.c services/analytics/sampler.c services/analytics/state.c services/analytics/summary.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define MIN	60000LL
#define BODY(x)	CDP__V1__COMPLAINT_EVENT__BODY_##x

static const struct fold_settings settings = {
	.grace_ms = 30000, .audit_permille = 1000, .spike_factor = 3,
	.spike_min = 3,
};

static void
test_window_math(void **state)
{
	enum window_width	w;

	assert_int_equal(window_start(WINDOW_1M, T0 + 59999), T0);
	assert_int_equal(window_start(WINDOW_1M, T0 + 60000), T0 + MIN);
	assert_int_equal(window_start(WINDOW_1H, T0 + 3599999), T0);
	assert_int_equal(window_start(WINDOW_1D, T0 + 86399999), T0);
	assert_int_equal(window_start(WINDOW_1M, -1), -MIN);
	assert_false(window_closed(WINDOW_1M, T0, T0 + MIN + 29999, 30000));
	assert_true(window_closed(WINDOW_1M, T0, T0 + MIN + 30000, 30000));
	assert_int_equal(window_parse("1h", &w), 0);
	assert_int_equal(w, WINDOW_1H);
	assert_int_equal(window_parse("2h", &w), -1);
	assert_string_equal(window_name_of(86400000), "1d");
}

static void
event(struct fold *f, const char *id, int64_t t, int body, void *msg,
    struct fold_out *out)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	meta = CDP__V1__EVENT_META__INIT;
	struct fold_out		ignored;

	meta.occurred_at_ms = t;
	ev.meta = &meta;
	ev.complaint_id = (char *)id;
	ev.merchant_id = "M1";
	ev.body_case = body;
	switch (body) {
	case BODY(FILED):
		ev.filed = msg;
		break;
	case BODY(CLASSIFIED):
		ev.classified = msg;
		break;
	case BODY(ACTION_RECORDED):
		ev.action_recorded = msg;
		break;
	default:
		break;
	}
	fold_complaint_event(f, &ev, out != NULL ? out : &ignored);
}

static void
file(struct fold *f, const char *id, int64_t t)
{
	Cdp__V1__Filed	fi = CDP__V1__FILED__INIT;

	fi.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	event(f, id, t, BODY(FILED), &fi, NULL);
}

static void
act(struct fold *f, const char *id, int64_t t, Cdp__V1__Action a,
    struct fold_out *out)
{
	Cdp__V1__ActionRecorded	ar = CDP__V1__ACTION_RECORDED__INIT;

	ar.action = a;
	event(f, id, t, BODY(ACTION_RECORDED), &ar, out);
}

static void
test_event_time_grace_and_close(void **state)
{
	struct fold	*f = malloc(sizeof(*f));
	struct agg	*closed = calloc(8, sizeof(*closed));

	fold_init(f, &settings);
	file(f, "C1", T0 + 1000);
	file(f, "C2", T0 + MIN + 1000);		/* next minute */
	file(f, "C3", T0 + 59000);		/* late, within grace */
	assert_int_equal(fold_close(f, closed, 8), 0);
	assert_int_equal(f->late, 0);
	file(f, "C4", T0 + 2 * MIN + 29000);	/* closes minute 0 only */
	assert_int_equal(fold_close(f, closed, 8), 1);
	assert_int_equal(closed[0].start_ms, T0);
	assert_int_equal(closed[0].filed, 2);
	assert_true(closed[0].closed);
	file(f, "C5", T0 + 2000);		/* too late for minute 0 */
	assert_int_equal(f->late, 1);
	assert_int_equal(f->totals.filed, 5);
	assert_int_equal(fold_current(f, WINDOW_1H)->filed, 5);
	assert_int_equal(fold_current(f, WINDOW_1M)->filed, 1);
	assert_int_equal(f->last[WINDOW_1M].filed, 2);
	fold_free(f);
	free(f);
	free(closed);
}

/*
 * A ceiling holds the watermark back (a partition still being read), so
 * an event far ahead on another partition closes nothing until it lifts.
 */
static void
test_hold_back(void **state)
{
	struct fold	*f = malloc(sizeof(*f));
	struct agg	*closed = calloc(8, sizeof(*closed));

	fold_init(f, &settings);
	file(f, "C1", T0 + 1000);
	fold_hold(f, T0 + 1000);
	file(f, "C2", T0 + 3 * MIN);
	assert_int_equal(f->watermark_ms, T0 + 1000);
	assert_int_equal(fold_close(f, closed, 8), 0);
	file(f, "C3", T0 + 2000);		/* not late: held back */
	assert_int_equal(f->late, 0);
	fold_hold(f, INT64_MAX);
	assert_int_equal(f->watermark_ms, T0 + 3 * MIN);
	assert_int_equal(fold_close(f, closed, 8), 1);
	assert_int_equal(closed[0].filed, 2);
	fold_hold(f, T0);			/* never moves back */
	assert_int_equal(f->watermark_ms, T0 + 3 * MIN);
	fold_free(f);
	free(f);
	free(closed);
}

static void
test_handling_times_and_checkpoint(void **state)
{
	struct fold	*f = malloc(sizeof(*f)), *g = malloc(sizeof(*g));
	struct fold_out	 out;
	char		*a, *b;

	fold_init(f, &settings);
	file(f, "C1", T0);
	act(f, "C1", T0 + 5000, CDP__V1__ACTION__ACTION_FIRST_CONTACT, NULL);
	act(f, "C1", T0 + 9000, CDP__V1__ACTION__ACTION_CLOSED, &out);
	assert_true(out.sample);		/* rate 1000 per mille */
	act(f, "C1", T0 + 9500, CDP__V1__ACTION__ACTION_CLOSED, &out);
	assert_false(out.sample);		/* closed once already */
	assert_int_equal(f->totals.durations[AGG_FIRST_CONTACT].count, 1);
	assert_int_equal(f->totals.durations[AGG_FIRST_CONTACT].max, 5000);
	assert_int_equal(f->totals.durations[AGG_CLOSE].max, 9000);
	fold_offset_set(f, "complaints.events", 3, 41);
	fold_observe(f, "complaints.events", 3, T0 + 9500);
	a = state_encode(f);
	fold_init(g, &settings);
	assert_int_equal(state_decode(a, strlen(a), g), 0);
	b = state_encode(g);
	assert_string_equal(a, b);
	assert_int_equal(fold_offset_next(g, "complaints.events", 3), 42);
	assert_int_equal(fold_offset_next(g, "complaints.events", 4), -1);
	assert_int_equal(fold_partition_latest(g, "complaints.events", 3),
	    T0 + 9500);
	assert_non_null(fold_find(g, "C1"));
	assert_true(fold_find(g, "C1")->contacted);
	free(a);
	free(b);
	fold_free(f);
	fold_free(g);
	free(f);
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_math),
		cmocka_unit_test(test_event_time_grace_and_close),
		cmocka_unit_test(test_hold_back),
		cmocka_unit_test(test_handling_times_and_checkpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
