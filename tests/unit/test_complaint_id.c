/*
 * Unit tests of common/complaint_id.c: an id is its kind letter and 12
 * Crockford base32 characters of SHA-256(seed), the same for the same seed
 * (the expected values were computed independently with Python's hashlib:
 * the first is the README's example filing, dev-app with Idempotency-Key
 * demo-1), different for different seeds, and never holds I, L, O or U.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "complaint_id.h"

static void
test_known_ids(void **state)
{
	char	id[COMPLAINT_ID_LEN + 1];

	complaint_id_derive(COMPLAINT_ID_FILED, "dev-app/demo-1", id);
	assert_string_equal(id, "CA9NAVB7M3MGH");
	complaint_id_derive(COMPLAINT_ID_PROACTIVE, "O20261125001/lost", id);
	assert_string_equal(id, "PRXWYW7BEVMKH");
}

static void
test_shape(void **state)
{
	char	id[COMPLAINT_ID_LEN + 1], other[COMPLAINT_ID_LEN + 1];
	char	seed[32];
	int	i;

	for (i = 0; i < 2000; i++) {
		snprintf(seed, sizeof(seed), "seed-%d", i);
		complaint_id_derive(COMPLAINT_ID_FILED, seed, id);
		assert_int_equal(strlen(id), COMPLAINT_ID_LEN);
		assert_int_equal(strspn(id + 1,
		    "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), COMPLAINT_ID_DIGITS);
		complaint_id_derive(COMPLAINT_ID_FILED, seed, other);
		assert_string_equal(id, other);
	}
	complaint_id_derive(COMPLAINT_ID_FILED, "seed-1", other);
	assert_string_not_equal(id, other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_ids),
		cmocka_unit_test(test_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
