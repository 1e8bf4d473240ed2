/*
 * At-least-once delivery: a consumer that dies before ending a message
 * (storing its offset) gets it again when the group member restarts, and a
 * message it did end and commit is not handed out again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"
#include "log.h"
#include "testenv.h"

struct run {
	struct event_base	*base;
	int			 delivered;
	int			 handled;
	char			 first[32];
	bool			 die_on_second;
	struct kafka_consumer	*c;
};

static void
on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct run	*r = arg;

	assert_int_equal(d->err, 0);
	r->delivered++;
}

static bool
both_delivered(void *arg)
{
	return ((struct run *)arg)->delivered == 2;
}

static void
handle(struct kafka_msg *m, void *arg)
{
	struct run	*r = arg;

	if (r->handled++ == 0) {
		snprintf(r->first, sizeof(r->first), "%.*s", (int)m->len,
		    (const char *)m->payload);
		kafka_consumer_done(m);
		if (r->die_on_second && kafka_consumer_commit(r->c) != 0)
			_exit(3);
		return;
	}
	if (r->die_on_second)
		_exit(0);	/* a crash: the second message is never ended */
	kafka_consumer_done(m);
}

static bool
got_one(void *arg)
{
	return ((struct run *)arg)->handled >= 1;
}

static bool
never(void *arg)
{
	return false;
}

static struct kafka_consumer *
member(struct run *r, const char *topic, const char *group)
{
	const char			*topics[] = { topic };
	struct kafka_consumer_conf	 kc = {
		.brokers = testenv_brokers(), .group = group,
		.client_id = "test", .topics = topics, .ntopics = 1,
		.service = "test", .handler = handle, .arg = r,
	};

	return kafka_consumer_new(r->base, &kc);
}

static void
produce_two(const char *topic)
{
	struct run		 r = { .base = event_base_new() };
	struct kafka_producer	*p;

	p = kafka_producer_new(r.base, testenv_brokers(), "test", 10000);
	assert_int_equal(kafka_producer_send(p, topic, "k", 1, "first", 5,
	    NULL, 0, on_delivery, &r), 0);
	assert_int_equal(kafka_producer_send(p, topic, "k", 1, "second", 6,
	    NULL, 0, on_delivery, &r), 0);
	assert_true(testenv_run_until(r.base, both_delivered, &r, 30000));
	kafka_producer_free(p);
	event_base_free(r.base);
}

static void
test_unended_message_is_redelivered_after_crash(void **state)
{
	char		*topic = testenv_unique("redelivery");
	char		*group = testenv_unique("group");
	struct run	 r = { 0 };
	pid_t		 pid;
	int		 status;

	testenv_create_topic(topic, 1);
	produce_two(topic);

	if ((pid = fork()) == 0) {
		struct run child = { .base = event_base_new(),
		    .die_on_second = true };

		child.c = member(&child, topic, group);
		testenv_run_until(child.base, never, &child, 60000);
		_exit(2);	/* the second message never came */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	r.base = event_base_new();
	r.c = member(&r, topic, group);
	assert_true(testenv_run_until(r.base, got_one, &r, 60000));
	assert_string_equal(r.first, "second");
	kafka_consumer_close(r.c);
	event_base_free(r.base);
	free(topic);
	free(group);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_unended_message_is_redelivered_after_crash),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
