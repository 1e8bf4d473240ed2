/*
 * sla-timer's handling of a sequence of events (records.h; an odd
 * selector is a merchants.events appeal event, an even one
 * complaints.events) for one complaint with the shipped policies: the
 * clocks started, paused, resumed and stopped, the state kept and read
 * back as in Redis after each, then every warning and breach fired in
 * turn as the timer does.
 */
/* cdp-test-sources: tests/fuzz/input.c services/sla-timer/clock.c services/sla-timer/state.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fuzz.h"
#include "records.h"
#include "sla-timer/sla.h"

#define CHANGES_MAX	32

static struct policy_set	*policies;

static void
roundtrip(struct sla_state *s, const char *merchant_id)
{
	struct sla_state	 back;
	char			*text;

	if (s->merchant_id[0] == '\0')
		snprintf(s->merchant_id, sizeof(s->merchant_id), "%s",
		    merchant_id);
	text = state_encode(s);
	if (state_decode(text, strlen(text), &back) == 0)
		*s = back;
	free(text);
	state_closed(s);
}

/* Fires what falls due, earliest first, as fire.c does. */
static void
fire(struct sla_state *s)
{
	struct clock_due	d[SLA_CLOCKS_MAX * 2];
	int64_t			at;
	size_t			i, n, rounds;

	for (rounds = 0; rounds < 2 * SLA_CLOCKS_MAX; rounds++) {
		if ((at = clock_next_due(&s->c)) <= 0)
			return;
		n = clock_due(&s->c, at, d, SLA_CLOCKS_MAX * 2);
		if (n == 0)
			return;
		for (i = 0; i < n; i++) {
			clock_policy(&s->c, policies, &s->c.clocks[d[i].index]);
			clock_mark_fired(&s->c, &d[i]);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record	 r;
	struct sla_state	 s;
	struct clock_change	 ch[CHANGES_MAX];
	Cdp__V1__ComplaintEvent	*cev;
	Cdp__V1__MerchantEvent	*mev;
	char			 err[256];

	if (policies == NULL && (policies = policy_load(
	    fuzz_config("sla-policies.conf"), err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_sla_event: %s\n", err);
		abort();
	}
	state_init(&s);
	while (fuzz_record_next(&data, &size, &r)) {
		if (r.selector & 1) {
			if ((mev = fuzz_event(&events_merchant,
			    "merchants.events", r.data, r.size)) == NULL)
				continue;
			if (!state_ids_fit(mev->merchant_id, "")) {
				cdp__v1__merchant_event__free_unpacked(mev,
				    NULL);
				continue;	/* as apply_load() */
			}
			clock_appeal(&s.c, policies, mev, ch, CHANGES_MAX);
			roundtrip(&s, mev->merchant_id);
			cdp__v1__merchant_event__free_unpacked(mev, NULL);
		} else {
			if ((cev = fuzz_event(&events_complaint,
			    "complaints.events", r.data, r.size)) == NULL)
				continue;
			if (!state_ids_fit(cev->merchant_id,
			    cev->complaint_id)) {
				cdp__v1__complaint_event__free_unpacked(cev,
				    NULL);
				continue;	/* as apply_load() */
			}
			clock_apply(&s.c, policies, cev, ch, CHANGES_MAX);
			roundtrip(&s, cev->merchant_id);
			cdp__v1__complaint_event__free_unpacked(cev, NULL);
		}
		fire(&s);
	}
	return 0;
}
