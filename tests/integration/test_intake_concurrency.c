/*
 * Two actions on one complaint at the same moment, through the real intake
 * against the test Kafka and Redis: of two actions checked against the same
 * status, exactly one is accepted and the other is answered 409.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake_harness.h"
#include "log.h"
#include "testhttp.h"
#include "xmalloc.h"

#define ROUNDS	12

static struct intake_proc	intake;

struct racer {
	pthread_barrier_t		*start;
	const char			*path;
	const char			*key;
	const char			*body;
	struct testhttp_response	 r;
	int				 rc;
};

static int
setup(void **state)
{
	intake_start(&intake, "5000");
	return 0;
}

static int
teardown(void **state)
{
	intake_stop(&intake);
	unlink(intake.keys_file);
	return 0;
}

/* Sends one action as soon as the other racer is ready too. */
static void *
racer_run(void *arg)
{
	struct racer	*rc = arg;
	char		 headers[256];

	snprintf(headers, sizeof(headers), "Authorization: Bearer "
	    INTAKE_KEY_PREFIX "%s\r\n"
	    "Content-Type: application/json\r\n", rc->key);
	pthread_barrier_wait(rc->start);
	rc->rc = testhttp_request(intake.port, "POST", rc->path, headers,
	    rc->body, &rc->r);
	return NULL;
}

/* A complaint with a resolution proposed, ready to be decided or not. */
static char *
proposed_complaint(char **path)
{
	char	*id;

	id = intake_file_received(&intake, "dev-hotline", "{\"order_id\": "
	    "\"O-RACE-1\", \"merchant_id\": \"M1001\", \"user\": {\"id\": "
	    "\"U8\"}, \"description\": \"快递员态度恶劣\", \"demand\": "
	    "\"apology\"}");
	*path = xasprintf("/v1/complaints/%s/actions", id);
	intake_act(&intake, id, "{\"action\": \"first_contact\"}",
	    "investigating");
	intake_act(&intake, id, "{\"action\": \"propose_resolution\", "
	    "\"outcome\": \"apology\"}", "resolution_proposed");
	return id;
}

/*
 * decide (by the agent) and reject_resolution (by the customer's channel)
 * are both allowed in resolution_proposed and lead to different statuses:
 * sent together, one must win and the other get 409.
 */
static void
test_concurrent_actions_accept_one(void **state)
{
	pthread_barrier_t	 start;
	pthread_t		 t[2];
	struct racer		 rc[2];
	char			*id, *path;
	const char		*err, *want;
	json_t			*view;
	int			 round, i, accepted, conflicts = 0;

	for (round = 0; round < ROUNDS; round++) {
		id = proposed_complaint(&path);
		memset(rc, 0, sizeof(rc));
		pthread_barrier_init(&start, NULL, 2);
		rc[0] = (struct racer){ &start, path, "dev-agent",
		    "{\"action\": \"decide\", \"outcome\": \"apology\", "
		    "\"responsible_party\": \"merchant\"}", { 0 }, 0 };
		rc[1] = (struct racer){ &start, path, "dev-hotline",
		    "{\"action\": \"reject_resolution\"}", { 0 }, 0 };
		for (i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&t[i], NULL,
			    racer_run, &rc[i]), 0);
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&start);
		accepted = -1;
		for (i = 0; i < 2; i++) {
			assert_int_equal(rc[i].rc, 0);
			if (rc[i].r.status == 202) {
				assert_int_equal(accepted, -1);
				accepted = i;
				continue;
			}
			if (rc[i].r.status != 409)
				fail_msg("round %d: %d %s", round,
				    rc[i].r.status, rc[i].r.body);
			err = json_string_value(json_object_get(rc[i].r.json,
			    "error"));
			assert_non_null(json_string_value(json_object_get(
			    rc[i].r.json, "status")));
			if (strcmp(err, "conflict") == 0)
				conflicts++;
		}
		if (accepted == -1)
			fail_msg("round %d: neither action was accepted", round);
		want = accepted == 0 ? "decided" : "investigating";
		assert_non_null(view = intake_wait_view(&intake, "dev-agent",
		    id, want, 10000));
		json_decref(view);
		for (i = 0; i < 2; i++)
			testhttp_free(&rc[i].r);
		free(path);
		free(id);
	}
	print_message("%d of %d losers answered 409 conflict, the others "
	    "409 invalid_transition\n", conflicts, ROUNDS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_actions_accept_one),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
