/*
 * Unit tests for services/sla-timer/state.c: a complaint's clocks survive
 * the compact form unchanged (every field, times at the clock's start,
 * an appeal's complaint, a closed complaint), the form is short, and the
 * named-field form of earlier versions is still read.
 */
/* cdp-test-sources: services/sla-timer/state.c services/sla-timer/clock.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sla-timer/sla.h"

#define T0	INT64_C(1796461788044)

static void
clock_fill(struct sla_clock *k, Cdp__V1__SlaClock clock, const char *policy)
{
	memset(k, 0, sizeof(*k));
	k->clock = clock;
	k->cycle = 1;
	k->state = CLOCK_RUNNING;
	snprintf(k->policy, sizeof(k->policy), "%s", policy);
	k->party = CDP__V1__PARTY__PARTY_PLATFORM;
	k->started_ms = T0;
	k->due_ms = T0 + 86400000;
	k->warn_ms = T0 + 69120000;
	k->remaining_ms = 86400000;
	k->warn_remaining_ms = 69120000;
}

static void
state_fill(struct sla_state *s)
{
	state_init(s);
	s->offset = 1234567;
	snprintf(s->merchant_id, sizeof(s->merchant_id), "M1001");
	s->c.severity = CDP__V1__SEVERITY__SEVERITY_NORMAL;
	s->c.category = CDP__V1__CATEGORY__CATEGORY_PRODUCT;
	s->c.received_ms = T0;
	s->c.nclocks = 2;
	clock_fill(&s->c.clocks[0],
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, "first_contact");
	clock_fill(&s->c.clocks[1], CDP__V1__SLA_CLOCK__SLA_CLOCK_SOLUTION,
	    "solution");
}

static void
assert_same(const struct sla_state *a, const struct sla_state *b)
{
	size_t	i;

	assert_int_equal(a->offset, b->offset);
	assert_string_equal(a->merchant_id, b->merchant_id);
	assert_string_equal(a->complaint_id, b->complaint_id);
	assert_int_equal(a->c.severity, b->c.severity);
	assert_int_equal(a->c.category, b->c.category);
	assert_int_equal(a->c.closed, b->c.closed);
	assert_int_equal(a->c.received_ms, b->c.received_ms);
	assert_int_equal(a->c.nclocks, b->c.nclocks);
	for (i = 0; i < a->c.nclocks; i++)
		assert_memory_equal(&a->c.clocks[i], &b->c.clocks[i],
		    sizeof(a->c.clocks[i]));
}

static void
roundtrip(const struct sla_state *s)
{
	struct sla_state	 back;
	char			*json = state_encode(s);

	assert_int_equal(state_decode(json, strlen(json), &back), 0);
	assert_same(s, &back);
	free(json);
}

/* Two running clocks, the common case, in well under 256 bytes. */
static void
test_running_roundtrip_and_short(void **state)
{
	struct sla_state	 s;
	char			*json;

	state_fill(&s);
	roundtrip(&s);
	json = state_encode(&s);
	assert_true(strlen(json) < 240);
	free(json);
}

/*
 * Every field set, a stop at the very start (0 ms after it, which must not
 * be read as "none"), a closed appeal.
 */
static void
test_every_field_roundtrip(void **state)
{
	struct sla_state	 s;
	struct sla_clock	*k;

	state_fill(&s);
	k = &s.c.clocks[1];
	k->state = CLOCK_STOPPED;
	k->cycle = 3;
	k->warned = true;
	k->breached = true;
	k->stopped_ms = k->started_ms;
	k->result = CDP__V1__SLA_RESULT__SLA_RESULT_BREACHED;
	k->elapsed_ms = 0;
	k->warn_ms = 0;
	s.c.closed = true;
	snprintf(s.complaint_id, sizeof(s.complaint_id), "C0123456789AB");
	roundtrip(&s);
	k->elapsed_ms = 5;
	k->due_ms = k->started_ms;
	roundtrip(&s);
	s.c.nclocks = 0;
	roundtrip(&s);
}

/* A state saved by an earlier version is read as it was written. */
static void
test_named_form_read(void **state)
{
	static const char named[] = "{\"offset\":7,\"merchant_id\":\"M1\","
	    "\"severity\":3,\"category\":1,\"closed\":false,\"received\":5,"
	    "\"clocks\":[{\"clock\":1,\"cycle\":1,\"state\":0,\"policy\":"
	    "\"first_contact\",\"party\":3,\"started\":10,\"due\":110,"
	    "\"warn\":90,\"remaining\":100,\"warn_remaining\":80,"
	    "\"stopped\":0,\"warned\":true,\"breached\":false,\"result\":0,"
	    "\"elapsed\":0}]}";
	struct sla_state	s;

	assert_int_equal(state_decode(named, strlen(named), &s), 0);
	assert_int_equal(s.offset, 7);
	assert_string_equal(s.merchant_id, "M1");
	assert_int_equal(s.c.received_ms, 5);
	assert_int_equal(s.c.nclocks, 1);
	assert_string_equal(s.c.clocks[0].policy, "first_contact");
	assert_int_equal(s.c.clocks[0].due_ms, 110);
	assert_int_equal(s.c.clocks[0].warn_ms, 90);
	assert_true(s.c.clocks[0].warned);
	assert_int_equal(s.c.clocks[0].stopped_ms, 0);
}

static void
test_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"o\":1}", "{\"o\":1,\"m\":\"M\",\"s\":0,\"c\":0,"
		"\"r\":0,\"k\":[[1,1,0]]}", "{\"o\":1,\"m\":\"M\",\"s\":0,"
		"\"c\":0,\"r\":0,\"k\":7}",
	};
	struct sla_state	s;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(state_decode(bad[i], strlen(bad[i]), &s), -1);
		assert_int_equal(s.offset, -1);
		assert_int_equal(s.c.nclocks, 0);
	}
}

/*
 * An id longer than the state keeps is not cut (perhaps inside a
 * character, which JSON refuses): the event is skipped (found by fuzzing).
 */
static void
test_long_ids_do_not_fit(void **state)
{
	char	id[128] = "";
	int	i;

	for (i = 0; i < 22; i++)
		strcat(id, "商");	/* 66 bytes */
	assert_true(state_ids_fit("M1", "C1"));
	assert_true(state_ids_fit("商商商", ""));
	assert_false(state_ids_fit(id, "C1"));
	assert_false(state_ids_fit("M1", id));
	id[63] = '\0';
	assert_true(state_ids_fit(id, id));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_roundtrip_and_short),
		cmocka_unit_test(test_every_field_roundtrip),
		cmocka_unit_test(test_named_form_read),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_long_ids_do_not_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
