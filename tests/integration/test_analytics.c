/*
 * analytics through the test Kafka and Redis: a known set of events in,
 * the final snapshot of their minute on the snapshot topic and the JSON
 * summary checked figure by figure; the same figures after a SIGKILL
 * mid-stream and a restart from the Redis checkpoint; the same totals
 * and snapshot ids from a replay of the topics from the beginning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics_harness.h"
#include "cdp/v1/complaint.pb-c.h"
#include "meta.h"
#include "testenv.h"
#include "testhttp.h"
#include "xmalloc.h"

#define WAIT_MS		90000
#define MINUTE0_KEY	"1m:1767225600000:1767225660000"

/* The same figures as gauges on /metrics, once the closer is in. */
static const char *const metrics_want[] = {
	"analytics_complaints_filed{scope=\"total\"} 5\n",
	"analytics_complaints_out_of_scope{scope=\"total\"} 1\n",
	"analytics_complaints_by_category{scope=\"total\",category=\"logistics\"} 2\n",
	"analytics_sla_breached{scope=\"total\",clock=\"first_contact\"} 1\n",
	"analytics_ordinary_answered_24h_ratio{scope=\"total\"} 1\n",
	"analytics_compensation_fen{scope=\"total\"} 500\n",
	"analytics_hot_spot_complaints{scope=\"total\",dimension=\"merchant\",key=\"M1\"} 3\n",
	"analytics_handling_time_seconds{scope=\"total\",stage=\"close\",quantile=\"0.99\"} 39",
	"analytics_backlog_open{scope=\"now\",status=\"classified\"} 2\n",
	"analytics_backlog_by_age{age=\"under_1h\"} 3\n",
	"analytics_complaints_filed{scope=\"1m\"} 1\n",
	NULL,
};

/* Checks the snapshot of minute 0 and returns its event id. */
static void
check_snapshot(struct ah *h, char id[META_ID_LEN + 1])
{
	Cdp__V1__AnalyticsSnapshot	*s;

	s = ah_wait_snapshot(h, MINUTE0_KEY, id, WAIT_MS);
	ah_check_minute0(s);
	cdp__v1__analytics_snapshot__free_unpacked(s, NULL);
}

/* Every SampledForAudit of complaint c, all with one derived id. */
static size_t
audits(struct ah *h, const char *c)
{
	struct testenv_record	*recs;
	Cdp__V1__ComplaintEvent	*ev;
	char			*id = ah_id(h, c), first[META_ID_LEN + 1] = "";
	size_t			 i, n, found = 0;

	n = testenv_read_key(h->complaints, id, 10000, &recs);
	for (i = 0; i < n; i++) {
		ev = cdp__v1__complaint_event__unpack(NULL, recs[i].len,
		    recs[i].payload);
		assert_non_null(ev);
		if (ev->body_case ==
		    CDP__V1__COMPLAINT_EVENT__BODY_SAMPLED_FOR_AUDIT) {
			assert_int_equal(ev->sampled_for_audit->
			    sample_rate_permille, 1000);
			if (found++ == 0)
				snprintf(first, sizeof(first), "%s",
				    ev->meta->event_id);
			assert_string_equal(first, ev->meta->event_id);
		}
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
	}
	testenv_records_free(recs, n);
	free(id);
	return found;
}

static void
test_known_events_exact(void **state)
{
	struct ah	 h;
	json_t		*j;
	char		 id[META_ID_LEN + 1];

	ah_setup(&h, "analytics-exact");
	ah_start(&h);
	ah_feed_first(&h);
	ah_feed_second(&h);
	assert_true(ah_wait_events(&h, AH_EVENTS, WAIT_MS));
	ah_feed_closer(&h);
	check_snapshot(&h, id);
	assert_true(ah_wait_events(&h, AH_EVENTS + 1, WAIT_MS));
	j = ah_summary(&h, "1m");
	ah_check_summary(j);
	json_decref(j);
	assert_true(ah_wait_metrics(&h, metrics_want, WAIT_MS));
	assert_int_equal(audits(&h, "C1"), 1);
	assert_int_equal(audits(&h, "C2"), 0);		/* not closed */
	ah_stop(&h);
	ah_free(&h);
}

/*
 * SIGKILL after the first half was checkpointed and while the second
 * half arrives; the restart resumes from the checkpoint's offsets. Then
 * a new instance with an empty Redis scope replays the topics from the
 * beginning: same totals, same backlog, the same snapshot id.
 */
static void
test_restart_and_replay_same_totals(void **state)
{
	struct ah	 h;
	json_t		*before, *after;
	char		 id1[META_ID_LEN + 1], id2[META_ID_LEN + 1];

	ah_setup(&h, "analytics-restart");
	ah_start(&h);
	ah_feed_first(&h);
	assert_true(ah_wait_events(&h, AH_FIRST, WAIT_MS));
	sleep(3);				/* checkpoints every second */
	ah_feed_second(&h);
	ah_kill(&h);
	ah_start(&h);
	assert_true(ah_wait_events(&h, AH_EVENTS, WAIT_MS));
	ah_feed_closer(&h);
	check_snapshot(&h, id1);
	assert_true(ah_wait_events(&h, AH_EVENTS + 1, WAIT_MS));
	before = ah_summary(&h, "1m");
	ah_check_summary(before);
	ah_stop(&h);

	free(h.group);
	h.group = testenv_unique("analytics-replay");
	ah_start(&h);
	assert_true(ah_wait_events(&h, AH_EVENTS + 1, WAIT_MS));
	after = ah_summary(&h, "1m");
	ah_expect_subset(json_object_get(before, "totals"),
	    json_object_get(after, "totals"), "totals");
	ah_expect_subset(json_object_get(before, "backlog"),
	    json_object_get(after, "backlog"), "backlog");
	check_snapshot(&h, id2);
	assert_string_equal(id1, id2);
	assert_true(audits(&h, "C1") >= 1);	/* one id however many */
	json_decref(before);
	json_decref(after);
	ah_stop(&h);
	ah_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_events_exact),
		cmocka_unit_test(test_restart_and_replay_same_totals),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
