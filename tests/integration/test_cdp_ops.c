/*
 * cdp-ops against the real test Kafka: a dead letter made the real way
 * (the classifier meets an undecodable order event) is listed, shown and
 * replayed to its topic; a complaint's history is printed in log order, as
 * lines and as JSON; a stopped analytics' state is rebuilt (refused while
 * it runs); and the exit status tells done, nothing found and wrong usage
 * apart.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "analytics_harness.h"
#include "cdp/v1/complaint.pb-c.h"
#include "log.h"
#include "meta.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testproc.h"
#include "xmalloc.h"

#define OUT_MAX	(256 * 1024)

/* Runs cdp-ops with args; returns its exit status, its stdout in out. */
static int
ops(char *out, const char *fmt, ...)
{
	const char	*build = getenv("CDP_BUILD_DIR");
	char		 args[1024], *cmd;
	va_list		 ap;
	FILE		*fp;
	size_t		 n;
	int		 status;

	assert_non_null(build);
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	cmd = xasprintf("KAFKA_BROKERS=%s %s/tools/cdp-ops %s",
	    testenv_brokers(), build, args);
	assert_non_null(fp = popen(cmd, "r"));
	n = fread(out, 1, OUT_MAX - 1, fp);
	out[n] = '\0';
	status = pclose(fp);
	free(cmd);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The "P:O" of the dead letter with key on a line of `dlq list`. */
static bool
find_dead_letter(const char *list, const char *key, char *where,
    size_t size)
{
	const char	*line, *tab;
	char		 needle[256];

	snprintf(needle, sizeof(needle), "\t%s\torders.events[", key);
	if ((line = strstr(list, needle)) == NULL)
		return false;
	while (line > list && line[-1] != '\n')
		line--;
	tab = strchr(line, '\t');
	snprintf(where, size, "%.*s", (int)(tab - line), line);
	return true;
}

static void
test_dead_letter_list_show_replay(void **state)
{
	char		*out = xmalloc(OUT_MAX), where[64], *key, *payload;
	char		*hex, *replayed;
	pid_t		 pid;
	int		 port = testproc_free_port(), i;
	bool		 found = false;
	json_t		*shown;
	struct testenv_record *recs;
	size_t		 n, len;

	key = testenv_unique("O-OPS");
	payload = xasprintf("\xff\xff not an OrderEvent %s", key);
	len = strlen(payload);
	{
		char		*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d",
				    testproc_free_port());
		char		*admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d",
				    port);
		const char	*env[] = { listen, admin, "INSTANCE_ID=ops-1",
				    "LOG_LEVEL=error", NULL };

		pid = testproc_spawn("classifier", env);
		assert_true(testproc_wait_http(port, "/readyz", 200, 60000));
		free(listen);
		free(admin);
	}
	testenv_produce("orders.events", key, payload, len);
	for (i = 0; i < 100 && !found; i++) {
		assert_int_equal(ops(out, "dlq list classifier"), 0);
		if (!(found = find_dead_letter(out, key, where,
		    sizeof(where))))
			usleep(200000);
	}
	assert_true(found);
	assert_int_equal(testproc_stop(pid, 15000), 0);

	assert_int_equal(ops(out, "dlq show classifier %s", where), 0);
	assert_non_null(shown = json_loads(out, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(shown, "key")),
	    key);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(shown, "headers"), "dlq.reason")), "undecodable"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    shown, "headers"), "dlq.topic")), "orders.events");
	hex = xmalloc(len * 2 + 1);
	for (n = 0; n < len; n++)
		snprintf(hex + 2 * n, 3, "%02x", (unsigned char)payload[n]);
	assert_string_equal(json_string_value(json_object_get(shown,
	    "body_hex")), hex);
	json_decref(shown);

	assert_int_equal(ops(out, "dlq replay classifier %s", where), 0);
	replayed = xasprintf("dlq.classifier:%s", where);
	n = testenv_read_key("orders.events", key, 10000, &recs);
	assert_int_equal(n, 2);
	assert_int_equal(recs[1].len, len);
	assert_memory_equal(recs[1].payload, payload, len);
	assert_string_equal(testenv_header(&recs[1], "dlq.replayed_from"),
	    replayed);
	testenv_records_free(recs, n);

	assert_int_equal(ops(out, "dlq show classifier 0:999999999"), 3);
	assert_int_equal(ops(out, "dlq show nosuchservice 0:1 2>/dev/null"),
	    2);
	free(replayed);
	free(hex);
	free(payload);
	free(key);
	free(out);
}

static void
produce(const char *id, int body)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Filed		filed = CDP__V1__FILED__INIT;
	Cdp__V1__ActionRecorded	act = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;

	meta_fill(&meta, &ids, "ops-test", NULL, NULL);
	ev.meta = &meta;
	ev.complaint_id = (char *)id;
	ev.merchant_id = "M1001";
	ev.body_case = body;
	if (body == CDP__V1__COMPLAINT_EVENT__BODY_FILED)
		ev.filed = &filed;
	else {
		act.action = CDP__V1__ACTION__ACTION_FIRST_CONTACT;
		ev.action_recorded = &act;
	}
	testenv_produce_event(&ev);
}

static void
test_history(void **state)
{
	char		*out = xmalloc(OUT_MAX), *id = testenv_unique("C-OPS");
	char		*first, *second;
	json_t		*ev;

	produce(id, CDP__V1__COMPLAINT_EVENT__BODY_FILED);
	produce(id, CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED);
	assert_int_equal(ops(out, "history %s", id), 0);
	assert_non_null(first = strstr(out, "\tops-test\tfiled\t"));
	assert_non_null(second = strstr(out,
	    "\tops-test\taction_recorded\t"));
	assert_true(first < second);
	assert_int_equal(ops(out, "history %s --json", id), 0);
	assert_non_null(ev = json_loads(strchr(out, '\n') + 1, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(ev,
	    "complaint_id")), id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "action_recorded"), "action")), "ACTION_FIRST_CONTACT");
	json_decref(ev);
	assert_int_equal(ops(out, "history C-OPS-never-filed"), 3);
	assert_int_equal(ops(out, "history 2>/dev/null"), 2);
	free(id);
	free(out);
}

static void
test_lag(void **state)
{
	char	*out = xmalloc(OUT_MAX);

	assert_int_equal(ops(out, "lag sla-timer"), 0);
	assert_non_null(strstr(out, "group\tpartition\tcommitted\tend\tlag\n"));
	assert_non_null(strstr(out, "sla-timer\tcomplaints.events[11]\t"));
	assert_int_equal(ops(out, "lag nosuch 2>/dev/null"), 2);
	free(out);
}

/*
 * Whether the analytics checkpoint of group exists in the test Redis: on
 * entry 0, where analytics keeps it sharded or not, and on no other.
 */
static bool
checkpoint_exists(const char *group)
{
	char	*key = xasprintf("analytics:{%s}:state", group);
	bool	 found;
	size_t	 e;

	found = testenv_redis_int(0, "EXISTS %s", key) == 1;
	for (e = 1; e < testenv_redis_entries(); e++)
		assert_int_equal(testenv_redis_int(e, "EXISTS %s", key), 0);
	free(key);
	return found;
}

static bool
wait_checkpoint(const char *group)
{
	int	i;

	for (i = 0; i < 100; i++) {
		if (checkpoint_exists(group))
			return true;
		usleep(100000);
	}
	return false;
}

/*
 * rebuild refuses while analytics runs and deletes nothing; stopped, its
 * group and checkpoint go, and started again it folds the same events
 * from the beginning. notifier has no rebuild, and says why. cdp-ops gets
 * every entry of the test Redis, as an operator gives it the daemons'
 * REDIS_ADDRS.
 */
static void
test_rebuild(void **state)
{
	char		*out = xmalloc(OUT_MAX), *redis, *group;
	struct ah	 h;

	redis = testenv_redis_addrs();
	ah_setup(&h, "analytics-rebuild");
	ah_start(&h);
	ah_feed_first(&h);
	assert_true(ah_wait_events(&h, AH_FIRST, 30000));
	assert_true(wait_checkpoint(h.group));

	assert_int_equal(ops(out, "rebuild analytics --group %s --redis %s "
	    "2>&1", h.group, redis), 1);
	assert_non_null(strstr(out, "still has members"));
	assert_true(checkpoint_exists(h.group));

	ah_stop(&h);
	assert_int_equal(ops(out, "rebuild analytics --group %s --redis %s",
	    h.group, redis), 0);
	group = xasprintf("group %s: deleted\n", h.group);
	assert_non_null(strstr(out, group));
	assert_false(checkpoint_exists(h.group));
	ah_start(&h);
	assert_true(ah_wait_events(&h, AH_FIRST, 30000));
	ah_stop(&h);

	assert_int_equal(ops(out, "rebuild notifier 2>&1"), 1);
	assert_non_null(strstr(out, "notifier has no rebuild"));
	assert_int_equal(ops(out, "rebuild nosuch 2>/dev/null"), 2);
	assert_int_equal(ops(out, "rebuild analytics --what 2>/dev/null"), 2);
	ah_free(&h);
	free(group);
	free(redis);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_letter_list_show_replay),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_lag),
		cmocka_unit_test(test_rebuild),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
