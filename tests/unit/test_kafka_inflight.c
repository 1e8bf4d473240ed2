/*
 * Unit tests of common/kafka_inflight.c: messages end in any order, the
 * committable offset is the one after the contiguous ended prefix (never
 * past a message still in hand, also across gaps in the offsets), the
 * window bounds how far a partition runs ahead of it, two messages with
 * one key (or one without a key) never run side by side, and a window of
 * one is today's one message at a time.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kafka_inflight.h"

static int
start(struct kafka_inflight *w, int64_t offset, const char *key)
{
	return kafka_inflight_start(w, offset, key, key ? strlen(key) : 0);
}

static bool
busy(struct kafka_inflight *w, const char *key)
{
	return kafka_inflight_key_busy(w, key, key ? strlen(key) : 0);
}

static void
test_out_of_order(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(8);
	int64_t			 commit = -1;

	assert_int_equal(kafka_inflight_committable(w), -1);
	assert_int_equal(start(w, 10, "A"), 0);
	assert_int_equal(start(w, 11, "B"), 0);
	assert_int_equal(start(w, 12, "C"), 0);
	assert_int_equal(kafka_inflight_pending(w), 3);
	/* 11 and 12 end first: 10 still holds the commit back. */
	assert_int_equal(kafka_inflight_end(w, 12, &commit), 0);
	assert_int_equal(kafka_inflight_end(w, 11, &commit), 0);
	assert_int_equal(commit, -1);
	assert_int_equal(kafka_inflight_committable(w), -1);
	assert_int_equal(kafka_inflight_pending(w), 1);
	/* 10 ends: the whole prefix is committable at once. */
	assert_int_equal(kafka_inflight_end(w, 10, &commit), 1);
	assert_int_equal(commit, 13);
	assert_int_equal(kafka_inflight_committable(w), 13);
	assert_int_equal(kafka_inflight_pending(w), 0);
	/* Ending again, or what never started, is refused. */
	assert_int_equal(kafka_inflight_end(w, 10, &commit), -1);
	assert_int_equal(kafka_inflight_end(w, 99, &commit), -1);
	kafka_inflight_free(w);
}

static void
test_prefix_stops_at_hole(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(8);
	int64_t			 commit = -1;

	/* Offsets with gaps (compacted or transaction markers). */
	assert_int_equal(start(w, 3, "A"), 0);
	assert_int_equal(start(w, 7, "B"), 0);
	assert_int_equal(start(w, 9, "C"), 0);
	assert_int_equal(start(w, 20, "D"), 0);
	assert_int_equal(kafka_inflight_end(w, 3, &commit), 1);
	assert_int_equal(commit, 4);
	assert_int_equal(kafka_inflight_end(w, 9, &commit), 0);
	assert_int_equal(kafka_inflight_end(w, 20, &commit), 0);
	assert_int_equal(kafka_inflight_committable(w), 4);
	assert_int_equal(kafka_inflight_end(w, 7, &commit), 1);
	assert_int_equal(commit, 21);
	kafka_inflight_free(w);
}

static void
test_window_bounds_run_ahead(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(3);
	int64_t			 commit = -1;

	assert_int_equal(start(w, 0, "A"), 0);
	assert_int_equal(start(w, 1, "B"), 0);
	assert_int_equal(start(w, 2, "C"), 0);
	assert_true(kafka_inflight_full(w));
	assert_int_equal(start(w, 3, "D"), -1);
	/* Ended behind a pending one still takes its place. */
	assert_int_equal(kafka_inflight_end(w, 1, &commit), 0);
	assert_int_equal(kafka_inflight_end(w, 2, &commit), 0);
	assert_true(kafka_inflight_full(w));
	assert_int_equal(start(w, 3, "D"), -1);
	assert_int_equal(kafka_inflight_end(w, 0, &commit), 1);
	assert_int_equal(commit, 3);
	assert_false(kafka_inflight_full(w));
	/* The ring wraps around. */
	assert_int_equal(start(w, 3, "D"), 0);
	assert_int_equal(start(w, 4, "E"), 0);
	assert_int_equal(start(w, 5, "F"), 0);
	assert_int_equal(kafka_inflight_end(w, 4, &commit), 0);
	assert_int_equal(kafka_inflight_end(w, 3, &commit), 1);
	assert_int_equal(commit, 5);
	assert_int_equal(kafka_inflight_end(w, 5, &commit), 1);
	assert_int_equal(commit, 6);
	kafka_inflight_free(w);
}

static void
test_keys(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(8);
	int64_t			 commit;

	assert_false(busy(w, "CA1"));
	assert_int_equal(start(w, 0, "CA1"), 0);
	assert_true(busy(w, "CA1"));
	assert_false(busy(w, "CA2"));
	assert_false(busy(w, "CA"));		/* a prefix is another key */
	assert_false(busy(w, "CA10"));
	/* A message without a key waits for all, and all wait for it. */
	assert_true(busy(w, NULL));
	assert_int_equal(start(w, 1, "CA2"), 0);
	assert_int_equal(kafka_inflight_end(w, 1, &commit), 0);
	/* An ended message no longer holds its key, even behind a hole. */
	assert_false(busy(w, "CA2"));
	assert_int_equal(kafka_inflight_end(w, 0, &commit), 1);
	assert_false(busy(w, "CA1"));
	assert_false(busy(w, NULL));
	assert_int_equal(start(w, 2, NULL), 0);
	assert_true(busy(w, "CA3"));
	assert_true(busy(w, NULL));
	kafka_inflight_free(w);
}

static void
test_one_at_a_time(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(0);	/* means 1 */
	int64_t			 commit = -1, o;

	for (o = 100; o < 110; o++) {
		assert_false(kafka_inflight_full(w));
		assert_int_equal(start(w, o, "A"), 0);
		assert_true(kafka_inflight_full(w));
		assert_int_equal(start(w, o + 1, "B"), -1);
		assert_int_equal(kafka_inflight_end(w, o, &commit), 1);
		assert_int_equal(commit, o + 1);
	}
	kafka_inflight_free(w);
}

static void
test_redelivery_and_reset(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(4);
	int64_t			 commit = -1;

	assert_int_equal(start(w, 5, "A"), 0);
	assert_int_equal(start(w, 5, "A"), -1);	/* the same again */
	assert_int_equal(start(w, 4, "Z"), -1);	/* behind it */
	assert_int_equal(start(w, -1, "Z"), -1);
	assert_int_equal(kafka_inflight_end(w, 5, &commit), 1);
	assert_int_equal(start(w, 5, "A"), -1);	/* even once ended */
	/* A partition read again from an earlier offset starts afresh. */
	assert_int_equal(start(w, 6, "B"), 0);
	kafka_inflight_reset(w);
	assert_int_equal(kafka_inflight_pending(w), 0);
	assert_int_equal(kafka_inflight_committable(w), -1);
	assert_false(busy(w, "B"));
	assert_int_equal(kafka_inflight_end(w, 6, &commit), -1);
	assert_int_equal(start(w, 0, "A"), 0);
	assert_int_equal(kafka_inflight_end(w, 0, &commit), 1);
	assert_int_equal(commit, 1);
	kafka_inflight_free(w);
}

/* Random end orders never commit past the oldest message in hand. */
static void
test_random_orders(void **state)
{
	struct kafka_inflight	*w = kafka_inflight_new(8);
	bool			 ended[2000] = { false };
	int64_t			 next = 0, commit, lowest, offset;
	char			 key[32];
	int			 round, rc;

	srand(15);
	for (round = 0; round < 20000 && next < 2000; round++) {
		if (!kafka_inflight_full(w) && rand() % 2 == 0) {
			snprintf(key, sizeof(key), "K%lld", (long long)next);
			assert_int_equal(start(w, next, key), 0);
			next++;
			continue;
		}
		if (kafka_inflight_pending(w) == 0)
			continue;
		/* End a random pending one: all are within 8 of the oldest. */
		lowest = kafka_inflight_committable(w) < 0 ? 0 :
		    kafka_inflight_committable(w);
		do
			offset = lowest + rand() % 8;
		while (offset >= next || ended[offset]);
		ended[offset] = true;
		rc = kafka_inflight_end(w, offset, &commit);
		assert_true(rc == 0 || rc == 1);
		for (lowest = 0; lowest < next && ended[lowest]; lowest++)
			;
		assert_int_equal(kafka_inflight_committable(w),
		    lowest == 0 ? -1 : lowest);
	}
	assert_true(next > 100);
	kafka_inflight_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_prefix_stops_at_hole),
		cmocka_unit_test(test_window_bounds_run_ahead),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_redelivery_and_reset),
		cmocka_unit_test(test_random_orders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
