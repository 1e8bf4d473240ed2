/* Unit tests for common/meta.c: event ids and metadata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "meta.h"

static void
assert_uuid_shape(const char *id, char version)
{
	size_t	i;

	assert_int_equal(strlen(id), META_ID_LEN);
	for (i = 0; i < META_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(id[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", id[i]));
	}
	assert_int_equal(id[14], version);
	assert_non_null(strchr("89ab", id[19]));
}

static void
test_random_ids_are_unique_v4(void **state)
{
	char	a[META_ID_LEN + 1], b[META_ID_LEN + 1];

	meta_random_id(a);
	meta_random_id(b);
	assert_uuid_shape(a, '4');
	assert_uuid_shape(b, '4');
	assert_string_not_equal(a, b);
}

static void
test_derived_ids_are_stable_and_distinct(void **state)
{
	char	a[META_ID_LEN + 1], b[META_ID_LEN + 1], c[META_ID_LEN + 1];
	char	d[META_ID_LEN + 1];

	meta_derive_id("e1", "classified", a);
	meta_derive_id("e1", "classified", b);
	meta_derive_id("e1", "sla.first_contact.start", c);
	meta_derive_id("e2", "classified", d);
	assert_uuid_shape(a, '8');
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
}

static void
test_cause_and_purpose_do_not_run_together(void **state)
{
	char	a[META_ID_LEN + 1], b[META_ID_LEN + 1];

	/* "ab" + "c" and "a" + "bc" must not collide. */
	meta_derive_id("ab", "c", a);
	meta_derive_id("a", "bc", b);
	assert_string_not_equal(a, b);
}

static void
test_fill_from_cause_inherits_trace(void **state)
{
	Cdp__V1__EventMeta	cause = CDP__V1__EVENT_META__INIT, m;
	struct meta_ids		ids;
	char			want[META_ID_LEN + 1];

	cause.event_id = "cause-1";
	cause.trace_id = "trace-1";
	meta_fill(&m, &ids, "classifier", &cause, "classified");
	meta_derive_id("cause-1", "classified", want);
	assert_string_equal(m.event_id, want);
	assert_string_equal(m.cause_id, "cause-1");
	assert_string_equal(m.trace_id, "trace-1");
	assert_string_equal(m.producer, "classifier");
	assert_int_equal(m.schema_version, META_SCHEMA_VERSION);
	assert_true(m.occurred_at_ms > 1700000000000LL);
}

static void
test_fill_without_cause_starts_a_trace(void **state)
{
	Cdp__V1__EventMeta	m;
	struct meta_ids		ids;

	meta_fill(&m, &ids, "intake", NULL, NULL);
	assert_uuid_shape(m.event_id, '4');
	assert_string_equal(m.cause_id, "");
	assert_string_equal(m.trace_id, m.event_id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ids_are_unique_v4),
		cmocka_unit_test(test_derived_ids_are_stable_and_distinct),
		cmocka_unit_test(test_cause_and_purpose_do_not_run_together),
		cmocka_unit_test(test_fill_from_cause_inherits_trace),
		cmocka_unit_test(test_fill_without_cause_starts_a_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
