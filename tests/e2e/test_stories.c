/*
 * End-to-end stories (issue 13) against one shared stack of real daemons
 * (so far intake, classifier and sla-timer), each a process on free ports, over the test Kafka and Redis
 * that ./dev test starts. A story files through intake's HTTP API and
 * checks the outcome through the API and the complaints.events topic.
 * docs/e2e.md says what each story asserts and which are still to write.
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
#include "nitems.h"
#include "testenv.h"
#include "testproc.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define VIEW_MS		20000	/* filed to a classified view, busy machine */

struct daemon {
	const char	*name;
	pid_t		 pid;
	int		 admin_port;	/* /readyz */
};

/*
 * Intake runs through the harness, the others beside it. Notifier,
 * penalty and analytics join with the stories that need them (notifier
 * needs NOTIFIER_PROVIDER_URL, a testrecv receiver).
 */
static struct intake_proc	intake;
static struct daemon		others[] = { { "classifier", 0, 0 },
				    { "sla-timer", 0, 0 } };

static void
daemon_start(struct daemon *d)
{
	if ((d->pid = testproc_start_ready(d->name, "e2e", &d->admin_port,
	    120000)) == -1)
		fail_msg("%s did not become ready", d->name);
}

static int
stack_up(void **state)
{
	size_t	i;

	for (i = 0; i < nitems(others); i++)
		daemon_start(&others[i]);
	intake_start(&intake, "5000");
	return 0;
}

static int
stack_down(void **state)
{
	size_t	i;

	/* A daemon that never started has pid 0: testproc_stop skips it. */
	intake_stop(&intake);
	unlink(intake.keys_file);
	for (i = 0; i < nitems(others); i++) {
		if (others[i].pid > 0)	/* for the secrets scan */
			testproc_keep_metrics(others[i].name,
			    others[i].admin_port);
		assert_int_equal(testproc_stop(others[i].pid, 15000), 0);
	}
	return 0;
}

static const char *
view_str(json_t *view, const char *field)
{
	return json_string_value(json_object_get(view, field));
}

/* Files a complaint from the app; returns its id. */
static char *
file_from_app(const char *order, const char *merchant, const char *user,
    const char *description, const char *demand)
{
	char	*body, *id;

	body = xasprintf("{\"order_id\": \"%s\", \"merchant_id\": \"%s\", "
	    "\"user\": {\"id\": \"%s\"}, \"description\": \"%s\", "
	    "\"demand\": \"%s\"}", order, merchant, user, description, demand);
	id = intake_file(&intake, "dev-app", body);
	free(body);
	return id;
}

/* Waits for the complaint's view in status; fails the story without. */
static json_t *
view_in(const char *id, const char *status)
{
	json_t	*view;

	if ((view = intake_wait_view(&intake, "dev-agent", id, status,
	    VIEW_MS)) == NULL)
		fail_msg("%s: no view in status %s", id, status);
	return view;
}

/* The complaint's one Classified event, waited for; free it. */
static Cdp__V1__ComplaintEvent *
classified_event(const char *id)
{
	Cdp__V1__ComplaintEvent	*evs[2];
	size_t			 n;

	n = testenv_wait_events(id, BODY(CLASSIFIED), 1, VIEW_MS, evs, 2);
	if (n != 1) {
		testenv_free_events(evs, n);
		fail_msg("%s: %zu Classified events, not one", id, n);
	}
	return evs[0];
}

/*
 * Story 1, its first half: a product-quality complaint from the app is
 * acknowledged (202, a view), classified product/normal by the
 * classifier, with its reasons on the topic and in the view.
 */
static void
test_story1_product_complaint_is_classified(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*order = testenv_unique("OE1");
	char			*id;
	json_t			*view;

	id = file_from_app(order, "M1001", "U-E2E-1",
	    "收到的蓝牙耳机左耳没有声音，做工也很粗糙，和描述的不一样",
	    "refund");
	view = view_in(id, "classified");
	assert_string_equal(view_str(view, "category"), "product");
	assert_string_equal(view_str(view, "severity"), "normal");
	assert_true(json_array_size(json_object_get(json_object_get(view,
	    "classification"), "reasons")) > 0);
	json_decref(view);
	ev = classified_event(id);
	assert_int_equal(ev->classified->category,
	    CDP__V1__CATEGORY__CATEGORY_PRODUCT);
	testenv_free_events(&ev, 1);
	free(order);
	free(id);
}

/*
 * Story 2, its first half: spoiled milk making a child ill is classified
 * urgent and routed to a team.
 */
static void
test_story2_spoiled_milk_is_urgent(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*order = testenv_unique("OE2");
	char			*id;
	json_t			*view;

	id = file_from_app(order, "M1002", "U-E2E-2",
	    "买的牛奶变质了，孩子喝了以后呕吐发烧，已经去医院了",
	    "refund");
	view = view_in(id, "classified");
	assert_string_equal(view_str(view, "severity"), "urgent");
	json_decref(view);
	ev = classified_event(id);
	assert_int_equal(ev->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_true(ev->classified->n_teams > 0);
	testenv_free_events(&ev, 1);
	free(order);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_story1_product_complaint_is_classified),
		cmocka_unit_test(test_story2_spoiled_milk_is_urgent),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, stack_up, stack_down);
}
