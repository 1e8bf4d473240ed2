/*
 * Unit tests for services/sla-timer/clock.c: every row of the transition
 * table of docs/sla-clocks.md, pauses across a weekend on a business
 * calendar, warnings and breaches and their order, re-timing on a more
 * urgent classification, cycles, reopening, a full clocks[] and replay;
 * which events clock_touches() lets the daemon skip.
 * The policies are real files, written to /tmp and read by policy_load().
 */
/* cdp-test-sources: services/sla-timer/clock.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nitems.h"
#include "sla-timer/sla.h"

#define MIN		INT64_C(60000)
#define HOUR		(60 * MIN)
#define DAY		(24 * HOUR)
/* Friday 2025-11-21 00:00 in Asia/Shanghai (+08:00). */
#define FRI		(INT64_C(1763690400000) - 10 * HOUR)
#define SAT		(FRI + DAY)
#define SUN		(FRI + 2 * DAY)
#define MON		(FRI + 3 * DAY)
#define TUE		(FRI + 4 * DAY)
#define T0		(FRI + 10 * HOUR)	/* Friday 10:00 */

#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define ACT(x)		CDP__V1__ACTION__ACTION_##x
#define SEV(x)		CDP__V1__SEVERITY__SEVERITY_##x
#define CAT(x)		CDP__V1__CATEGORY__CATEGORY_##x
#define RESULT(x)	CDP__V1__SLA_RESULT__SLA_RESULT_##x
#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define DETAIL(x)	CDP__V1__ACTION_RECORDED__DETAIL_##x

/*
 * The policies of the tests. First contact and the merchant's clocks run
 * around the clock; solution, investigation and return inspection count
 * business hours (Monday to Friday, 09:00-18:00, 9 hours a day).
 */
static const char policies[] =
    "[calendar biz]\n"
    "timezone = Asia/Shanghai\n"
    "weekdays = mon-fri\n"
    "hours = 09:00-18:00\n"
    "\n"
    "[policy fc]\n"
    "clock = first_contact\n"
    "target = 30m\n"
    "\n"
    "[policy fc-urgent]\n"
    "clock = first_contact\n"
    "severity = urgent\n"
    "target = 10m\n"
    "\n"
    "[policy sol]\n"
    "clock = solution\n"
    "target = 2bd\n"
    "calendar = biz\n"
    "\n"
    "[policy sol-urgent]\n"
    "clock = solution\n"
    "severity = urgent\n"
    "target = 24h\n"
    "\n"
    "[policy sol-logistics]\n"
    "clock = solution\n"
    "category = logistics\n"
    "target = 3bd\n"
    "calendar = biz\n"
    "\n"
    "[policy mr]\n"
    "clock = merchant_response\n"
    "target = 24h\n"
    "warn_at = no\n"
    "\n"
    "[policy inv]\n"
    "clock = investigation\n"
    "target = 1bd\n"
    "calendar = biz\n"
    "\n"
    "[policy exe]\n"
    "clock = execution\n"
    "target = 48h\n"
    "\n"
    "[policy ri]\n"
    "clock = return_inspection\n"
    "target = 3bd\n"
    "calendar = biz\n"
    "\n"
    "[policy qc]\n"
    "clock = qc_result\n"
    "target = 48h\n"
    "\n"
    "[policy em]\n"
    "clock = emergency_start\n"
    "target = 2h\n"
    "warn_at = 1\n";

/* Only an urgent solution clock: every other clock has no policy. */
static const char sparse_policies[] =
    "[policy only]\n"
    "clock = solution\n"
    "severity = urgent\n"
    "target = 24h\n";

struct fixture {
	struct policy_set	*ps;
	struct policy_set	*sparse;
	struct sla_complaint	 c;
	struct clock_change	 ch[SLA_CLOCKS_MAX];
	size_t			 n;
};

/* One event, built on the stack, with room for every body it may have. */
struct event {
	Cdp__V1__ComplaintEvent		ev;
	Cdp__V1__EventMeta		meta;
	Cdp__V1__Classified		cl;
	Cdp__V1__OutOfScope		oos;
	Cdp__V1__ActionRecorded		a;
	Cdp__V1__Resolution		res;
	Cdp__V1__Inspection		insp;
	Cdp__V1__Escalation		esc;
	Cdp__V1__SlaWarning		warn;
	Cdp__V1__SlaBreached		breach;
	Cdp__V1__SlaClockChange		change;
	Cdp__V1__UrgencyFlag		flags[1];
};

static struct policy_set *
load(const char *text)
{
	char			 path[] = "/tmp/test_sla_clock.XXXXXX";
	char			 err[256];
	struct policy_set	*ps;
	FILE			*fp;
	int			 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
	ps = policy_load(path, err, sizeof(err));
	unlink(path);
	if (ps == NULL)
		fail_msg("policy_load: %s", err);
	return ps;
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ps = load(policies);
	f->sparse = load(sparse_policies);
	clock_init(&f->c);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	policy_free(f->ps);
	policy_free(f->sparse);
	free(f);
	return 0;
}

static void
event_init(struct event *e, int64_t at)
{
	memset(e, 0, sizeof(*e));
	cdp__v1__complaint_event__init(&e->ev);
	cdp__v1__event_meta__init(&e->meta);
	e->meta.occurred_at_ms = at;
	e->ev.meta = &e->meta;
	e->ev.complaint_id = "C1";
}

static size_t
apply_ps(struct fixture *f, const struct policy_set *ps, struct event *e)
{
	memset(f->ch, 0, sizeof(f->ch));
	f->n = clock_apply(&f->c, ps, &e->ev, f->ch, SLA_CLOCKS_MAX);
	return f->n;
}

static size_t
apply(struct fixture *f, struct event *e)
{
	return apply_ps(f, f->ps, e);
}

static void
classified_event(struct event *e, int64_t at, Cdp__V1__Severity sev,
    Cdp__V1__Category cat)
{
	event_init(e, at);
	cdp__v1__classified__init(&e->cl);
	e->cl.severity = sev;
	e->cl.category = cat;
	e->ev.body_case = BODY(CLASSIFIED);
	e->ev.classified = &e->cl;
}

static size_t
classify(struct fixture *f, int64_t at, Cdp__V1__Severity sev,
    Cdp__V1__Category cat)
{
	struct event	e;

	classified_event(&e, at, sev, cat);
	return apply(f, &e);
}

static void
action_event(struct event *e, int64_t at, Cdp__V1__Action action)
{
	event_init(e, at);
	cdp__v1__action_recorded__init(&e->a);
	e->a.action = action;
	e->ev.body_case = BODY(ACTION_RECORDED);
	e->ev.action_recorded = &e->a;
}

static size_t
act(struct fixture *f, int64_t at, Cdp__V1__Action action)
{
	struct event	e;

	action_event(&e, at, action);
	return apply(f, &e);
}

static size_t
decide(struct fixture *f, int64_t at, Cdp__V1__Outcome outcome)
{
	struct event	e;

	action_event(&e, at, ACT(DECIDED));
	cdp__v1__resolution__init(&e.res);
	e.res.outcome = outcome;
	e.a.detail_case = DETAIL(RESOLUTION);
	e.a.resolution = &e.res;
	return apply(f, &e);
}

static size_t
inspect(struct fixture *f, int64_t at, Cdp__V1__InspectionResult result)
{
	struct event	e;

	action_event(&e, at, ACT(INSPECTED));
	cdp__v1__inspection__init(&e.insp);
	e.insp.result = result;
	e.a.detail_case = DETAIL(INSPECTION);
	e.a.inspection = &e.insp;
	return apply(f, &e);
}

static size_t
escalate(struct fixture *f, int64_t at, Cdp__V1__EscalationLevel level)
{
	struct event	e;

	action_event(&e, at, ACT(ESCALATED));
	cdp__v1__escalation__init(&e.esc);
	e.esc.level = level;
	e.a.detail_case = DETAIL(ESCALATION);
	e.a.escalation = &e.esc;
	return apply(f, &e);
}

/* Our own SlaWarning or SlaBreached, as read back from the log. */
static size_t
fired(struct fixture *f, int64_t at, enum clock_due_kind kind,
    Cdp__V1__SlaClock clock, uint32_t cycle)
{
	struct event	e;

	event_init(&e, at);
	if (kind == CLOCK_DUE_WARNING) {
		cdp__v1__sla_warning__init(&e.warn);
		e.warn.clock = clock;
		e.warn.cycle = cycle;
		e.ev.body_case = BODY(SLA_WARNING);
		e.ev.sla_warning = &e.warn;
	} else {
		cdp__v1__sla_breached__init(&e.breach);
		e.breach.clock = clock;
		e.breach.cycle = cycle;
		e.ev.body_case = BODY(SLA_BREACHED);
		e.ev.sla_breached = &e.breach;
	}
	return apply(f, &e);
}

static const struct sla_clock *
find(const struct sla_complaint *c, Cdp__V1__SlaClock clock, uint32_t cycle)
{
	size_t	i;

	for (i = 0; i < c->nclocks; i++)
		if (c->clocks[i].clock == clock && c->clocks[i].cycle == cycle)
			return &c->clocks[i];
	return NULL;
}

static const struct sla_clock *
must_find(const struct sla_complaint *c, Cdp__V1__SlaClock clock,
    uint32_t cycle)
{
	const struct sla_clock	*k = find(c, clock, cycle);

	if (k == NULL)
		fail_msg("no %s clock, cycle %u", clock_name(clock), cycle);
	return k;
}

static size_t
index_of(const struct sla_complaint *c, const struct sla_clock *k)
{
	return (size_t)(k - c->clocks);
}

/* Checks change i: its kind, clock, cycle and reason. */
static void
assert_change(const struct fixture *f, size_t i, enum clock_change_kind kind,
    Cdp__V1__SlaClock clock, uint32_t cycle, const char *reason)
{
	assert_true(i < f->n);
	assert_int_equal(f->ch[i].kind, kind);
	assert_int_equal(f->ch[i].clock.clock, clock);
	assert_int_equal(f->ch[i].clock.cycle, cycle);
	assert_string_equal(f->ch[i].reason, reason);
}

static void
assert_stopped(const struct sla_clock *k, Cdp__V1__SlaResult result,
    int64_t at)
{
	assert_int_equal(k->state, CLOCK_STOPPED);
	assert_int_equal(k->result, result);
	assert_int_equal(k->stopped_ms, at);
}

/* A normal product complaint classified on Friday at 10:00. */
static void
start_normal(struct fixture *f)
{
	clock_init(&f->c);
	assert_int_equal(classify(f, T0, SEV(NORMAL), CAT(PRODUCT)), 2);
}

static void
test_classified_starts_clocks(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc, *sol;

	start_normal(f);
	assert_change(f, 0, CLOCK_STARTED, CLK(FIRST_CONTACT), 1,
	    "classified");
	assert_change(f, 1, CLOCK_STARTED, CLK(SOLUTION), 1, "classified");
	assert_int_equal(f->c.severity, SEV(NORMAL));
	assert_int_equal(f->c.category, CAT(PRODUCT));
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->state, CLOCK_RUNNING);
	assert_string_equal(fc->policy, "fc");
	assert_int_equal(fc->party, CDP__V1__PARTY__PARTY_PLATFORM);
	assert_int_equal(fc->started_ms, T0);
	assert_int_equal(fc->due_ms, T0 + 30 * MIN);
	assert_int_equal(fc->warn_ms, T0 + 24 * MIN);	/* 80% */
	/* Two business days of 9 hours from Friday 10:00: Tuesday 10:00. */
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_string_equal(sol->policy, "sol");
	assert_int_equal(sol->due_ms, TUE + 10 * HOUR);
	/* 80% of 18 hours is 14h24m: 8h on Friday, 6h24m on Monday. */
	assert_int_equal(sol->warn_ms, MON + 15 * HOUR + 24 * MIN);
	assert_memory_equal(&f->ch[0].clock, fc, sizeof(*fc));

	/* The same assessment again starts nothing. */
	assert_int_equal(classify(f, T0 + MIN, SEV(NORMAL), CAT(PRODUCT)), 0);
	assert_int_equal(f->c.nclocks, 2);
}

/*
 * The clocks a classification starts count from the complaint's receipt
 * (its Filed event), not from the classification, so that intake's
 * promise at filing and the clock's deadline are the same instant.
 */
static void
test_clocks_count_from_receipt(void **state)
{
	struct fixture		*f = *state;
	struct event		 e;
	const struct sla_clock	*fc;
	Cdp__V1__Filed		 filed = CDP__V1__FILED__INIT;

	clock_init(&f->c);
	event_init(&e, T0);
	e.ev.body_case = BODY(FILED);
	e.ev.filed = &filed;
	assert_int_equal(apply(f, &e), 0);
	assert_int_equal(f->c.received_ms, T0);
	/* A replayed Filed event keeps the first receipt time. */
	event_init(&e, T0 + MIN);
	e.ev.body_case = BODY(FILED);
	e.ev.filed = &filed;
	apply(f, &e);
	assert_int_equal(f->c.received_ms, T0);

	assert_int_equal(classify(f, T0 + 3 * 1000, SEV(NORMAL),
	    CAT(PRODUCT)), 2);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->started_ms, T0);
	assert_int_equal(fc->due_ms, T0 + 30 * MIN);
}

static void
test_reclassified_keeps_timing(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*sol;

	start_normal(f);
	/* Another category, same severity: the clock keeps its timing. */
	assert_int_equal(classify(f, T0 + HOUR, SEV(NORMAL), CAT(LOGISTICS)),
	    0);
	assert_int_equal(f->c.category, CAT(LOGISTICS));
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_string_equal(sol->policy, "sol");
	assert_int_equal(sol->due_ms, TUE + 10 * HOUR);
	/*
	 * Its calendar is still its own policy's: paused on Friday at 17:00
	 * it has 18h - 7h = 11h left.
	 */
	assert_int_equal(act(f, FRI + 17 * HOUR, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	assert_int_equal(sol->remaining_ms, 11 * HOUR);
	/* A less urgent severity re-times nothing either. */
	assert_int_equal(classify(f, FRI + 17 * HOUR + MIN, SEV(LOW),
	    CAT(LOGISTICS)), 0);
	assert_int_equal(f->c.severity, SEV(LOW));
	assert_int_equal(sol->remaining_ms, 11 * HOUR);
}

/*
 * A warning or breach acts under its clock's own policy, whatever the
 * complaint's classification became; only a policy gone from the file
 * gives way to the one that now applies.
 */
static void
test_clock_policy_is_its_own(void **state)
{
	struct fixture		*f = *state;
	struct sla_clock	 gone;

	start_normal(f);
	assert_int_equal(classify(f, T0 + HOUR, SEV(LOW), CAT(LOGISTICS)), 0);
	gone = *must_find(&f->c, CLK(SOLUTION), 1);
	assert_string_equal(clock_policy(&f->c, f->ps, &gone)->name, "sol");
	snprintf(gone.policy, sizeof(gone.policy), "sol-retired");
	assert_string_equal(clock_policy(&f->c, f->ps, &gone)->name,
	    "sol-logistics");
}

static void
test_no_policy_no_clock(void **state)
{
	struct fixture	*f = *state;
	struct event	 e;

	clock_init(&f->c);
	classified_event(&e, T0, SEV(NORMAL), CAT(PRODUCT));
	assert_int_equal(apply_ps(f, f->sparse, &e), 0);
	assert_int_equal(f->c.nclocks, 0);
	action_event(&e, T0 + MIN, ACT(MERCHANT_RESPONSE_REQUESTED));
	assert_int_equal(apply_ps(f, f->sparse, &e), 0);
	/* Urgent has a solution policy; first contact still has none. */
	classified_event(&e, T0 + 2 * MIN, SEV(URGENT), CAT(PRODUCT));
	assert_int_equal(apply_ps(f, f->sparse, &e), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(SOLUTION), 1, "classified");
	assert_string_equal(f->c.clocks[0].policy, "only");
	assert_int_equal(f->c.clocks[0].due_ms, T0 + 2 * MIN + DAY);
	/* No policy set at all: nothing starts. */
	clock_init(&f->c);
	classified_event(&e, T0, SEV(NORMAL), CAT(PRODUCT));
	assert_int_equal(apply_ps(f, NULL, &e), 0);
}

static void
test_first_contact_met(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc;

	start_normal(f);
	assert_int_equal(act(f, T0 + 20 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(FIRST_CONTACT), 1,
	    "first_contact");
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_stopped(fc, RESULT(MET), T0 + 20 * MIN);
	assert_int_equal(fc->elapsed_ms, 20 * MIN);
	assert_int_equal(fc->due_ms, T0 + 30 * MIN);	/* the due it had */
	assert_int_equal(f->ch[0].clock.result, RESULT(MET));
	/* Contact again: the clock is stopped, nothing changes. */
	assert_int_equal(act(f, T0 + 25 * MIN, ACT(FIRST_CONTACT)), 0);
}

static void
test_first_contact_late_is_breached(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc;

	/* Late, though the breach had not been fired yet. */
	start_normal(f);
	assert_int_equal(act(f, T0 + 30 * MIN, ACT(FIRST_CONTACT)), 1);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_stopped(fc, RESULT(BREACHED), T0 + 30 * MIN);
	assert_int_equal(fc->elapsed_ms, 30 * MIN);
}

/*
 * A clock stopped late before its breach fired still owes the breach (the
 * coupon, the penalty): clock_due gives it, once, until it is marked.
 */
static void
test_stopped_late_owes_its_breach(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc;
	struct clock_due	 d[4];

	start_normal(f);
	act(f, T0 + 31 * MIN, ACT(FIRST_CONTACT));
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(clock_next_due(&f->c), fc->due_ms);
	assert_int_equal(clock_due(&f->c, T0 + 32 * MIN, d, 4), 1);
	assert_int_equal(d[0].kind, CLOCK_DUE_BREACH);
	assert_int_equal(d[0].index, index_of(&f->c, fc));
	clock_mark_fired(&f->c, &d[0]);
	assert_int_equal(clock_due(&f->c, T0 + 33 * MIN, d, 4), 0);
}

static void
test_breached_clock_stopped_is_breached(void **state)
{
	struct fixture		*f = *state;
	struct clock_due	 d[4];

	start_normal(f);
	assert_int_equal(clock_due(&f->c, T0 + 31 * MIN, d, 4), 2);
	clock_mark_fired(&f->c, &d[0]);
	clock_mark_fired(&f->c, &d[1]);
	assert_int_equal(act(f, T0 + 40 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_stopped(must_find(&f->c, CLK(FIRST_CONTACT), 1),
	    RESULT(BREACHED), T0 + 40 * MIN);
	assert_int_equal(f->ch[0].clock.result, RESULT(BREACHED));
	assert_int_equal(f->ch[0].clock.elapsed_ms, 40 * MIN);

	/* Closing cancels, but a breached clock ends BREACHED. */
	start_normal(f);
	assert_int_equal(fired(f, T0 + 30 * MIN, CLOCK_DUE_BREACH,
	    CLK(FIRST_CONTACT), 1), 0);
	assert_int_equal(act(f, T0 + 40 * MIN, ACT(CLOSED)), 2);
	assert_stopped(must_find(&f->c, CLK(FIRST_CONTACT), 1),
	    RESULT(BREACHED), T0 + 40 * MIN);
	assert_stopped(must_find(&f->c, CLK(SOLUTION), 1), RESULT(CANCELLED),
	    T0 + 40 * MIN);
}

static void
test_first_contact_before_classification(void **state)
{
	struct fixture	*f = *state;

	/* A hotline agent reached the customer before the classifier ran. */
	clock_init(&f->c);
	assert_int_equal(act(f, T0 - MIN, ACT(FIRST_CONTACT)), 0);
	assert_int_equal(classify(f, T0, SEV(NORMAL), CAT(PRODUCT)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(SOLUTION), 1, "classified");
	assert_stopped(must_find(&f->c, CLK(FIRST_CONTACT), 1), RESULT(MET),
	    T0 - MIN);
	assert_int_equal(clock_next_due(&f->c), MON + 15 * HOUR + 24 * MIN);
	/* A clock Classified does not start leaves no trace. */
	clock_init(&f->c);
	assert_int_equal(act(f, T0, ACT(MERCHANT_RESPONSE_RECEIVED)), 0);
	assert_int_equal(f->c.nclocks, 0);
}

static void
test_merchant_response_cycles(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*k;

	start_normal(f);
	assert_int_equal(act(f, T0 + HOUR, ACT(MERCHANT_RESPONSE_REQUESTED)),
	    1);
	assert_change(f, 0, CLOCK_STARTED, CLK(MERCHANT_RESPONSE), 1,
	    "merchant_response_requested");
	k = must_find(&f->c, CLK(MERCHANT_RESPONSE), 1);
	assert_int_equal(k->party, CDP__V1__PARTY__PARTY_MERCHANT);
	assert_int_equal(k->due_ms, T0 + 25 * HOUR);
	assert_int_equal(k->warn_ms, 0);		/* warn_at = no */
	/* Asked again while it runs: the same cycle goes on. */
	assert_int_equal(act(f, T0 + 2 * HOUR,
	    ACT(MERCHANT_RESPONSE_REQUESTED)), 0);
	assert_int_equal(act(f, T0 + 3 * HOUR,
	    ACT(MERCHANT_RESPONSE_RECEIVED)), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(MERCHANT_RESPONSE), 1,
	    "merchant_response_received");
	assert_stopped(k, RESULT(MET), T0 + 3 * HOUR);
	assert_int_equal(k->elapsed_ms, 2 * HOUR);
	/* A new request after the answer is a new cycle. */
	assert_int_equal(act(f, T0 + 4 * HOUR,
	    ACT(MERCHANT_RESPONSE_REQUESTED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(MERCHANT_RESPONSE), 2,
	    "merchant_response_requested");
	assert_int_equal(must_find(&f->c, CLK(MERCHANT_RESPONSE), 2)->due_ms,
	    T0 + 28 * HOUR);
	assert_int_equal(must_find(&f->c, CLK(MERCHANT_RESPONSE), 1)->state,
	    CLOCK_STOPPED);
	assert_int_equal(act(f, T0 + 30 * HOUR,
	    ACT(MERCHANT_RESPONSE_RECEIVED)), 1);
	assert_stopped(must_find(&f->c, CLK(MERCHANT_RESPONSE), 2),
	    RESULT(BREACHED), T0 + 30 * HOUR);
}

static void
test_customer_info_pauses_platform_clocks(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc, *inv, *sol, *mr;
	struct clock_due	 d[8];
	int64_t			 p = T0 + 10 * MIN, r = T0 + 70 * MIN;

	start_normal(f);
	assert_int_equal(act(f, T0, ACT(INVESTIGATION_STARTED)), 1);
	assert_int_equal(act(f, T0, ACT(MERCHANT_RESPONSE_REQUESTED)), 1);
	assert_int_equal(act(f, p, ACT(CUSTOMER_INFO_REQUESTED)), 3);
	assert_change(f, 0, CLOCK_PAUSED_CHANGE, CLK(FIRST_CONTACT), 1,
	    "awaiting_customer");
	assert_change(f, 1, CLOCK_PAUSED_CHANGE, CLK(INVESTIGATION), 1,
	    "awaiting_customer");
	assert_change(f, 2, CLOCK_PAUSED_CHANGE, CLK(SOLUTION), 1,
	    "awaiting_customer");
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	inv = must_find(&f->c, CLK(INVESTIGATION), 1);
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	mr = must_find(&f->c, CLK(MERCHANT_RESPONSE), 1);
	assert_int_equal(fc->state, CLOCK_PAUSED);
	assert_int_equal(fc->remaining_ms, 20 * MIN);
	assert_int_equal(fc->warn_remaining_ms, 14 * MIN);
	assert_int_equal(fc->due_ms, T0 + 30 * MIN);	/* the due it had */
	assert_int_equal(f->ch[0].clock.remaining_ms, 20 * MIN);
	assert_int_equal(inv->remaining_ms, 9 * HOUR - 10 * MIN);
	assert_int_equal(sol->remaining_ms, 18 * HOUR - 10 * MIN);
	/* The merchant's obligation does not wait on the customer. */
	assert_int_equal(mr->state, CLOCK_RUNNING);
	/* Paused clocks fall due for nothing. */
	assert_int_equal(clock_due(&f->c, T0 + 60 * MIN, d, 8), 0);
	/* Asked again while paused: nothing more happens. */
	assert_int_equal(act(f, p + MIN, ACT(CUSTOMER_INFO_REQUESTED)), 0);

	assert_int_equal(act(f, r, ACT(CUSTOMER_INFO_PROVIDED)), 3);
	assert_change(f, 0, CLOCK_RESUMED, CLK(FIRST_CONTACT), 1,
	    "customer_info_provided");
	assert_change(f, 2, CLOCK_RESUMED, CLK(SOLUTION), 1,
	    "customer_info_provided");
	assert_int_equal(fc->state, CLOCK_RUNNING);
	assert_int_equal(fc->due_ms, r + 20 * MIN);
	assert_int_equal(fc->warn_ms, r + 14 * MIN);
	assert_int_equal(f->ch[0].clock.due_ms, r + 20 * MIN);
	assert_int_equal(act(f, r + 5 * MIN, ACT(CUSTOMER_INFO_PROVIDED)), 0);
	/* Used: 10 minutes before the pause and 5 after it. */
	assert_int_equal(act(f, r + 5 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_stopped(fc, RESULT(MET), r + 5 * MIN);
	assert_int_equal(fc->elapsed_ms, 15 * MIN);
}

static void
test_pause_across_weekend(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*sol;

	/*
	 * Solution: 18 business hours from Friday 10:00, due Tuesday 10:00.
	 * Paused on Friday at 17:00 with 11 hours left (warning: 7h24m),
	 * resumed on Saturday: the hour of Friday afternoon it spent paused
	 * moves the deadline to Tuesday 11:00.
	 */
	start_normal(f);
	assert_int_equal(act(f, FRI + 17 * HOUR, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_int_equal(sol->remaining_ms, 11 * HOUR);
	assert_int_equal(sol->warn_remaining_ms, 7 * HOUR + 24 * MIN);
	assert_int_equal(sol->elapsed_ms, 7 * HOUR);
	assert_int_equal(act(f, SAT + 12 * HOUR, ACT(CUSTOMER_INFO_PROVIDED)),
	    2);
	assert_int_equal(sol->remaining_ms, 11 * HOUR);
	assert_int_equal(sol->due_ms, TUE + 11 * HOUR);
	assert_int_equal(sol->warn_ms, MON + 16 * HOUR + 24 * MIN);
	/* Used: 7 hours on Friday and 3 on Monday morning. */
	assert_int_equal(act(f, MON + 12 * HOUR, ACT(RESOLUTION_PROPOSED)), 1);
	assert_stopped(sol, RESULT(MET), MON + 12 * HOUR);
	assert_int_equal(sol->elapsed_ms, 10 * HOUR);

	/* A pause that lies wholly in closed time costs nothing. */
	start_normal(f);
	assert_int_equal(act(f, SAT + 10 * HOUR, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_int_equal(sol->remaining_ms, 10 * HOUR);
	assert_int_equal(act(f, SUN + 20 * HOUR, ACT(CUSTOMER_INFO_PROVIDED)),
	    2);
	assert_int_equal(sol->due_ms, TUE + 10 * HOUR);
	assert_int_equal(sol->warn_ms, MON + 15 * HOUR + 24 * MIN);
}

static void
test_pause_then_close(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc;

	start_normal(f);
	assert_int_equal(act(f, T0 + 5 * MIN, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	assert_int_equal(act(f, T0 + 2 * DAY, ACT(CLOSED)), 2);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(FIRST_CONTACT), 1,
	    "closed");
	assert_change(f, 1, CLOCK_STOPPED_CHANGE, CLK(SOLUTION), 1, "closed");
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_stopped(fc, RESULT(CANCELLED), T0 + 2 * DAY);
	assert_int_equal(fc->elapsed_ms, 5 * MIN);	/* not the pause */
	assert_int_equal(fc->remaining_ms, 0);
	assert_true(f->c.closed);
	assert_int_equal(clock_next_due(&f->c), 0);
	/* A closed complaint ignores everything but a reopening. */
	assert_int_equal(act(f, T0 + 3 * DAY, ACT(CUSTOMER_INFO_PROVIDED)), 0);
	assert_int_equal(act(f, T0 + 3 * DAY, ACT(MERCHANT_RESPONSE_REQUESTED)),
	    0);
	assert_int_equal(classify(f, T0 + 3 * DAY, SEV(URGENT), CAT(PRODUCT)),
	    0);
	assert_int_equal(f->c.severity, SEV(NORMAL));
	assert_int_equal(act(f, T0 + 3 * DAY, ACT(CLOSED)), 0);
	assert_int_equal(f->c.nclocks, 2);

	/* Paused after its deadline, though no breach fired: BREACHED. */
	start_normal(f);
	assert_int_equal(act(f, T0 + 40 * MIN, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->remaining_ms, 0);
	assert_int_equal(fc->elapsed_ms, 40 * MIN);
	assert_int_equal(act(f, T0 + HOUR, ACT(CLOSED)), 2);
	assert_stopped(fc, RESULT(BREACHED), T0 + HOUR);
	assert_int_equal(fc->elapsed_ms, 40 * MIN);
	assert_stopped(must_find(&f->c, CLK(SOLUTION), 1), RESULT(CANCELLED),
	    T0 + HOUR);
}

static void
test_out_of_scope_closes(void **state)
{
	struct fixture	*f = *state;
	struct event	 e;

	start_normal(f);
	event_init(&e, T0 + MIN);
	cdp__v1__out_of_scope__init(&e.oos);
	e.ev.body_case = BODY(OUT_OF_SCOPE);
	e.ev.out_of_scope = &e.oos;
	assert_int_equal(apply(f, &e), 2);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(FIRST_CONTACT), 1,
	    "out_of_scope");
	assert_int_equal(f->ch[1].clock.result, RESULT(CANCELLED));
	assert_true(f->c.closed);
	assert_int_equal(apply(f, &e), 0);
}

static void
test_investigation_and_solution(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*inv;

	start_normal(f);
	assert_int_equal(act(f, T0 + HOUR, ACT(INVESTIGATION_STARTED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(INVESTIGATION), 1,
	    "investigation_started");
	inv = must_find(&f->c, CLK(INVESTIGATION), 1);
	/* One business day (9h) from Friday 11:00: Monday 11:00. */
	assert_int_equal(inv->due_ms, MON + 11 * HOUR);
	assert_int_equal(act(f, T0 + 2 * HOUR, ACT(INVESTIGATION_RECORDED)), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(INVESTIGATION), 1,
	    "investigation_recorded");
	assert_stopped(inv, RESULT(MET), T0 + 2 * HOUR);
	assert_int_equal(inv->elapsed_ms, HOUR);
	/* Started again: its second cycle; a proposal stops it and solution. */
	assert_int_equal(act(f, T0 + 3 * HOUR, ACT(INVESTIGATION_STARTED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(INVESTIGATION), 2,
	    "investigation_started");
	assert_int_equal(act(f, T0 + 4 * HOUR, ACT(RESOLUTION_PROPOSED)), 2);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(SOLUTION), 1,
	    "resolution_proposed");
	assert_change(f, 1, CLOCK_STOPPED_CHANGE, CLK(INVESTIGATION), 2,
	    "resolution_proposed");
	assert_int_equal(act(f, T0 + 5 * HOUR, ACT(RESOLUTION_PROPOSED)), 0);
}

static void
test_decided_starts_execution(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*exe;

	start_normal(f);
	assert_int_equal(act(f, T0 + HOUR, ACT(INVESTIGATION_STARTED)), 1);
	assert_int_equal(decide(f, T0 + 2 * HOUR,
	    CDP__V1__OUTCOME__OUTCOME_PARTIAL_REFUND), 3);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(SOLUTION), 1, "decided");
	assert_change(f, 1, CLOCK_STOPPED_CHANGE, CLK(INVESTIGATION), 1,
	    "decided");
	assert_change(f, 2, CLOCK_STARTED, CLK(EXECUTION), 1, "decided");
	exe = must_find(&f->c, CLK(EXECUTION), 1);
	assert_int_equal(exe->party, CDP__V1__PARTY__PARTY_MERCHANT);
	assert_int_equal(exe->due_ms, T0 + 50 * HOUR);
	assert_int_equal(act(f, T0 + 3 * HOUR, ACT(EXECUTION_DONE)), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(EXECUTION), 1,
	    "execution_done");
	assert_stopped(exe, RESULT(MET), T0 + 3 * HOUR);
}

static void
test_return_flow(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*ri;

	/*
	 * A refund with return: the merchant's execution clock waits for
	 * the goods and starts once their inspection passed.
	 */
	start_normal(f);
	assert_int_equal(decide(f, T0 + HOUR,
	    CDP__V1__OUTCOME__OUTCOME_REFUND_WITH_RETURN), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(SOLUTION), 1, "decided");
	assert_null(find(&f->c, CLK(EXECUTION), 1));
	assert_int_equal(act(f, T0 + 2 * HOUR, ACT(RETURN_SHIPPED)), 0);
	assert_int_equal(act(f, MON + 10 * HOUR, ACT(RETURN_RECEIVED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(RETURN_INSPECTION), 1,
	    "return_received");
	ri = must_find(&f->c, CLK(RETURN_INSPECTION), 1);
	/* 27 business hours from Monday 10:00: Thursday 10:00. */
	assert_int_equal(ri->due_ms, TUE + 2 * DAY + 10 * HOUR);
	assert_int_equal(inspect(f, MON + 11 * HOUR,
	    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_PASSED), 2);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(RETURN_INSPECTION), 1,
	    "inspected");
	assert_change(f, 1, CLOCK_STARTED, CLK(EXECUTION), 1,
	    "inspection_passed");
	assert_stopped(ri, RESULT(MET), MON + 11 * HOUR);
	assert_int_equal(ri->elapsed_ms, HOUR);
	assert_int_equal(act(f, MON + 12 * HOUR, ACT(EXECUTION_DONE)), 1);

	/* An exchange waits for the goods too; a repair does not. */
	start_normal(f);
	assert_int_equal(decide(f, T0 + HOUR,
	    CDP__V1__OUTCOME__OUTCOME_EXCHANGE), 1);
	assert_null(find(&f->c, CLK(EXECUTION), 1));
	start_normal(f);
	assert_int_equal(decide(f, T0 + HOUR,
	    CDP__V1__OUTCOME__OUTCOME_REPAIR), 2);
	assert_change(f, 1, CLOCK_STARTED, CLK(EXECUTION), 1, "decided");
	/* A decision without its detail is not a return either. */
	start_normal(f);
	assert_int_equal(act(f, T0 + HOUR, ACT(DECIDED)), 2);

	/* A failed inspection stops the inspection and starts nothing. */
	start_normal(f);
	assert_int_equal(act(f, T0, ACT(RETURN_RECEIVED)), 1);
	assert_int_equal(inspect(f, T0 + HOUR,
	    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_FAILED), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(RETURN_INSPECTION), 1,
	    "inspected");
}

static void
test_qc_and_emergency(void **state)
{
	struct fixture		*f = *state;
	struct event		 e;
	const struct sla_clock	*em;
	struct clock_due	 d[8];

	start_normal(f);
	assert_int_equal(act(f, T0 + HOUR, ACT(QC_REQUESTED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(QC_RESULT), 1, "qc_requested");
	assert_int_equal(must_find(&f->c, CLK(QC_RESULT), 1)->due_ms,
	    T0 + 49 * HOUR);
	assert_int_equal(act(f, T0 + 2 * HOUR, ACT(QC_RESULT)), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(QC_RESULT), 1,
	    "qc_result");

	/* Product safety starts the emergency process clock. */
	clock_init(&f->c);
	classified_event(&e, T0, SEV(URGENT), CAT(PRODUCT));
	e.flags[0] = CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PRODUCT_SAFETY;
	e.cl.n_urgency_flags = 1;
	e.cl.urgency_flags = e.flags;
	assert_int_equal(apply(f, &e), 3);
	assert_change(f, 2, CLOCK_STARTED, CLK(EMERGENCY_START), 1,
	    "classified");
	em = must_find(&f->c, CLK(EMERGENCY_START), 1);
	assert_int_equal(em->due_ms, T0 + 2 * HOUR);
	assert_int_equal(em->warn_ms, T0 + 2 * HOUR);	/* warn_at = 1 */
	/* Warning at 100%: it falls due with the breach, and first. */
	assert_int_equal(clock_due(&f->c, T0 + 2 * HOUR, d, 8), 4);
	assert_int_equal(d[2].kind, CLOCK_DUE_WARNING);
	assert_int_equal(d[2].index, index_of(&f->c, em));
	assert_int_equal(d[3].kind, CLOCK_DUE_BREACH);
	assert_int_equal(d[3].index, index_of(&f->c, em));
	/* Escalating below the emergency level does not stop it. */
	assert_int_equal(escalate(f, T0 + HOUR,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE), 0);
	assert_int_equal(escalate(f, T0 + HOUR,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_EMERGENCY), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(EMERGENCY_START), 1,
	    "emergency_started");
	assert_stopped(em, RESULT(MET), T0 + HOUR);

	/* Started before the classifier flagged it: the clock never runs. */
	clock_init(&f->c);
	assert_int_equal(escalate(f, T0 - MIN,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_EMERGENCY), 0);
	assert_int_equal(apply(f, &e), 2);
	assert_stopped(must_find(&f->c, CLK(EMERGENCY_START), 1), RESULT(MET),
	    T0 - MIN);
}

static void
test_warning_then_breach(void **state)
{
	struct fixture		*f = *state;
	struct clock_due	 d[8];
	const struct sla_clock	*fc;
	size_t			 i;

	start_normal(f);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	i = index_of(&f->c, fc);
	assert_int_equal(clock_next_due(&f->c), T0 + 24 * MIN);
	assert_int_equal(clock_due(&f->c, T0 + 24 * MIN - 1, d, 8), 0);
	assert_int_equal(clock_due(&f->c, T0 + 24 * MIN, d, 8), 1);
	assert_int_equal(d[0].kind, CLOCK_DUE_WARNING);
	assert_int_equal(d[0].index, i);
	assert_int_equal(d[0].at_ms, T0 + 24 * MIN);
	/* Until it is marked fired, it stays due. */
	assert_int_equal(clock_due(&f->c, T0 + 25 * MIN, d, 8), 1);
	clock_mark_fired(&f->c, &d[0]);
	assert_true(fc->warned);
	assert_int_equal(clock_due(&f->c, T0 + 25 * MIN, d, 8), 0);
	assert_int_equal(clock_next_due(&f->c), T0 + 30 * MIN);
	assert_int_equal(clock_due(&f->c, T0 + 30 * MIN, d, 8), 1);
	assert_int_equal(d[0].kind, CLOCK_DUE_BREACH);
	assert_int_equal(d[0].at_ms, T0 + 30 * MIN);
	clock_mark_fired(&f->c, &d[0]);
	assert_true(fc->breached);
	/* The solution's warning is the next thing to fire. */
	assert_int_equal(clock_next_due(&f->c), MON + 15 * HOUR + 24 * MIN);
	assert_int_equal(clock_due(&f->c, TUE, d, 8), 1);
	assert_int_not_equal(d[0].index, i);
	assert_int_equal(d[0].kind, CLOCK_DUE_WARNING);
}

static void
test_warning_and_breach_at_once(void **state)
{
	struct fixture		*f = *state;
	struct sla_complaint	 before;
	struct clock_due	 d[8];
	size_t			 fc;

	start_normal(f);
	fc = index_of(&f->c, must_find(&f->c, CLK(FIRST_CONTACT), 1));
	assert_int_equal(clock_due(&f->c, T0 + HOUR, d, 8), 2);
	assert_int_equal(d[0].kind, CLOCK_DUE_WARNING);
	assert_int_equal(d[0].index, fc);
	assert_int_equal(d[1].kind, CLOCK_DUE_BREACH);
	assert_int_equal(d[1].index, fc);
	/* Only room for one: the earliest. */
	assert_int_equal(clock_due(&f->c, T0 + HOUR, d, 1), 1);
	assert_int_equal(d[0].kind, CLOCK_DUE_WARNING);
	/*
	 * Every due, earliest first across clocks: the quality check,
	 * started after solution, falls due before it.
	 */
	assert_int_equal(act(f, T0, ACT(QC_REQUESTED)), 1);
	assert_int_equal(clock_due(&f->c, TUE + 12 * HOUR, d, 8), 6);
	assert_int_equal(d[0].at_ms, T0 + 24 * MIN);
	assert_int_equal(d[1].at_ms, T0 + 30 * MIN);
	assert_int_equal(d[2].at_ms, SUN + 24 * MIN);	/* 80% of 48h */
	assert_int_equal(d[2].kind, CLOCK_DUE_WARNING);
	assert_int_equal(d[3].at_ms, SUN + 10 * HOUR);
	assert_int_equal(d[3].kind, CLOCK_DUE_BREACH);
	assert_int_equal(d[4].at_ms, MON + 15 * HOUR + 24 * MIN);
	assert_int_equal(d[4].kind, CLOCK_DUE_WARNING);
	assert_int_equal(d[5].at_ms, TUE + 10 * HOUR);
	assert_int_equal(d[5].kind, CLOCK_DUE_BREACH);
	assert_int_equal(clock_next_due(&f->c), T0 + 24 * MIN);
	/* An index past the clocks in use is ignored. */
	before = f->c;
	d[0].index = f->c.nclocks;
	clock_mark_fired(&f->c, &d[0]);
	d[0].index = SLA_CLOCKS_MAX;
	clock_mark_fired(&f->c, &d[0]);
	assert_memory_equal(&before, &f->c, sizeof(before));
}

static void
test_own_warning_and_breach_mark_fired(void **state)
{
	struct fixture		*f = *state;
	struct clock_due	 d[8];
	const struct sla_clock	*fc;

	start_normal(f);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fired(f, T0 + 24 * MIN, CLOCK_DUE_WARNING,
	    CLK(FIRST_CONTACT), 1), 0);
	assert_true(fc->warned);
	assert_false(fc->breached);
	assert_int_equal(clock_due(&f->c, T0 + 31 * MIN, d, 8), 1);
	assert_int_equal(d[0].kind, CLOCK_DUE_BREACH);
	assert_int_equal(fired(f, T0 + 30 * MIN, CLOCK_DUE_BREACH,
	    CLK(FIRST_CONTACT), 1), 0);
	assert_true(fc->breached);
	assert_int_equal(clock_due(&f->c, T0 + 31 * MIN, d, 8), 0);
	/* A mark for a cycle that does not exist changes nothing. */
	assert_int_equal(fired(f, T0 + 31 * MIN, CLOCK_DUE_WARNING,
	    CLK(SOLUTION), 2), 0);
	assert_false(must_find(&f->c, CLK(SOLUTION), 1)->warned);
	/* A warning fired before a pause is not fired again after it. */
	assert_int_equal(act(f, T0 + 40 * MIN, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	assert_int_equal(act(f, T0 + 50 * MIN, ACT(CUSTOMER_INFO_PROVIDED)), 2);
	assert_int_equal(fc->due_ms, T0 + 50 * MIN);	/* overdue: due now */
	assert_int_equal(clock_due(&f->c, T0 + 51 * MIN, d, 8), 0);
}

static void
test_other_bodies_change_nothing(void **state)
{
	struct fixture		*f = *state;
	struct sla_complaint	 before;
	struct event		 e;
	static const Cdp__V1__ComplaintEvent__BodyCase bodies[] = {
		BODY(SLA_CLOCK_STARTED), BODY(SLA_CLOCK_PAUSED),
		BODY(SLA_CLOCK_RESUMED), BODY(SLA_CLOCK_STOPPED),
	};
	size_t			 i;

	start_normal(f);
	before = f->c;
	for (i = 0; i < nitems(bodies); i++) {
		event_init(&e, T0 + HOUR);
		cdp__v1__sla_clock_change__init(&e.change);
		e.change.clock = CLK(FIRST_CONTACT);
		e.change.cycle = 1;
		e.ev.body_case = bodies[i];
		e.ev.sla_clock_started = &e.change;	/* one union member */
		assert_int_equal(apply(f, &e), 0);
	}
	/* No body, a body from a newer schema, an action with no clocks. */
	event_init(&e, T0 + HOUR);
	assert_int_equal(apply(f, &e), 0);
	e.ev.body_case = (Cdp__V1__ComplaintEvent__BodyCase)99;
	assert_int_equal(apply(f, &e), 0);
	assert_int_equal(act(f, T0 + HOUR, ACT(NOTE)), 0);
	assert_int_equal(act(f, T0 + HOUR, (Cdp__V1__Action)999), 0);
	/* An event without a time cannot move a clock. */
	action_event(&e, 0, ACT(FIRST_CONTACT));
	assert_int_equal(apply(f, &e), 0);
	e.ev.meta = NULL;
	assert_int_equal(apply(f, &e), 0);
	assert_memory_equal(&before, &f->c, sizeof(before));
}

/*
 * clock_touches() from the event alone: true for every body clock_apply()
 * acts on, false for the bodies and actions that change no clock.
 */
static void
test_touches_names_the_events_that_move_clocks(void **state)
{
	struct event	e;
	static const Cdp__V1__ComplaintEvent__BodyCase untouched[] = {
		BODY(SLA_CLOCK_STARTED), BODY(SLA_CLOCK_PAUSED),
		BODY(SLA_CLOCK_RESUMED), BODY(SLA_CLOCK_STOPPED),
		BODY(COMPENSATION_ISSUED), BODY(ESCALATED),
		BODY(NOTIFICATION_SENT), BODY(NOTIFICATION_FAILED),
		BODY(SAMPLED_FOR_AUDIT), BODY(_NOT_SET),
		(Cdp__V1__ComplaintEvent__BodyCase)99,
	};
	size_t		i;

	classified_event(&e, T0, SEV(NORMAL), CAT(PRODUCT));
	assert_true(clock_touches(&e.ev));
	e.ev.body_case = BODY(FILED);
	assert_true(clock_touches(&e.ev));
	e.ev.body_case = BODY(PROACTIVE_OPENED);
	assert_true(clock_touches(&e.ev));
	e.ev.body_case = BODY(OUT_OF_SCOPE);
	assert_true(clock_touches(&e.ev));
	for (i = 0; i < nitems(untouched); i++) {
		event_init(&e, T0);
		cdp__v1__sla_clock_change__init(&e.change);
		e.ev.body_case = untouched[i];
		e.ev.sla_clock_started = &e.change;	/* one union member */
		assert_false(clock_touches(&e.ev));
	}
	event_init(&e, T0);
	cdp__v1__sla_warning__init(&e.warn);
	e.ev.body_case = BODY(SLA_WARNING);
	e.ev.sla_warning = &e.warn;
	assert_true(clock_touches(&e.ev));
	e.ev.sla_warning = NULL;
	assert_false(clock_touches(&e.ev));

	/* Actions: by the table, and by a rule's test. */
	action_event(&e, T0, ACT(FIRST_CONTACT));
	assert_true(clock_touches(&e.ev));
	action_event(&e, T0, ACT(CLOSED));
	assert_true(clock_touches(&e.ev));
	action_event(&e, T0, ACT(NOTE));
	assert_false(clock_touches(&e.ev));
	action_event(&e, T0, ACT(SATISFACTION_RATED));
	assert_false(clock_touches(&e.ev));
	action_event(&e, T0, ACT(RESOLUTION_ACCEPTED));
	assert_false(clock_touches(&e.ev));
	action_event(&e, T0, (Cdp__V1__Action)999);
	assert_false(clock_touches(&e.ev));
	action_event(&e, T0, ACT(ESCALATED));
	assert_false(clock_touches(&e.ev));	/* not to the emergency level */
	cdp__v1__escalation__init(&e.esc);
	e.esc.level = CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_EMERGENCY;
	e.a.detail_case = DETAIL(ESCALATION);
	e.a.escalation = &e.esc;
	assert_true(clock_touches(&e.ev));
	e.ev.action_recorded = NULL;
	assert_false(clock_touches(&e.ev));

	/* Without a time nothing can move a clock. */
	action_event(&e, 0, ACT(FIRST_CONTACT));
	assert_false(clock_touches(&e.ev));
	action_event(&e, T0, ACT(FIRST_CONTACT));
	e.ev.meta = NULL;
	assert_false(clock_touches(&e.ev));
}

#define TOUCH_STATES	5

/* Complaints in different states: fresh, running, paused, several, closed. */
static void
touch_states(struct fixture *f, struct sla_complaint *out)
{
	clock_init(&f->c);
	out[0] = f->c;
	start_normal(f);
	out[1] = f->c;
	act(f, T0 + MIN, ACT(CUSTOMER_INFO_REQUESTED));
	out[2] = f->c;
	start_normal(f);
	act(f, T0 + MIN, ACT(MERCHANT_RESPONSE_REQUESTED));
	act(f, T0 + 2 * MIN, ACT(INVESTIGATION_STARTED));
	escalate(f, T0 + 3 * MIN,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_EMERGENCY);
	out[3] = f->c;
	act(f, T0 + 4 * MIN, ACT(CLOSED));
	out[4] = f->c;
}

/* Applies e to every state; an event clock_touches() refuses changes none. */
static void
assert_untouched_changes_nothing(struct fixture *f,
    const struct sla_complaint *states, struct event *e)
{
	size_t	i;

	if (clock_touches(&e->ev))
		return;
	for (i = 0; i < TOUCH_STATES; i++) {
		f->c = states[i];
		assert_int_equal(apply(f, e), 0);
		assert_memory_equal(&f->c, &states[i], sizeof(f->c));
	}
}

/*
 * The promise the daemon relies on to skip loading and saving: every body
 * case and every action (with each detail a rule tests) that
 * clock_touches() calls untouched leaves every kind of complaint as it
 * was, and reports nothing.
 */
static void
test_untouched_events_change_no_clock(void **state)
{
	struct fixture		*f = *state;
	struct sla_complaint	 states[TOUCH_STATES];
	struct event		 e;
	int			 body, action, v;

	touch_states(f, states);
	for (body = 0; body < 40; body++) {
		if (body == BODY(ACTION_RECORDED))
			continue;	/* below, with a real ActionRecorded */
		event_init(&e, T0 + HOUR);
		cdp__v1__sla_clock_change__init(&e.change);
		e.ev.body_case = (Cdp__V1__ComplaintEvent__BodyCase)body;
		e.ev.sla_clock_started = &e.change;	/* one union member */
		assert_untouched_changes_nothing(f, states, &e);
	}
	for (action = 0; action < 30; action++) {
		action_event(&e, T0 + HOUR, (Cdp__V1__Action)action);
		assert_untouched_changes_nothing(f, states, &e);
		for (v = 0; v < 10; v++) {
			action_event(&e, T0 + HOUR, (Cdp__V1__Action)action);
			cdp__v1__resolution__init(&e.res);
			e.res.outcome = (Cdp__V1__Outcome)v;
			e.a.detail_case = DETAIL(RESOLUTION);
			e.a.resolution = &e.res;
			assert_untouched_changes_nothing(f, states, &e);
			action_event(&e, T0 + HOUR, (Cdp__V1__Action)action);
			cdp__v1__inspection__init(&e.insp);
			e.insp.result = (Cdp__V1__InspectionResult)v;
			e.a.detail_case = DETAIL(INSPECTION);
			e.a.inspection = &e.insp;
			assert_untouched_changes_nothing(f, states, &e);
			action_event(&e, T0 + HOUR, (Cdp__V1__Action)action);
			cdp__v1__escalation__init(&e.esc);
			e.esc.level = (Cdp__V1__EscalationLevel)v;
			e.a.detail_case = DETAIL(ESCALATION);
			e.a.escalation = &e.esc;
			assert_untouched_changes_nothing(f, states, &e);
		}
	}
}

static void
test_reclassified_urgent_retimes(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc, *sol;

	start_normal(f);
	assert_int_equal(classify(f, T0 + 5 * MIN, SEV(URGENT), CAT(PRODUCT)),
	    2);
	assert_int_equal(f->c.severity, SEV(URGENT));
	assert_change(f, 0, CLOCK_STARTED, CLK(FIRST_CONTACT), 1,
	    "reclassified");
	assert_change(f, 1, CLOCK_STARTED, CLK(SOLUTION), 1, "reclassified");
	/* From the original start: 10 minutes from Friday 10:00. */
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_string_equal(fc->policy, "fc-urgent");
	assert_int_equal(fc->started_ms, T0);
	assert_int_equal(fc->due_ms, T0 + 10 * MIN);
	assert_int_equal(fc->warn_ms, T0 + 8 * MIN);
	/* Solution: 24 hours around the clock, 5 minutes already used. */
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_string_equal(sol->policy, "sol-urgent");
	assert_int_equal(sol->due_ms, T0 + DAY);
	assert_int_equal(f->c.nclocks, 2);
	/*
	 * The new calendar counts from the start too: urgent on Saturday at
	 * 07:00, the solution clock is due 24 hours after Friday 10:00, not
	 * 24 hours less the 8 business hours it had used.
	 */
	start_normal(f);
	assert_int_equal(classify(f, SAT + 7 * HOUR, SEV(URGENT),
	    CAT(PRODUCT)), 2);
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_int_equal(sol->due_ms, SAT + 10 * HOUR);
	assert_int_equal(sol->warn_ms, T0 + 19 * HOUR + 12 * MIN);
	assert_int_equal(act(f, SAT + 8 * HOUR, ACT(RESOLUTION_PROPOSED)), 1);
	assert_stopped(sol, RESULT(MET), SAT + 8 * HOUR);
	assert_int_equal(sol->elapsed_ms, 22 * HOUR);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->due_ms, T0 + 10 * MIN);

	start_normal(f);
	assert_int_equal(classify(f, T0 + 5 * MIN, SEV(URGENT), CAT(PRODUCT)),
	    2);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	/* The same severity again re-times nothing. */
	assert_int_equal(classify(f, T0 + 6 * MIN, SEV(URGENT), CAT(PRODUCT)),
	    0);
	assert_int_equal(act(f, T0 + 9 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_stopped(fc, RESULT(MET), T0 + 9 * MIN);
	assert_int_equal(fc->elapsed_ms, 9 * MIN);
}

static void
test_reclassified_urgent_overdue_paused(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc, *sol;
	struct clock_due	 d[8];

	/*
	 * Already past the new target: due when it would have been, so the
	 * warning and the breach fall due at once, warning first.
	 */
	start_normal(f);
	assert_int_equal(classify(f, T0 + 15 * MIN, SEV(URGENT), CAT(PRODUCT)),
	    2);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->due_ms, T0 + 10 * MIN);
	assert_int_equal(fc->warn_ms, T0 + 8 * MIN);
	assert_int_equal(clock_due(&f->c, T0 + 15 * MIN, d, 8), 2);
	assert_int_equal(d[0].kind, CLOCK_DUE_WARNING);
	assert_int_equal(d[0].at_ms, T0 + 8 * MIN);
	assert_int_equal(d[1].kind, CLOCK_DUE_BREACH);
	assert_int_equal(d[1].at_ms, T0 + 10 * MIN);
	assert_int_equal(act(f, T0 + 20 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_stopped(fc, RESULT(BREACHED), T0 + 20 * MIN);
	assert_int_equal(fc->elapsed_ms, 20 * MIN);

	/*
	 * Running again after a pause: the time lost to the pause still does
	 * not count, so 5 of the 10 minutes are left.
	 */
	start_normal(f);
	assert_int_equal(act(f, T0 + 2 * MIN, ACT(CUSTOMER_INFO_REQUESTED)), 2);
	assert_int_equal(act(f, T0 + 12 * MIN, ACT(CUSTOMER_INFO_PROVIDED)), 2);
	assert_int_equal(classify(f, T0 + 15 * MIN, SEV(URGENT), CAT(PRODUCT)),
	    2);
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->due_ms, T0 + 20 * MIN);
	assert_int_equal(fc->warn_ms, T0 + 18 * MIN);
	assert_int_equal(act(f, T0 + 19 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_stopped(fc, RESULT(MET), T0 + 19 * MIN);
	assert_int_equal(fc->elapsed_ms, 9 * MIN);

	/* Paused: the new target less the time used is what is left. */
	start_normal(f);
	assert_int_equal(act(f, T0 + 2 * MIN, ACT(CUSTOMER_INFO_REQUESTED)), 2);
	assert_int_equal(classify(f, T0 + 5 * MIN, SEV(URGENT), CAT(PRODUCT)),
	    2);
	assert_change(f, 0, CLOCK_PAUSED_CHANGE, CLK(FIRST_CONTACT), 1,
	    "reclassified");
	fc = must_find(&f->c, CLK(FIRST_CONTACT), 1);
	assert_int_equal(fc->state, CLOCK_PAUSED);
	assert_int_equal(fc->remaining_ms, 8 * MIN);
	assert_int_equal(fc->warn_remaining_ms, 6 * MIN);
	assert_int_equal(act(f, T0 + 20 * MIN, ACT(CUSTOMER_INFO_PROVIDED)), 2);
	assert_int_equal(fc->due_ms, T0 + 28 * MIN);
	assert_int_equal(fc->warn_ms, T0 + 26 * MIN);
	/* Less urgent again: the promise stands. */
	assert_int_equal(classify(f, T0 + 21 * MIN, SEV(NORMAL), CAT(PRODUCT)),
	    0);
	assert_int_equal(fc->due_ms, T0 + 28 * MIN);
	/*
	 * Paused under the urgent policy it keeps, though the normal one
	 * applies now: 5 minutes left, in its own (24x7) calendar.
	 */
	assert_int_equal(act(f, T0 + 23 * MIN, ACT(CUSTOMER_INFO_REQUESTED)),
	    2);
	assert_int_equal(fc->remaining_ms, 5 * MIN);
	assert_string_equal(fc->policy, "fc-urgent");
	/*
	 * Solution, likewise, under its urgent policy's 24x7 calendar (the
	 * normal one would count business hours only).
	 */
	sol = must_find(&f->c, CLK(SOLUTION), 1);
	assert_string_equal(sol->policy, "sol-urgent");
	assert_int_equal(sol->remaining_ms, DAY - 5 * MIN);
}

static void
test_reopen_starts_new_cycles(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*fc2;

	start_normal(f);
	assert_int_equal(act(f, T0 + 10 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_int_equal(act(f, T0 + HOUR, ACT(CLOSED)), 1);
	assert_true(f->c.closed);
	assert_int_equal(act(f, T0 + DAY, ACT(REOPENED)), 2);
	assert_false(f->c.closed);
	assert_change(f, 0, CLOCK_STARTED, CLK(FIRST_CONTACT), 2, "reopened");
	assert_change(f, 1, CLOCK_STARTED, CLK(SOLUTION), 2, "reopened");
	fc2 = must_find(&f->c, CLK(FIRST_CONTACT), 2);
	assert_int_equal(fc2->started_ms, T0 + DAY);
	assert_int_equal(fc2->due_ms, T0 + DAY + 30 * MIN);
	/* History stays. */
	assert_stopped(must_find(&f->c, CLK(FIRST_CONTACT), 1), RESULT(MET),
	    T0 + 10 * MIN);
	assert_stopped(must_find(&f->c, CLK(SOLUTION), 1), RESULT(CANCELLED),
	    T0 + HOUR);
	assert_int_equal(f->c.nclocks, 4);
	/* The classifier assesses the reopened complaint: nothing restarts. */
	assert_int_equal(classify(f, T0 + DAY + MIN, SEV(NORMAL), CAT(PRODUCT)),
	    0);
	/* Reopened while open: only the clocks not running start. */
	assert_int_equal(act(f, T0 + DAY + 2 * MIN, ACT(REOPENED)), 0);
	assert_int_equal(act(f, T0 + DAY + 5 * MIN, ACT(FIRST_CONTACT)), 1);
	assert_change(f, 0, CLOCK_STOPPED_CHANGE, CLK(FIRST_CONTACT), 2,
	    "first_contact");
}

static void
test_clocks_full_reuses_oldest_superseded(void **state)
{
	struct fixture		*f = *state;
	const struct sla_clock	*k;
	uint32_t		 cycle;
	int64_t			 t = T0;

	start_normal(f);
	assert_int_equal(act(f, t, ACT(FIRST_CONTACT)), 1);
	assert_int_equal(act(f, t, ACT(INVESTIGATION_STARTED)), 1);
	/* 12 merchant-response cycles, each answered within a minute. */
	for (cycle = 1; cycle <= 12; cycle++) {
		t += HOUR;
		assert_int_equal(act(f, t, ACT(MERCHANT_RESPONSE_REQUESTED)),
		    1);
		assert_int_equal(act(f, t + MIN,
		    ACT(MERCHANT_RESPONSE_RECEIVED)), 1);
	}
	/* The first investigation ends after all of them; a second begins. */
	assert_int_equal(act(f, t + HOUR, ACT(INVESTIGATION_RECORDED)), 1);
	assert_int_equal(act(f, t + HOUR, ACT(INVESTIGATION_STARTED)), 1);
	assert_int_equal(f->c.nclocks, SLA_CLOCKS_MAX);
	/*
	 * The next cycle takes the entry of merchant response 1, stopped
	 * longest ago among those a later cycle superseded: not the first
	 * investigation (an earlier entry, stopped later), and not first
	 * contact, stopped earliest of all but the latest of its clock.
	 */
	k = must_find(&f->c, CLK(MERCHANT_RESPONSE), 1);
	assert_int_equal(act(f, t + 2 * HOUR,
	    ACT(MERCHANT_RESPONSE_REQUESTED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(MERCHANT_RESPONSE), 13,
	    "merchant_response_requested");
	assert_int_equal(f->c.nclocks, SLA_CLOCKS_MAX);
	assert_int_equal(k->cycle, 13);
	assert_int_equal(k->state, CLOCK_RUNNING);
	assert_null(find(&f->c, CLK(MERCHANT_RESPONSE), 1));
	assert_non_null(find(&f->c, CLK(INVESTIGATION), 1));
	assert_non_null(find(&f->c, CLK(FIRST_CONTACT), 1));
	assert_int_equal(act(f, t + 3 * HOUR,
	    ACT(MERCHANT_RESPONSE_RECEIVED)), 1);
	assert_int_equal(act(f, t + 4 * HOUR,
	    ACT(MERCHANT_RESPONSE_REQUESTED)), 1);
	assert_change(f, 0, CLOCK_STARTED, CLK(MERCHANT_RESPONSE), 14,
	    "merchant_response_requested");
	assert_null(find(&f->c, CLK(MERCHANT_RESPONSE), 2));
	/* First contact was never evicted, so it does not start again. */
	assert_int_equal(classify(f, t + 5 * HOUR, SEV(NORMAL), CAT(PRODUCT)),
	    0);
}

/* A complaint's story, applied event by event to c. */
static void
story(struct fixture *f, bool with_own_events)
{
	clock_init(&f->c);
	classify(f, T0, SEV(NORMAL), CAT(PRODUCT));
	if (with_own_events)
		fired(f, T0 + 24 * MIN, CLOCK_DUE_WARNING, CLK(FIRST_CONTACT),
		    1);
	act(f, T0 + 25 * MIN, ACT(FIRST_CONTACT));
	act(f, T0 + HOUR, ACT(MERCHANT_RESPONSE_REQUESTED));
	act(f, FRI + 17 * HOUR, ACT(CUSTOMER_INFO_REQUESTED));
	classify(f, SAT + HOUR, SEV(URGENT), CAT(PRODUCT));
	act(f, SUN + HOUR, ACT(CUSTOMER_INFO_PROVIDED));
	act(f, SUN + 2 * HOUR, ACT(MERCHANT_RESPONSE_RECEIVED));
	act(f, SUN + 3 * HOUR, ACT(INVESTIGATION_STARTED));
	decide(f, MON + 10 * HOUR, CDP__V1__OUTCOME__OUTCOME_PARTIAL_REFUND);
	if (with_own_events)
		fired(f, MON + 11 * HOUR, CLOCK_DUE_BREACH, CLK(SOLUTION), 1);
	act(f, MON + 12 * HOUR, ACT(EXECUTION_DONE));
	act(f, MON + 13 * HOUR, ACT(CLOSED));
	act(f, TUE + HOUR, ACT(REOPENED));
}

static void
assert_same_clock(const struct sla_clock *a, const struct sla_clock *b)
{
	assert_int_equal(a->clock, b->clock);
	assert_int_equal(a->cycle, b->cycle);
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->policy, b->policy);
	assert_int_equal(a->party, b->party);
	assert_int_equal(a->started_ms, b->started_ms);
	assert_int_equal(a->due_ms, b->due_ms);
	assert_int_equal(a->warn_ms, b->warn_ms);
	assert_int_equal(a->remaining_ms, b->remaining_ms);
	assert_int_equal(a->warn_remaining_ms, b->warn_remaining_ms);
	assert_int_equal(a->stopped_ms, b->stopped_ms);
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->elapsed_ms, b->elapsed_ms);
}

static void
test_replay_gives_identical_state(void **state)
{
	struct fixture		*f = *state;
	struct sla_complaint	 first;
	size_t			 i;

	story(f, false);
	first = f->c;
	assert_int_equal(first.nclocks, 7);
	story(f, false);
	assert_memory_equal(&first, &f->c, sizeof(first));
	/*
	 * With our own warning and breach in the log the clocks are the same
	 * but for what fired.
	 */
	story(f, true);
	assert_int_equal(f->c.nclocks, first.nclocks);
	assert_int_equal(f->c.severity, first.severity);
	assert_int_equal(f->c.closed, first.closed);
	for (i = 0; i < first.nclocks; i++)
		assert_same_clock(&first.clocks[i], &f->c.clocks[i]);
	assert_true(must_find(&f->c, CLK(FIRST_CONTACT), 1)->warned);
	assert_true(must_find(&f->c, CLK(SOLUTION), 1)->breached);
	assert_false(must_find(&f->c, CLK(SOLUTION), 2)->breached);
}

static void
test_clock_names(void **state)
{
	static const struct {
		Cdp__V1__SlaClock	 clock;
		const char		*name;
	} names[] = {
		{ CLK(FIRST_CONTACT), "first_contact" },
		{ CLK(MERCHANT_RESPONSE), "merchant_response" },
		{ CLK(INVESTIGATION), "investigation" },
		{ CLK(SOLUTION), "solution" },
		{ CLK(EXECUTION), "execution" },
		{ CLK(RETURN_INSPECTION), "return_inspection" },
		{ CLK(APPEAL_REVIEW), "appeal_review" },
		{ CLK(QC_RESULT), "qc_result" },
		{ CLK(EMERGENCY_START), "emergency_start" },
		{ CLK(UNSPECIFIED), "unspecified" },
		{ (Cdp__V1__SlaClock)77, "unspecified" },
	};
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		assert_string_equal(clock_name(names[i].clock), names[i].name);
}

static void
appeal_event(Cdp__V1__MerchantEvent *ev, Cdp__V1__EventMeta *meta,
    Cdp__V1__AppealFiled *filed, Cdp__V1__AppealDecided *decided,
    int64_t at, bool decision)
{
	cdp__v1__merchant_event__init(ev);
	cdp__v1__event_meta__init(meta);
	meta->event_id = "e-appeal";
	meta->occurred_at_ms = at;
	ev->meta = meta;
	ev->merchant_id = "M1";
	if (decision) {
		cdp__v1__appeal_decided__init(decided);
		decided->appeal_id = "A1";
		decided->complaint_id = "C1";
		ev->body_case = CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED;
		ev->appeal_decided = decided;
	} else {
		cdp__v1__appeal_filed__init(filed);
		filed->appeal_id = "A1";
		filed->complaint_id = "C1";
		ev->body_case = CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED;
		ev->appeal_filed = filed;
	}
}

/*
 * clock_appeal(): AppealFiled starts appeal_review under its policy (3
 * business days), once; AppealDecided stops it, met in time and breached
 * late; penalty's bodies change nothing.
 */
static void
test_appeal_review(void **state)
{
	struct policy_set	*ps = load("[calendar biz]\n"
	    "timezone = Asia/Shanghai\nweekdays = mon-fri\n"
	    "hours = 09:00-18:00\n\n[policy ar]\nclock = appeal_review\n"
	    "target = 3bd\ncalendar = biz\nparty = platform\n");
	struct sla_complaint	 c;
	struct clock_change	 ch[SLA_CLOCKS_MAX];
	Cdp__V1__MerchantEvent	 ev;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__AppealFiled	 filed;
	Cdp__V1__AppealDecided	 decided;
	Cdp__V1__PenaltyApplied	 pa = CDP__V1__PENALTY_APPLIED__INIT;

	clock_init(&c);
	appeal_event(&ev, &meta, &filed, &decided, FRI + 10 * HOUR, false);
	assert_int_equal(clock_appeal(&c, ps, &ev, ch, SLA_CLOCKS_MAX), 1);
	assert_int_equal(ch[0].kind, CLOCK_STARTED);
	assert_int_equal(ch[0].clock.clock,
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_APPEAL_REVIEW);
	assert_int_equal(ch[0].clock.cycle, 1);
	assert_string_equal(ch[0].reason, "appeal_filed");
	/* Business days: the weekend does not count. */
	assert_true(ch[0].clock.due_ms > MON + 18 * HOUR);
	assert_true(ch[0].clock.due_ms < FRI + 6 * DAY);
	/* Filed again (a replay): nothing new. */
	assert_int_equal(clock_appeal(&c, ps, &ev, ch, SLA_CLOCKS_MAX), 0);

	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED;
	ev.penalty_applied = &pa;
	assert_int_equal(clock_appeal(&c, ps, &ev, ch, SLA_CLOCKS_MAX), 0);

	appeal_event(&ev, &meta, &filed, &decided, TUE + 12 * HOUR, true);
	assert_int_equal(clock_appeal(&c, ps, &ev, ch, SLA_CLOCKS_MAX), 1);
	assert_int_equal(ch[0].kind, CLOCK_STOPPED_CHANGE);
	assert_string_equal(ch[0].reason, "appeal_decided");
	assert_int_equal(ch[0].clock.result,
	    CDP__V1__SLA_RESULT__SLA_RESULT_MET);

	clock_init(&c);
	appeal_event(&ev, &meta, &filed, &decided, FRI + 10 * HOUR, false);
	assert_int_equal(clock_appeal(&c, ps, &ev, ch, SLA_CLOCKS_MAX), 1);
	assert_true(clock_next_due(&c) > MON + 18 * HOUR);
	appeal_event(&ev, &meta, &filed, &decided, FRI + 6 * DAY, true);
	assert_int_equal(clock_appeal(&c, ps, &ev, ch, SLA_CLOCKS_MAX), 1);
	assert_int_equal(ch[0].clock.result,
	    CDP__V1__SLA_RESULT__SLA_RESULT_BREACHED);
	policy_free(ps);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classified_starts_clocks),
		cmocka_unit_test(test_clocks_count_from_receipt),
		cmocka_unit_test(test_reclassified_keeps_timing),
		cmocka_unit_test(test_clock_policy_is_its_own),
		cmocka_unit_test(test_no_policy_no_clock),
		cmocka_unit_test(test_first_contact_met),
		cmocka_unit_test(test_first_contact_late_is_breached),
		cmocka_unit_test(test_stopped_late_owes_its_breach),
		cmocka_unit_test(test_breached_clock_stopped_is_breached),
		cmocka_unit_test(test_first_contact_before_classification),
		cmocka_unit_test(test_merchant_response_cycles),
		cmocka_unit_test(test_customer_info_pauses_platform_clocks),
		cmocka_unit_test(test_pause_across_weekend),
		cmocka_unit_test(test_pause_then_close),
		cmocka_unit_test(test_out_of_scope_closes),
		cmocka_unit_test(test_investigation_and_solution),
		cmocka_unit_test(test_decided_starts_execution),
		cmocka_unit_test(test_return_flow),
		cmocka_unit_test(test_qc_and_emergency),
		cmocka_unit_test(test_warning_then_breach),
		cmocka_unit_test(test_warning_and_breach_at_once),
		cmocka_unit_test(test_own_warning_and_breach_mark_fired),
		cmocka_unit_test(test_other_bodies_change_nothing),
		cmocka_unit_test(test_touches_names_the_events_that_move_clocks),
		cmocka_unit_test(test_untouched_events_change_no_clock),
		cmocka_unit_test(test_reclassified_urgent_retimes),
		cmocka_unit_test(test_reclassified_urgent_overdue_paused),
		cmocka_unit_test(test_reopen_starts_new_cycles),
		cmocka_unit_test(test_clocks_full_reuses_oldest_superseded),
		cmocka_unit_test(test_replay_gives_identical_state),
		cmocka_unit_test(test_clock_names),
		cmocka_unit_test(test_appeal_review),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
