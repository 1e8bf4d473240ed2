/*
 * cdp-ops: the operator's command-line tool. It reads the platform's topics
 * from outside the consumer groups (tools/topicread.c), so reading never
 * moves a daemon's offsets; only rebuild and recompute change anything
 * (tools/rebuild.c), and only while the daemon is stopped.
 *
 *	cdp-ops [-b brokers] dlq list SERVICE
 *	cdp-ops [-b brokers] dlq show SERVICE PARTITION:OFFSET
 *	cdp-ops [-b brokers] dlq replay SERVICE PARTITION:OFFSET... | --all
 *	cdp-ops [-b brokers] history COMPLAINT_ID [--json]
 *	cdp-ops [-b brokers] lag [SERVICE...]
 *	cdp-ops [-b brokers] members
 *	cdp-ops [-b brokers] rebuild SERVICE [--group NAME] [--redis ADDRS]
 *	    [--shard K]
 *	cdp-ops [-b brokers] recompute [--redis ADDRS] [--shard K]
 *
 * Exit status: 0 done, 1 failed (Kafka unreachable, a write refused),
 * 2 wrong usage, 3 nothing found (no such dead letter, no event of that
 * complaint), so that scripts can tell them apart.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "cdp/v1/order.pb-c.h"
#include "murmur2.h"
#include "nitems.h"
#include "ops.h"
#include "pbjson.h"
#include "timefmt.h"
#include "topicread.h"
#include "xmalloc.h"

#define EXIT_USAGE	2
#define EXIT_NOTFOUND	3
#define SLA_FIRED_MARK	"}:f:"	/* the sla-timer's keys of what fired */

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: cdp-ops [-b brokers] dlq list SERVICE\n"
	    "       cdp-ops [-b brokers] dlq show SERVICE PARTITION:OFFSET\n"
	    "       cdp-ops [-b brokers] dlq replay SERVICE"
	    " PARTITION:OFFSET... | --all\n"
	    "       cdp-ops [-b brokers] history COMPLAINT_ID [--json]\n"
	    "       cdp-ops [-b brokers] lag [SERVICE...]\n"
	    "       cdp-ops [-b brokers] members\n"
	    "       cdp-ops [-b brokers] rebuild SERVICE [--group NAME]"
	    " [--redis ADDRS]\n"
	    "               [--shard K]\n"
	    "       cdp-ops [-b brokers] recompute [--redis ADDRS]"
	    " [--shard K]\n"
	    "\n"
	    "  -b, --brokers  bootstrap servers (default: $KAFKA_BROKERS,"
	    " else 127.0.0.1:9092)\n"
	    "\n"
	    "  dlq list     the dead letters of SERVICE (dlq.SERVICE), one a"
	    " line:\n"
	    "               where, when, key, where it came from, why\n"
	    "  dlq show     one dead letter whole, as JSON: headers, key,"
	    " and its body\n"
	    "               decoded as its source topic's message (or hex)\n"
	    "  dlq replay   sends dead letters back to their source topic,"
	    " with their key,\n"
	    "               after the cause was fixed; each gets the header"
	    " dlq.replayed_from\n"
	    "  history      a complaint's events from complaints.events, in"
	    " log order\n"
	    "  lag          per consumer group: committed offset, end and lag"
	    " of each\n"
	    "               partition (services: %s)\n"
	    "  members      per consumer group: each member (instance id)"
	    " and the\n"
	    "               partitions it holds now\n"
	    "  rebuild      with every instance of SERVICE stopped: deletes"
	    " the group\n"
	    "               that builds its state (refused while a member"
	    " remains) and its\n"
	    "               Redis state\n"
	    "               on every Redis ($REDIS_ADDRS or $REDIS_ADDR,"
	    " REDIS_USERNAME,\n"
	    "               REDIS_PASSWORD[_FILE]; --redis: host:port[,...]);"
	    " started\n"
	    "               again, it rebuilds from its topics (--group: "
	    "analytics' group)\n"
	    "               --shard K (intake, sla-timer, penalty): only the"
	    " partitions\n"
	    "               of Redis entry K (p mod N = K), running or not:"
	    " the group\n"
	    "               stays, the entry's keys go, and the daemon reads"
	    " those\n"
	    "               partitions again\n"
	    "  recompute    the sla-timer's rebuild keeping what fired: clocks"
	    " re-timed\n"
	    "               under the current policies, nothing fired twice\n"
	    "\n"
	    "exit status: 0 done, 1 failed, 2 usage, 3 nothing found\n",
	    ops_service_names());
	exit(EXIT_USAGE);
}

/* The payload of a record from topic, decoded, as JSON; NULL if it is not. */
static json_t *
decode_payload(const char *topic, const void *payload, size_t len)
{
	const ProtobufCMessageDescriptor	*d = NULL;
	ProtobufCMessage			*msg;
	json_t					*j;

	if (strcmp(topic, "complaints.events") == 0)
		d = &cdp__v1__complaint_event__descriptor;
	else if (strcmp(topic, "merchants.events") == 0)
		d = &cdp__v1__merchant_event__descriptor;
	else if (strcmp(topic, "orders.events") == 0)
		d = &cdp__v1__order_event__descriptor;
	else if (strcmp(topic, "logistics.events") == 0)
		d = &cdp__v1__logistics_event__descriptor;
	if (d == NULL || (msg = protobuf_c_message_unpack(d, NULL, len,
	    payload)) == NULL)
		return NULL;
	j = pbjson_message(msg);
	protobuf_c_message_free_unpacked(msg, NULL);
	return j;
}

/* Parses "PARTITION:OFFSET". */
static int
parse_where(const char *s, int32_t *p, int64_t *off)
{
	char	*end;
	long	 part;

	part = strtol(s, &end, 10);
	if (end == s || *end != ':' || part < 0 || part > 100000)
		return -1;
	*off = strtoll(end + 1, &end, 10);
	if (*end != '\0' || *off < 0)
		return -1;
	*p = (int32_t)part;
	return 0;
}

struct dlq_cmd {
	rd_kafka_t	*rk;
	const char	*brokers;
	int32_t		 partition;	/* -1: every record */
	int64_t		 offset;
	size_t		 found;
	size_t		 failed;
	int		(*fn)(struct dlq_cmd *, const rd_kafka_message_t *);
};

static int
dlq_each(void *arg, const rd_kafka_message_t *m)
{
	struct dlq_cmd	*c = arg;

	if (c->partition >= 0 && (m->partition != c->partition ||
	    m->offset != c->offset))
		return 0;
	c->found++;
	return c->fn(c, m);
}

static int
dlq_list_one(struct dlq_cmd *c, const rd_kafka_message_t *m)
{
	char	when[TIMEFMT_MAX], reason[512], topic[256], p[16], off[32];
	rd_kafka_timestamp_type_t tt;

	timefmt_rfc3339(rd_kafka_message_timestamp(m, &tt), when,
	    sizeof(when));
	printf("%d:%lld\t%s\t%.*s\t%s[%s]@%s\t%s\n", m->partition,
	    (long long)m->offset, when, (int)m->key_len,
	    m->key != NULL ? (const char *)m->key : "",
	    topicread_header(m, "dlq.topic", topic, sizeof(topic)),
	    topicread_header(m, "dlq.partition", p, sizeof(p)),
	    topicread_header(m, "dlq.offset", off, sizeof(off)),
	    topicread_header(m, "dlq.reason", reason, sizeof(reason)));
	return 0;
}

static int
dlq_show_one(struct dlq_cmd *c, const rd_kafka_message_t *m)
{
	static const char	*names[] = { "dlq.reason", "dlq.service",
				    "dlq.topic", "dlq.partition", "dlq.offset",
				    "dlq.replayed_from" };
	char			 buf[1024], topic[256];
	json_t			*o = json_object(), *h = json_object(), *body;
	size_t			 i;

	for (i = 0; i < nitems(names); i++)
		if (*topicread_header(m, names[i], buf, sizeof(buf)) != '\0')
			json_object_set_new(h, names[i], json_string(buf));
	json_object_set_new(o, "partition", json_integer(m->partition));
	json_object_set_new(o, "offset", json_integer(m->offset));
	json_object_set_new(o, "headers", h);
	json_object_set_new(o, "key", json_stringn(m->key != NULL ?
	    m->key : "", m->key_len));
	json_object_set_new(o, "bytes", json_integer((json_int_t)m->len));
	topicread_header(m, "dlq.topic", topic, sizeof(topic));
	if ((body = decode_payload(topic, m->payload, m->len)) != NULL)
		json_object_set_new(o, "body", body);
	else
		json_object_set_new(o, "body_hex", pbjson_hex(m->payload,
		    m->len));
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(o);
	return 0;
}

static int
dlq_replay_one(struct dlq_cmd *c, const rd_kafka_message_t *m)
{
	char	topic[256], from[320];

	topicread_header(m, "dlq.topic", topic, sizeof(topic));
	snprintf(from, sizeof(from), "%s:%d:%lld", rd_kafka_topic_name(
	    m->rkt), m->partition, (long long)m->offset);
	if (*topic == '\0' || ops_send(c->brokers, topic, m, from) == -1) {
		fprintf(stderr, "cdp-ops: %s: not replayed%s\n", from,
		    *topic == '\0' ? " (no dlq.topic header)" : "");
		c->failed++;
		return 0;
	}
	printf("%s -> %s\n", from, topic);
	return 0;
}

static int
cmd_dlq(const char *brokers, int argc, char **argv)
{
	struct dlq_cmd	 c = { .brokers = brokers, .partition = -1 };
	char		 topic[128], err[512];
	int		 i, rc = 0;

	if (argc < 2)
		usage();
	if (strcmp(argv[0], "list") == 0 && argc == 2)
		c.fn = dlq_list_one;
	else if (strcmp(argv[0], "show") == 0 && argc == 3)
		c.fn = dlq_show_one;
	else if (strcmp(argv[0], "replay") == 0 && argc >= 3)
		c.fn = dlq_replay_one;
	else
		usage();
	if (ops_service(argv[1]) == NULL)
		usage();
	snprintf(topic, sizeof(topic), "dlq.%s", argv[1]);
	if ((c.rk = topicread_client(brokers, err, sizeof(err))) == NULL)
		return ops_fail(err);
	if (c.fn == dlq_list_one || (argc == 3 && strcmp(argv[2], "--all") ==
	    0))
		rc = topicread_records(c.rk, topic, -1, 0, dlq_each, &c, err,
		    sizeof(err));
	for (i = 2; c.fn != dlq_list_one && strcmp(argv[2], "--all") != 0 &&
	    i < argc && rc == 0; i++) {
		if (parse_where(argv[i], &c.partition, &c.offset) == -1)
			usage();
		rc = topicread_records(c.rk, topic, c.partition, c.offset,
		    dlq_each, &c, err, sizeof(err));
	}
	topicread_close(c.rk);
	if (rc == -1)
		return ops_fail(err);
	if (c.failed > 0)
		return 1;
	return c.found == 0 && c.fn != dlq_list_one ? EXIT_NOTFOUND : 0;
}

struct history {
	const char	*id;
	bool		 json;
	size_t		 found;
};

static int
history_each(void *arg, const rd_kafka_message_t *m)
{
	struct history		*h = arg;
	Cdp__V1__ComplaintEvent	*ev;
	char			 when[TIMEFMT_MAX];
	json_t			*j;

	if (m->key_len != strlen(h->id) || memcmp(m->key, h->id,
	    m->key_len) != 0)
		return 0;
	h->found++;
	if ((ev = cdp__v1__complaint_event__unpack(NULL, m->len,
	    m->payload)) == NULL) {
		printf("%lld\t(undecodable, %zu bytes)\n", (long long)m->offset,
		    m->len);
		return 0;
	}
	if (h->json) {
		j = pbjson_message(&ev->base);
		json_object_set_new(j, "_offset", json_integer(m->offset));
		json_dumpf(j, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	} else {
		timefmt_rfc3339(ev->meta != NULL ? ev->meta->occurred_at_ms :
		    0, when, sizeof(when));
		printf("%lld\t%s\t%s\t%s\t%s\n", (long long)m->offset, when,
		    ev->meta != NULL ? ev->meta->producer : "",
		    pbjson_oneof_case(&ev->base), ev->meta != NULL ?
		    ev->meta->event_id : "");
	}
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	return 0;
}

static int
cmd_history(const char *brokers, int argc, char **argv)
{
	struct history	 h = { 0 };
	rd_kafka_t	*rk;
	char		 err[512];
	int		 n, rc;

	if (argc < 1 || argc > 2 || (argc == 2 && strcmp(argv[1], "--json")))
		usage();
	h.id = argv[0];
	h.json = argc == 2;
	if ((rk = topicread_client(brokers, err, sizeof(err))) == NULL)
		return ops_fail(err);
	if ((n = topicread_partitions(rk, "complaints.events", err,
	    sizeof(err))) == -1)
		rc = -1;
	else
		rc = topicread_records(rk, "complaints.events",
		    murmur2_partition(h.id, strlen(h.id), n), 0,
		    history_each, &h, err, sizeof(err));
	topicread_close(rk);
	if (rc == -1)
		return ops_fail(err);
	return h.found == 0 ? EXIT_NOTFOUND : 0;
}

int
main(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*brokers = getenv("KAFKA_BROKERS");
	int				 ch, rc = EXIT_USAGE;

	if (brokers == NULL || *brokers == '\0')
		brokers = "127.0.0.1:9092";
	while ((ch = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
		if (ch == 'b')
			brokers = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "dlq") == 0)
		return cmd_dlq(brokers, argc - 1, argv + 1);
	if (strcmp(argv[0], "history") == 0)
		return cmd_history(brokers, argc - 1, argv + 1);
	if (strcmp(argv[0], "lag") == 0)
		return lag_report(brokers, argc - 1, argv + 1);
	if (strcmp(argv[0], "members") == 0 && argc == 1)
		return members_report(brokers);
	if (strcmp(argv[0], "rebuild") == 0 && argc >= 2)
		rc = rebuild_cmd(brokers, argv[1], argc - 2, argv + 2, NULL);
	else if (strcmp(argv[0], "recompute") == 0)
		rc = rebuild_cmd(brokers, "sla-timer", argc - 1, argv + 1,
		    SLA_FIRED_MARK);
	if (rc == EXIT_USAGE)
		usage();
	return rc;
}
