/*
 * cdp-ops rebuild SERVICE and cdp-ops recompute: the state a daemon keeps
 * in Redis is a projection of the log, so it can be dropped and made again
 * by replaying the log. With every instance of the daemon stopped, the
 * tool deletes the consumer group that builds the state (Kafka refuses
 * while a member remains, which is the check that none runs; penalty's
 * stateless first stage, "penalty-record", keeps its place) and then the
 * daemon's keys; started
 * again, the daemon finds no offset anywhere and reads its topics from the
 * beginning. recompute is the sla-timer's rebuild that keeps the record of
 * what fired (the "}:f:" keys), so clocks re-timed under a new policy do
 * not fire twice (sla-timer --recompute does the same from inside).
 *
 * With Redis sharded by partition (REDIS_ADDRS, or --redis with a list),
 * the keys are deleted on every entry. --shard K rebuilds the partitions
 * of one entry only (p mod N = K), for the daemons that keep their
 * progress with each partition's state (intake, sla-timer, penalty): the
 * group stays, the entry's epoch keys go first and then the rest of the
 * service's keys there, and a running instance notices its epochs gone
 * and reads just those partitions again (a stopped one at its next
 * start), as after a FLUSHALL of that entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "kafka.h"
#include "nitems.h"
#include "kafkaclient.h"
#include "ops.h"
#include "redis.h"
#include "redis_shards.h"
#include "xmalloc.h"

#define REBUILD_TIMEOUT_MS	15000

struct rebuild {
	const struct ops_service *s;
	const char	*group;		/* the one that builds the state */
	const char	*keep;		/* keys holding this stay */
	const char	*redis_addr;	/* one host:port or a list */
	int		 shard;		/* --shard K, or -1: every entry */
};

/* Kafka's answer for one group: deleted, never there, or still in use. */
static int
rebuild_group_result(const rd_kafka_group_result_t *gr, const char *service,
    char *err, size_t errsz)
{
	const rd_kafka_error_t	*e = rd_kafka_group_result_error(gr);
	const char		*name = rd_kafka_group_result_name(gr);

	if (e == NULL) {
		printf("group %s: deleted\n", name);
		return 0;
	}
	switch (rd_kafka_error_code(e)) {
	case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
		printf("group %s: none (nothing committed)\n", name);
		return 0;
	case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
		snprintf(err, errsz, "group %s still has members: stop every "
		    "instance of %s first (a stopped static member stays "
		    "until its session times out); nothing was deleted", name,
		    service);
		return -1;
	default:
		snprintf(err, errsz, "group %s: %s", name,
		    rd_kafka_error_string(e));
		return -1;
	}
}

/* Deletes the group unless in use; -1 with the reason in err. */
static int
rebuild_groups(const char *brokers, struct rebuild *b, char *err,
    size_t errsz)
{
	rd_kafka_DeleteGroup_t		*dg[1];
	const rd_kafka_group_result_t	**res;
	rd_kafka_AdminOptions_t		*opts;
	rd_kafka_queue_t		*q;
	rd_kafka_event_t		*ev;
	rd_kafka_t			*rk;
	size_t				 i, n;
	int				 rc = 0;

	if ((rk = kafkaclient_new(RD_KAFKA_PRODUCER, brokers, NULL, err,
	    errsz)) == NULL)
		return -1;
	dg[0] = rd_kafka_DeleteGroup_new(b->group);
	q = rd_kafka_queue_new(rk);
	opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
	rd_kafka_AdminOptions_set_request_timeout(opts, REBUILD_TIMEOUT_MS,
	    NULL, 0);
	rd_kafka_DeleteGroups(rk, dg, 1, opts, q);
	if ((ev = kafkaclient_wait(q, RD_KAFKA_EVENT_DELETEGROUPS_RESULT,
	    REBUILD_TIMEOUT_MS + 5000)) == NULL) {
		snprintf(err, errsz, "Kafka %s did not answer", brokers);
		rc = -1;
	} else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errsz, "deleting groups: %s",
		    rd_kafka_event_error_string(ev));
		rc = -1;
	} else {
		res = rd_kafka_DeleteGroups_result_groups(
		    rd_kafka_event_DeleteGroups_result(ev), &n);
		for (i = 0; i < n && rc == 0; i++)
			rc = rebuild_group_result(res[i], b->s->name, err,
			    errsz);
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_DeleteGroup_destroy_array(dg, 1);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return rc;
}

/*
 * One of the daemons' Redis, as they are configured: an entry of
 * REDIS_ADDRS or REDIS_ADDR (or --redis), REDIS_USERNAME, REDIS_PASSWORD
 * or REDIS_PASSWORD_FILE.
 */
static redisContext *
rebuild_redis(const struct config_hostport *addr, char *err, size_t errsz)
{
	struct redis_endpoint	 ep = { 0 };
	const char		*file = getenv("REDIS_PASSWORD_FILE");
	char			*password = NULL;
	redisContext		*rc = NULL;

	ep.host = addr->host;
	ep.port = addr->port;
	ep.username = getenv("REDIS_USERNAME");
	ep.password = getenv("REDIS_PASSWORD");
	if (file != NULL && *file != '\0' && config_read_secret(file,
	    &password, err, errsz) == -1)
		goto done;
	if (password != NULL)
		ep.password = password;
	rc = redis_connect_sync(&ep, err, errsz);
done:
	if (password != NULL)
		explicit_bzero(password, strlen(password));
	free(password);
	return rc;
}

/* The SCAN pattern of state, its '@' standing for the group's name. */
static void
rebuild_pattern(const char *state, const char *group, char *out, size_t size)
{
	const char	*at = strchr(state, '@');

	if (at == NULL)
		snprintf(out, size, "%s", state);
	else
		snprintf(out, size, "%.*s%s%s", (int)(at - state), state, group,
		    at + 1);
}

/*
 * Deletes the service's keys on one Redis (its epochs first, when it has
 * them); -1 with the reason in err.
 */
static int
rebuild_entry(struct rebuild *b, const struct config_hostport *addr,
    char *err, size_t errsz)
{
	redisContext	*rc;
	char		 pattern[256];
	size_t		 i, deleted = 0;
	int		 ret = 0;

	if ((rc = rebuild_redis(addr, err, errsz)) == NULL)
		return -1;
	if (b->s->epochs != NULL)
		ret = redis_sync_delete(rc, b->s->epochs, NULL, &deleted, err,
		    errsz);
	for (i = 0; i < nitems(b->s->state) && b->s->state[i] != NULL &&
	    ret == 0; i++) {
		rebuild_pattern(b->s->state[i], b->group, pattern,
		    sizeof(pattern));
		ret = redis_sync_delete(rc, pattern, b->keep, &deleted, err,
		    errsz);
		printf("redis %s:%d: %s: %zu keys deleted so far%s%s\n",
		    addr->host, addr->port, pattern, deleted, b->keep != NULL ?
		    ", keeping those with " : "", b->keep != NULL ? b->keep :
		    "");
	}
	redisFree(rc);
	return ret;
}

/* The keys on every entry of the Redis address list, or on b->shard's. */
static int
rebuild_state(struct rebuild *b, char *err, size_t errsz)
{
	struct config_hostport	*list;
	size_t			 i, n;
	char			 why[256];
	int			 ret = 0;

	if (redis_shards_parse(b->redis_addr, &list, &n, why,
	    sizeof(why)) == -1) {
		snprintf(err, errsz, "Redis address %s: %s", b->redis_addr,
		    why);
		return -1;
	}
	if (b->shard >= (int)n) {
		snprintf(err, errsz, "--shard %d: the Redis address list has "
		    "%zu entries (0 to %zu)", b->shard, n, n - 1);
		ret = -1;
	}
	for (i = 0; i < n && ret == 0; i++)
		if (b->shard < 0 || (size_t)b->shard == i)
			ret = rebuild_entry(b, &list[i], err, errsz);
	if (ret == 0 && b->shard >= 0)
		printf("entry %d of %zu: %s reads the partitions p with p mod "
		    "%zu = %d again from the beginning, a running instance "
		    "within seconds, a stopped one at its start\n", b->shard,
		    n, b->s->name, n, b->shard);
	config_hostport_list_free(list, n);
	return ret;
}

/*
 * Where the daemons' Redis is: REDIS_ADDRS or REDIS_ADDR (both is the
 * daemons' start-up error, and ours), else the dev default.
 */
static int
rebuild_redis_env(struct rebuild *b)
{
	const char	*one = getenv("REDIS_ADDR");
	const char	*list = getenv("REDIS_ADDRS");

	if (one != NULL && *one != '\0' && list != NULL && *list != '\0') {
		fprintf(stderr, "cdp-ops: REDIS_ADDR and REDIS_ADDRS are both "
		    "set; keep one\n");
		return -1;
	}
	if (list != NULL && *list != '\0')
		b->redis_addr = list;
	else if (one != NULL && *one != '\0')
		b->redis_addr = one;
	else
		b->redis_addr = "127.0.0.1:6380";
	return 0;
}

/*
 * [--group NAME] [--redis HOST:PORT[,...]] [--shard K]; -1 on wrong
 * usage.
 */
static int
rebuild_args(struct rebuild *b, int argc, char **argv)
{
	const char	*group = NULL;
	char		*end;
	long		 k;
	int		 a;

	b->shard = -1;
	for (a = 0; a < argc; a += 2) {
		if (a + 1 >= argc)
			return -1;
		if (strcmp(argv[a], "--group") == 0)
			group = argv[a + 1];
		else if (strcmp(argv[a], "--redis") == 0)
			b->redis_addr = argv[a + 1];
		else if (strcmp(argv[a], "--shard") == 0) {
			k = strtol(argv[a + 1], &end, 10);
			if (*argv[a + 1] == '\0' || *end != '\0' || k < 0 ||
			    k > 63)
				return -1;
			b->shard = (int)k;
		} else
			return -1;
	}
	if (group != NULL)
		b->group = group;
	else
		b->group = b->s->state_group != NULL ? b->s->state_group :
		    b->s->group;
	return 0;
}

/*
 * Rebuilds service's state, keeping the keys that hold keep besides those
 * the service always keeps; argv holds the options. Exit status as
 * cdp-ops': 0 done, 1 failed (nothing deleted while the daemon runs), 2
 * wrong usage.
 */
int
rebuild_cmd(const char *brokers, const char *service, int argc, char **argv,
    const char *keep)
{
	struct rebuild	 b = { 0 };
	char		 err[512];

	if ((b.s = ops_service(service)) == NULL) {
		fprintf(stderr, "cdp-ops: unknown service %s (%s)\n", service,
		    ops_service_names());
		return 2;
	}
	b.keep = keep != NULL ? keep : b.s->keep;
	if (rebuild_redis_env(&b) == -1)
		return 1;
	if (rebuild_args(&b, argc, argv) == -1)
		return 2;
	if (b.s->no_rebuild != NULL) {
		fprintf(stderr, "cdp-ops: %s has no rebuild: %s\n", b.s->name,
		    b.s->no_rebuild);
		return 1;
	}
	if (b.shard >= 0 && b.s->epochs == NULL) {
		fprintf(stderr, "cdp-ops: %s keeps its state on the first Redis "
		    "entry, not by partition: --shard is for intake, "
		    "sla-timer and penalty\n", b.s->name);
		return 1;
	}
	if (b.shard >= 0)
		return rebuild_state(&b, err, sizeof(err)) == -1 ?
		    ops_fail(err) : 0;
	if (rebuild_groups(brokers, &b, err, sizeof(err)) == -1 ||
	    rebuild_state(&b, err, sizeof(err)) == -1)
		return ops_fail(err);
	printf("start %s: it reads its topics from the beginning and "
	    "rebuilds its state\n", b.s->name);
	return 0;
}
