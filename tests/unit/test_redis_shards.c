/*
 * Unit tests of common/redis_shards.c's pure part: the REDIS_ADDRS list
 * (every bad entry refused with one line naming it) and the partition to
 * entry mapping (p mod N).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redis_shards.h"

static void
parses(const char *s, size_t want)
{
	struct config_hostport	*list = NULL;
	size_t			 n = 0;
	char			 err[256] = "";

	assert_int_equal(redis_shards_parse(s, &list, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, want);
	config_hostport_list_free(list, n);
}

/* Refused, with an error holding want. */
static void
refused(const char *s, const char *want)
{
	struct config_hostport	*list = NULL;
	size_t			 n = 0;
	char			 err[256] = "";

	assert_int_equal(redis_shards_parse(s, &list, &n, err, sizeof(err)),
	    -1);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", s, err, want);
}

static void
test_good_lists(void **state)
{
	struct config_hostport	*list = NULL;
	size_t			 n = 0;
	char			 err[256];

	parses("127.0.0.1:6380", 1);
	parses("127.0.0.1:6380,127.0.0.1:6381", 2);
	parses(" redis-0:6379 , redis-1:6379,redis-2:6379 ", 3);
	parses("[::1]:6379,[::1]:6380", 2);
	assert_int_equal(redis_shards_parse("a:1, b:65535", &list, &n, err,
	    sizeof(err)), 0);
	assert_string_equal(list[0].host, "a");
	assert_int_equal(list[0].port, 1);
	assert_string_equal(list[1].host, "b");
	assert_int_equal(list[1].port, 65535);
	config_hostport_list_free(list, n);
}

static void
test_empty_entries(void **state)
{
	refused("", "entry 1 is empty");
	refused(" ", "entry 1 is empty");
	refused("a:1,", "entry 2 is empty");
	refused("a:1,,b:2", "entry 2 is empty");
	refused(",a:1", "entry 1 is empty");
}

static void
test_no_port(void **state)
{
	refused("redis", "entry 1 (\"redis\") has no port");
	refused("a:1,redis-1", "entry 2 (\"redis-1\") has no port");
	refused("a:1,b:", "entry 2 (\"b:\") has no port");
	refused("[::1]", "has no port");
}

static void
test_port_out_of_range(void **state)
{
	refused("a:0", "entry 1 (\"a:0\"): the port must be 1-65535");
	refused("a:1,b:65536", "entry 2 (\"b:65536\"): the port must be");
	refused("a:-1", "the port must be 1-65535");
	refused("a:63x", "the port must be 1-65535");
	refused("a:99999999999999999999", "the port must be 1-65535");
}

static void
test_bad_host(void **state)
{
	refused(":6379", "entry 1 (\":6379\"): expected host:port");
	refused("a b:6379", "expected host:port");
}

static void
test_duplicates(void **state)
{
	refused("a:1,b:2,a:1", "entry 3 (a:1) repeats entry 1");
	refused("Redis:6379, redis:6379", "entry 2 (redis:6379) repeats "
	    "entry 1");
	parses("a:1,a:2", 2);	/* two servers on one host */
}

static void
test_too_many(void **state)
{
	char	s[REDIS_SHARDS_MAX * 16 + 32] = "";
	int	i;

	for (i = 0; i <= REDIS_SHARDS_MAX; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%sh:%d",
		    i > 0 ? "," : "", 1000 + i);
	refused(s, "more than 64 entries");
}

static void
test_partition_mapping(void **state)
{
	assert_int_equal(redis_shard_of(0, 1), 0);
	assert_int_equal(redis_shard_of(11, 1), 0);
	assert_int_equal(redis_shard_of(0, 2), 0);
	assert_int_equal(redis_shard_of(1, 2), 1);
	assert_int_equal(redis_shard_of(2, 2), 0);
	assert_int_equal(redis_shard_of(11, 2), 1);
	assert_int_equal(redis_shard_of(7, 3), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lists),
		cmocka_unit_test(test_empty_entries),
		cmocka_unit_test(test_no_port),
		cmocka_unit_test(test_port_out_of_range),
		cmocka_unit_test(test_bad_host),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_partition_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
