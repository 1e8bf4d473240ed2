/*
 * Unit tests of common/murmur2.c: the hashes Kafka's own tests hold for
 * Utils.murmur2 (UtilsTest.testMurmur2), and the partitions librdkafka's
 * murmur2 partitioner, which our producers use, gives the same keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "murmur2.h"

static const struct {
	const char	*key;
	int32_t		 hash;
} known[] = {
	{ "21", -973932308 },
	{ "foobar", -790332482 },
	{ "a-little-bit-long-string", -985981536 },
	{ "a-little-bit-longer-string", -1486304829 },
	{ "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971 },
	{ "abc", 479470107 },
};

static void
test_java_values(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_equal(murmur2(known[i].key, strlen(known[i].key)),
		    known[i].hash);
}

/* The empty key hashes too (a length of 0 reads no byte). */
static void
test_empty(void **state)
{
	assert_int_equal(murmur2_partition("", 0, 12),
	    rd_kafka_msg_partitioner_murmur2(NULL, "", 0, 12, NULL, NULL));
}

/* Cleared sign bit, not absolute value: -973932308 & 0x7fffffff. */
static void
test_positive(void **state)
{
	assert_int_equal(murmur2_partition("21", 2, 1000000007),
	    (int32_t)((uint32_t)-973932308 & 0x7fffffffU) % 1000000007);
	assert_int_equal(murmur2_partition("foobar", 6, 1), 0);
}

/* Complaint ids as intake mints them, against librdkafka's partitioner. */
static void
test_librdkafka_agrees(void **state)
{
	char	id[32];
	int32_t	parts[] = { 1, 2, 3, 6, 12, 7 };
	size_t	i, j;

	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "C%012zu", i * 7919);
		for (j = 0; j < sizeof(parts) / sizeof(parts[0]); j++)
			assert_int_equal(murmur2_partition(id, strlen(id),
			    parts[j]), rd_kafka_msg_partitioner_murmur2(NULL,
			    id, strlen(id), parts[j], NULL, NULL));
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_java_values),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_positive),
		cmocka_unit_test(test_librdkafka_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
