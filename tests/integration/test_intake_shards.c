/*
 * intake's read model on Redis sharded by partition (REDIS_ADDRS): intake
 * runs against two redis-servers of this test and the test Kafka.
 * Complaints filed through the API get their view, summary record and
 * index entries on entry p mod 2 of their complaints.events partition p
 * and on no other; GET finds each one on its entry, and a merchant's list
 * pages gather both entries, newest first, each complaint once, with the
 * page tokens of one Redis. cdp-ops rebuild intake --shard 1 under the
 * running intake makes it read again exactly the partitions of entry 1,
 * and leaves entry 0's views as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake_harness.h"
#include "meta.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testproc.h"
#include "testredis.h"
#include "xmalloc.h"

#define NSHARDS		2
#define NFILED		8	/* complaints, to hit both entries */
#define PAGE		3	/* a list page, smaller than NFILED */
#define WAIT_MS		60000
#define INTAKE_LOG	"test_intake_shards.intake.log"

static pid_t			 redis_pid[NSHARDS];
static char			*redis_addrs;	/* REDIS_ADDRS=... */
static struct intake_proc	 intake;

/* Whether entry k holds the key of kind ("rm:c", "rm:s") for id. */
static bool
shard_has(int k, const char *kind, const char *id)
{
	return testenv_redis_int(k, "EXISTS %s:%s", kind, id) == 1;
}

static int
setup(void **state)
{
	const char	*own[2];
	int		 k, port[NSHARDS];

	for (k = 0; k < NSHARDS; k++) {
		port[k] = testproc_free_port();
		if ((redis_pid[k] = testredis_start(port[k], NULL)) <= 0)
			return -1;
		redisFree(testredis_connect_port(port[k]));
	}
	redis_addrs = xasprintf("REDIS_ADDRS=127.0.0.1:%d,127.0.0.1:%d",
	    port[0], port[1]);
	testenv_redis_use(redis_addrs + strlen("REDIS_ADDRS="));
	own[0] = redis_addrs;
	own[1] = NULL;
	unlink(INTAKE_LOG);
	intake_start_with(&intake, "5000", own, INTAKE_LOG);
	return 0;
}

static int
teardown(void **state)
{
	int	k;

	intake_stop(&intake);
	unlink(intake.keys_file);
	for (k = 0; k < NSHARDS; k++)
		testredis_kill(redis_pid[k]);
	free(redis_addrs);
	return 0;
}

/* The partition the record with key landed on in complaints.events. */
static int32_t
partition_of(const char *key)
{
	struct testenv_record	*recs;
	int64_t			 deadline = meta_now_ms() + WAIT_MS;
	size_t			 n;
	int32_t			 p;

	while ((n = testenv_read_key("complaints.events", key, 15000,
	    &recs)) == 0) {
		if (meta_now_ms() > deadline)
			fail_msg("nothing keyed %s on complaints.events", key);
		usleep(200000);
	}
	p = recs[0].partition;
	testenv_records_free(recs, n);
	return p;
}

/*
 * Files one complaint of merchant and waits for its view; its id. The
 * intake started on empty entries reads complaints.events from its start,
 * all that the tests before wrote, before it sees this one: the wait is
 * WAIT_MS, not the harness's 10 s (CI failed on that once).
 */
static char *
file_one(const char *merchant, int i)
{
	char	*body, *id;
	json_t	*view;

	body = xasprintf("{\"order_id\": \"OSH-%d-%d\", \"merchant_id\": "
	    "\"%s\", \"user\": {\"id\": \"U%d\"}, \"description\": "
	    "\"sharded %d\", \"demand\": \"refund\"}", (int)getpid(), i,
	    merchant, i, i);
	id = intake_file(&intake, "dev-app", body);
	if ((view = intake_wait_view(&intake, "dev-agent", id, "received",
	    WAIT_MS)) == NULL)
		fail_msg("%s: no view in status received", id);
	json_decref(view);
	free(body);
	return id;
}

/*
 * The complaint's read model on entry want only; want is p mod 2. Its
 * summary record is written just after the view that GET saw.
 */
static void
on_its_entry(const char *id, int want)
{
	int64_t	 deadline = meta_now_ms() + 10000;
	char	*view = xasprintf("rm:c:%s", id);
	char	*summary = xasprintf("rm:s:%s", id);

	assert_true(shard_has(want, "rm:c", id));
	while (!shard_has(want, "rm:s", id) && meta_now_ms() < deadline)
		usleep(50000);
	assert_true(shard_has(want, "rm:s", id));
	testenv_redis_only_on(want, view);
	testenv_redis_only_on(want, summary);
	free(summary);
	free(view);
}

/*
 * The merchant's complaints, page by page (PAGE a page) with the agent's
 * key: every one of ids exactly once, newest first across the entries
 * (filed_at, in seconds, never rising), each page's token the index
 * member of its last item. ids are marked as seen.
 */
static void
list_all(const char *merchant, char **ids, size_t n)
{
	struct testhttp_response	 r;
	char				*path, *cursor = NULL, last[128] = "";
	const char			*id = NULL, *next, *at;
	json_t				*items, *item;
	size_t				 seen = 0, pages = 0, i, j;

	do {
		path = cursor == NULL ? xasprintf("/v1/complaints?merchant_id="
		    "%s&limit=%d", merchant, PAGE) : xasprintf(
		    "/v1/complaints?merchant_id=%s&limit=%d&cursor=%s",
		    merchant, PAGE, cursor);
		assert_int_equal(intake_call(&intake, "GET", path, "dev-agent",
		    NULL, NULL, &r), 200);
		items = json_object_get(r.json, "items");
		json_array_foreach(items, i, item) {
			id = json_string_value(json_object_get(item,
			    "complaint_id"));
			assert_non_null(id);
			for (j = 0; j < n && strcmp(ids[j], id) != 0; j++)
				;
			if (j == n)
				fail_msg("listed %s: not filed here, or twice",
				    id);
			ids[j][0] = '-';
			at = json_string_value(json_object_get(item,
			    "filed_at"));
			assert_non_null(at);
			if (strcmp(at, last) > 0 && last[0] != '\0')
				fail_msg("%s filed %s listed after one filed "
				    "%s", id, at, last);
			snprintf(last, sizeof(last), "%s", at);
			seen++;
		}
		next = json_string_value(json_object_get(r.json,
		    "next_cursor"));
		free(cursor);
		cursor = next != NULL ? xstrdup(next) : NULL;
		if (cursor != NULL) {
			assert_non_null(id);
			assert_non_null(strstr(cursor, id));
		}
		testhttp_free(&r);
		free(path);
		pages++;
	} while (cursor != NULL && pages < n + 2);
	print_message("listed %zu complaints in %zu pages of %d\n", seen,
	    pages, PAGE);
	assert_int_equal(seen, n);
	assert_true(pages >= (n + PAGE - 1) / PAGE);
}

/*
 * The complaints.events partitions intake's log says it found lost, as
 * bits; each one checked to be of entry want.
 */
static uint64_t
lost_partitions(int want)
{
	FILE		*f = fopen(INTAKE_LOG, "r");
	char		 line[1024], *at;
	uint64_t	 seen = 0;
	int		 p;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "is gone from Redis") == NULL ||
		    (at = strstr(line, "complaints.events partition ")) == NULL)
			continue;
		p = atoi(at + strlen("complaints.events partition "));
		if (p % NSHARDS != want)
			fail_msg("partition %d of entry %d rebuilt: %s", p,
			    p % NSHARDS, line);
		seen |= 1ULL << p;
	}
	fclose(f);
	return seen;
}

/*
 * cdp-ops rebuild intake --shard 1 under the running intake: entry 1's
 * read model goes and comes back from the log, partition by partition of
 * that entry only; entry 0's view of one complaint stays as it was.
 */
static void
rebuild_one_shard(const char *id0, const char *id1)
{
	const char	*build = getenv("CDP_BUILD_DIR");
	char		*cmd, *key0 = xasprintf("rm:c:%s", id0), *before0;
	char		*after0, *addrs = testenv_redis_addrs();
	size_t		 epochs1 = testenv_redis_count(1,
			    "rm:epoch:complaints.events:*");
	int64_t		 deadline = meta_now_ms() + WAIT_MS;
	uint64_t	 lost = 0;
	json_t		*view;

	assert_non_null(build);
	assert_true(epochs1 > 0);
	assert_int_equal(testenv_redis_count(1, "rm:epoch:merchants.state:*"),
	    0);
	assert_non_null(before0 = testenv_redis_string(0, "GET %s", key0));
	cmd = xasprintf("%s/tools/cdp-ops rebuild intake --shard 1 "
	    "--redis %s >/dev/null", build, addrs);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	while (meta_now_ms() < deadline) {
		lost = lost_partitions(1);
		if (__builtin_popcountll(lost) >= (int)epochs1 &&
		    shard_has(1, "rm:c", id1))
			break;
		usleep(200000);
	}
	print_message("rebuilt %d partitions of entry 1 (%zu epochs)\n",
	    __builtin_popcountll(lost), epochs1);
	assert_int_equal(__builtin_popcountll(lost), (int)epochs1);
	assert_non_null(view = intake_wait_view(&intake, "dev-agent", id1,
	    "received", WAIT_MS));
	json_decref(view);
	assert_non_null(after0 = testenv_redis_string(0, "GET %s", key0));
	assert_string_equal(after0, before0);
	free(before0);
	free(after0);
	free(addrs);
	free(key0);
}

static void
test_read_model_on_its_entry(void **state)
{
	char	*merchant = testenv_unique("MSH");
	char	*ids[NFILED], *listed[NFILED], *id_on[NSHARDS] = { NULL };
	bool	 hit[NSHARDS] = { false };
	json_t	*view;
	int	 i, p;

	for (i = 0; i < NFILED; i++) {
		ids[i] = file_one(merchant, i);
		p = partition_of(ids[i]);
		on_its_entry(ids[i], p % NSHARDS);
		hit[p % NSHARDS] = true;
		id_on[p % NSHARDS] = ids[i];
		listed[i] = xstrdup(ids[i]);
	}
	assert_true(hit[0] && hit[1]);
	for (i = 0; i < NFILED; i++) {
		assert_non_null(view = intake_wait_view(&intake, "dev-agent",
		    ids[i], "received", 1000));
		json_decref(view);
	}
	list_all(merchant, listed, NFILED);
	rebuild_one_shard(id_on[0], id_on[1]);
	for (i = 0; i < NFILED; i++) {
		assert_non_null(view = intake_wait_view(&intake, "dev-agent",
		    ids[i], "received", WAIT_MS));
		json_decref(view);
		free(listed[i]);
		listed[i] = xstrdup(ids[i]);
	}
	list_all(merchant, listed, NFILED);
	for (i = 0; i < NFILED; i++) {
		free(ids[i]);
		free(listed[i]);
	}
	free(merchant);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_read_model_on_its_entry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
