/*
 * The chaos run's verdict (tools/chaos/verdict.c): what counts as lost, as
 * a duplicate effect, as a missed or late breach, and the line it prints.
 */
/* cdp-test-sources: tools/chaos/verdict.c */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../tools/chaos/verdict.h"

#define LATE_MS	5000

static struct verdict_obs
seen(enum verdict_kind kind, const char *complaint)
{
	struct verdict_obs	o = { .kind = kind, .complaint = complaint };

	return o;
}

static struct verdict_obs
clock_obs(enum verdict_kind kind, const char *complaint, const char *clock,
    int64_t ms)
{
	struct verdict_obs	o = { .kind = kind, .complaint = complaint,
				    .clock = clock, .due_ms = ms, .at_ms = ms };

	return o;
}

static struct verdict_obs
effect(const char *complaint, const char *cause, const char *id)
{
	struct verdict_obs	o = { .kind = VERDICT_EFFECT,
				    .complaint = complaint, .cause = cause,
				    .id = id };

	return o;
}

/* A complaint seen everywhere it must be. */
static size_t
whole(struct verdict_obs *o, const char *c)
{
	o[0] = seen(VERDICT_ACCEPTED, c);
	o[1] = seen(VERDICT_LOGGED, c);
	o[2] = seen(VERDICT_VIEWED, c);
	o[3] = seen(VERDICT_CLASSIFIED, c);
	return 4;
}

static void
test_clean_run(void **state)
{
	struct verdict_obs	o[16];
	struct verdict		v;
	size_t			n = 0;
	char			line[256];

	n += whole(o + n, "C1");
	n += whole(o + n, "C2");
	o[n++] = clock_obs(VERDICT_CLOCK_STARTED, "C1", "first_contact:1",
	    1000);
	o[n++] = clock_obs(VERDICT_BREACHED, "C1", "first_contact:1", 1300);
	o[n++] = effect("C1", "coupon:first_contact:1", "K1");
	o[n++] = effect("C1", "coupon:first_contact:1", "K1"); /* replayed */
	verdict_compute(o, n, 100000, LATE_MS, &v, NULL);
	assert_int_equal(v.accepted, 2);
	assert_int_equal(v.lost, 0);
	assert_int_equal(v.duplicate_effects, 0);
	assert_int_equal(v.missed_breaches, 0);
	assert_int_equal(v.late_breaches, 0);
	assert_int_equal(v.max_lag_ms, 300);
	assert_false(verdict_failed(&v));
	verdict_line(&v, line, sizeof(line));
	assert_string_equal(line, "accepted=2 lost=0 duplicate_effects=0 "
	    "missed_breaches=0 late_breaches=0 max_recovery_s=0.3");
}

static void
tell_lost(void *arg, const char *complaint, const char *why)
{
	char	*whys = arg;
	size_t	 len = strlen(whys);

	snprintf(whys + len, 256 - len, "%s:%s;", complaint, why);
}

/* Missing from the log, the read model or classification: lost, once. */
static void
test_lost(void **state)
{
	char			whys[256] = "";
	struct verdict_obs	o[16];
	struct verdict		v;
	size_t			n = 0;

	n += whole(o + n, "C1");
	o[n++] = seen(VERDICT_ACCEPTED, "C2");	/* nowhere at all */
	o[n++] = seen(VERDICT_ACCEPTED, "C3");	/* not in the read model */
	o[n++] = seen(VERDICT_LOGGED, "C3");
	o[n++] = seen(VERDICT_CLASSIFIED, "C3");
	o[n++] = seen(VERDICT_ACCEPTED, "C4");	/* never classified */
	o[n++] = seen(VERDICT_LOGGED, "C4");
	o[n++] = seen(VERDICT_VIEWED, "C4");
	o[n++] = seen(VERDICT_ACCEPTED, "C1");	/* a retried 202 */
	verdict_compute(o, n, 0, LATE_MS, &v,
	    &(struct verdict_listener){ tell_lost, NULL, whys });
	assert_string_equal(whys, "C2:no Filed event;C3:not in the read model;"
	    "C4:never classified;");
	assert_int_equal(v.accepted, 4);
	assert_int_equal(v.lost, 3);
	assert_true(verdict_failed(&v));
}

/* Two ids for one cause is a duplicate; one id twice is not. */
static void
test_duplicate_effects(void **state)
{
	struct verdict_obs	o[16];
	struct verdict		v;
	size_t			n = 0;

	o[n++] = effect("C1", "coupon:first_contact:1", "K1");
	o[n++] = effect("C1", "coupon:first_contact:1", "K2");
	o[n++] = effect("C1", "coupon:first_contact:1", "K1");
	o[n++] = effect("C1", "coupon:first_contact:1", "K3");
	o[n++] = effect("C1", "coupon:resolution:1", "K4");
	o[n++] = effect("C2", "coupon:first_contact:1", "K5");
	o[n++] = effect("C1", "penalty:E9", "P1");
	o[n++] = effect("C1", "penalty:E9", "P1");
	verdict_compute(o, n, 0, LATE_MS, &v, NULL);
	assert_int_equal(v.duplicate_effects, 2);
	assert_true(verdict_failed(&v));
}

/* Remembers the one late breach it hears of. */
static void
tell_late(void *arg, const char *complaint, const char *clock,
    int64_t due_ms, int64_t lag_ms)
{
	int64_t	*heard = arg;

	assert_string_equal(complaint, "C4");
	assert_string_equal(clock, "first_contact:1");
	heard[0] = due_ms;
	heard[1] = lag_ms;
}

static void
test_breaches(void **state)
{
	int64_t			heard[2] = { 0, 0 };
	struct verdict_obs	o[16];
	struct verdict		v;
	size_t			n = 0;

	/* Due, never breached: missed. */
	o[n++] = clock_obs(VERDICT_CLOCK_STARTED, "C1", "first_contact:1",
	    1000);
	/* Stopped before it fell due: nothing to breach. */
	o[n++] = clock_obs(VERDICT_CLOCK_STARTED, "C2", "first_contact:1",
	    1000);
	o[n++] = clock_obs(VERDICT_CLOCK_STOPPED, "C2", "first_contact:1",
	    900);
	/* Due after the cutoff: may still be running. */
	o[n++] = clock_obs(VERDICT_CLOCK_STARTED, "C3", "first_contact:1",
	    9000);
	/* Late: 8 s after due; its replayed breach later still. */
	o[n++] = clock_obs(VERDICT_CLOCK_STARTED, "C4", "first_contact:1",
	    1000);
	o[n++] = clock_obs(VERDICT_BREACHED, "C4", "first_contact:1", 20000);
	o[n++] = clock_obs(VERDICT_BREACHED, "C4", "first_contact:1", 9000);
	/* Another cycle's breach does not count for the first. */
	o[n++] = clock_obs(VERDICT_CLOCK_STARTED, "C5", "first_contact:1",
	    1000);
	o[n++] = clock_obs(VERDICT_BREACHED, "C5", "first_contact:2", 1100);
	verdict_compute(o, n, 5000, LATE_MS, &v,
	    &(struct verdict_listener){ NULL, tell_late, heard });
	assert_int_equal(v.missed_breaches, 2);
	assert_int_equal(v.late_breaches, 1);
	assert_int_equal(v.max_lag_ms, 8000);
	assert_int_equal(heard[0], 1000);
	assert_int_equal(heard[1], 8000);
	assert_true(verdict_failed(&v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_run),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_duplicate_effects),
		cmocka_unit_test(test_breaches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
