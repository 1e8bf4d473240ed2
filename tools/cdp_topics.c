/*
 * cdp-topics: creates the platform's Kafka topics from config/topics.conf
 * with librdkafka's admin API, and waits for a broker to answer, so that
 * nothing but the broker itself needs the JVM.
 *
 *	cdp-topics [-b brokers] [-t seconds] --wait
 *	cdp-topics [-b brokers] [-t seconds] [--wait] [-r replicas] -f file
 *	cdp-topics --check -f file
 *
 * topics.conf holds one topic a line: its name, its partition count, then
 * any number of key=value topic configs. '#' starts a comment. A topic that
 * already exists counts as created; one that exists with a different
 * partition count is an error, since keys would no longer land where the
 * rest of the platform expects them.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "kafka.h"
#include "log.h"
#include "xmalloc.h"

#define TOPIC_NAME_MAX		249
#define PARTITIONS_MAX		10000
#define DEFAULT_TIMEOUT_S	30
#define WAIT_STEP_MS		1000

struct topic_config {
	char	*key;
	char	*value;
};

struct topic {
	char			*name;
	int			 partitions;
	int			 line;
	struct topic_config	*configs;
	size_t			 nconfigs;
};

struct topic_list {
	struct topic	*topics;
	size_t		 n;
};

static const char *conf_path;	/* for messages: file:line: reason */

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: cdp-topics [-b brokers] [-t seconds] --wait\n"
	    "       cdp-topics [-b brokers] [-t seconds] [--wait]"
	    " [-r replicas] -f file\n"
	    "       cdp-topics --check -f file\n"
	    "\n"
	    "  -b, --brokers    bootstrap servers"
	    " (default: $KAFKA_BROKERS, else 127.0.0.1:9092)\n"
	    "  -f, --file       topics file: name partitions [key=value ...]\n"
	    "  -w, --wait       wait until a broker answers a metadata"
	    " request\n"
	    "  -t, --timeout    seconds to wait for the broker and for"
	    " creation (default %d)\n"
	    "  -r, --replicas   replication factor"
	    " (default: the broker's default)\n"
	    "  -c, --check      only check the file, contact no broker\n",
	    DEFAULT_TIMEOUT_S);
	exit(2);
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kafka's own rule for topic names. */
static int
topic_name_valid(const char *name)
{
	size_t	i, len = strlen(name);

	if (len == 0 || len > TOPIC_NAME_MAX || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return 0;
	}
	return 1;
}

static int
parse_partitions(const char *s, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 ||
	    v > PARTITIONS_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

static const struct topic *
topic_find(const struct topic_list *list, const char *name)
{
	size_t	i;

	for (i = 0; i < list->n; i++) {
		if (strcmp(list->topics[i].name, name) == 0)
			return &list->topics[i];
	}
	return NULL;
}

/* Adds one key=value token to t; a bad token ends the program. */
static void
topic_add_config(struct topic *t, char *tok)
{
	char	*eq = strchr(tok, '=');
	size_t	 i;

	if (eq == NULL || eq == tok || eq[1] == '\0')
		fatalx("%s:%d: config \"%s\" must be key=value", conf_path,
		    t->line, tok);
	*eq = '\0';
	for (i = 0; i < t->nconfigs; i++) {
		if (strcmp(t->configs[i].key, tok) == 0)
			fatalx("%s:%d: config \"%s\" is given twice",
			    conf_path, t->line, tok);
	}
	t->configs = xreallocarray(t->configs, t->nconfigs + 1,
	    sizeof(*t->configs));
	t->configs[t->nconfigs].key = xstrdup(tok);
	t->configs[t->nconfigs].value = xstrdup(eq + 1);
	t->nconfigs++;
}

/*
 * Parses one line (comment already cut) into a new entry of list; blank
 * lines add nothing. Any mistake ends the program with file:line: reason.
 */
static void
parse_line(struct topic_list *list, char *buf, int lineno)
{
	struct topic		 t = { .line = lineno };
	const struct topic	*dup;
	char			*save, *name, *parts, *tok;

	if ((name = strtok_r(buf, " \t\r\n", &save)) == NULL)
		return;
	if (!topic_name_valid(name))
		fatalx("%s:%d: topic name \"%s\" must be 1-%d characters of"
		    " a-z A-Z 0-9 . _ -", conf_path, lineno, name,
		    TOPIC_NAME_MAX);
	if ((dup = topic_find(list, name)) != NULL)
		fatalx("%s:%d: topic \"%s\" is already defined on line %d",
		    conf_path, lineno, name, dup->line);
	if ((parts = strtok_r(NULL, " \t\r\n", &save)) == NULL)
		fatalx("%s:%d: topic \"%s\" has no partition count",
		    conf_path, lineno, name);
	if (parse_partitions(parts, &t.partitions) == -1)
		fatalx("%s:%d: partition count \"%s\" must be a whole number"
		    " 1-%d", conf_path, lineno, parts, PARTITIONS_MAX);
	t.name = xstrdup(name);
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL)
		topic_add_config(&t, tok);
	list->topics = xreallocarray(list->topics, list->n + 1,
	    sizeof(*list->topics));
	list->topics[list->n++] = t;
}

static void
topics_load(const char *path, struct topic_list *list)
{
	FILE	*fp;
	char	*buf = NULL, *hash;
	size_t	 bufsz = 0;
	int	 lineno = 0;

	conf_path = path;
	if ((fp = fopen(path, "r")) == NULL)
		fatal("%s", path);
	while (getline(&buf, &bufsz, fp) != -1) {
		lineno++;
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		parse_line(list, buf, lineno);
	}
	if (ferror(fp))
		fatal("%s", path);
	free(buf);
	fclose(fp);
	if (list->n == 0)
		fatalx("%s: no topics defined", path);
}

static void
topics_free(struct topic_list *list)
{
	size_t	i, j;

	for (i = 0; i < list->n; i++) {
		for (j = 0; j < list->topics[i].nconfigs; j++) {
			free(list->topics[i].configs[j].key);
			free(list->topics[i].configs[j].value);
		}
		free(list->topics[i].configs);
		free(list->topics[i].name);
	}
	free(list->topics);
}

/* librdkafka's own lines would repeat every refused connection while we
 * wait for a broker: keep them for --debug readers only. */
static void
kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	log_debug("rdkafka %s: %s", fac, buf);
}

static void
kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	log_debug("rdkafka error: %s: %s",
	    rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void
conf_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
	char	errstr[512];

	if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK)
		fatalx("kafka config %s=%s: %s", key, value, errstr);
}

static rd_kafka_t *
kafka_open(const char *brokers)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk;
	char		 errstr[512];

	conf_set(conf, "bootstrap.servers", brokers);
	conf_set(conf, "client.id", "cdp-topics");
	/* Retry a refused connection quickly while the broker starts. */
	conf_set(conf, "reconnect.backoff.ms", "50");
	conf_set(conf, "reconnect.backoff.max.ms", "250");
	if (kafka_conf_security(conf, errstr, sizeof(errstr)) == -1)
		fatalx("config: %s", errstr);
	rd_kafka_conf_set_log_cb(conf, kafka_log);
	rd_kafka_conf_set_error_cb(conf, kafka_error);
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL)
		fatalx("kafka: %s", errstr);
	return rk;
}

/*
 * Waits until a broker answers a metadata request or the deadline passes.
 * Returns 0 when it answered, -1 on timeout.
 */
static int
kafka_wait(rd_kafka_t *rk, const char *brokers, long long deadline)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_resp_err_t		 err = RD_KAFKA_RESP_ERR__TIMED_OUT;
	long long			 left;

	while ((left = deadline - now_ms()) > 0) {
		err = rd_kafka_metadata(rk, 0, NULL, &md,
		    (int)(left < WAIT_STEP_MS ? left : WAIT_STEP_MS));
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_metadata_destroy(md);
			return 0;
		}
	}
	log_warnx("no answer from kafka at %s: %s", brokers,
	    rd_kafka_err2str(err));
	return -1;
}

static rd_kafka_NewTopic_t *
new_topic(const struct topic *t, int replicas)
{
	rd_kafka_NewTopic_t	*nt;
	rd_kafka_resp_err_t	 err;
	char			 errstr[512];
	size_t			 i;

	if ((nt = rd_kafka_NewTopic_new(t->name, t->partitions, replicas,
	    errstr, sizeof(errstr))) == NULL)
		fatalx("%s:%d: %s", conf_path, t->line, errstr);
	for (i = 0; i < t->nconfigs; i++) {
		err = rd_kafka_NewTopic_set_config(nt, t->configs[i].key,
		    t->configs[i].value);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
			fatalx("%s:%d: config %s: %s", conf_path, t->line,
			    t->configs[i].key, rd_kafka_err2str(err));
	}
	return nt;
}

static rd_kafka_AdminOptions_t *
admin_options(rd_kafka_t *rk, int timeout_ms)
{
	rd_kafka_AdminOptions_t	*opts;
	char			 errstr[512];

	opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	if (rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms,
	    errstr, sizeof(errstr)) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms,
	    errstr, sizeof(errstr)) != RD_KAFKA_RESP_ERR_NO_ERROR)
		fatalx("kafka admin options: %s", errstr);
	return opts;
}

/*
 * Counts the per-topic results of one CreateTopics request. An existing
 * topic is a success. Returns the number of topics that failed.
 */
static int
create_results(rd_kafka_event_t *ev, int *created)
{
	const rd_kafka_CreateTopics_result_t	 *res;
	const rd_kafka_topic_result_t		**results;
	rd_kafka_resp_err_t			  err;
	size_t					  i, n;
	int					  failed = 0;

	res = rd_kafka_event_CreateTopics_result(ev);
	results = rd_kafka_CreateTopics_result_topics(res, &n);
	for (i = 0; i < n; i++) {
		err = rd_kafka_topic_result_error(results[i]);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			log_info("created topic %s",
			    rd_kafka_topic_result_name(results[i]));
			(*created)++;
		} else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
			log_warnx("topic %s: %s: %s",
			    rd_kafka_topic_result_name(results[i]),
			    rd_kafka_err2name(err),
			    rd_kafka_topic_result_error_string(results[i]));
			failed++;
		}
	}
	return failed;
}

/* Creates every topic of list in one request. Returns 0 or -1. */
static int
topics_create(rd_kafka_t *rk, const struct topic_list *list, int replicas,
    int timeout_ms)
{
	rd_kafka_NewTopic_t	**nts;
	rd_kafka_AdminOptions_t	 *opts;
	rd_kafka_queue_t	 *queue;
	rd_kafka_event_t	 *ev;
	size_t			  i;
	int			  created = 0, failed = -1;

	nts = xcalloc(list->n, sizeof(*nts));
	for (i = 0; i < list->n; i++)
		nts[i] = new_topic(&list->topics[i], replicas);
	opts = admin_options(rk, timeout_ms);
	queue = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, nts, list->n, opts, queue);
	/* The request times out by itself; the margin covers the reply. */
	if ((ev = rd_kafka_queue_poll(queue, timeout_ms + 5000)) == NULL)
		log_warnx("creating topics: no reply");
	else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warnx("creating topics: %s",
		    rd_kafka_event_error_string(ev));
	else {
		failed = create_results(ev, &created);
		log_info("topics: %zu defined, %d created, %zu already there",
		    list->n, created, list->n - (size_t)created -
		    (size_t)failed);
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(queue);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_NewTopic_destroy_array(nts, list->n);
	free(nts);
	return failed == 0 ? 0 : -1;
}

/*
 * Compares the broker's view of each topic with the file. Returns the number
 * of topics that are missing or have another partition count; a missing one
 * may only mean the broker's metadata has not caught up yet.
 */
static int
topics_compare(const struct rd_kafka_metadata *md,
    const struct topic_list *list, int report)
{
	const struct topic	*t;
	int			 i, bad = 0, seen = 0;

	for (i = 0; i < md->topic_cnt; i++) {
		if ((t = topic_find(list, md->topics[i].topic)) == NULL)
			continue;
		seen++;
		if (md->topics[i].partition_cnt != t->partitions) {
			bad++;
			if (report)
				log_warnx("%s:%d: topic %s has %d partitions"
				    " on the broker, the file says %d",
				    conf_path, t->line, t->name,
				    md->topics[i].partition_cnt,
				    t->partitions);
		}
	}
	if (report && seen < (int)list->n)
		log_warnx("%d topics not visible on the broker",
		    (int)list->n - seen);
	return bad + ((int)list->n - seen);
}

/* Waits until the broker shows every topic with its partition count. */
static int
topics_verify(rd_kafka_t *rk, const struct topic_list *list,
    long long deadline)
{
	const struct rd_kafka_metadata	*md;
	int				 bad = -1;

	for (;;) {
		if (rd_kafka_metadata(rk, 1, NULL, &md, WAIT_STEP_MS) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			bad = topics_compare(md, list, now_ms() >= deadline);
			rd_kafka_metadata_destroy(md);
		}
		if (bad == 0 || now_ms() >= deadline)
			break;
	}
	return bad == 0 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "check", no_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct topic_list	 list = { 0 };
	rd_kafka_t		*rk;
	const char		*brokers, *file = NULL;
	long long		 deadline;
	int			 ch, check = 0, wait = 0, replicas = -1;
	int			 timeout_s = DEFAULT_TIMEOUT_S, rc = 0;

	log_init("cdp-topics", getenv("CDP_TOPICS_DEBUG") != NULL ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if ((brokers = getenv("KAFKA_BROKERS")) == NULL || *brokers == '\0')
		brokers = "127.0.0.1:9092";
	while ((ch = getopt_long(argc, argv, "b:cf:hr:t:w", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			brokers = optarg;
			break;
		case 'c':
			check = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'r':
			if (parse_partitions(optarg, &replicas) == -1)
				usage();
			break;
		case 't':
			if (parse_partitions(optarg, &timeout_s) == -1)
				usage();
			break;
		case 'w':
			wait = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (file == NULL && (check || !wait)))
		usage();

	if (file != NULL)
		topics_load(file, &list);
	if (check) {
		log_info("%s: %zu topics, all well-formed", file, list.n);
		topics_free(&list);
		return 0;
	}

	deadline = now_ms() + (long long)timeout_s * 1000;
	rk = kafka_open(brokers);
	if (wait && kafka_wait(rk, brokers, deadline) == -1)
		rc = 1;
	else if (file != NULL && (topics_create(rk, &list, replicas,
	    timeout_s * 1000) == -1 || topics_verify(rk, &list,
	    deadline) == -1))
		rc = 1;
	rd_kafka_destroy(rk);
	topics_free(&list);
	return rc;
}
