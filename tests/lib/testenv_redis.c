/*
 * The test Redis as the daemons see it. Tests that read or write a
 * daemon's keys themselves go to the entry the daemon uses, found here the
 * way the daemons find it: a complaint's by the murmur2 partition of its
 * id over complaints.events' partition count, a partition's hash-tagged
 * key ({p3}, {c3}, {m3}) by the number in its tag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "murmur2.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testredis.h"
#include "xmalloc.h"

/*
 * The entries' addresses, comma-separated: CDP_TEST_REDIS_ADDRS when
 * ./dev test runs several, else REDIS_ADDR.
 */
static const char *
testenv_redis_list(void)
{
	const char	*addrs = getenv("CDP_TEST_REDIS_ADDRS");

	if (addrs == NULL || strchr(addrs, ',') == NULL)
		return testenv_require("REDIS_ADDR");
	return addrs;
}

size_t
testenv_redis_entries(void)
{
	const char	*addrs = testenv_redis_list();
	size_t		 n = 1;

	for (; *addrs != '\0'; addrs++)
		n += *addrs == ',';
	return n;
}

/* Entry i (from 0) of the test Redis; the host is allocated. */
void
testenv_redis_entry(size_t i, char **host, int *port)
{
	const char	*p = testenv_redis_list(), *end;
	char		*one;

	if (i >= testenv_redis_entries())
		fatalx("testenv: no Redis entry %zu", i);
	for (; i > 0; i--)
		p = strchr(p, ',') + 1;
	end = strchr(p, ',');
	one = end != NULL ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
	if (config_hostport(one, host, port) == -1)
		fatalx("testenv: Redis entry not host:port: %s", one);
	free(one);
}

/*
 * Makes addrs (host:port,host:port...) this test's Redis in place of the
 * test environment's: for tests that run redis-servers of their own
 * (testredis.h), so that the helpers here and the daemons that testproc
 * starts see those.
 */
void
testenv_redis_use(const char *addrs)
{
	if (strchr(addrs, ',') == NULL)
		setenv("REDIS_ADDR", addrs, 1);
	setenv("CDP_TEST_REDIS_ADDRS", addrs, 1);
}

/*
 * Every entry as cdp-ops' --redis takes it (host:port[,host:port...]), so
 * that a tool run by a test sees the layout the daemons see; allocated.
 */
char *
testenv_redis_addrs(void)
{
	return xstrdup(testenv_redis_list());
}

/* A connection to entry; the test fails when it does not answer. */
redisContext *
testenv_redis_connect(size_t entry)
{
	redisContext	*rc;
	char		*host;
	int		 port;

	testenv_redis_entry(entry, &host, &port);
	rc = redisConnect(host, port);
	if (rc == NULL || rc->err != 0)
		fail_msg("redis entry %zu (%s:%d) does not answer", entry, host,
		    port);
	free(host);
	return rc;
}

size_t
testenv_entry_of_partition(int32_t partition)
{
	return (size_t)partition % testenv_redis_entries();
}

/*
 * The partition of complaints.events a complaint's events are on, as the
 * producers chose it (common/murmur2.h): the number in the hash tag of
 * its keys, and, mod the entries, where they are. The partition count is
 * asked once: tests never change it.
 */
int32_t
testenv_partition_of_complaint(const char *id)
{
	static int	partitions;

	if (partitions == 0)
		partitions = testenv_partition_count("complaints.events");
	return murmur2_partition(id, strlen(id), partitions);
}

/* The entry of a complaint's state; on one Redis 0, without asking Kafka. */
size_t
testenv_entry_of_complaint(const char *id)
{
	if (testenv_redis_entries() == 1)
		return 0;
	return testenv_entry_of_partition(testenv_partition_of_complaint(id));
}

/*
 * The entry of a key hash-tagged with its partition: the number after
 * the letter in its braces (sla:{p3}:..., ntf:{c3}:..., pen:{m3}:...).
 */
size_t
testenv_entry_of_key(const char *key)
{
	const char	*tag = strchr(key, '{');

	if (tag == NULL || tag[1] == '\0' || tag[2] < '0' || tag[2] > '9')
		fail_msg("%s: no partition tag", key);
	return testenv_entry_of_partition(atoi(tag + 2));
}

/* One command on entry; an error answer fails the test. */
void
testenv_redis_do(size_t entry, const char *fmt, ...)
{
	redisContext	*rc = testenv_redis_connect(entry);
	va_list		 ap;

	va_start(ap, fmt);
	(void)testredis_vint(rc, fmt, ap);
	va_end(ap);
	redisFree(rc);
}

/* testredis_vint() of one command on entry. */
long long
testenv_redis_int(size_t entry, const char *fmt, ...)
{
	redisContext	*rc = testenv_redis_connect(entry);
	va_list		 ap;
	long long	 n;

	va_start(ap, fmt);
	n = testredis_vint(rc, fmt, ap);
	va_end(ap);
	redisFree(rc);
	return n;
}

/* testredis_vstring() of one command on entry: allocated, or NULL. */
char *
testenv_redis_string(size_t entry, const char *fmt, ...)
{
	redisContext	*rc = testenv_redis_connect(entry);
	va_list		 ap;
	char		*s;

	va_start(ap, fmt);
	s = testredis_vstring(rc, fmt, ap);
	va_end(ap);
	redisFree(rc);
	return s;
}

size_t
testenv_redis_count(size_t entry, const char *pattern)
{
	redisContext	*rc = testenv_redis_connect(entry);
	size_t		 n = testredis_count(rc, pattern);

	redisFree(rc);
	return n;
}

/* Empties every entry, as a Redis lost whole would be. */
void
testenv_redis_flushall(void)
{
	size_t	e;

	for (e = 0; e < testenv_redis_entries(); e++)
		testenv_redis_do(e, "FLUSHALL");
}

/*
 * Fails the test unless key is on entry and on no other: which entry
 * holds a daemon's key is part of its documented layout.
 */
void
testenv_redis_only_on(size_t entry, const char *key)
{
	size_t	e;

	for (e = 0; e < testenv_redis_entries(); e++)
		if (testenv_redis_int(e, "EXISTS %s", key) != (e == entry))
			fail_msg("%s %s entry %zu (its entry is %zu of %zu)",
			    key, e == entry ? "is missing from" : "is also on",
			    e, entry, testenv_redis_entries());
}

/*
 * The one key matching pattern on any entry (allocated), or NULL when no
 * entry has one. For keys hash-tagged with their partition whose number
 * the test cannot know in advance (a notification's, a merchant's): the
 * test fails unless the key is on the entry its tag names, and only once.
 */
char *
testenv_redis_find(const char *pattern)
{
	redisContext	*rc;
	redisReply	*r;
	char		*found = NULL;
	size_t		 e;

	for (e = 0; e < testenv_redis_entries(); e++) {
		rc = testenv_redis_connect(e);
		r = redisCommand(rc, "KEYS %s", pattern);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY)
			fail_msg("redis: KEYS %s: no list", pattern);
		if (r->elements > 0 && (found != NULL || r->elements > 1))
			fail_msg("%s: more than one key", pattern);
		if (r->elements > 0) {
			found = xstrdup(r->element[0]->str);
			if (testenv_entry_of_key(found) != e)
				fail_msg("%s is on entry %zu, not %zu", found,
				    e, testenv_entry_of_key(found));
		}
		freeReplyObject(r);
		redisFree(rc);
	}
	return found;
}

/*
 * Deletes the keys matching pattern on every entry, as a Redis that lost
 * them would be; how many there were.
 */
size_t
testenv_redis_delete(const char *pattern)
{
	redisContext	*rc;
	redisReply	*r;
	size_t		 e, i, n = 0;

	for (e = 0; e < testenv_redis_entries(); e++) {
		rc = testenv_redis_connect(e);
		r = redisCommand(rc, "KEYS %s", pattern);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY)
			fail_msg("redis: KEYS %s: no list", pattern);
		for (i = 0; i < r->elements; i++)
			(void)testredis_int(rc, "DEL %s", r->element[i]->str);
		n += r->elements;
		freeReplyObject(r);
		redisFree(rc);
	}
	return n;
}
