/*
 * The analytics daemon under test and its known input (analytics_harness.h).
 *
 * Minute 0 of 2026 (AH_T0), complaint ids "<prefix>-C<n>":
 *   C1 app, M1/S1: classified product/normal (customer service,
 *      "counterfeit") at +2 s, first contact +10 s, decided +20 s,
 *      resolved +30 s, rated 5 at +35 s, closed +40 s (audited).
 *   C3 app, M2/S3 at +5 s: out of scope at +6 s.
 *   merchants: M1 penalised 2 points at +20 s, standing changed +21 s.
 *   C2 web, M1/S2 at +3 s: classified logistics/high (logistics
 *      coordination) +4 s, first-contact warning +5 s, breach +6 s,
 *      coupon 500 fen +7 s, escalated +8 s.
 *   C4 proactive (system, carrier SF), M1 at +9 s: classified
 *      logistics/normal +10 s, first contact +12 s, clock met +12 s.
 * The closer, C5 filed at +3 min, closes minute 0 (grace 60 s).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>

#include "analytics_harness.h"
#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "meta.h"
#include "nitems.h"
#include "pb.h"
#include "testenv.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define A(x)		CDP__V1__ACTION__ACTION_##x
#define SEC		1000LL

void
ah_setup(struct ah *h, const char *name)
{
	memset(h, 0, sizeof(*h));
	h->complaints = testenv_unique("ana.complaints");
	h->merchants = testenv_unique("ana.merchants");
	h->snapshots = testenv_unique("ana.snapshots");
	h->group = testenv_unique(name);
	h->prefix = testenv_unique("CMP");
	testenv_create_topic(h->complaints, 3);
	testenv_create_topic(h->merchants, 1);
	testenv_create_topic(h->snapshots, 1);
}

void
ah_start(struct ah *h)
{
	char	*env[9];
	int	 i;

	h->port = testproc_free_port();
	h->admin_port = testproc_free_port();
	env[0] = xasprintf("HTTP_LISTEN=127.0.0.1:%d", h->port);
	env[1] = xasprintf("ANALYTICS_COMPLAINTS_TOPIC=%s", h->complaints);
	env[2] = xasprintf("ANALYTICS_MERCHANTS_TOPIC=%s", h->merchants);
	env[3] = xasprintf("ANALYTICS_SNAPSHOT_TOPIC=%s", h->snapshots);
	env[4] = xasprintf("ANALYTICS_GROUP=%s", h->group);
	env[5] = xstrdup("ANALYTICS_AUDIT_PERMILLE=1000");
	env[6] = xstrdup("LOG_LEVEL=warn");
	env[7] = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", h->admin_port);
	env[8] = NULL;
	h->pid = testproc_spawn("analytics", (const char *const *)env);
	assert_true(testproc_wait_http(h->admin_port, "/readyz", 200, 60000));
	for (i = 0; i < 8; i++)
		free(env[i]);
}

void
ah_stop(struct ah *h)
{
	testproc_keep_metrics("analytics", h->admin_port);	/* secrets scan */
	assert_int_equal(testproc_stop(h->pid, 15000), 0);
}

void
ah_kill(struct ah *h)
{
	testproc_kill(h->pid);
}

static void
send_event(struct ah *h, Cdp__V1__ComplaintEvent *ev, const char *c,
    const char *merchant, int64_t at)
{
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	char			*id = xasprintf("%s-%s", h->prefix, c);
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "test", NULL, NULL);
	meta.occurred_at_ms = AH_T0 + at;
	ev->meta = &meta;
	ev->complaint_id = id;
	ev->merchant_id = (char *)merchant;
	buf = pb_pack(&ev->base, &len);
	testenv_produce(h->complaints, id, buf, len);
	free(buf);
	free(id);
}

static void
filed(struct ah *h, const char *c, Cdp__V1__Channel ch, const char *m,
    const char *sku, int64_t at)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Filed		fi = CDP__V1__FILED__INIT;
	Cdp__V1__OrderRef	o = CDP__V1__ORDER_REF__INIT;

	o.sku = (char *)sku;
	fi.order = &o;
	fi.channel = ch;
	ev.body_case = BODY(FILED);
	ev.filed = &fi;
	send_event(h, &ev, c, m, at);
}

static void
classified(struct ah *h, const char *c, Cdp__V1__Category cat,
    Cdp__V1__Severity sev, Cdp__V1__Team team, const char *sub, int64_t at)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	cl = CDP__V1__CLASSIFIED__INIT;

	cl.category = cat;
	cl.severity = sev;
	cl.teams = &team;
	cl.n_teams = 1;
	cl.subcategory = (char *)sub;
	ev.body_case = BODY(CLASSIFIED);
	ev.classified = &cl;
	send_event(h, &ev, c, "M1", at);
}

static void
action(struct ah *h, const char *c, Cdp__V1__Action a,
    Cdp__V1__ComplaintStatus st, uint32_t rating, int64_t at)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ActionRecorded	ar = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Satisfaction	s = CDP__V1__SATISFACTION__INIT;

	ar.action = a;
	ar.resulting_status = st;
	if (rating != 0) {
		s.rating = rating;
		ar.detail_case = CDP__V1__ACTION_RECORDED__DETAIL_SATISFACTION;
		ar.satisfaction = &s;
	}
	ev.body_case = BODY(ACTION_RECORDED);
	ev.action_recorded = &ar;
	send_event(h, &ev, c, "M1", at);
}

static void
merchant_event(struct ah *h, int body, int64_t at)
{
	Cdp__V1__MerchantEvent	ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__PenaltyApplied	pa = CDP__V1__PENALTY_APPLIED__INIT;
	Cdp__V1__StandingChanged sc = CDP__V1__STANDING_CHANGED__INIT;
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "penalty", NULL, NULL);
	meta.occurred_at_ms = AH_T0 + at;
	ev.meta = &meta;
	ev.merchant_id = "M1";
	ev.body_case = body;
	pa.points = 2;
	ev.penalty_applied = &pa;	/* one of the two is read */
	if (body == CDP__V1__MERCHANT_EVENT__BODY_STANDING_CHANGED)
		ev.standing_changed = &sc;
	buf = pb_pack(&ev.base, &len);
	testenv_produce(h->merchants, "M1", buf, len);
	free(buf);
}

/* C1, C3 and the merchant events. */
void
ah_feed_first(struct ah *h)
{
	filed(h, "C1", CDP__V1__CHANNEL__CHANNEL_APP, "M1", "S1", 1 * SEC);
	classified(h, "C1", CDP__V1__CATEGORY__CATEGORY_PRODUCT,
	    CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__TEAM__TEAM_CUSTOMER_SERVICE, "counterfeit", 2 * SEC);
	action(h, "C1", A(FIRST_CONTACT), 0, 0, 10 * SEC);
	action(h, "C1", A(DECIDED), 0, 0, 20 * SEC);
	action(h, "C1", A(EXECUTION_DONE),
	    CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_RESOLVED, 0, 30 * SEC);
	action(h, "C1", A(SATISFACTION_RATED), 0, 5, 35 * SEC);
	action(h, "C1", A(CLOSED),
	    CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_CLOSED, 0, 40 * SEC);
	filed(h, "C3", CDP__V1__CHANNEL__CHANNEL_APP, "M2", "S3", 5 * SEC);
	{
		Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
		Cdp__V1__OutOfScope	os = CDP__V1__OUT_OF_SCOPE__INIT;

		ev.body_case = BODY(OUT_OF_SCOPE);
		ev.out_of_scope = &os;
		send_event(h, &ev, "C3", "M2", 6 * SEC);
	}
	merchant_event(h, CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED,
	    20 * SEC);
	merchant_event(h, CDP__V1__MERCHANT_EVENT__BODY_STANDING_CHANGED,
	    21 * SEC);
}

static void
sla_event(struct ah *h, const char *c, int body, int64_t at)
{
	Cdp__V1__ComplaintEvent		ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaWarning		w = CDP__V1__SLA_WARNING__INIT;
	Cdp__V1__SlaBreached		b = CDP__V1__SLA_BREACHED__INIT;
	Cdp__V1__SlaClockChange		s = CDP__V1__SLA_CLOCK_CHANGE__INIT;
	Cdp__V1__CompensationIssued	ci = CDP__V1__COMPENSATION_ISSUED__INIT;
	Cdp__V1__Escalation		e = CDP__V1__ESCALATION__INIT;

	w.clock = b.clock = s.clock = CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT;
	s.result = CDP__V1__SLA_RESULT__SLA_RESULT_MET;
	ci.amount_fen = 500;
	ev.body_case = body;
	ev.sla_warning = &w;
	if (body == BODY(SLA_BREACHED))
		ev.sla_breached = &b;
	else if (body == BODY(SLA_CLOCK_STOPPED))
		ev.sla_clock_stopped = &s;
	else if (body == BODY(COMPENSATION_ISSUED))
		ev.compensation_issued = &ci;
	else if (body == BODY(ESCALATED))
		ev.escalated = &e;
	send_event(h, &ev, c, "M1", at);
}

/* C2 and C4. */
void
ah_feed_second(struct ah *h)
{
	Cdp__V1__ComplaintEvent		ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ProactiveOpened	po = CDP__V1__PROACTIVE_OPENED__INIT;
	Cdp__V1__ProactiveOrderFacts	facts = CDP__V1__PROACTIVE_ORDER_FACTS__INIT;
	Cdp__V1__Filed			fi = CDP__V1__FILED__INIT;

	filed(h, "C2", CDP__V1__CHANNEL__CHANNEL_WEB, "M1", "S2", 3 * SEC);
	classified(h, "C2", CDP__V1__CATEGORY__CATEGORY_LOGISTICS,
	    CDP__V1__SEVERITY__SEVERITY_HIGH,
	    CDP__V1__TEAM__TEAM_LOGISTICS_COORDINATION, "late", 4 * SEC);
	sla_event(h, "C2", BODY(SLA_WARNING), 5 * SEC);
	sla_event(h, "C2", BODY(SLA_BREACHED), 6 * SEC);
	sla_event(h, "C2", BODY(COMPENSATION_ISSUED), 7 * SEC);
	sla_event(h, "C2", BODY(ESCALATED), 8 * SEC);
	facts.carrier = "SF";
	fi.channel = CDP__V1__CHANNEL__CHANNEL_SYSTEM;
	po.facts = &facts;
	po.filed = &fi;
	ev.body_case = BODY(PROACTIVE_OPENED);
	ev.proactive_opened = &po;
	send_event(h, &ev, "C4", "M1", 9 * SEC);
	classified(h, "C4", CDP__V1__CATEGORY__CATEGORY_LOGISTICS,
	    CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__TEAM__TEAM_LOGISTICS_COORDINATION, "late", 10 * SEC);
	action(h, "C4", A(FIRST_CONTACT), 0, 0, 12 * SEC);
	sla_event(h, "C4", BODY(SLA_CLOCK_STOPPED), 12 * SEC);
}

void
ah_feed_closer(struct ah *h)
{
	filed(h, "C5", CDP__V1__CHANNEL__CHANNEL_HOTLINE, "M3", "S5",
	    180 * SEC);
}

json_t *
ah_summary(struct ah *h, const char *window)
{
	struct testhttp_response	 r;
	char				*path;
	json_t				*j;

	path = xasprintf("/v1/analytics/summary?window=%s", window);
	assert_int_equal(testhttp_request(h->port, "GET", path, NULL, NULL,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(r.json);
	j = json_incref(r.json);
	testhttp_free(&r);
	free(path);
	return j;
}

/* Waits until the totals have folded in want events. */
bool
ah_wait_events(struct ah *h, long long want, int timeout_ms)
{
	int64_t		 deadline = meta_now_ms() + timeout_ms;
	long long	 n = -1;
	json_t		*j;

	while (meta_now_ms() < deadline) {
		j = ah_summary(h, "1m");
		n = json_integer_value(json_object_get(json_object_get(j,
		    "totals"), "events"));
		json_decref(j);
		if (n == want)
			return true;
		usleep(200000);
	}
	fprintf(stderr, "ah_wait_events: %lld folded, want %lld\n", n, want);
	return false;
}

/* The last snapshot keyed key; its event id into event_id (37 bytes). */
Cdp__V1__AnalyticsSnapshot *
ah_wait_snapshot(struct ah *h, const char *key, char *event_id,
    int timeout_ms)
{
	struct testenv_record		*recs;
	Cdp__V1__AnalyticsSnapshot	*s = NULL;
	int64_t				 deadline = meta_now_ms() + timeout_ms;
	size_t				 n;

	while (s == NULL && meta_now_ms() < deadline) {
		n = testenv_read_key(h->snapshots, key, 5000, &recs);
		if (n > 0)
			s = cdp__v1__analytics_snapshot__unpack(NULL,
			    recs[n - 1].len, recs[n - 1].payload);
		testenv_records_free(recs, n);
		if (s == NULL)
			usleep(300000);
	}
	assert_non_null(s);
	assert_non_null(s->meta);
	snprintf(event_id, META_ID_LEN + 1, "%s", s->meta->event_id);
	return s;
}

void
ah_free(struct ah *h)
{
	free(h->complaints);
	free(h->merchants);
	free(h->snapshots);
	free(h->group);
	free(h->prefix);
}

/* "<prefix>-<c>"; the caller frees it. */
char *
ah_id(struct ah *h, const char *c)
{
	return xasprintf("%s-%s", h->prefix, c);
}

/*
 * Fails unless every member of want is in got with the same value (a
 * number compared as a number), recursively through objects; arrays and
 * other values must be equal.
 */
void
ah_expect_subset(json_t *want, json_t *got, const char *path)
{
	const char	*k;
	json_t		*v;
	char		*sub, *a, *b;

	if (json_is_object(want) && json_is_object(got)) {
		json_object_foreach(want, k, v) {
			sub = xasprintf("%s.%s", path, k);
			ah_expect_subset(v, json_object_get(got, k), sub);
			free(sub);
		}
		return;
	}
	if (json_is_number(want) && json_is_number(got) &&
	    json_number_value(want) == json_number_value(got))
		return;
	if (got != NULL && json_equal(want, got))
		return;
	a = json_dumps(want, JSON_ENCODE_ANY);
	b = got != NULL ? json_dumps(got, JSON_ENCODE_ANY) : xstrdup("absent");
	fail_msg("%s: want %s, got %s", path, a, b);
}

static void
check_counts(const Cdp__V1__AnalyticsSnapshot *s)
{
	assert_int_equal(s->n_by_channel, 3);
	assert_int_equal(s->by_channel[0]->channel, CDP__V1__CHANNEL__CHANNEL_APP);
	assert_int_equal(s->by_channel[0]->count, 2);
	assert_int_equal(s->by_channel[1]->channel, CDP__V1__CHANNEL__CHANNEL_WEB);
	assert_int_equal(s->by_channel[1]->count, 1);
	assert_int_equal(s->by_channel[2]->channel,
	    CDP__V1__CHANNEL__CHANNEL_SYSTEM);
	assert_int_equal(s->by_channel[2]->count, 1);
	assert_int_equal(s->n_by_category, 2);
	assert_int_equal(s->by_category[0]->count, 1);	/* product */
	assert_int_equal(s->by_category[1]->count, 2);	/* logistics */
	assert_int_equal(s->n_by_severity, 2);
	assert_int_equal(s->by_severity[0]->severity,
	    CDP__V1__SEVERITY__SEVERITY_HIGH);
	assert_int_equal(s->by_severity[0]->count, 1);
	assert_int_equal(s->by_severity[1]->count, 2);	/* normal */
	assert_int_equal(s->n_by_team, 2);
	assert_int_equal(s->by_team[0]->team,
	    CDP__V1__TEAM__TEAM_CUSTOMER_SERVICE);
	assert_int_equal(s->by_team[0]->count, 1);
	assert_int_equal(s->by_team[1]->count, 2);
}

/*
 * A percentile from the histogram: within its relative error bound (1%,
 * services/analytics/analytics.h HIST_ALPHA) of the exact value, plus
 * the rounding to whole ms.
 */
void
ah_expect_near(int64_t got, int64_t exact)
{
	if (llabs(got - exact) > exact / 100 + 1)
		fail_msg("percentile %lld, exact %lld: beyond 1%%",
		    (long long)got, (long long)exact);
}

static void
check_duration(const Cdp__V1__DurationStats *d, uint64_t n, int64_t p50,
    int64_t p90)
{
	assert_non_null(d);
	assert_int_equal(d->count, n);
	ah_expect_near(d->p50_ms, p50);
	ah_expect_near(d->p90_ms, p90);
	ah_expect_near(d->p99_ms, p90);
	assert_int_equal(d->max_ms, p90);	/* kept exactly */
}

static void
check_sla(const Cdp__V1__AnalyticsSnapshot *s)
{
	assert_int_equal(s->n_sla_compliance, 1);
	assert_int_equal(s->sla_compliance[0]->clock,
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT);
	assert_int_equal(s->sla_compliance[0]->met, 1);
	assert_int_equal(s->sla_compliance[0]->breached, 1);
	assert_int_equal(s->sla_compliance[0]->warnings, 1);
	assert_int_equal(s->n_sla_by_severity, 2);
	assert_int_equal(s->sla_by_severity[0]->severity,
	    CDP__V1__SEVERITY__SEVERITY_HIGH);
	assert_int_equal(s->sla_by_severity[0]->breached, 1);
	assert_int_equal(s->sla_by_severity[0]->warnings, 1);
	assert_int_equal(s->sla_by_severity[1]->met, 1);
	assert_int_equal(s->ordinary_answered, 2);
	assert_int_equal(s->ordinary_answered_within_24h, 2);
}

static void
check_hot(const Cdp__V1__AnalyticsSnapshot *s)
{
	static const struct {
		const char	*merchant, *sku, *carrier;
		int		 category;
		uint64_t	 count;
	} want[] = {
		{ "M1", "", "", 0, 3 }, { "M2", "", "", 0, 1 },
		{ "", "S1", "", 0, 1 }, { "", "S2", "", 0, 1 },
		{ "", "S3", "", 0, 1 },
		{ "", "", "", CDP__V1__CATEGORY__CATEGORY_LOGISTICS, 2 },
		{ "", "", "", CDP__V1__CATEGORY__CATEGORY_PRODUCT, 1 },
		{ "", "", "SF", 0, 1 },
	};
	size_t	i;

	assert_int_equal(s->n_hot_spots, nitems(want));
	for (i = 0; i < s->n_hot_spots; i++) {
		assert_string_equal(s->hot_spots[i]->merchant_id,
		    want[i].merchant);
		assert_string_equal(s->hot_spots[i]->sku, want[i].sku);
		assert_string_equal(s->hot_spots[i]->carrier, want[i].carrier);
		assert_int_equal(s->hot_spots[i]->category, want[i].category);
		assert_int_equal(s->hot_spots[i]->count, want[i].count);
		assert_int_equal(s->hot_spots[i]->error, 0);
		assert_false(s->hot_spots[i]->spike);
	}
}

/* The final snapshot of minute 0, figure by figure. */
void
ah_check_minute0(const Cdp__V1__AnalyticsSnapshot *s)
{
	assert_string_equal(s->window, "1m");
	assert_true(s->final);
	assert_int_equal(s->window_start_ms, AH_T0);
	assert_int_equal(s->window_end_ms, AH_T0 + 60000);
	assert_int_equal(s->meta->occurred_at_ms, AH_T0 + 60000);
	assert_string_equal(s->meta->producer, "analytics");
	assert_int_equal(s->events, AH_EVENTS);
	assert_int_equal(s->filed, 4);
	assert_int_equal(s->proactive_opened, 1);
	assert_int_equal(s->out_of_scope, 1);
	assert_int_equal(s->closed, 1);
	check_counts(s);
	check_duration(s->first_contact_time, 2, 3000, 9000);
	check_duration(s->decision_time, 1, 19000, 19000);
	check_duration(s->resolution_time, 1, 29000, 29000);
	check_duration(s->close_time, 1, 39000, 39000);
	check_sla(s);
	assert_int_equal(s->compensations_issued, 1);
	assert_int_equal(s->compensation_total_fen, 500);
	assert_int_equal(s->escalations, 1);
	assert_int_equal(s->penalties_applied, 1);
	assert_int_equal(s->penalty_points, 2);
	assert_int_equal(s->standing_changes, 1);
	assert_int_equal(s->satisfaction_count, 1);
	assert_int_equal(s->satisfaction_sum, 5);
	assert_int_equal(s->n_satisfaction_distribution, 5);
	assert_int_equal(s->satisfaction_distribution[4], 1);
	assert_int_equal(s->n_satisfaction_by_team, 1);
	assert_int_equal(s->satisfaction_by_team[0]->sum, 5);
	check_hot(s);
	assert_int_equal(s->n_by_subcategory, 2);
	assert_string_equal(s->by_subcategory[0]->subcategory, "late");
	assert_int_equal(s->by_subcategory[0]->count, 2);
	assert_string_equal(s->by_subcategory[1]->subcategory, "counterfeit");
	assert_int_equal(s->by_subcategory[1]->count, 1);
	assert_int_equal(s->sampled_for_audit, 1);
}

/* GET /v1/analytics/summary?window=1m once the closer is folded in. */
void
ah_check_summary(json_t *j)
{
	json_t	*want, *fc;

	want = json_pack("{s:s, s:I, s:I, s:{s:I, s:b, s:I,"
	    " s:{s:I, s:I, s:I, s:f, s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I},"
	    "    s:{s:I, s:I}, s:{s:I, s:I}},"
	    " s:{s:{s:I, s:I}, s:{s:I, s:I}},"
	    " s:{s:{s:{s:I, s:I, s:I, s:f}},"
	    "    s:{s:I, s:I, s:f, s:f, s:b}},"
	    " s:{s:I, s:I}, s:I, s:I, s:I, s:I,"
	    " s:{s:I, s:f, s:[IIIII], s:{s:{s:I, s:f}}},"
	    " s:{s:[{s:s, s:I, s:I}, {s:s, s:I, s:I}], s:[{s:s, s:I, s:I}]}},"
	    " s:{s:I, s:b, s:{s:I}},"
	    " s:{s:{s:I, s:I}},"
	    " s:{s:I, s:{s:I, s:I}, s:{s:I, s:I}}}",
	    "window", "1m", "watermark_ms", (json_int_t)(AH_T0 + 180000),
	    "late_events", (json_int_t)0,
	    "previous", "start_ms", (json_int_t)AH_T0, "final", 1,
	    "events", (json_int_t)AH_EVENTS,
	    "volume", "filed", (json_int_t)4, "customer_filed", (json_int_t)3,
	    "out_of_scope", (json_int_t)1, "out_of_scope_share", 0.25,
	    "closed", (json_int_t)1,
	    "by_channel", "app", (json_int_t)2, "web", (json_int_t)1,
	    "system", (json_int_t)1,
	    "by_category", "product", (json_int_t)1, "logistics",
	    (json_int_t)2,
	    "by_severity", "high", (json_int_t)1, "normal", (json_int_t)2,
	    "by_team", "customer_service", (json_int_t)1,
	    "logistics_coordination", (json_int_t)2,
	    "handling_ms", "first_contact", "count", (json_int_t)2,
	    "max", (json_int_t)9000,
	    "close", "count", (json_int_t)1, "max", (json_int_t)39000,
	    "sla", "by_clock", "first_contact", "met", (json_int_t)1,
	    "breached", (json_int_t)1, "warnings", (json_int_t)1,
	    "share_met", 0.5,
	    "ordinary_answered_24h", "answered", (json_int_t)2,
	    "within_24h", (json_int_t)2, "share", 1.0, "target", 0.95,
	    "target_met", 1,
	    "compensation", "count", (json_int_t)1, "total_fen",
	    (json_int_t)500,
	    "escalations", (json_int_t)1, "penalties", (json_int_t)1,
	    "standing_changes", (json_int_t)1,
	    "sampled_for_audit", (json_int_t)1,
	    "satisfaction", "count", (json_int_t)1, "mean", 5.0,
	    "distribution", (json_int_t)0, (json_int_t)0, (json_int_t)0,
	    (json_int_t)0, (json_int_t)1,
	    "by_team", "customer_service", "count", (json_int_t)1, "mean", 5.0,
	    "hot_spots", "merchant", "key", "M1", "count", (json_int_t)3,
	    "error", (json_int_t)0, "key", "M2", "count", (json_int_t)1,
	    "error", (json_int_t)0,
	    "carrier", "key", "SF", "count", (json_int_t)1, "error",
	    (json_int_t)0,
	    "current", "start_ms", (json_int_t)(AH_T0 + 180000), "final", 0,
	    "volume", "filed", (json_int_t)1,
	    "totals", "volume", "filed", (json_int_t)5, "proactive",
	    (json_int_t)1,
	    "backlog", "open", (json_int_t)3, "by_status", "classified",
	    (json_int_t)2, "received", (json_int_t)1,
	    "by_age", "under_1h", (json_int_t)3, "older", (json_int_t)0);
	assert_non_null(want);
	ah_expect_subset(want, j, "summary");
	json_decref(want);
	fc = json_object_get(json_object_get(json_object_get(j, "previous"),
	    "handling_ms"), "first_contact");
	ah_expect_near(json_integer_value(json_object_get(fc, "p50")), 3000);
	ah_expect_near(json_integer_value(json_object_get(fc, "p90")), 9000);
	ah_expect_near(json_integer_value(json_object_get(fc, "p99")), 9000);
}

/*
 * Waits until /metrics has every line of want (the gauges are refreshed
 * on the daemon's tick).
 */
bool
ah_wait_metrics(struct ah *h, const char *const *want, int timeout_ms)
{
	struct testhttp_response	r;
	int64_t				deadline = meta_now_ms() + timeout_ms;
	size_t				i;
	bool				ok = false;

	while (!ok && meta_now_ms() < deadline) {
		if (testhttp_request(h->admin_port, "GET", "/metrics", NULL,
		    NULL, &r) != 0) {
			usleep(200000);
			continue;
		}
		for (ok = true, i = 0; ok && want[i] != NULL; i++)
			if (strstr(r.body, want[i]) == NULL) {
				ok = false;
				if (meta_now_ms() + 300 >= deadline)
					fprintf(stderr, "no metric %s\n",
					    want[i]);
			}
		testhttp_free(&r);
		if (!ok)
			usleep(200000);
	}
	return ok;
}
