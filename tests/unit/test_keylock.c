/*
 * Unit tests for common/keylock.c: take, give and take again; many keys
 * (the table grows); keys given back from the middle of a probe run (their
 * neighbours must stay found); and a long random sequence checked against
 * a plain array of flags.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keylock.h"

#define MANY		5000
#define MODEL_KEYS	600
#define MODEL_STEPS	200000

static void
key_name(char *buf, size_t size, size_t i)
{
	snprintf(buf, size, "CP20261206%08zu", i);
}

static void
test_take_give_retake(void **state)
{
	struct keylock	*l = keylock_new();

	assert_true(keylock_take(l, "C1"));
	assert_false(keylock_take(l, "C1"));
	assert_true(keylock_take(l, "C2"));
	assert_true(keylock_take(l, ""));
	assert_false(keylock_take(l, ""));
	keylock_give(l, "C1");
	assert_false(keylock_take(l, "C2"));
	assert_true(keylock_take(l, "C1"));
	/* Giving a key not taken changes nothing. */
	keylock_give(l, "C3");
	keylock_give(l, "C3");
	assert_false(keylock_take(l, "C1"));
	assert_true(keylock_take(l, "C3"));
	keylock_free(l);
	keylock_free(NULL);
}

/*
 * Keys that differ only in their last characters, many more than the first
 * table holds: every one taken once, found taken, given back, taken again.
 */
static void
test_many_keys(void **state)
{
	struct keylock	*l = keylock_new();
	char		 key[32];
	size_t		 i;

	for (i = 0; i < MANY; i++) {
		key_name(key, sizeof(key), i);
		assert_true(keylock_take(l, key));
	}
	for (i = 0; i < MANY; i++) {
		key_name(key, sizeof(key), i);
		assert_false(keylock_take(l, key));
	}
	for (i = 0; i < MANY; i++) {
		key_name(key, sizeof(key), i);
		keylock_give(l, key);
	}
	for (i = 0; i < MANY; i++) {
		key_name(key, sizeof(key), i);
		assert_true(keylock_take(l, key));
	}
	keylock_free(l);	/* with every key still taken */
}

/*
 * Every second key given back: the table (half full at most) has runs of
 * keys sharing home slots, so this empties slots inside runs, and the keys
 * after them must still be found, and the given ones not.
 */
static void
test_give_from_inside_runs(void **state)
{
	struct keylock	*l = keylock_new();
	char		 key[32];
	size_t		 i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < MANY; i++) {
			key_name(key, sizeof(key), i);
			if (round == 0 || i % 2 == round % 2)
				assert_true(keylock_take(l, key));
		}
		for (i = 0; i < MANY; i++) {
			key_name(key, sizeof(key), i);
			if (i % 2 == round % 2)
				continue;
			keylock_give(l, key);
		}
		for (i = 0; i < MANY; i++) {
			key_name(key, sizeof(key), i);
			assert_int_equal(keylock_take(l, key),
			    i % 2 != round % 2);
			if (i % 2 != round % 2)
				keylock_give(l, key);
		}
	}
	keylock_free(l);
}

/* xorshift64: the same sequence every run. */
static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random takes and gives of a few hundred keys (so the set stays around
 * half of them: growing once, then churning at a steady size) agree at
 * every step with an array of flags.
 */
static void
test_random_against_a_model(void **state)
{
	struct keylock	*l = keylock_new();
	bool		 taken[MODEL_KEYS] = { false };
	uint64_t	 seed = UINT64_C(0x9e3779b97f4a7c15), r;
	char		 key[32];
	size_t		 i, k;

	for (i = 0; i < MODEL_STEPS; i++) {
		r = next_random(&seed);
		k = (size_t)(r % MODEL_KEYS);
		key_name(key, sizeof(key), k);
		if ((r >> 32) & 1) {
			assert_int_equal(keylock_take(l, key), !taken[k]);
			taken[k] = true;
		} else {
			keylock_give(l, key);
			taken[k] = false;
		}
	}
	for (k = 0; k < MODEL_KEYS; k++) {
		key_name(key, sizeof(key), k);
		assert_int_equal(keylock_take(l, key), !taken[k]);
	}
	keylock_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_give_retake),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_give_from_inside_runs),
		cmocka_unit_test(test_random_against_a_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
