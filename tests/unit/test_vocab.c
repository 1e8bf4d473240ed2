/*
 * Unit tests of common/vocab.c: every value of every enum of the contract
 * has one public name that reads back to it; the names are the API's
 * spelling; aliases read but are never written; unknown, unspecified and
 * upper-case names are refused.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nitems.h"
#include "vocab.h"


static const ProtobufCEnumDescriptor *enums[] = {
	&cdp__v1__channel__descriptor, &cdp__v1__member_tier__descriptor,
	&cdp__v1__demand__descriptor, &cdp__v1__category__descriptor,
	&cdp__v1__severity__descriptor, &cdp__v1__urgency_flag__descriptor,
	&cdp__v1__team__descriptor, &cdp__v1__party__descriptor,
	&cdp__v1__actor_role__descriptor,
	&cdp__v1__complaint_status__descriptor, &cdp__v1__action__descriptor,
	&cdp__v1__outcome__descriptor, &cdp__v1__escalation_level__descriptor,
	&cdp__v1__sla_clock__descriptor, &cdp__v1__sla_result__descriptor,
	&cdp__v1__penalty_step__descriptor, &cdp__v1__standing__descriptor,
};

/* Every value's name reads back to it, and no two names are the same. */
static void
test_round_trip(void **state)
{
	char	name[64], other[64];
	size_t	e, i, j;
	int	v;

	for (e = 0; e < nitems(enums); e++)
		for (i = 1; i < enums[e]->n_values; i++) {
			assert_true(vocab_name(enums[e],
			    enums[e]->values[i].value, name, sizeof(name)));
			assert_int_equal(vocab_value(enums[e], name, &v), 0);
			assert_int_equal(v, enums[e]->values[i].value);
			for (j = 1; j < i; j++) {
				vocab_name(enums[e], enums[e]->values[j].value,
				    other, sizeof(other));
				assert_string_not_equal(name, other);
			}
		}
}

static void
test_api_spelling(void **state)
{
	char	name[64];

	vocab_name(&cdp__v1__category__descriptor,
	    CDP__V1__CATEGORY__CATEGORY_FALSE_ADVERTISING, name, sizeof(name));
	assert_string_equal(name, "false_advertising");
	vocab_name(&cdp__v1__sla_clock__descriptor,
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, name, sizeof(name));
	assert_string_equal(name, "first_contact");
	vocab_name(&cdp__v1__complaint_status__descriptor,
	    CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_AWAITING_MERCHANT,
	    name, sizeof(name));
	assert_string_equal(name, "awaiting_merchant");
}

static void
test_aliases_read_only(void **state)
{
	char	name[64];
	int	v;

	assert_int_equal(vocab_value(&cdp__v1__category__descriptor,
	    "advertising", &v), 0);
	assert_int_equal(v, CDP__V1__CATEGORY__CATEGORY_FALSE_ADVERTISING);
	assert_int_equal(vocab_value(&cdp__v1__category__descriptor,
	    "platform", &v), 0);
	assert_int_equal(v, CDP__V1__CATEGORY__CATEGORY_PLATFORM_RULES);
	vocab_name(&cdp__v1__category__descriptor, v, name, sizeof(name));
	assert_string_equal(name, "platform_rules");
	/* An alias belongs to its enum only. */
	assert_int_equal(vocab_value(&cdp__v1__severity__descriptor,
	    "advertising", &v), -1);
}

static void
test_refused(void **state)
{
	char	name[8] = "x";
	int	v;

	assert_int_equal(vocab_value(&cdp__v1__severity__descriptor, "", &v),
	    -1);
	assert_int_equal(vocab_value(&cdp__v1__severity__descriptor,
	    "unspecified", &v), -1);
	assert_int_equal(vocab_value(&cdp__v1__severity__descriptor, "URGENT",
	    &v), -1);
	assert_int_equal(vocab_value(&cdp__v1__severity__descriptor,
	    "critical", &v), -1);
	assert_false(vocab_name(&cdp__v1__severity__descriptor, 0, name,
	    sizeof(name)));
	assert_string_equal(name, "");
	assert_false(vocab_name(&cdp__v1__severity__descriptor, 99, name,
	    sizeof(name)));
}

static void
test_list(void **state)
{
	char	buf[256];

	assert_string_equal(vocab_list(&cdp__v1__severity__descriptor, buf,
	    sizeof(buf)), "urgent, high, normal, low");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_api_spelling),
		cmocka_unit_test(test_aliases_read_only),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
