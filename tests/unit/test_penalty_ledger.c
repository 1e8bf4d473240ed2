/*
 * Unit tests for services/penalty/ledger.c and state.c: points per
 * violation, the repeat doubling and its 30-day edge, the ladder's
 * thresholds climbing and falling (reversals, points ageing out of the
 * 365-day window), restriction end times and their lifting, appeals and
 * their deadline, duplicates, and a ledger that survives JSON unchanged.
 * The rules are the shipped production file.
 */
/* cdp-test-sources: services/penalty/rules.c services/penalty/ledger.c services/penalty/state.c */
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
#define T0		INT64_C(1767225600000)	/* 2026-01-01 00:00 UTC */
#define STANDING(x)	CDP__V1__STANDING__STANDING_##x

#define LATE		"merchant_response_overdue"	/* 2 points */
#define NOT_DONE	"decision_not_executed"		/* 6 */
#define RETURN		"unjustified_return_rejection"	/* 4 */
#define FAKE		"counterfeit_upheld"		/* 12 */

enum { NONE = -1, WARNING, RESTRICTED, FURTHER, SUSPENDED, EXPELLED };

static struct pen_rules	*rules;

static int
setup(void **state)
{
	const char	*root = getenv("CDP_SOURCE_DIR");
	char		 path[1024], err[512];

	snprintf(path, sizeof(path), "%s/config/penalty-rules.conf",
	    root != NULL ? root : ".");
	if ((rules = rules_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	rules_free(rules);
	return 0;
}

/* Records a violation of a type at t, with the type's points. */
static enum ledger_result
add(struct ledger *l, const char *id, const char *type, int64_t t,
    struct ledger_change *ch)
{
	struct ledger_violation	v = {
		.id = id, .violation = type, .complaint_id = "C1",
		.cause_id = id, .at_ms = t,
		.base_points = rules_violation(rules, type)->points,
	};

	return ledger_add(l, rules, &v, ch);
}

/* Adds and expects it to be new. */
static void
add_ok(struct ledger *l, const char *id, const char *type, int64_t t,
    struct ledger_change *ch)
{
	assert_int_equal(add(l, id, type, t, ch), LEDGER_OK);
}

static void
test_first_violation_is_a_warning(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	assert_int_equal(ledger_standing(&l, rules), STANDING(GOOD));
	add_ok(&l, "p1", LATE, T0, &ch);
	assert_int_equal(ch.old_level, NONE);
	assert_int_equal(ch.new_level, WARNING);
	assert_int_equal(ch.old_standing, STANDING(GOOD));
	assert_int_equal(ch.new_standing, STANDING(WARNED));
	assert_int_equal(ch.old_total, 0);
	assert_int_equal(ch.new_total, 2);
	assert_true(ledger_changed(&ch));
	assert_false(ledger_restricted(&l, rules));
	assert_int_equal(ledger_next_lift(&l, rules), 0);
	/* A second violation stays on the warning level: no change. */
	add_ok(&l, "p2", NOT_DONE, T0 + DAY, &ch);
	assert_int_equal(ch.new_total, 8);
	assert_false(ledger_changed(&ch));
	ledger_free(&l);
}

static void
test_points_per_type(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", LATE, T0, &ch);
	add_ok(&l, "b", NOT_DONE, T0 + 1, &ch);
	add_ok(&l, "c", RETURN, T0 + 2, &ch);
	add_ok(&l, "d", "false_advertising_upheld", T0 + 3, &ch);
	assert_int_equal(ledger_points_of(&l, rules, 0), 2);
	assert_int_equal(ledger_points_of(&l, rules, 1), 6);
	assert_int_equal(ledger_points_of(&l, rules, 2), 4);
	assert_int_equal(ledger_points_of(&l, rules, 3), 4);
	assert_int_equal(ledger_total(&l, rules, T0 + 3), 16);
	ledger_free(&l);
}

/* A repeat of a type less than 30 days after the last doubles; not at 30. */
static void
test_repeat_doubles(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", LATE, T0, &ch);
	add_ok(&l, "b", LATE, T0 + 30 * DAY - 1, &ch);
	assert_int_equal(ledger_points_of(&l, rules, 1), 4);
	add_ok(&l, "c", RETURN, T0 + 30 * DAY, &ch);	/* another type */
	assert_int_equal(ledger_points_of(&l, rules, 2), 4);
	/* 30 days after b exactly: no longer a repeat. */
	add_ok(&l, "d", LATE, T0 + 60 * DAY - 1, &ch);
	assert_int_equal(ledger_points_of(&l, rules, 3), 2);
	assert_int_equal(ch.new_total, 2 + 4 + 4 + 2);
	ledger_free(&l);
}

/* The ladder climbs at 12, 24, 36 and 48 points, and not one point before. */
static void
test_ladder_climbs(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;
	int64_t			t = T0;

	ledger_init(&l, "M1");
	add_ok(&l, "a", NOT_DONE, t, &ch);			/* 6 */
	add_ok(&l, "b", RETURN, t += DAY, &ch);			/* 10 */
	assert_int_equal(ch.new_level, WARNING);
	add_ok(&l, "c", LATE, t += DAY, &ch);			/* 12 */
	assert_int_equal(ch.new_level, RESTRICTED);
	assert_int_equal(ch.new_standing, STANDING(RESTRICTED));
	assert_int_equal(l.until_ms, t + 7 * DAY);
	assert_int_equal(ledger_next_due(&l, rules), t + 7 * DAY);
	add_ok(&l, "d", "false_advertising_upheld", t += DAY, &ch); /* 16 */
	add_ok(&l, "e", "false_advertising_upheld", t += DAY, &ch); /* 24 */
	assert_int_equal(ch.new_total, 24);
	assert_int_equal(ch.old_level, RESTRICTED);
	assert_int_equal(ch.new_level, FURTHER);
	assert_int_equal(l.until_ms, t + 14 * DAY);
	add_ok(&l, "f", FAKE, t += DAY, &ch);			/* 36 */
	assert_int_equal(ch.new_level, SUSPENDED);
	assert_int_equal(ch.new_standing, STANDING(RESTRICTED));
	assert_int_equal(l.until_ms, t + 30 * DAY);
	add_ok(&l, "g", NOT_DONE, t += DAY, &ch);		/* 42 + 6 rep */
	assert_int_equal(ch.new_total, 48);
	assert_int_equal(ch.new_level, EXPELLED);
	assert_int_equal(ch.new_standing, STANDING(EXPELLED));
	assert_int_equal(l.until_ms, 0);
	assert_int_equal(ledger_next_lift(&l, rules), 0);
	assert_true(ledger_restricted(&l, rules));
	ledger_free(&l);
}

/* One violation may jump several levels at once. */
static void
test_ladder_jumps(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	assert_int_equal(ch.old_level, NONE);
	assert_int_equal(ch.new_level, RESTRICTED);
	add_ok(&l, "b", FAKE, T0 + DAY, &ch);		/* 12 + 24 */
	assert_int_equal(ch.new_total, 36);
	assert_int_equal(ch.new_level, SUSPENDED);
	ledger_free(&l);
}

/*
 * A reversal takes its points and the doubling it caused back, and the
 * ladder falls: the lower level's restrictions end no later than before.
 */
static void
test_reversal_falls(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;
	int64_t			until;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);				/* 12 */
	add_ok(&l, "b", FAKE, T0 + DAY, &ch);			/* +24: 36 */
	until = l.until_ms;
	assert_int_equal(until, T0 + DAY + 30 * DAY);
	assert_int_equal(ledger_reverse(&l, rules, "a", "ap1", true,
	    T0 + 2 * DAY, &ch), LEDGER_OK);
	/* b is no longer a repeat: 12 points, restricted for 7 days. */
	assert_int_equal(ch.old_total, 36);
	assert_int_equal(ch.new_total, 12);
	assert_int_equal(ch.old_level, SUSPENDED);
	assert_int_equal(ch.new_level, RESTRICTED);
	assert_int_equal(l.until_ms, T0 + 2 * DAY + 7 * DAY);
	assert_true(ledger_find(&l, "a")->reversed);
	assert_string_equal(ledger_find(&l, "a")->appeal_id, "ap1");
	/* Reversed again: a duplicate, nothing changes. */
	assert_int_equal(ledger_reverse(&l, rules, "a", "ap1", true,
	    T0 + 3 * DAY, &ch), LEDGER_DUPLICATE);
	assert_int_equal(ledger_reverse(&l, rules, "zz", "ap2", true,
	    T0 + 3 * DAY, &ch), LEDGER_UNKNOWN_PENALTY);
	/* The last one reversed: good standing. */
	assert_int_equal(ledger_reverse(&l, rules, "b", "ap3", true,
	    T0 + 3 * DAY, &ch), LEDGER_OK);
	assert_int_equal(ch.new_level, NONE);
	assert_int_equal(ch.new_standing, STANDING(GOOD));
	assert_int_equal(ledger_next_due(&l, rules), 0);
	ledger_free(&l);
}

/* Falling keeps the sooner end: restrictions are never extended. */
static void
test_fall_keeps_sooner_end(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);			/* restricted */
	add_ok(&l, "b", RETURN, T0 + 1, &ch);
	add_ok(&l, "c", RETURN, T0 + 2, &ch);		/* 12+4+8 = 24 */
	assert_int_equal(ch.new_level, FURTHER);
	assert_int_equal(l.until_ms, T0 + 2 + 14 * DAY);
	/* 12 days later c is reversed: back to restricted, until day 14. */
	assert_int_equal(ledger_reverse(&l, rules, "c", "", true,
	    T0 + 12 * DAY, &ch), LEDGER_OK);
	assert_int_equal(ch.new_level, RESTRICTED);
	assert_int_equal(l.until_ms, T0 + 2 + 14 * DAY);
	ledger_free(&l);
}

/* Expelled is for good; a reversal brings it down to a level with an end. */
static void
test_expelled_reversed(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	add_ok(&l, "b", NOT_DONE, T0 + 1, &ch);
	add_ok(&l, "c", RETURN, T0 + 2, &ch);
	add_ok(&l, "d", "false_advertising_upheld", T0 + 3, &ch); /* 26 */
	add_ok(&l, "e", FAKE, T0 + 4, &ch);			/* +24: 50 */
	assert_int_equal(ch.new_level, EXPELLED);
	assert_int_equal(ledger_reverse(&l, rules, "d", "ap", true, T0 + DAY,
	    &ch), LEDGER_OK);				/* 46 */
	assert_int_equal(ch.new_level, SUSPENDED);
	assert_int_equal(ch.new_standing, STANDING(RESTRICTED));
	assert_int_equal(l.until_ms, T0 + DAY + 30 * DAY);
	ledger_free(&l);
}

/* Restrictions last their duration exactly, then the merchant is warned. */
static void
test_restriction_end(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;
	int64_t			end = T0 + 7 * DAY;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	ledger_settle(&l, rules, end - 1, &ch);
	assert_false(ledger_changed(&ch));
	assert_true(ledger_restricted(&l, rules));
	assert_int_equal(ledger_lift(&l, rules, end + 1, &ch), LEDGER_NOT_DUE);
	assert_int_equal(ledger_lift(&l, rules, end, &ch), LEDGER_OK);
	assert_true(ch.lifted);
	assert_int_equal(ch.old_standing, STANDING(RESTRICTED));
	assert_int_equal(ch.new_standing, STANDING(WARNED));
	assert_int_equal(ch.new_level, RESTRICTED);	/* points still 12 */
	assert_false(ledger_restricted(&l, rules));
	assert_int_equal(ledger_next_lift(&l, rules), 0);
	/* The same lift again does nothing. */
	assert_int_equal(ledger_lift(&l, rules, end, &ch), LEDGER_NOT_DUE);
	/* More points on the same level impose nothing new... */
	add_ok(&l, "b", LATE, end + DAY, &ch);
	assert_false(ledger_changed(&ch));
	assert_false(ledger_restricted(&l, rules));
	/* Reaching the next level imposes its restrictions from then. */
	add_ok(&l, "c", FAKE, end + 2 * DAY, &ch);	/* 2 + 12 + 24 */
	assert_int_equal(ch.new_level, SUSPENDED);
	assert_int_equal(ledger_next_lift(&l, rules), end + 2 * DAY + 30 * DAY);
	ledger_free(&l);
}

/* Any later step lifts restrictions whose end has passed. */
static void
test_restriction_end_passed_by_a_later_step(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	add_ok(&l, "b", LATE, T0 + 8 * DAY, &ch);
	assert_true(ch.lifted);
	assert_int_equal(ch.new_standing, STANDING(WARNED));
	assert_true(ledger_changed(&ch));
	ledger_free(&l);
}

/* A fall from a level whose restrictions lifted imposes none. */
static void
test_fall_after_lift(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	add_ok(&l, "b", FAKE, T0 + 1, &ch);		/* 36: suspended */
	ledger_settle(&l, rules, T0 + 31 * DAY, &ch);
	assert_true(ch.lifted);
	assert_int_equal(ledger_reverse(&l, rules, "b", "", true,
	    T0 + 32 * DAY, &ch), LEDGER_OK);
	assert_int_equal(ch.new_level, RESTRICTED);
	assert_false(ledger_restricted(&l, rules));
	assert_int_equal(ch.new_standing, STANDING(WARNED));
	ledger_free(&l);
}

/* Points age out 365 days after their violation, and the ladder falls. */
static void
test_points_age_out(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	add_ok(&l, "b", LATE, T0 + 100 * DAY, &ch);
	assert_int_equal(ledger_total(&l, rules, T0 + 365 * DAY - 1), 14);
	assert_int_equal(ledger_total(&l, rules, T0 + 365 * DAY), 2);
	ledger_settle(&l, rules, T0 + 365 * DAY - 1, &ch);
	assert_int_equal(ch.new_level, RESTRICTED);
	ledger_settle(&l, rules, T0 + 365 * DAY, &ch);
	assert_int_equal(ch.old_level, RESTRICTED);
	assert_int_equal(ch.new_level, WARNING);
	assert_int_equal(ch.new_total, 2);
	ledger_settle(&l, rules, T0 + 465 * DAY, &ch);
	assert_int_equal(ch.new_level, NONE);
	assert_int_equal(ch.new_standing, STANDING(GOOD));
	/* Old entries are forgotten once they can no longer count. */
	ledger_settle(&l, rules, T0 + 600 * DAY, &ch);
	assert_int_equal(l.nentries, 0);
	ledger_free(&l);
}

/* Time never goes back: an older event works at the ledger's time. */
static void
test_time_only_forward(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", LATE, T0 + 400 * DAY, &ch);
	add_ok(&l, "b", FAKE, T0, &ch);		/* a year too old to count */
	assert_int_equal(ch.new_total, 2);
	assert_int_equal(l.now_ms, T0 + 400 * DAY);
	ledger_free(&l);
}

static void
test_duplicate_adds_nothing(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	assert_int_equal(add(&l, "a", FAKE, T0, &ch), LEDGER_DUPLICATE);
	assert_int_equal(l.nentries, 1);
	assert_int_equal(ledger_total(&l, rules, T0), 12);
	ledger_free(&l);
}

static void
test_appeals(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;
	int64_t			deadline = T0 + 7 * DAY;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	add_ok(&l, "b", LATE, T0, &ch);
	assert_int_equal(ledger_appeal_deadline(rules, ledger_find(&l, "a")),
	    deadline);
	assert_int_equal(ledger_appeal(&l, rules, "x", "ap0", T0),
	    LEDGER_UNKNOWN_PENALTY);
	assert_int_equal(ledger_appeal(&l, rules, "b", "ap1", deadline + 1),
	    LEDGER_TOO_LATE);
	assert_int_equal(ledger_appeal(&l, rules, "b", "ap1", deadline),
	    LEDGER_OK);
	assert_int_equal(ledger_appeal(&l, rules, "a", "ap2", T0 + DAY),
	    LEDGER_OK);
	assert_true(ledger_find(&l, "a")->appeal_open);
	assert_int_equal(ledger_appeal(&l, rules, "a", "ap3", T0 + DAY),
	    LEDGER_DUPLICATE);
	/* Upheld: the appeal closes, the penalty stands. */
	assert_int_equal(ledger_reverse(&l, rules, "a", "ap2", false,
	    T0 + 2 * DAY, &ch), LEDGER_OK);
	assert_false(ledger_changed(&ch));
	assert_false(ledger_find(&l, "a")->appeal_open);
	assert_false(ledger_find(&l, "a")->reversed);
	assert_true(ledger_find(&l, "b")->appeal_open);
	assert_int_equal(ledger_total(&l, rules, l.now_ms), 14);
	ledger_free(&l);
}

static void
assert_ledgers_equal(const struct ledger *a, const struct ledger *b)
{
	size_t	i;

	assert_string_equal(a->merchant_id, b->merchant_id);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->until_ms, b->until_ms);
	assert_int_equal(a->lifted, b->lifted);
	assert_int_equal(a->now_ms, b->now_ms);
	assert_int_equal(a->offset, b->offset);
	assert_string_equal(a->last_event_id, b->last_event_id);
	assert_int_equal(a->nentries, b->nentries);
	for (i = 0; i < a->nentries; i++)
		assert_memory_equal(&a->entries[i], &b->entries[i],
		    sizeof(a->entries[i]));
}

/* A ledger read back from its JSON is the same ledger. */
static void
test_state_roundtrip(void **state)
{
	struct ledger		l, back;
	struct ledger_change	ch;
	char			*json;

	ledger_init(&l, "M1");
	add_ok(&l, "a", FAKE, T0, &ch);
	add_ok(&l, "b", RETURN, T0 + DAY, &ch);
	assert_int_equal(ledger_appeal(&l, rules, "b", "ap", T0 + 2 * DAY),
	    LEDGER_OK);
	assert_int_equal(ledger_reverse(&l, rules, "a", "ap0", true,
	    T0 + 3 * DAY, &ch), LEDGER_OK);
	l.offset = 42;
	snprintf(l.last_event_id, sizeof(l.last_event_id), "e-9");
	json = state_encode(&l, rules);
	assert_int_equal(state_decode(json, strlen(json), rules, &back), 0);
	assert_ledgers_equal(&l, &back);
	free(json);
	ledger_free(&back);
	assert_int_equal(state_decode("{\"merchant\":1}", 14, rules, &back),
	    -1);
	assert_int_equal(back.nentries, 0);
	assert_int_equal(back.offset, -1);
	ledger_free(&l);
}

/*
 * The timer's next time is the sooner of a lift and an expiry; an expiry
 * moves the ledger to its time, and one already passed is stale.
 */
static void
test_next_due_and_expiry(void **state)
{
	struct ledger		l;
	struct ledger_change	ch;
	int64_t			year = 365 * DAY;

	ledger_init(&l, "M1");
	assert_int_equal(ledger_next_due(&l, rules), 0);
	add_ok(&l, "a", LATE, T0, &ch);
	assert_int_equal(ledger_next_lift(&l, rules), 0);
	assert_int_equal(ledger_next_expiry(&l, rules), T0 + year);
	assert_int_equal(ledger_next_due(&l, rules), T0 + year);
	add_ok(&l, "b", FAKE, T0 + DAY, &ch);
	assert_int_equal(ledger_next_due(&l, rules), T0 + 8 * DAY);
	assert_int_equal(ledger_lift(&l, rules, T0 + 8 * DAY, &ch),
	    LEDGER_OK);
	assert_int_equal(ledger_next_due(&l, rules), T0 + year);
	/* The first points leave: 12 left, still restricted by points. */
	assert_int_equal(ledger_expire(&l, rules, T0 + year, &ch), LEDGER_OK);
	assert_int_equal(ch.old_total, 14);
	assert_int_equal(ch.new_total, 12);
	assert_false(ledger_changed(&ch));
	assert_int_equal(ledger_expire(&l, rules, T0 + year, &ch),
	    LEDGER_NOT_DUE);
	assert_int_equal(ledger_next_due(&l, rules), T0 + DAY + year);
	/* The last ones leave: good standing, nothing more to do. */
	assert_int_equal(ledger_expire(&l, rules, T0 + DAY + year, &ch),
	    LEDGER_OK);
	assert_int_equal(ch.new_total, 0);
	assert_int_equal(ch.new_standing, STANDING(GOOD));
	assert_true(ledger_changed(&ch));
	assert_int_equal(ledger_next_due(&l, rules), 0);
	/* A reversed penalty has no expiry. */
	add_ok(&l, "c", LATE, T0 + 2 * year, &ch);
	assert_int_equal(ledger_reverse(&l, rules, "c", "", true,
	    T0 + 2 * year, &ch), LEDGER_OK);
	assert_int_equal(ledger_next_due(&l, rules), 0);
	ledger_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_violation_is_a_warning),
		cmocka_unit_test(test_points_per_type),
		cmocka_unit_test(test_repeat_doubles),
		cmocka_unit_test(test_ladder_climbs),
		cmocka_unit_test(test_ladder_jumps),
		cmocka_unit_test(test_reversal_falls),
		cmocka_unit_test(test_fall_keeps_sooner_end),
		cmocka_unit_test(test_expelled_reversed),
		cmocka_unit_test(test_restriction_end),
		cmocka_unit_test(test_restriction_end_passed_by_a_later_step),
		cmocka_unit_test(test_fall_after_lift),
		cmocka_unit_test(test_points_age_out),
		cmocka_unit_test(test_next_due_and_expiry),
		cmocka_unit_test(test_time_only_forward),
		cmocka_unit_test(test_duplicate_adds_nothing),
		cmocka_unit_test(test_appeals),
		cmocka_unit_test(test_state_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
