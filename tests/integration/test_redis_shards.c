/*
 * Redis sharded by Kafka partition (REDIS_ADDRS): the sla-timer, penalty
 * and the notifier run against two redis-servers of this test and the test
 * Kafka. A complaint filed and classified urgent gets its clocks, its
 * breach's firing marks and its customer contact on entry p mod 2 of its
 * complaints.events partition p; a merchant's breach becomes a ledger on
 * entry q mod 2 of its merchants.events partition q; and every key of
 * those daemons, on either entry, belongs there (its partition's number
 * mod 2 is the entry's). Readiness needs both entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cdp/v1/complaint.pb-c.h"
#include "log.h"
#include "meta.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "testproc.h"
#include "testredis.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define NSHARDS		2
#define TRIES		12	/* complaints or merchants, to hit both */
#define WAIT_MS		60000
#define POLICY_FILE	"/tmp/cdp-shards-test-policies.conf"
#define SLA_LOG		"test_redis_shards.sla-timer.log"

static const char *const test_policy =
#include "sla_test_policy.inc"
;

struct daemon {
	pid_t	pid;
	int	admin;
};

static int	redis_port[NSHARDS];	/* for /readyz's naming of one */
static pid_t	redis_pid[NSHARDS];
static char	*redis_addrs;	/* REDIS_ADDRS=... for the daemons */
static char	 last_clock[NSHARDS][256];	/* a clock key on each */

static int
redis_up(void **state)
{
	FILE	*f;
	int	 k;

	for (k = 0; k < NSHARDS; k++) {
		redis_port[k] = testproc_free_port();
		if ((redis_pid[k] = testredis_start(redis_port[k], NULL)) <= 0)
			return -1;
		redisFree(testredis_connect_port(redis_port[k]));
	}
	redis_addrs = xasprintf("REDIS_ADDRS=127.0.0.1:%d,127.0.0.1:%d",
	    redis_port[0], redis_port[1]);
	testenv_redis_use(redis_addrs + strlen("REDIS_ADDRS="));
	/* The daemons inherit our environment: REDIS_ADDRS only. */
	unsetenv("REDIS_ADDR");
	if ((f = fopen(POLICY_FILE, "w")) == NULL)
		return -1;
	fputs(test_policy, f);
	fclose(f);
	return 0;
}

static int
redis_down(void **state)
{
	int	k;

	for (k = 0; k < NSHARDS; k++)
		testredis_kill(redis_pid[k]);
	free(redis_addrs);
	unlink(POLICY_FILE);
	return 0;
}

/*
 * Starts a daemon on both shards with its own settings, until ready; its
 * stderr to log, when not NULL.
 */
static void
start(struct daemon *d, const char *daemon, const char *const *own,
    const char *log)
{
	const char	*env[16];
	char		*listen, *admin;
	size_t		 n = 0;

	d->admin = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", d->admin);
	env[n++] = listen;
	env[n++] = admin;
	env[n++] = redis_addrs;
	env[n++] = "LOG_LEVEL=warn";
	while (*own != NULL && n < 15)
		env[n++] = *own++;
	env[n] = NULL;
	d->pid = log != NULL ? testproc_spawn_logged(daemon, env, log) :
	    testproc_spawn(daemon, env);
	assert_true(testproc_wait_http(d->admin, "/readyz", 200, WAIT_MS));
	free(listen);
	free(admin);
}

static void
stop(struct daemon *d)
{
	assert_int_equal(testproc_stop(d->pid, 30000), 0);
}

/* Waits until key is on shard want, then checks no other shard has it. */
static void
expect_only_on(int want, const char *key)
{
	int64_t	deadline = meta_now_ms() + WAIT_MS;

	while (testenv_redis_int(want, "EXISTS %s", key) != 1) {
		if (meta_now_ms() > deadline)
			fail_msg("%s never reached shard %d", key, want);
		usleep(100000);
	}
	testenv_redis_only_on(want, key);
	print_message("%s: on shard %d only\n", key, want);
}

/* The partition the record with key landed on in topic. */
static int32_t
partition_of(const char *topic, const char *key)
{
	struct testenv_record	*recs;
	int64_t			 deadline = meta_now_ms() + WAIT_MS;
	size_t			 n;
	int32_t			 p;

	while ((n = testenv_read_key(topic, key, 15000, &recs)) == 0) {
		if (meta_now_ms() > deadline)
			fail_msg("nothing keyed %s on %s", key, topic);
		usleep(200000);
	}
	p = recs[0].partition;
	testenv_records_free(recs, n);
	return p;
}

static void
send_event(Cdp__V1__ComplaintEvent *ev, const char *id, const char *merchant,
    const char *producer)
{
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;

	meta_fill(&meta, &ids, producer, NULL, NULL);
	ev->meta = &meta;
	ev->complaint_id = (char *)id;
	ev->merchant_id = (char *)merchant;
	testenv_produce_event(ev);
}

/* A complaint filed with a customer contact and classified urgent. */
static void
file_urgent(const char *id)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Filed		f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Classified	cl = CDP__V1__CLASSIFIED__INIT;

	who.user_id = "U-shards";
	who.phone = "+8613800000000";
	f.complainant = &who;
	f.first_contact_due_ms = meta_now_ms() + 15 * 60000;
	ev.body_case = BODY(FILED);
	ev.filed = &f;
	send_event(&ev, id, "M1001", "intake");
	ev = (Cdp__V1__ComplaintEvent)CDP__V1__COMPLAINT_EVENT__INIT;
	cl.category = CDP__V1__CATEGORY__CATEGORY_PRODUCT;
	cl.severity = CDP__V1__SEVERITY__SEVERITY_URGENT;
	ev.body_case = BODY(CLASSIFIED);
	ev.classified = &cl;
	send_event(&ev, id, "M1001", "classifier");
}

/* A merchant-response breach of the merchant: penalty records it. */
static void
merchant_breach(const char *merchant)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaBreached	b = CDP__V1__SLA_BREACHED__INIT;
	char			*id = testenv_unique("CP");

	b.clock = CDP__V1__SLA_CLOCK__SLA_CLOCK_MERCHANT_RESPONSE;
	b.cycle = 1;
	b.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	ev.body_case = BODY(SLA_BREACHED);
	ev.sla_breached = &b;
	send_event(&ev, id, merchant, "sla-timer");
	free(id);
}

/* Waits for the complaint's first-contact breach, fired by the sla-timer. */
static void
expect_breach(const char *id)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	size_t			 n;

	n = testenv_wait_events(id, BODY(SLA_BREACHED), 1, WAIT_MS, evs, 4);
	assert_int_equal(n, 1);
	testenv_free_events(evs, n);
}

/* A complaint's keys, each on the shard of its partition only. */
static int
complaint_on_its_shard(void)
{
	char	*id = testenv_unique("CSH"), key[256];
	int32_t	 p;
	int	 k;

	file_urgent(id);
	p = partition_of("complaints.events", id);
	k = (int)(p % NSHARDS);
	print_message("%s: complaints.events partition %d\n", id, (int)p);
	snprintf(key, sizeof(key), "sla:{p%d}:c:%s", (int)p, id);
	expect_only_on(k, key);
	snprintf(last_clock[k], sizeof(last_clock[k]), "%s", key);
	snprintf(key, sizeof(key), "ntf:{c%d}:contact:%s", (int)p, id);
	expect_only_on(k, key);
	expect_breach(id);
	snprintf(key, sizeof(key), "sla:{p%d}:f:%s", (int)p, id);
	expect_only_on(k, key);
	free(id);
	return k;
}

/* A merchant's ledger on the shard of its merchants.events partition. */
static int
ledger_on_its_shard(void)
{
	char	*merchant = testenv_unique("MSH"), key[256];
	int32_t	 q;
	int	 k;

	merchant_breach(merchant);
	q = partition_of("merchants.events", merchant);
	k = (int)(q % NSHARDS);
	print_message("%s: merchants.events partition %d\n", merchant, (int)q);
	snprintf(key, sizeof(key), "pen:{p%d}:m:%s", (int)q, merchant);
	expect_only_on(k, key);
	free(merchant);
	return k;
}

/*
 * The partition number in a key of the sharded families ("sla:{p3}:...",
 * "sla:{m3}", "pen:{p3}", "ntf:{c3}", "ntf:{m3}"), or -1 for another key.
 */
static int
key_partition(const char *key, int *family)
{
	static const char *const prefixes[] = { "sla:{", "pen:{", "ntf:{" };
	const char	*s;
	char		*end;
	long		 p;
	int		 i;

	for (i = 0; i < 3; i++)
		if (strncmp(key, prefixes[i], 5) == 0)
			break;
	if (i == 3)
		return -1;
	s = key + 5;
	if (strchr("pmc", *s) == NULL || *s == '\0')
		fail_msg("key %s: a tag that is no partition", key);
	p = strtol(s + 1, &end, 10);
	if (end == s + 1 || *end != '}')
		fail_msg("key %s: a tag that is no partition", key);
	*family = i;
	return (int)p;
}

/* Every key of the sharded families on shard k belongs there. */
static void
every_key_on_its_shard(int k, size_t counts[3])
{
	redisContext	*rc = testenv_redis_connect(k);
	redisReply	*r, *keys;
	char		 cursor[32] = "0";
	size_t		 i;
	int		 p, family;

	do {
		r = redisCommand(rc, "SCAN %s COUNT 1000", cursor);
		assert_true(r != NULL && r->type == REDIS_REPLY_ARRAY);
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		keys = r->element[1];
		for (i = 0; i < keys->elements; i++) {
			if ((p = key_partition(keys->element[i]->str,
			    &family)) == -1)
				continue;
			if (p % NSHARDS != k)
				fail_msg("%s is on shard %d", keys->element[i]->str,
				    k);
			counts[family]++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	redisFree(rc);
	print_message("shard %d: %zu sla, %zu pen, %zu ntf keys, all its own\n",
	    k, counts[0], counts[1], counts[2]);
}

/*
 * The partitions sla-timer's log says it found lost: each one's slot bit
 * (complaints.events p as bit p, merchants.events q as bit 32 + q), with
 * each one's shard checked on the way.
 */
static uint64_t
lost_partitions(int want_shard)
{
	FILE		*f = fopen(SLA_LOG, "r");
	char		 line[1024], *at;
	uint64_t	 seen = 0;
	int		 p;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((at = strstr(line, "is gone from Redis")) == NULL ||
		    (at = strstr(line, "events partition ")) == NULL)
			continue;
		p = atoi(at + strlen("events partition "));
		if (p % NSHARDS != want_shard)
			fail_msg("partition %d of shard %d rebuilt: %s", p,
			    p % NSHARDS, line);
		seen |= 1ULL << ((strstr(line, "merchants.events") != NULL ?
		    32 : 0) + p);
	}
	fclose(f);
	return seen;
}

/* The clock last seen on shard k, as it is there now, or NULL. */
static char *
clock_on(int k)
{
	return testenv_redis_string(k, "GET %s", last_clock[k]);
}

/*
 * cdp-ops rebuild sla-timer --shard 1 under the running sla-timer: the
 * entry's keys go, the daemon notices its epochs gone and reads just the
 * partitions of that entry again (its log names no other), and shard 0's
 * clocks stay as they were.
 */
static void
rebuild_one_shard(void)
{
	const char	*build = getenv("CDP_BUILD_DIR");
	char		*cmd, *before0, *after0, *back;
	char		*addrs = testenv_redis_addrs();
	size_t		 epochs1 = testenv_redis_count(1, "sla:*:epoch");
	int64_t		 deadline = meta_now_ms() + WAIT_MS;
	uint64_t	 lost = 0;

	assert_non_null(build);
	assert_true(last_clock[0][0] != '\0' && last_clock[1][0] != '\0');
	assert_true(epochs1 > 0);
	assert_non_null(before0 = clock_on(0));
	cmd = xasprintf("%s/tools/cdp-ops rebuild sla-timer --shard 1 "
	    "--redis %s >/dev/null", build, addrs);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	while (meta_now_ms() < deadline) {
		lost = lost_partitions(1);
		if (__builtin_popcountll(lost) >= (int)epochs1 &&
		    (back = clock_on(1)) != NULL) {
			free(back);
			break;
		}
		usleep(200000);
	}
	print_message("rebuilt %d partitions of shard 1 (%zu epochs)\n",
	    __builtin_popcountll(lost), epochs1);
	assert_int_equal(__builtin_popcountll(lost), (int)epochs1);
	assert_non_null(back = clock_on(1));
	free(back);
	/* Its clocks as they were (its offset moves on with later events). */
	assert_non_null(after0 = clock_on(0));
	assert_non_null(strstr(before0, "\"k\":"));
	assert_string_equal(strstr(after0, "\"k\":"),
	    strstr(before0, "\"k\":"));
	assert_int_equal(lost_partitions(1), lost);
	free(before0);
	free(after0);
	free(addrs);
}

/* /readyz of d answers 503 naming the stopped shard. */
static void
not_ready_without(struct daemon *d, int k)
{
	struct testhttp_response	 res;
	char				 addr[32];
	int64_t				 deadline = meta_now_ms() + WAIT_MS;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", redis_port[k]);
	for (;;) {
		assert_int_equal(testhttp_request(d->admin, "GET", "/readyz",
		    NULL, NULL, &res), 0);
		if (res.status == 503 && strstr(res.body, addr) != NULL)
			break;
		testhttp_free(&res);
		if (meta_now_ms() > deadline)
			fail_msg("/readyz stayed ready without shard %d", k);
		usleep(100000);
	}
	testhttp_free(&res);
}

static void
test_partition_state_on_its_shard(void **state)
{
	const char *const sla_env[] = { "INSTANCE_ID=sla-1",
	    "SLA_POLICY_FILE=" POLICY_FILE, NULL };
	const char *const pen_env[] = { "INSTANCE_ID=penalty-test",
	    "PENALTY_RULES_FILE=config/penalty-rules-fast.conf", NULL };
	const char *const ntf_env[] = { "INSTANCE_ID=notifier-test",
	    "NOTIFIER_PROVIDER_URL=http://127.0.0.1:9/send",
	    "NOTIFIER_PROVIDER_SECRET=shards-test-provider-secret",
	    "NOTIFIER_ALLOW_LOOPBACK_HTTP=true", NULL };
	struct daemon	 sla, pen, ntf;
	bool		 hit[2][NSHARDS] = { { false } };
	size_t		 counts[NSHARDS][3] = { { 0 } };
	int		 i, k;

	start(&sla, "sla-timer", sla_env, SLA_LOG);
	start(&pen, "penalty", pen_env, NULL);
	start(&ntf, "notifier", ntf_env, NULL);
	for (i = 0; i < TRIES && !(hit[0][0] && hit[0][1]); i++)
		hit[0][complaint_on_its_shard()] = true;
	for (i = 0; i < TRIES && !(hit[1][0] && hit[1][1]); i++)
		hit[1][ledger_on_its_shard()] = true;
	assert_true(hit[0][0] && hit[0][1] && hit[1][0] && hit[1][1]);
	for (k = 0; k < NSHARDS; k++) {
		every_key_on_its_shard(k, counts[k]);
		assert_true(counts[k][0] > 0 && counts[k][1] > 0 &&
		    counts[k][2] > 0);
	}
	rebuild_one_shard();
	testredis_kill(redis_pid[1]);
	redis_pid[1] = 0;
	not_ready_without(&sla, 1);
	not_ready_without(&pen, 1);
	not_ready_without(&ntf, 1);
	stop(&ntf);
	stop(&pen);
	stop(&sla);
}

/* Both settings at once: the daemon stops at start-up with one line. */
static void
test_addr_and_addrs_refused(void **state)
{
	const char	*env[] = { "REDIS_ADDR=127.0.0.1:6380", redis_addrs,
	    "PENALTY_RULES_FILE=config/penalty-rules-fast.conf", NULL };
	char		 line[512];
	FILE		*f;
	bool		 found = false;

	assert_int_equal(testproc_run("penalty", env,
	    "/tmp/cdp-shards-both.log", 10000), 1);
	assert_non_null(f = fopen("/tmp/cdp-shards-both.log", "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		found |= strstr(line, "REDIS_ADDR and REDIS_ADDRS are both "
		    "set") != NULL;
	fclose(f);
	unlink("/tmp/cdp-shards-both.log");
	assert_true(found);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_and_addrs_refused),
		cmocka_unit_test(test_partition_state_on_its_shard),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, redis_up, redis_down);
}
