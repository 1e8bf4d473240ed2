/*
 * One deadline (issue 8, item 1): intake's promise at filing, the view,
 * the list summary and the sla-timer's first-contact clock all say the
 * same instant. intake and sla-timer run from the same shipped policy
 * file, against the test Kafka and Redis; the classifier's verdict is
 * produced by the test, so that the severity is known.
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
#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "testenv.h"
#include "testproc.h"
#include "timefmt.h"
#include "xmalloc.h"

#define BODY(x)	CDP__V1__COMPLAINT_EVENT__BODY_##x
#define FIRST_CONTACT	CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT

struct stack {
	pid_t			 sla_pid;
	struct intake_proc	 intake;
	char			 merchant[64];	/* this run's own */
};

static int
stack_up(void **state)
{
	static struct stack	 s;
	char			*listen, *admin;
	int			 port = testproc_free_port();

	memset(&s, 0, sizeof(s));
	snprintf(s.merchant, sizeof(s.merchant), "MFC%d", (int)getpid());
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", port);
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", testproc_free_port());
	{
		const char *env[] = { listen, admin, "INSTANCE_ID=fc-1",
		    "LOG_LEVEL=warn", NULL };

		s.sla_pid = testproc_spawn("sla-timer", env);
	}
	assert_true(testproc_wait_http(port, "/healthz", 200, 60000));
	free(listen);
	free(admin);
	intake_start(&s.intake, "5000");
	*state = &s;
	return 0;
}

static int
stack_down(void **state)
{
	struct stack	*s = *state;

	intake_stop(&s->intake);
	unlink(s->intake.keys_file);
	assert_int_equal(testproc_stop(s->sla_pid, 15000), 0);
	return 0;
}

/* Files a complaint; returns its id and the promise of the 202. */
static char *
file(struct stack *s, char *promise, size_t size)
{
	struct testhttp_response	 r;
	char				*id, *body;

	body = xasprintf("{\"order_id\": \"O-FC-1\", \"merchant_id\": "
	    "\"%s\", \"user\": {\"id\": \"U1\"}, \"description\": "
	    "\"一直没人联系我\", \"demand\": \"explanation\"}", s->merchant);
	intake_call(&s->intake, "POST", "/v1/complaints", "dev-app", NULL,
	    body, &r);
	free(body);
	assert_int_equal(r.status, 202);
	id = xstrdup(json_string_value(json_object_get(r.json,
	    "complaint_id")));
	snprintf(promise, size, "%s", json_string_value(json_object_get(
	    r.json, "first_contact_due")));
	assert_non_null(strstr(json_string_value(json_object_get(r.json,
	    "message")), id));
	testhttp_free(&r);
	return id;
}

/* The classifier's verdict, as the classifier would produce it. */
static void
classify(struct stack *s, const char *id, Cdp__V1__Severity severity)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	cl = CDP__V1__CLASSIFIED__INIT;
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;

	cl.category = CDP__V1__CATEGORY__CATEGORY_SERVICE;
	cl.severity = severity;
	meta_fill(&meta, &ids, "classifier", NULL, NULL);
	ev.meta = &meta;
	ev.complaint_id = (char *)id;
	ev.merchant_id = s->merchant;
	ev.body_case = BODY(CLASSIFIED);
	ev.classified = &cl;
	testenv_produce_event(&ev);
}

/* The due time of the first-contact clock the sla-timer started. */
static int64_t
clock_due(const char *id)
{
	Cdp__V1__ComplaintEvent	*evs[8];
	size_t			 n, i;
	int64_t			 due = -1;

	n = testenv_wait_events(id, BODY(SLA_CLOCK_STARTED), 2, 20000, evs, 8);
	for (i = 0; i < n; i++)
		if (evs[i]->sla_clock_started->clock == FIRST_CONTACT)
			due = evs[i]->sla_clock_started->due_ms;
	testenv_free_events(evs, n);
	assert_true(due > 0);
	return due;
}

/* The Filed event's promise, to the millisecond. */
static int64_t
filed_due(const char *id)
{
	Cdp__V1__ComplaintEvent	*evs[1];
	size_t			 n;
	int64_t			 due;

	n = testenv_wait_events(id, BODY(FILED), 1, 10000, evs, 1);
	assert_int_equal(n, 1);
	due = evs[0]->filed->first_contact_due_ms;
	testenv_free_events(evs, n);
	return due;
}

/* Polls the view until its first_contact_due reads want. */
static bool
view_says(struct stack *s, const char *id, const char *want)
{
	json_t		*view;
	const char	*got;
	int64_t		 deadline = meta_now_ms() + 10000;
	bool		 same = false;

	while (!same && meta_now_ms() < deadline) {
		view = intake_wait_view(&s->intake, "dev-agent", id, NULL,
		    5000);
		assert_non_null(view);
		got = json_string_value(json_object_get(view,
		    "first_contact_due"));
		same = got != NULL && strcmp(got, want) == 0;
		json_decref(view);
		if (!same)
			usleep(100000);
	}
	return same;
}

/* The list summary of the complaint says want too. */
static void
summary_says(struct stack *s, const char *id, const char *want)
{
	struct testhttp_response	 r;
	json_t				*item;
	size_t				 i;
	bool				 found = false;
	char				*path;

	path = xasprintf("/v1/complaints?merchant_id=%s&limit=100",
	    s->merchant);
	intake_call(&s->intake, "GET", path, "dev-agent", NULL, NULL, &r);
	free(path);
	assert_int_equal(r.status, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, item)
		if (strcmp(json_string_value(json_object_get(item,
		    "complaint_id")), id) == 0) {
			found = true;
			assert_string_equal(json_string_value(json_object_get(
			    item, "first_contact_due")), want);
		}
	testhttp_free(&r);
	assert_true(found);
}

/*
 * A normal complaint: the 202, the Filed event, the clock, the view and
 * the list all say the policy's 24 hours from receipt.
 */
static void
test_normal_promise_is_the_clock(void **state)
{
	struct stack	*s = *state;
	char		 promise[TIMEFMT_MAX], clock[TIMEFMT_MAX], *id;
	int64_t		 due, filed;

	id = file(s, promise, sizeof(promise));
	filed = filed_due(id);
	classify(s, id, CDP__V1__SEVERITY__SEVERITY_NORMAL);
	due = clock_due(id);
	assert_int_equal(due, filed);
	timefmt_rfc3339(due, clock, sizeof(clock));
	assert_string_equal(promise, clock);
	assert_true(view_says(s, id, clock));
	summary_says(s, id, clock);
	free(id);
}

/*
 * An urgent complaint: its clock is 30 minutes from receipt, and the view
 * and the list follow the clock rather than the promise made before the
 * classification.
 */
static void
test_urgent_view_follows_the_clock(void **state)
{
	struct stack	*s = *state;
	char		 promise[TIMEFMT_MAX], clock[TIMEFMT_MAX], *id;
	int64_t		 due, filed;

	id = file(s, promise, sizeof(promise));
	filed = filed_due(id);
	classify(s, id, CDP__V1__SEVERITY__SEVERITY_URGENT);
	due = clock_due(id);
	assert_int_equal(due, filed - 24 * 3600 * 1000LL + 30 * 60 * 1000LL);
	timefmt_rfc3339(due, clock, sizeof(clock));
	assert_true(view_says(s, id, clock));
	summary_says(s, id, clock);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_promise_is_the_clock),
		cmocka_unit_test(test_urgent_view_follows_the_clock),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, stack_up, stack_down);
}
