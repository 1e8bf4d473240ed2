/*
 * The clocks of one complaint (docs/sla-clocks.md). clock_apply() folds
 * one complaint event into them and reports each start, pause, resume and
 * stop; clock_due() says which warnings and breaches are due at a time.
 * There is no I/O and no wall clock here: "now" is always the event's
 * occurred_at_ms, so replaying a complaint's events rebuilds the same
 * clocks, to the millisecond.
 *
 * A clock is (clock, cycle): a restart is a new entry with the next cycle
 * and the stopped entries stay as history. Time is counted in the
 * calendar of the clock's policy. A running clock keeps the time it used
 * before its current run in elapsed_ms and the time it had left when the
 * run began in remaining_ms, so the time used at any instant is
 *
 *	elapsed_ms + remaining_ms - (calendar time from now to due_ms)
 *
 * which is what pausing, stopping and re-timing need; a paused clock keeps
 * the time used in elapsed_ms and the time left in remaining_ms (and
 * warn_remaining_ms), and keeps the due_ms and warn_ms it had.
 */
#include <stdio.h>
#include <string.h>

#include "nitems.h"
#include "sla.h"
#include "vocab.h"

#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define ACT(x)		CDP__V1__ACTION__ACTION_##x
#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define RESULT(x)	CDP__V1__SLA_RESULT__SLA_RESULT_##x
#define OUTCOME(x)	CDP__V1__OUTCOME__OUTCOME_##x


#define CLOCK_STEPS_MAX	3
#define CLOCK_DUES_MAX	(2 * SLA_CLOCKS_MAX)
#define CLOCK_NAMES_MAX	16		/* above every SlaClock value */

/* What one step of a rule does to one clock. */
enum clock_op {
	OP_NONE,	/* an unused step of a rule */
	OP_START,	/* a new cycle, unless one is running or paused */
	OP_STOP,	/* met, or breached when late */
	OP_PAUSE,	/* waiting on the customer */
	OP_RESUME,
	OP_CANCEL_ALL,	/* every open clock: cancelled, or breached */
	OP_REOPEN,	/* the complaint is open again */
};

struct clock_step {
	enum clock_op		op;
	Cdp__V1__SlaClock	clock;
};

/*
 * One action's effect on the clocks. A rule with a test applies only when
 * the test says so; reopens marks the one rule a closed complaint obeys.
 */
struct clock_rule {
	Cdp__V1__Action		 action;
	const char		*reason;
	bool			(*test)(const Cdp__V1__ActionRecorded *);
	bool			 reopens;
	struct clock_step	 steps[CLOCK_STEPS_MAX];
};

/* Everything one event's handling needs, and the changes it reports. */
struct clock_ctx {
	struct sla_complaint	*c;
	const struct policy_set	*ps;
	int64_t			 now;
	int64_t			 since;		/* when a starting clock counts from */
	const char		*reason;
	struct clock_change	*out;
	size_t			 max;
	size_t			 n;
};

static bool	clock_goods_stay(const Cdp__V1__ActionRecorded *);
static bool	clock_goods_back(const Cdp__V1__ActionRecorded *);
static bool	clock_inspection_passed(const Cdp__V1__ActionRecorded *);
static bool	clock_emergency(const Cdp__V1__ActionRecorded *);
static bool	clock_product_safety(const Cdp__V1__Classified *);

/*
 * The actions and what they do (the table of docs/sla-clocks.md). An
 * action may have several rows, each with its own test.
 */
static const struct clock_rule clock_rules[] = {
	{ ACT(FIRST_CONTACT), "first_contact", NULL, false,
	    { { OP_STOP, CLK(FIRST_CONTACT) } } },
	{ ACT(MERCHANT_RESPONSE_REQUESTED), "merchant_response_requested",
	    NULL, false, { { OP_START, CLK(MERCHANT_RESPONSE) } } },
	{ ACT(MERCHANT_RESPONSE_RECEIVED), "merchant_response_received",
	    NULL, false, { { OP_STOP, CLK(MERCHANT_RESPONSE) } } },
	{ ACT(CUSTOMER_INFO_REQUESTED), "awaiting_customer", NULL, false,
	    { { OP_PAUSE, CLK(FIRST_CONTACT) },
	      { OP_PAUSE, CLK(INVESTIGATION) },
	      { OP_PAUSE, CLK(SOLUTION) } } },
	{ ACT(CUSTOMER_INFO_PROVIDED), "customer_info_provided", NULL, false,
	    { { OP_RESUME, CLK(FIRST_CONTACT) },
	      { OP_RESUME, CLK(INVESTIGATION) },
	      { OP_RESUME, CLK(SOLUTION) } } },
	{ ACT(INVESTIGATION_STARTED), "investigation_started", NULL, false,
	    { { OP_START, CLK(INVESTIGATION) } } },
	{ ACT(INVESTIGATION_RECORDED), "investigation_recorded", NULL, false,
	    { { OP_STOP, CLK(INVESTIGATION) } } },
	{ ACT(RESOLUTION_PROPOSED), "resolution_proposed", NULL, false,
	    { { OP_STOP, CLK(SOLUTION) }, { OP_STOP, CLK(INVESTIGATION) } } },
	{ ACT(DECIDED), "decided", clock_goods_stay, false,
	    { { OP_STOP, CLK(SOLUTION) }, { OP_STOP, CLK(INVESTIGATION) },
	      { OP_START, CLK(EXECUTION) } } },
	{ ACT(DECIDED), "decided", clock_goods_back, false,
	    { { OP_STOP, CLK(SOLUTION) }, { OP_STOP, CLK(INVESTIGATION) } } },
	{ ACT(EXECUTION_DONE), "execution_done", NULL, false,
	    { { OP_STOP, CLK(EXECUTION) } } },
	{ ACT(RETURN_RECEIVED), "return_received", NULL, false,
	    { { OP_START, CLK(RETURN_INSPECTION) } } },
	{ ACT(INSPECTED), "inspected", NULL, false,
	    { { OP_STOP, CLK(RETURN_INSPECTION) } } },
	{ ACT(INSPECTED), "inspection_passed", clock_inspection_passed, false,
	    { { OP_START, CLK(EXECUTION) } } },
	{ ACT(QC_REQUESTED), "qc_requested", NULL, false,
	    { { OP_START, CLK(QC_RESULT) } } },
	{ ACT(QC_RESULT), "qc_result", NULL, false,
	    { { OP_STOP, CLK(QC_RESULT) } } },
	{ ACT(ESCALATED), "emergency_started", clock_emergency, false,
	    { { OP_STOP, CLK(EMERGENCY_START) } } },
	{ ACT(REOPENED), "reopened", NULL, true,
	    { { OP_REOPEN, CLK(UNSPECIFIED) }, { OP_START, CLK(FIRST_CONTACT) },
	      { OP_START, CLK(SOLUTION) } } },
	{ ACT(CLOSED), "closed", NULL, false,
	    { { OP_CANCEL_ALL, CLK(UNSPECIFIED) } } },
};

/*
 * What a classification starts, each clock once per complaint: a clock
 * with a test only when the assessment passes it.
 */
static const struct {
	Cdp__V1__SlaClock	 clock;
	bool			(*test)(const Cdp__V1__Classified *);
} clock_on_classified[] = {
	{ CLK(FIRST_CONTACT), NULL },
	{ CLK(SOLUTION), NULL },
	{ CLK(EMERGENCY_START), clock_product_safety },
};

/* What a reclassification to a more urgent severity re-times. */
static const Cdp__V1__SlaClock clock_retimed[] = {
	CLK(FIRST_CONTACT),
	CLK(SOLUTION),
};

/* Outcomes the merchant can only carry out once the goods are back. */
static bool
clock_needs_goods(const Cdp__V1__ActionRecorded *a)
{
	const Cdp__V1__Resolution	*r = a->resolution;

	if (a->detail_case != CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION ||
	    r == NULL)
		return false;
	return r->outcome == OUTCOME(REFUND_WITH_RETURN) ||
	    r->outcome == OUTCOME(EXCHANGE);
}

static bool
clock_goods_stay(const Cdp__V1__ActionRecorded *a)
{
	return !clock_needs_goods(a);
}

static bool
clock_goods_back(const Cdp__V1__ActionRecorded *a)
{
	return clock_needs_goods(a);
}

static bool
clock_inspection_passed(const Cdp__V1__ActionRecorded *a)
{
	return a->detail_case == CDP__V1__ACTION_RECORDED__DETAIL_INSPECTION &&
	    a->inspection != NULL && a->inspection->result ==
	    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_PASSED;
}

/* A product-safety issue must start the emergency process (domain.md 2). */
static bool
clock_product_safety(const Cdp__V1__Classified *cl)
{
	size_t	i;

	for (i = 0; i < cl->n_urgency_flags; i++)
		if (cl->urgency_flags[i] ==
		    CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PRODUCT_SAFETY)
			return true;
	return false;
}

/* A person escalating to the emergency level starts the process. */
static bool
clock_emergency(const Cdp__V1__ActionRecorded *a)
{
	return a->detail_case == CDP__V1__ACTION_RECORDED__DETAIL_ESCALATION &&
	    a->escalation != NULL && a->escalation->level ==
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_EMERGENCY;
}

void
clock_init(struct sla_complaint *c)
{
	memset(c, 0, sizeof(*c));
}

/*
 * A clock's public name (common/vocab.c), as its ids and reasons carry it:
 * "first_contact". Named once per clock, on first use; "unspecified" for a
 * clock this build does not know.
 */
const char *
clock_name(Cdp__V1__SlaClock clock)
{
	static char	names[CLOCK_NAMES_MAX][32];

	if (clock <= 0 || clock >= CLOCK_NAMES_MAX)
		return "unspecified";
	if (names[clock][0] == '\0' &&
	    !vocab_name(&cdp__v1__sla_clock__descriptor, clock, names[clock],
	    sizeof(names[clock])))
		return "unspecified";
	return names[clock];
}

/*
 * Calendar arithmetic that tolerates a missing calendar (a clock whose
 * policy is gone from the file): then every millisecond counts.
 */
static int64_t
clock_add(const struct calendar *cal, int64_t start, int64_t duration)
{
	if (duration <= 0)
		return start;
	if (cal == NULL)
		return start > INT64_MAX - duration ? INT64_MAX :
		    start + duration;
	return calendar_add_business_time(cal, start, duration);
}

/* Calendar time from from to to, negative when to is earlier. */
static int64_t
clock_between(const struct calendar *cal, int64_t from, int64_t to)
{
	if (to < from)
		return -clock_between(cal, to, from);
	if (cal == NULL)
		return to - from;
	return calendar_business_time(cal, from, to);
}

static int64_t
clock_max0(int64_t v)
{
	return v > 0 ? v : 0;
}

static const struct sla_policy *
clock_find(const struct sla_complaint *c, const struct policy_set *ps,
    Cdp__V1__SlaClock clock)
{
	if (ps == NULL)
		return NULL;
	return policy_find(ps, c->severity, c->category, clock);
}

static bool
clock_is_policy(const struct sla_policy *p, const struct sla_clock *k)
{
	return p != NULL && p->clock == k->clock &&
	    strncmp(p->name, k->policy, sizeof(k->policy) - 1) == 0;
}

/*
 * The policy a clock was timed under. Usually it is the one the current
 * classification finds; after a change that did not re-time the clock
 * (a less urgent severity, another category) it is found by its name
 * under the other classifications. A policy gone from the file falls
 * back to the current one, or to none.
 */
static const struct sla_policy *
clock_policy_of(const struct sla_complaint *c, const struct policy_set *ps,
    const struct sla_clock *k)
{
	const struct sla_policy	*now, *p;

	if ((now = clock_find(c, ps, k->clock)) == NULL ||
	    clock_is_policy(now, k))
		return now;
	p = policy_by_name(ps, k->policy);
	return clock_is_policy(p, k) ? p : now;
}

/*
 * The policy a clock runs under, for what its warning and breach set off:
 * its own (by name), or, when the file no longer has it, the one that now
 * applies. A later, less urgent classification does not change it.
 */
const struct sla_policy *
clock_policy(const struct sla_complaint *c, const struct policy_set *ps,
    const struct sla_clock *k)
{
	const struct sla_policy	*p;

	p = ps != NULL ? policy_by_name(ps, k->policy) : NULL;
	return clock_is_policy(p, k) ? p : clock_find(c, ps, k->clock);
}

static const struct calendar *
clock_calendar(const struct clock_ctx *x, const struct sla_clock *k)
{
	const struct sla_policy	*p = clock_policy_of(x->c, x->ps, k);

	return p != NULL ? p->calendar : NULL;
}

/*
 * The warning's share of the target, or 0 when the policy has none. A
 * warning at 100% falls due with the breach, and fires just before it.
 */
static int64_t
clock_warn_target(const struct sla_policy *p)
{
	int64_t	permille = p->warn_permille < 1000 ? p->warn_permille : 1000;

	return p->target_ms / 1000 * permille +
	    p->target_ms % 1000 * permille / 1000;
}

/* Calendar time the clock has used by now, pauses excluded. */
static int64_t
clock_used(const struct sla_clock *k, const struct calendar *cal,
    int64_t now)
{
	if (k->state != CLOCK_RUNNING)
		return k->elapsed_ms;
	return k->elapsed_ms + k->remaining_ms -
	    clock_between(cal, now, k->due_ms);
}

/*
 * Times a run beginning now with left to the deadline and warn_left to
 * the warning (when has_warn). A deadline or warning already passed
 * falls due now.
 */
static void
clock_project(struct sla_clock *k, const struct calendar *cal, int64_t now,
    int64_t left, bool has_warn, int64_t warn_left)
{
	k->due_ms = left > 0 ? clock_add(cal, now, left) : now;
	k->remaining_ms = clock_max0(left);
	k->warn_ms = 0;
	k->warn_remaining_ms = 0;
	if (has_warn) {
		k->warn_ms = warn_left > 0 ? clock_add(cal, now, warn_left) :
		    now;
		k->warn_remaining_ms = clock_max0(warn_left);
	}
}

static void
clock_report(struct clock_ctx *x, enum clock_change_kind kind,
    const struct sla_clock *k)
{
	struct clock_change	*ch;

	if (x->n == x->max)
		return;
	ch = &x->out[x->n++];
	ch->kind = kind;
	ch->clock = *k;
	ch->reason = x->reason;
}

/* The latest cycle of a clock, or NULL if it never ran. */
static struct sla_clock *
clock_latest(struct sla_complaint *c, Cdp__V1__SlaClock clock)
{
	struct sla_clock	*k, *latest = NULL;
	size_t			 i;

	for (i = 0; i < c->nclocks; i++) {
		k = &c->clocks[i];
		if (k->clock == clock && (latest == NULL ||
		    k->cycle > latest->cycle))
			latest = k;
	}
	return latest;
}

static bool
clock_open(const struct sla_clock *k)
{
	return k != NULL && k->state != CLOCK_STOPPED;
}

/*
 * An entry for a new clock: a free one, or when all are taken the one
 * stopped longest ago among those a later cycle of the same clock has
 * superseded. The latest cycle of each clock is never reused, so cycle
 * numbers keep rising and a clock started once per complaint is not
 * started again. There are fewer clocks than entries, so one is always
 * found.
 */
static struct sla_clock *
clock_slot(struct sla_complaint *c)
{
	struct sla_clock	*k, *oldest = NULL;
	size_t			 i;

	if (c->nclocks < SLA_CLOCKS_MAX)
		return &c->clocks[c->nclocks++];
	for (i = 0; i < c->nclocks; i++) {
		k = &c->clocks[i];
		if (k->state != CLOCK_STOPPED || clock_latest(c, k->clock) == k)
			continue;
		if (oldest == NULL || k->stopped_ms < oldest->stopped_ms)
			oldest = k;
	}
	return oldest;
}

/* Starts the next cycle of a clock under its policy, if it has one. */
static void
clock_start(struct clock_ctx *x, Cdp__V1__SlaClock clock, bool once)
{
	struct sla_clock	*k, *latest = clock_latest(x->c, clock);
	const struct sla_policy	*p;
	uint32_t		 cycle = latest != NULL ? latest->cycle + 1 : 1;
	int64_t			 warn;

	if ((once && latest != NULL) || clock_open(latest))
		return;
	if ((p = clock_find(x->c, x->ps, clock)) == NULL ||
	    (k = clock_slot(x->c)) == NULL)
		return;
	memset(k, 0, sizeof(*k));
	k->clock = clock;
	k->cycle = cycle;
	k->state = CLOCK_RUNNING;
	snprintf(k->policy, sizeof(k->policy), "%s", p->name);
	k->party = p->party;
	k->started_ms = x->since;
	warn = clock_warn_target(p);
	clock_project(k, p->calendar, x->since, p->target_ms, warn > 0, warn);
	clock_report(x, CLOCK_STARTED, k);
}

/*
 * Ends an open clock. It is late, and ends BREACHED whatever the cause,
 * when its breach fired or its deadline had passed.
 */
static void
clock_end(struct clock_ctx *x, struct sla_clock *k, Cdp__V1__SlaResult ok)
{
	bool	late = k->breached;

	if (k->state == CLOCK_RUNNING) {
		k->elapsed_ms = clock_used(k, clock_calendar(x, k), x->now);
		late = late || x->now >= k->due_ms;
	} else
		late = late || k->remaining_ms == 0;
	k->state = CLOCK_STOPPED;
	k->stopped_ms = x->now;
	k->remaining_ms = 0;
	k->warn_remaining_ms = 0;
	k->result = late ? RESULT(BREACHED) : ok;
	clock_report(x, CLOCK_STOPPED_CHANGE, k);
}

/*
 * The obligation of a clock that Classified starts was fulfilled before
 * it started (an agent reached a hotline caller before classification):
 * a stopped first cycle records it, so that Classified does not start a
 * clock nobody will stop. Nothing is reported; nothing ran.
 */
static void
clock_forestall(struct clock_ctx *x, Cdp__V1__SlaClock clock)
{
	struct sla_clock	*k;
	size_t			 i;

	for (i = 0; i < nitems(clock_on_classified); i++)
		if (clock_on_classified[i].clock == clock)
			break;
	if (i == nitems(clock_on_classified) || (k = clock_slot(x->c)) == NULL)
		return;
	memset(k, 0, sizeof(*k));
	k->clock = clock;
	k->cycle = 1;
	k->state = CLOCK_STOPPED;
	k->started_ms = x->now;
	k->stopped_ms = x->now;
	k->result = RESULT(MET);
}

static void
clock_stop(struct clock_ctx *x, Cdp__V1__SlaClock clock)
{
	struct sla_clock	*k = clock_latest(x->c, clock);

	if (k == NULL)
		clock_forestall(x, clock);
	else if (clock_open(k))
		clock_end(x, k, RESULT(MET));
}

/* Stops counting, keeping what is left to the deadline and the warning. */
static void
clock_pause(struct clock_ctx *x, Cdp__V1__SlaClock clock)
{
	struct sla_clock	*k = clock_latest(x->c, clock);
	const struct calendar	*cal;
	int64_t			 left;

	if (k == NULL || k->state != CLOCK_RUNNING)
		return;
	cal = clock_calendar(x, k);
	left = clock_between(cal, x->now, k->due_ms);
	k->elapsed_ms = clock_used(k, cal, x->now);
	k->remaining_ms = clock_max0(left);
	k->warn_remaining_ms = k->warn_ms == 0 ? 0 :
	    clock_max0(clock_between(cal, x->now, k->warn_ms));
	k->state = CLOCK_PAUSED;
	clock_report(x, CLOCK_PAUSED_CHANGE, k);
}

static void
clock_resume(struct clock_ctx *x, Cdp__V1__SlaClock clock)
{
	struct sla_clock	*k = clock_latest(x->c, clock);

	if (k == NULL || k->state != CLOCK_PAUSED)
		return;
	clock_project(k, clock_calendar(x, k), x->now, k->remaining_ms,
	    k->warn_ms != 0, k->warn_remaining_ms);
	k->state = CLOCK_RUNNING;
	clock_report(x, CLOCK_RESUMED, k);
}

static void
clock_cancel_all(struct clock_ctx *x)
{
	size_t	i;

	for (i = 0; i < x->c->nclocks; i++)
		if (clock_open(&x->c->clocks[i]))
			clock_end(x, &x->c->clocks[i], RESULT(CANCELLED));
	x->c->closed = true;
}

static void
clock_step(struct clock_ctx *x, const struct clock_step *s)
{
	switch (s->op) {
	case OP_NONE:
		break;
	case OP_START:
		clock_start(x, s->clock, false);
		break;
	case OP_STOP:
		clock_stop(x, s->clock);
		break;
	case OP_PAUSE:
		clock_pause(x, s->clock);
		break;
	case OP_RESUME:
		clock_resume(x, s->clock);
		break;
	case OP_CANCEL_ALL:
		clock_cancel_all(x);
		break;
	case OP_REOPEN:
		x->c->closed = false;
		break;
	}
}

static void
clock_steps(struct clock_ctx *x, const struct clock_step *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		clock_step(x, &s[i]);
}

/*
 * Re-times a running or paused clock under a new policy, as if that
 * policy had applied from the clock's start. A clock that has lost no
 * time to pauses starts over at its start in the new calendar. One that
 * has keeps the time it used (in the calendar it ran under, pauses
 * excluded) against the new target, and counts the rest from now in the
 * new calendar.
 */
static void
clock_retime(struct clock_ctx *x, struct sla_clock *k,
    const struct sla_policy *p)
{
	const struct calendar	*cal = clock_calendar(x, k);
	int64_t			 used = clock_used(k, cal, x->now);
	int64_t			 warn = clock_warn_target(p);
	bool			 unpaused;

	unpaused = k->state == CLOCK_RUNNING &&
	    used == clock_between(cal, k->started_ms, x->now);
	snprintf(k->policy, sizeof(k->policy), "%s", p->name);
	k->party = p->party;
	if (unpaused) {
		k->elapsed_ms = 0;
		clock_project(k, p->calendar, k->started_ms, p->target_ms,
		    warn > 0, warn);
	} else {
		k->elapsed_ms = used;
		clock_project(k, p->calendar, x->now, p->target_ms - used,
		    warn > 0, warn - used);
	}
	clock_report(x, k->state == CLOCK_RUNNING ? CLOCK_STARTED :
	    CLOCK_PAUSED_CHANGE, k);
}

/* A value the contract does not know is treated as unspecified. */
static int
clock_known(const ProtobufCEnumDescriptor *d, int value)
{
	return protobuf_c_enum_descriptor_get_value(d, value) != NULL ?
	    value : 0;
}

/* Lower numbers are more urgent; unspecified is the least urgent. */
static bool
clock_more_urgent(Cdp__V1__Severity was, Cdp__V1__Severity is)
{
	return is != 0 && (was == 0 || is < was);
}

static void
clock_reclassified(struct clock_ctx *x)
{
	const struct sla_policy	*p;
	struct sla_clock	*k;
	size_t			 i;

	for (i = 0; i < nitems(clock_retimed); i++) {
		k = clock_latest(x->c, clock_retimed[i]);
		if (!clock_open(k) ||
		    (p = clock_find(x->c, x->ps, k->clock)) == NULL ||
		    clock_is_policy(p, k))
			continue;
		clock_retime(x, k, p);
	}
}

/*
 * The classifier's assessment: the latest one sets the policies. A more
 * urgent severity re-times the clocks it makes tighter; then the clocks a
 * classified complaint owes start, once per complaint.
 */
static void
clock_classified(struct clock_ctx *x, const Cdp__V1__Classified *cl)
{
	Cdp__V1__Severity	was = x->c->severity;
	size_t			i;

	if (x->c->closed)
		return;
	x->c->severity = clock_known(&cdp__v1__severity__descriptor,
	    cl->severity);
	x->c->category = clock_known(&cdp__v1__category__descriptor,
	    cl->category);
	if (clock_more_urgent(was, x->c->severity)) {
		x->reason = "reclassified";
		clock_reclassified(x);
	}
	x->reason = "classified";
	if (x->c->received_ms > 0 && x->c->received_ms <= x->now)
		x->since = x->c->received_ms;
	for (i = 0; i < nitems(clock_on_classified); i++)
		if (clock_on_classified[i].test == NULL ||
		    clock_on_classified[i].test(cl))
			clock_start(x, clock_on_classified[i].clock, true);
}

static void
clock_out_of_scope(struct clock_ctx *x)
{
	if (x->c->closed)
		return;
	x->reason = "out_of_scope";
	clock_cancel_all(x);
}

static void
clock_action(struct clock_ctx *x, const Cdp__V1__ActionRecorded *a)
{
	const struct clock_rule	*r;
	size_t			 i;

	for (i = 0; i < nitems(clock_rules); i++) {
		r = &clock_rules[i];
		if (r->action != a->action || (x->c->closed && !r->reopens) ||
		    (r->test != NULL && !r->test(a)))
			continue;
		x->reason = r->reason;
		clock_steps(x, r->steps, CLOCK_STEPS_MAX);
	}
}

static void
clock_fired(struct sla_clock *k, enum clock_due_kind kind)
{
	if (kind == CLOCK_DUE_WARNING)
		k->warned = true;
	else
		k->breached = true;
}

/* Our own warning or breach, replayed: it must never fire again. */
static void
clock_mark(struct sla_complaint *c, Cdp__V1__SlaClock clock, uint32_t cycle,
    enum clock_due_kind kind)
{
	size_t	i;

	for (i = 0; i < c->nclocks; i++)
		if (c->clocks[i].clock == clock && c->clocks[i].cycle == cycle)
			clock_fired(&c->clocks[i], kind);
}

/*
 * Folds one complaint event, in log order, into the complaint's clocks
 * and writes what changed to out (at most max changes; SLA_CLOCKS_MAX is
 * always enough). Returns the number written. Bodies without an effect on
 * the clocks, and bodies this build does not know, change nothing; the
 * caller counts those it wants to.
 */
size_t
clock_apply(struct sla_complaint *c, const struct policy_set *ps,
    const Cdp__V1__ComplaintEvent *ev, struct clock_change *out, size_t max)
{
	struct clock_ctx	x = { c, ps, 0, 0, "", out, max, 0 };

	if (ev->meta == NULL || (x.now = ev->meta->occurred_at_ms) <= 0)
		return 0;
	x.since = x.now;
	switch (ev->body_case) {
	case BODY(FILED):
	case BODY(PROACTIVE_OPENED):
		if (c->received_ms == 0)
			c->received_ms = x.now;
		break;
	case BODY(CLASSIFIED):
		clock_classified(&x, ev->classified);
		break;
	case BODY(OUT_OF_SCOPE):
		clock_out_of_scope(&x);
		break;
	case BODY(ACTION_RECORDED):
		clock_action(&x, ev->action_recorded);
		break;
	case BODY(SLA_WARNING):
		if (ev->sla_warning != NULL)
			clock_mark(c, ev->sla_warning->clock,
			    ev->sla_warning->cycle, CLOCK_DUE_WARNING);
		break;
	case BODY(SLA_BREACHED):
		if (ev->sla_breached != NULL)
			clock_mark(c, ev->sla_breached->clock,
			    ev->sla_breached->cycle, CLOCK_DUE_BREACH);
		break;
	case BODY(SLA_CLOCK_STARTED):
	case BODY(SLA_CLOCK_PAUSED):
	case BODY(SLA_CLOCK_RESUMED):
	case BODY(SLA_CLOCK_STOPPED):
		break;		/* our own: derived from their causes */
	default:
		break;
	}
	return x.n;
}

/*
 * Whether an action's rules could change a clock: a rule for it whose test
 * (if any) passes. Whether the complaint is closed is not known here, so a
 * rule that a closed complaint ignores still counts.
 */
static bool
clock_action_touches(const Cdp__V1__ActionRecorded *a)
{
	const struct clock_rule	*r;
	size_t			 i;

	for (i = 0; i < nitems(clock_rules); i++) {
		r = &clock_rules[i];
		if (r->action == a->action && (r->test == NULL || r->test(a)))
			return true;
	}
	return false;
}

/*
 * Whether clock_apply() could change any complaint's clocks with ev,
 * whatever they are: false means it would change nothing and report
 * nothing, so the caller need not load or save them. True is the safe
 * answer; it is given for every body clock_apply() acts on, and false for
 * the rest (our own clock changes, coupons, escalations, notifications,
 * actions without a rule, bodies this build does not know, and events
 * without a time).
 */
bool
clock_touches(const Cdp__V1__ComplaintEvent *ev)
{
	if (ev->meta == NULL || ev->meta->occurred_at_ms <= 0)
		return false;
	switch (ev->body_case) {
	case BODY(FILED):
	case BODY(PROACTIVE_OPENED):
	case BODY(CLASSIFIED):
	case BODY(OUT_OF_SCOPE):
		return true;
	case BODY(ACTION_RECORDED):
		return ev->action_recorded != NULL &&
		    clock_action_touches(ev->action_recorded);
	case BODY(SLA_WARNING):
		return ev->sla_warning != NULL;
	case BODY(SLA_BREACHED):
		return ev->sla_breached != NULL;
	default:
		return false;
	}
}

static void
clock_due_add(struct clock_due *due, size_t *n, enum clock_due_kind kind,
    size_t index, int64_t at)
{
	due[*n].kind = kind;
	due[*n].index = index;
	due[*n].at_ms = at;
	(*n)++;
}

/* Stable insertion sort by time: a clock's warning stays before its breach. */
static void
clock_due_sort(struct clock_due *due, size_t n)
{
	struct clock_due	d;
	size_t			i, j;

	for (i = 1; i < n; i++) {
		d = due[i];
		for (j = i; j > 0 && due[j - 1].at_ms > d.at_ms; j--)
			due[j] = due[j - 1];
		due[j] = d;
	}
}

/*
 * A clock stopped after its deadline but before its breach fired (the
 * stopping event was handled late) still owes that breach: the breach is
 * what gives the customer a coupon and the merchant a penalty.
 */
static bool
clock_owes_breach(const struct sla_clock *k)
{
	return k->state == CLOCK_STOPPED && !k->breached &&
	    k->result == CDP__V1__SLA_RESULT__SLA_RESULT_BREACHED;
}

/*
 * The warnings and breaches of running clocks that are due at now_ms and
 * have not fired, and the breaches owed by clocks stopped late, in the
 * order of the clocks; INT64_MAX gives all that are still to fire.
 */
static size_t
clock_owed(const struct sla_complaint *c, int64_t now_ms,
    struct clock_due due[CLOCK_DUES_MAX])
{
	const struct sla_clock	*k;
	size_t			 i, n = 0;

	for (i = 0; i < c->nclocks && i < SLA_CLOCKS_MAX; i++) {
		k = &c->clocks[i];
		if (clock_owes_breach(k))
			clock_due_add(due, &n, CLOCK_DUE_BREACH, i, k->due_ms);
		if (k->state != CLOCK_RUNNING)
			continue;
		if (!k->warned && k->warn_ms != 0 && now_ms >= k->warn_ms)
			clock_due_add(due, &n, CLOCK_DUE_WARNING, i,
			    k->warn_ms);
		if (!k->breached && now_ms >= k->due_ms)
			clock_due_add(due, &n, CLOCK_DUE_BREACH, i, k->due_ms);
	}
	return n;
}

/*
 * What is due at now_ms (see clock_owed), earliest first (a clock's
 * warning before its breach when both are due). Returns how many were
 * written to out (at most max).
 */
size_t
clock_due(const struct sla_complaint *c, int64_t now_ms,
    struct clock_due *out, size_t max)
{
	struct clock_due	due[CLOCK_DUES_MAX];
	size_t			n = clock_owed(c, now_ms, due);

	clock_due_sort(due, n);
	if (n > max)
		n = max;
	memcpy(out, due, n * sizeof(*out));
	return n;
}

static int64_t
clock_earlier(int64_t a, int64_t b)
{
	return a == 0 || b < a ? b : a;
}

/*
 * When the next warning or breach of a running clock falls due, or 0
 * when none will: the time to arm the timer for (it may have passed).
 */
int64_t
clock_next_due(const struct sla_complaint *c)
{
	struct clock_due	due[CLOCK_DUES_MAX];
	size_t			i, n = clock_owed(c, INT64_MAX, due);
	int64_t			next = 0;

	for (i = 0; i < n; i++)
		next = clock_earlier(next, due[i].at_ms);
	return next;
}

/* Records that a due warning or breach was sent, so it never fires again. */
void
clock_mark_fired(struct sla_complaint *c, const struct clock_due *d)
{
	if (d->index < c->nclocks && d->index < SLA_CLOCKS_MAX)
		clock_fired(&c->clocks[d->index], d->kind);
}

/*
 * Folds one appeal event of merchants.events into the clocks of one
 * appeal (sla-timer keeps them by appeal id): AppealFiled starts
 * appeal_review under its policy, AppealDecided stops it, met or
 * breached. Other bodies change nothing. Returns the changes written.
 */
size_t
clock_appeal(struct sla_complaint *c, const struct policy_set *ps,
    const Cdp__V1__MerchantEvent *ev, struct clock_change *out, size_t max)
{
	struct clock_ctx	x = { c, ps, 0, 0, "", out, max, 0 };

	if (ev->meta == NULL || (x.now = ev->meta->occurred_at_ms) <= 0)
		return 0;
	x.since = x.now;
	switch (ev->body_case) {
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED:
		x.reason = "appeal_filed";
		clock_start(&x, CLK(APPEAL_REVIEW), true);
		break;
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED:
		x.reason = "appeal_decided";
		clock_stop(&x, CLK(APPEAL_REVIEW));
		break;
	default:
		break;
	}
	return x.n;
}
