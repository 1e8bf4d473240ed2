/*
 * penalty through its real inputs and outputs, with the seconds-scale
 * rules file (config/penalty-rules-fast.conf): breaches and decisions into
 * complaints.events, appeals into merchants.events; penalties, standing
 * changes, reversals, lifted restrictions and the merchant's view out of
 * them. One merchant climbs from a warning to expulsion, a replayed breach
 * adds nothing, an upheld appeal brings it back down a level, the
 * restriction of that level lifts by itself at its end time, nonsense is
 * skipped and garbage dead-lettered, a Redis emptied while the daemon is
 * down is rebuilt from merchants.events to the very same ledger, and
 * points leave the window by themselves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "meta.h"
#include "nitems.h"
#include "pb.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

#define MBODY(x)	CDP__V1__MERCHANT_EVENT__BODY_##x
#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define STANDING(x)	CDP__V1__STANDING__STANDING_##x
#define WAIT_MS		60000
#define EVENTS_MAX	64

struct daemon {
	pid_t	pid;
	int	port;
};

/* One complaint event, kept to be produced again as a replay. */
struct sent {
	uint8_t	*buf;
	size_t	 len;
	char	 complaint[64];
};

static char	*merchant;
static int64_t	 backdate_ms;	/* complaint events happened this long ago */

static Cdp__V1__MerchantState	*latest_state(void);

/* Starts penalty with a rules file (NULL: the shipped fast one). */
static void
start_with(struct daemon *d, const char *rules_file)
{
	const char	*root = getenv("CDP_SOURCE_DIR");
	char		*listen, *admin, *rules;

	d->port = testproc_free_port();	/* admin: /readyz, /metrics */
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", d->port);
	if (rules_file != NULL)
		rules = xasprintf("PENALTY_RULES_FILE=%s", rules_file);
	else
		rules = xasprintf("PENALTY_RULES_FILE=%s/config/"
		    "penalty-rules-fast.conf", root != NULL ? root : ".");
	{
		const char *env[] = { listen, admin, rules, "LOG_LEVEL=warn",
		    "INSTANCE_ID=penalty-test", NULL };

		d->pid = testproc_spawn("penalty", env);
	}
	assert_true(testproc_wait_http(d->port, "/readyz", 200, WAIT_MS));
	free(listen);
	free(admin);
	free(rules);
}

static void
start(struct daemon *d)
{
	start_with(d, NULL);
}

static void
stop(struct daemon *d)
{
	testproc_keep_metrics("penalty", d->port);	/* secrets scan */
	assert_int_equal(testproc_stop(d->pid, 15000), 0);
}

/* Produces a complaint event of the merchant; s keeps its bytes. */
static void
send_complaint(Cdp__V1__ComplaintEvent *ev, const char *producer,
    struct sent *s)
{
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;
	char			*id = testenv_unique("C");

	meta_fill(&meta, &ids, producer, NULL, NULL);
	meta.occurred_at_ms -= backdate_ms;
	ev->meta = &meta;
	ev->complaint_id = id;
	ev->merchant_id = merchant;
	snprintf(s->complaint, sizeof(s->complaint), "%s", id);
	s->buf = pb_pack(&ev->base, &s->len);
	testenv_produce("complaints.events", id, s->buf, s->len);
	free(id);
}

static void
breach(Cdp__V1__SlaClock clock, struct sent *s)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaBreached	b = CDP__V1__SLA_BREACHED__INIT;

	b.clock = clock;
	b.cycle = 1;
	b.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED;
	ev.sla_breached = &b;
	send_complaint(&ev, "sla-timer", s);
}

static void
decided(const char *rule, struct sent *s)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ActionRecorded	a = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Resolution	res = CDP__V1__RESOLUTION__INIT;

	res.outcome = CDP__V1__OUTCOME__OUTCOME_REFUND_WITH_RETURN;
	res.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	res.rule_cited = (char *)rule;
	a.action = CDP__V1__ACTION__ACTION_DECIDED;
	a.detail_case = CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION;
	a.resolution = &res;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED;
	ev.action_recorded = &a;
	send_complaint(&ev, "intake", s);
}

static void
send_merchant(Cdp__V1__MerchantEvent *ev)
{
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "intake", NULL, NULL);
	ev->meta = &meta;
	ev->merchant_id = merchant;
	buf = pb_pack(&ev->base, &len);
	testenv_produce("merchants.events", merchant, buf, len);
	free(buf);
}

static void
appeal(const char *appeal_id, const char *penalty_id)
{
	Cdp__V1__MerchantEvent	ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__AppealFiled	a = CDP__V1__APPEAL_FILED__INIT;
	Cdp__V1__Actor		who = CDP__V1__ACTOR__INIT;

	who.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT;
	who.actor_id = merchant;
	a.appeal_id = (char *)appeal_id;
	a.appellant = &who;
	a.subject = CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
	a.penalty_id = (char *)penalty_id;
	a.complaint_id = "C-appealed";
	a.text = "发票证明商品为正品";
	ev.body_case = MBODY(APPEAL_FILED);
	ev.appeal_filed = &a;
	send_merchant(&ev);
}

static void
decide(const char *appeal_id, const char *penalty_id, bool overturned)
{
	Cdp__V1__MerchantEvent	ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__AppealDecided	d = CDP__V1__APPEAL_DECIDED__INIT;

	d.appeal_id = (char *)appeal_id;
	d.verdict = overturned ?
	    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_OVERTURNED :
	    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_ORIGINAL_UPHELD;
	d.reviewer_id = "S7";
	d.reason = "new evidence: the invoice";
	d.subject = CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
	d.penalty_id = (char *)penalty_id;
	d.complaint_id = "C-appealed";
	ev.body_case = MBODY(APPEAL_DECIDED);
	ev.appeal_decided = &d;
	send_merchant(&ev);
}

/* The merchant's events of one body case on merchants.events, in order. */
static size_t
events(int body, Cdp__V1__MerchantEvent **out)
{
	struct testenv_record	*recs;
	Cdp__V1__MerchantEvent	*ev;
	size_t			 n, i, found = 0;

	n = testenv_read_key("merchants.events", merchant, 15000, &recs);
	for (i = 0; i < n; i++) {
		ev = cdp__v1__merchant_event__unpack(NULL, recs[i].len,
		    recs[i].payload);
		if (ev != NULL && (int)ev->body_case == body &&
		    found < EVENTS_MAX)
			out[found++] = ev;
		else if (ev != NULL)
			cdp__v1__merchant_event__free_unpacked(ev, NULL);
	}
	testenv_records_free(recs, n);
	return found;
}

static void
events_free(Cdp__V1__MerchantEvent **evs, size_t n)
{
	while (n > 0)
		cdp__v1__merchant_event__free_unpacked(evs[--n], NULL);
}

/* Waits until the merchant has at least want events of a body case. */
static size_t
wait_events(int body, size_t want, Cdp__V1__MerchantEvent **out)
{
	int64_t	deadline = meta_now_ms() + WAIT_MS;
	size_t	n;

	for (;;) {
		n = events(body, out);
		if (n >= want || meta_now_ms() > deadline)
			return n;
		events_free(out, n);
		usleep(200 * 1000);
	}
}

/* How many different event ids the merchant's events of a body have. */
static size_t
distinct(int body)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	size_t			 n = events(body, evs), i, j, d = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(evs[i]->meta->event_id,
			    evs[j]->meta->event_id) == 0)
				break;
		d += j == i;
	}
	events_free(evs, n);
	return d;
}

/* The level changes of the merchant, in order, joined by spaces. */
static void
level_changes(char *buf, size_t size)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	size_t			 n = events(MBODY(STANDING_CHANGED), evs), i;
	size_t			 off = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		Cdp__V1__StandingChanged *sc = evs[i]->standing_changed;

		if (strcmp(sc->old_level, sc->new_level) != 0 && off < size)
			off += snprintf(buf + off, size - off, "%s%s",
			    off ? " " : "", sc->new_level);
	}
	events_free(evs, n);
}

/*
 * Waits until the merchant's latest standing change is the lift of the
 * suspension: level kept, warned, no restrictions left.
 */
static bool
wait_lifted_standing(void)
{
	Cdp__V1__MerchantEvent		*evs[EVENTS_MAX];
	Cdp__V1__StandingChanged	*sc;
	int64_t				 deadline = meta_now_ms() + WAIT_MS;
	size_t				 n;
	bool				 ok = false;

	while (!ok && meta_now_ms() < deadline) {
		n = events(MBODY(STANDING_CHANGED), evs);
		sc = n > 0 ? evs[n - 1]->standing_changed : NULL;
		ok = sc != NULL && strcmp(sc->reason, "restrictions_lifted") ==
		    0 && strcmp(sc->new_level, "suspended") == 0 &&
		    sc->new_standing == STANDING(WARNED) &&
		    sc->n_restrictions == 0;
		events_free(evs, n);
		if (!ok)
			usleep(200 * 1000);
	}
	return ok;
}

/* The merchant's latest view on merchants.state, or NULL. */
static Cdp__V1__MerchantState *
latest_state(void)
{
	struct testenv_record	*recs;
	Cdp__V1__MerchantState	*s = NULL;
	size_t			 n;

	n = testenv_read_key("merchants.state", merchant, 15000, &recs);
	if (n > 0)
		s = cdp__v1__merchant_state__unpack(NULL, recs[n - 1].len,
		    recs[n - 1].payload);
	testenv_records_free(recs, n);
	return s;
}

/* Waits until the merchant's latest view has these points and level. */
static bool
wait_state(unsigned points, const char *level)
{
	Cdp__V1__MerchantState	*ms;
	int64_t			 deadline = meta_now_ms() + WAIT_MS;
	bool			 ok = false;

	while (!ok && meta_now_ms() < deadline) {
		if ((ms = latest_state()) != NULL) {
			ok = ms->points_total == points &&
			    strcmp(ms->level, level) == 0;
			cdp__v1__merchant_state__free_unpacked(ms, NULL);
		}
		if (!ok)
			usleep(200 * 1000);
	}
	return ok;
}

/* The merchant's records on a topic: how many, and the last one's bytes. */
static size_t
records(const char *topic, void **last, size_t *last_len)
{
	struct testenv_record	*recs;
	size_t			 n;

	n = testenv_read_key(topic, merchant, 15000, &recs);
	if (last != NULL) {
		*last = NULL;
		*last_len = 0;
		if (n > 0) {
			*last = xmalloc(recs[n - 1].len + 1);
			memcpy(*last, recs[n - 1].payload, recs[n - 1].len);
			*last_len = recs[n - 1].len;
		}
	}
	testenv_records_free(recs, n);
	return n;
}

/*
 * Deletes every penalty key of the test Redis (every entry, when it is
 * sharded), as if it had lost them.
 */
static void
redis_forget_penalty(void)
{
	assert_true(testenv_redis_delete("pen:*") > 0);
}

/* The value of one series on the daemon's /metrics, or -1. */
static double
metric(struct daemon *d, const char *series)
{
	struct testhttp_response	 r;
	const char			*at;
	double				 v = -1;

	assert_int_equal(testhttp_request(d->port, "GET", "/metrics", NULL,
	    NULL, &r), 0);
	if ((at = strstr(r.body, series)) != NULL)
		v = strtod(at + strlen(series), NULL);
	testhttp_free(&r);
	return v;
}

/* The violations of the story, their points and the total after each. */
static const struct {
	int		 clock;		/* or 0: a decision */
	const char	*rule;
	unsigned	 points, total;
	bool		 repeat;
} story[] = {
	{ CLK(MERCHANT_RESPONSE), NULL, 2, 2, false },		/* warning */
	{ CLK(EXECUTION), NULL, 6, 8, false },
	{ 0, "return.unjustified_rejection", 4, 12, false },	/* restricted */
	{ 0, "false_advertising", 4, 16, false },
	{ CLK(EXECUTION), NULL, 12, 28, true },			/* further */
	{ 0, "counterfeit", 12, 40, false },			/* suspended */
	{ CLK(MERCHANT_RESPONSE), NULL, 4, 44, true },
	{ 0, "return.unjustified_rejection", 8, 52, true },	/* expelled */
};
#define NSTORY	(nitems(story))

static struct sent	sent[NSTORY];
static char		 last_penalty[64];

/* Each violation is applied, in order, with its points and total. */
static void
climb(void)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	Cdp__V1__PenaltyApplied	*pa;
	size_t			 i, n;

	for (i = 0; i < NSTORY; i++) {
		if (story[i].clock != 0)
			breach(story[i].clock, &sent[i]);
		else
			decided(story[i].rule, &sent[i]);
		n = wait_events(MBODY(PENALTY_APPLIED), i + 1, evs);
		assert_int_equal(n, i + 1);
		pa = evs[i]->penalty_applied;
		assert_int_equal(pa->points, story[i].points);
		assert_int_equal(pa->points_total, story[i].total);
		assert_string_equal(pa->complaint_id, sent[i].complaint);
		assert_int_equal(pa->repeat, story[i].repeat);
		snprintf(last_penalty, sizeof(last_penalty), "%s",
		    pa->penalty_id);
		events_free(evs, n);
	}
}

static void
test_climb_replay_appeal_lift(void **state)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	Cdp__V1__MerchantState	*ms;
	struct daemon		 d;
	char			 levels[256];
	int64_t			 until, seen;
	size_t			 n;

	merchant = testenv_unique("M");
	start(&d);
	climb();
	level_changes(levels, sizeof(levels));
	assert_string_equal(levels, "warning restricted restricted_further "
	    "suspended expelled");

	/* The fifth breach again, byte for byte: recorded again, no points. */
	testenv_produce("complaints.events", sent[4].complaint, sent[4].buf,
	    sent[4].len);
	n = wait_events(MBODY(VIOLATION_RECORDED), NSTORY + 1, evs);
	assert_int_equal(n, NSTORY + 1);
	assert_string_equal(evs[NSTORY]->meta->event_id,
	    evs[4]->meta->event_id);
	events_free(evs, n);

	/* The last penalty appealed and overturned: back to suspended. */
	appeal("AP1", last_penalty);
	decide("AP1", last_penalty, true);
	n = wait_events(MBODY(PENALTY_REVERSED), 1, evs);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0]->penalty_reversed->penalty_id,
	    last_penalty);
	assert_string_equal(evs[0]->penalty_reversed->appeal_id, "AP1");
	assert_int_equal(evs[0]->penalty_reversed->points_restored, 8);
	events_free(evs, n);
	assert_int_equal(distinct(MBODY(PENALTY_APPLIED)), NSTORY);
	n = events(MBODY(PENALTY_APPLIED), evs);
	assert_int_equal(n, NSTORY);	/* the replay added nothing */
	events_free(evs, n);
	n = events(MBODY(STANDING_CHANGED), evs);
	{
		Cdp__V1__StandingChanged *sc = evs[n - 1]->standing_changed;

		assert_string_equal(sc->old_level, "expelled");
		assert_string_equal(sc->new_level, "suspended");
		assert_int_equal(sc->old_standing, STANDING(EXPELLED));
		assert_int_equal(sc->new_standing, STANDING(RESTRICTED));
		assert_int_equal(sc->points_total, 44);
		assert_string_equal(sc->reason, "penalty_reversed");
		assert_int_equal(sc->n_restrictions, 1);
		assert_string_equal(sc->restrictions[0], "shop_closed");
		until = sc->restricted_until_ms;
		assert_true(until > 0);
	}
	events_free(evs, n);

	/* Its 5-second restriction lifts by itself, not before its end. */
	for (;;) {
		size_t	i, found = 0;

		n = events(MBODY(RESTRICTIONS_LIFTED), evs);
		seen = meta_now_ms();
		for (i = 0; i < n; i++)
			found += evs[i]->restrictions_lifted->
			    restricted_until_ms == until;
		events_free(evs, n);
		if (found > 0)
			break;
		assert_true(seen < until + WAIT_MS);
		usleep(100 * 1000);
	}
	assert_true(seen >= until);
	assert_true(wait_lifted_standing());
	ms = latest_state();
	assert_non_null(ms);
	assert_int_equal(ms->points_total, 44);
	assert_string_equal(ms->level, "suspended");
	assert_int_equal(ms->standing, STANDING(WARNED));
	assert_int_equal(ms->n_active_penalties, NSTORY - 1);
	cdp__v1__merchant_state__free_unpacked(ms, NULL);
	stop(&d);
	for (n = 0; n < NSTORY; n++)
		free(sent[n].buf);
	free(merchant);
}

/*
 * A reversal of a penalty the merchant never had is skipped and counted;
 * bytes that are no event go to dlq.penalty with the reason.
 */
static void
test_nonsense_and_garbage(void **state)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	struct testenv_record	*recs;
	struct daemon		 d;
	struct sent		 s;
	char			*key;
	size_t			 n;
	int64_t			 deadline;

	merchant = testenv_unique("M");
	start(&d);
	decide("AP9", "no-such-penalty", true);
	breach(CLK(MERCHANT_RESPONSE), &s);	/* folded after the decision */
	n = wait_events(MBODY(PENALTY_APPLIED), 1, evs);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->penalty_applied->points_total, 2);
	events_free(evs, n);
	free(s.buf);
	n = events(MBODY(PENALTY_REVERSED), evs);
	assert_int_equal(n, 0);
	assert_true(metric(&d, "penalty_events_skipped_total{reason=\""
	    "unknown_penalty\"} ") >= 1);

	key = testenv_unique("garbage");
	testenv_produce("merchants.events", key, "\xff\xff\xff\xff", 4);
	deadline = meta_now_ms() + WAIT_MS;
	while ((n = testenv_read_key("dlq.penalty", key, 15000, &recs)) == 0 &&
	    meta_now_ms() < deadline) {
		testenv_records_free(recs, n);
		usleep(200 * 1000);
	}
	assert_int_equal(n, 1);
	assert_string_equal(testenv_header(&recs[0], "dlq.reason"),
	    "undecodable MerchantEvent");
	assert_string_equal(testenv_header(&recs[0], "dlq.topic"),
	    "merchants.events");
	testenv_records_free(recs, n);
	free(key);
	stop(&d);
	free(merchant);
}

/*
 * Redis loses the ledgers while the daemon is down: the daemon reads
 * merchants.events from the beginning and folds the same events into the
 * same ledger, announcing the same ids again and, at the end, the very
 * same merchant view, byte for byte.
 */
static void
test_rebuild_from_log(void **state)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	struct daemon		 d;
	struct sent		 s[3];
	void			*before, *after;
	size_t			 n, nstates, len_before, len_after, applied;
	int64_t			 deadline;

	merchant = testenv_unique("M");
	start(&d);
	breach(CLK(MERCHANT_RESPONSE), &s[0]);			/* warning */
	assert_int_equal(wait_events(MBODY(PENALTY_APPLIED), 1, evs), 1);
	events_free(evs, 1);
	decided("counterfeit", &s[1]);				/* restricted */
	decided("false_advertising", &s[2]);
	n = wait_events(MBODY(PENALTY_APPLIED), 3, evs);
	assert_int_equal(n, 3);
	appeal("AP2", evs[1]->penalty_applied->penalty_id);
	decide("AP2", evs[1]->penalty_applied->penalty_id, true);
	events_free(evs, n);
	assert_int_equal(wait_events(MBODY(PENALTY_REVERSED), 1, evs), 1);
	events_free(evs, 1);
	assert_true(wait_state(6, "warning"));	/* the reversal's view */
	nstates = records("merchants.state", &before, &len_before);
	applied = distinct(MBODY(PENALTY_APPLIED));
	assert_int_equal(applied, 3);
	stop(&d);

	redis_forget_penalty();
	start(&d);
	deadline = meta_now_ms() + WAIT_MS;
	while (records("merchants.state", NULL, NULL) < 2 * nstates &&
	    meta_now_ms() < deadline)
		usleep(200 * 1000);
	assert_int_equal(records("merchants.state", &after, &len_after),
	    2 * nstates);
	assert_int_equal(len_after, len_before);
	assert_memory_equal(after, before, len_before);
	n = events(MBODY(PENALTY_APPLIED), evs);
	assert_int_equal(n, 6);		/* announced again... */
	events_free(evs, n);
	assert_int_equal(distinct(MBODY(PENALTY_APPLIED)), 3); /* same ids */
	assert_int_equal(distinct(MBODY(PENALTY_REVERSED)), 1);
	free(before);
	free(after);
	for (n = 0; n < 3; n++)
		free(s[n].buf);
	stop(&d);
	free(merchant);
}

/*
 * Whether the merchant's ledger is in the test Redis; when it is sharded,
 * it must be on the entry of its partition (pen:{m<N>}:m:<merchant>) only.
 */
static bool
ledger_present(void)
{
	char	*pattern = xasprintf("pen:*:m:%s", merchant);
	char	*key = testenv_redis_find(pattern);
	bool	 found = key != NULL;

	free(key);
	free(pattern);
	return found;
}

/*
 * The state emptied under the running daemon: the partition's missing
 * epoch is noticed without a new event, the ledgers are read again from
 * the log, quietly (nothing announced twice), and the next violation
 * counts on top of the old points instead of starting afresh.
 */
static void
test_state_lost_while_running(void **state)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	struct daemon		 d;
	struct sent		 s[3];
	size_t			 n;
	int64_t			 deadline;

	merchant = testenv_unique("M");
	start(&d);
	breach(CLK(MERCHANT_RESPONSE), &s[0]);			/* 2 */
	decided("counterfeit", &s[1]);				/* 12 */
	assert_int_equal(wait_events(MBODY(PENALTY_APPLIED), 2, evs), 2);
	assert_int_equal(evs[1]->penalty_applied->points_total, 14);
	events_free(evs, 2);
	sleep(2);	/* the ledger is saved after its events are confirmed */

	redis_forget_penalty();
	deadline = meta_now_ms() + WAIT_MS;
	while (!ledger_present() && meta_now_ms() < deadline)
		usleep(200 * 1000);
	assert_true(ledger_present());
	assert_true(metric(&d, "\npenalty_state_rebuilds_total ") >= 1);

	decided("false_advertising", &s[2]);			/* 4 */
	n = wait_events(MBODY(PENALTY_APPLIED), 3, evs);
	assert_int_equal(n, 3);
	assert_int_equal(evs[2]->penalty_applied->points_total, 18);
	events_free(evs, n);
	n = events(MBODY(PENALTY_APPLIED), evs);
	assert_int_equal(n, 3);		/* the rebuild announced nothing */
	events_free(evs, n);
	for (n = 0; n < 3; n++)
		free(s[n].buf);
	stop(&d);
	free(merchant);
}

/*
 * Appeals: one filed after the penalty's deadline is skipped and counted;
 * one in time shows in the merchant's view until it is decided; upheld
 * (the appeal rejected), the penalty and its points stand.
 */
static void
test_appeal_deadline_and_upheld(void **state)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	Cdp__V1__MerchantState	*ms = NULL;
	struct daemon		 d;
	struct sent		 s[2];
	char			 old[64], recent[64];
	int64_t			 deadline;
	size_t			 n;

	merchant = testenv_unique("M");
	start(&d);
	backdate_ms = INT64_C(8) * 86400000;	/* beyond the 7-day window */
	breach(CLK(MERCHANT_RESPONSE), &s[0]);
	backdate_ms = 0;
	assert_int_equal(wait_events(MBODY(PENALTY_APPLIED), 1, evs), 1);
	snprintf(old, sizeof(old), "%s", evs[0]->penalty_applied->penalty_id);
	assert_true(evs[0]->penalty_applied->appeal_deadline_ms <
	    meta_now_ms());
	events_free(evs, 1);
	breach(CLK(EXECUTION), &s[1]);
	n = wait_events(MBODY(PENALTY_APPLIED), 2, evs);
	assert_int_equal(n, 2);
	snprintf(recent, sizeof(recent), "%s",
	    evs[1]->penalty_applied->penalty_id);
	events_free(evs, n);

	appeal("AP-late", old);
	appeal("AP-ok", recent);
	deadline = meta_now_ms() + WAIT_MS;
	while (meta_now_ms() < deadline) {
		if ((ms = latest_state()) != NULL && ms->n_open_appeals == 1)
			break;
		if (ms != NULL)
			cdp__v1__merchant_state__free_unpacked(ms, NULL);
		ms = NULL;
		usleep(200 * 1000);
	}
	assert_non_null(ms);
	assert_string_equal(ms->open_appeals[0]->appeal_id, "AP-ok");
	assert_string_equal(ms->open_appeals[0]->penalty_id, recent);
	cdp__v1__merchant_state__free_unpacked(ms, NULL);
	assert_true(metric(&d, "penalty_events_skipped_total{reason=\""
	    "appeal_too_late\"} ") >= 1);

	decide("AP-ok", recent, false);
	deadline = meta_now_ms() + WAIT_MS;
	while (meta_now_ms() < deadline) {
		if ((ms = latest_state()) != NULL && ms->n_open_appeals == 0)
			break;
		if (ms != NULL)
			cdp__v1__merchant_state__free_unpacked(ms, NULL);
		ms = NULL;
		usleep(200 * 1000);
	}
	assert_non_null(ms);
	assert_int_equal(ms->points_total, 8);
	assert_int_equal(ms->n_active_penalties, 2);
	cdp__v1__merchant_state__free_unpacked(ms, NULL);
	n = events(MBODY(PENALTY_REVERSED), evs);
	assert_int_equal(n, 0);
	free(s[0].buf);
	free(s[1].buf);
	stop(&d);
	free(merchant);
}

/* Rules whose points count for 6 seconds, for watching them age out. */
static const char ageing_rules[] =
    "[penalty]\nwindow = 6s\nrepeat_window = 3s\nrepeat_factor = 2\n"
    "appeal_window = 7d\n"
    "[violation counterfeit_upheld]\npoints = 12\ndecision = counterfeit\n"
    "[level warning]\npoints = 1\nstanding = warned\n"
    "[level restricted]\npoints = 12\nstanding = restricted\n"
    "restrictions = no_new_listings\nduration = 2s\n";

/*
 * Points leave the window by themselves: the timer announces
 * PointsExpired at the violation's time plus the window, and the merchant
 * falls back to good standing without any other event.
 */
static void
test_points_age_out(void **state)
{
	Cdp__V1__MerchantEvent	*evs[EVENTS_MAX];
	struct daemon		 d;
	struct sent		 s;
	char			 path[128];
	int64_t			 committed_at, expired_at, seen;
	FILE			*f;
	size_t			 n;

	snprintf(path, sizeof(path), "/tmp/cdp-penalty-ageing.%d.conf",
	    (int)getpid());
	assert_non_null(f = fopen(path, "w"));
	fputs(ageing_rules, f);
	fclose(f);
	merchant = testenv_unique("M");
	start_with(&d, path);
	decided("counterfeit", &s);
	n = wait_events(MBODY(VIOLATION_RECORDED), 1, evs);
	assert_int_equal(n, 1);
	committed_at = evs[0]->violation_recorded->committed_at_ms;
	events_free(evs, n);
	n = wait_events(MBODY(POINTS_EXPIRED), 1, evs);
	assert_int_equal(n, 1);
	seen = meta_now_ms();
	expired_at = evs[0]->points_expired->expired_at_ms;
	events_free(evs, n);
	assert_int_equal(expired_at, committed_at + 6000);
	assert_true(seen >= expired_at);
	assert_true(wait_state(0, ""));
	n = events(MBODY(STANDING_CHANGED), evs);
	assert_true(n >= 2);
	{
		Cdp__V1__StandingChanged *sc = evs[n - 1]->standing_changed;

		assert_string_equal(sc->reason, "points_aged_out");
		assert_string_equal(sc->old_level, "restricted");
		assert_string_equal(sc->new_level, "");
		assert_int_equal(sc->new_standing, STANDING(GOOD));
		assert_int_equal(sc->points_total, 0);
	}
	events_free(evs, n);
	free(s.buf);
	stop(&d);
	unlink(path);
	free(merchant);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_climb_replay_appeal_lift),
		cmocka_unit_test(test_nonsense_and_garbage),
		cmocka_unit_test(test_appeal_deadline_and_upheld),
		cmocka_unit_test(test_rebuild_from_log),
		cmocka_unit_test(test_state_lost_while_running),
		cmocka_unit_test(test_points_age_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
