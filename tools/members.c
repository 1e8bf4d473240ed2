/*
 * cdp-ops members: every consumer group on the cluster with its members
 * (instance id, or client id for a dynamic member) and the partitions each
 * holds now, one member a line. Asked through the admin API, so the report
 * never joins a group nor disturbs a rebalance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafkaclient.h"
#include "ops.h"

#define MEMBERS_TIMEOUT_MS	10000
#define MEMBERS_MAX_GROUPS	64

/* "topic[0,1,2] other[3]" from a list sorted by topic. */
static void
members_print_parts(const rd_kafka_topic_partition_list_t *l)
{
	const char	*topic = NULL;
	int		 i;

	for (i = 0; l != NULL && i < l->cnt; i++) {
		if (topic == NULL || strcmp(topic, l->elems[i].topic) != 0) {
			printf("%s%s[%d", topic != NULL ? "] " : "",
			    l->elems[i].topic, l->elems[i].partition);
			topic = l->elems[i].topic;
		} else
			printf(",%d", l->elems[i].partition);
	}
	printf("%s\n", topic != NULL ? "]" : "-");
}

static void
members_print_group(const rd_kafka_ConsumerGroupDescription_t *g)
{
	const rd_kafka_MemberDescription_t	*m;
	rd_kafka_topic_partition_list_t		*parts;
	const char				*who;
	size_t					 i, n;

	n = rd_kafka_ConsumerGroupDescription_member_count(g);
	if (n == 0)
		printf("%s\t-\t", rd_kafka_ConsumerGroupDescription_group_id(g));
	if (n == 0)
		members_print_parts(NULL);
	for (i = 0; i < n; i++) {
		m = rd_kafka_ConsumerGroupDescription_member(g, i);
		who = rd_kafka_MemberDescription_group_instance_id(m);
		if (who == NULL || *who == '\0')
			who = rd_kafka_MemberDescription_client_id(m);
		parts = rd_kafka_topic_partition_list_copy(
		    rd_kafka_MemberAssignment_partitions(
		    rd_kafka_MemberDescription_assignment(m)));
		rd_kafka_topic_partition_list_sort(parts, NULL, NULL);
		printf("%s\t%s\t", rd_kafka_ConsumerGroupDescription_group_id(g),
		    who);
		members_print_parts(parts);
		rd_kafka_topic_partition_list_destroy(parts);
	}
}

/* The ids of every consumer group, at most max; -1 on failure. */
static int
members_list(rd_kafka_t *rk, rd_kafka_queue_t *q, char **ids, size_t max)
{
	const rd_kafka_ListConsumerGroups_result_t	*res;
	const rd_kafka_ConsumerGroupListing_t		**l;
	rd_kafka_event_t				*ev;
	size_t						 i, n = 0;

	rd_kafka_ListConsumerGroups(rk, NULL, q);
	if ((ev = kafkaclient_wait(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
	    MEMBERS_TIMEOUT_MS)) == NULL || rd_kafka_event_error(ev) != 0) {
		if (ev != NULL)
			rd_kafka_event_destroy(ev);
		return -1;
	}
	res = rd_kafka_event_ListConsumerGroups_result(ev);
	l = rd_kafka_ListConsumerGroups_result_valid(res, &n);
	for (i = 0; i < n && i < max; i++)
		ids[i] = strdup(rd_kafka_ConsumerGroupListing_group_id(l[i]));
	rd_kafka_event_destroy(ev);
	return (int)(n < max ? n : max);
}

static int
members_describe(rd_kafka_t *rk, rd_kafka_queue_t *q, char **ids, int n)
{
	const rd_kafka_ConsumerGroupDescription_t	**g;
	rd_kafka_event_t				*ev;
	size_t						 i, ng;

	rd_kafka_DescribeConsumerGroups(rk, (const char **)ids, (size_t)n,
	    NULL, q);
	if ((ev = kafkaclient_wait(q,
	    RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, MEMBERS_TIMEOUT_MS))
	    == NULL || rd_kafka_event_error(ev) != 0) {
		if (ev != NULL)
			rd_kafka_event_destroy(ev);
		return -1;
	}
	g = rd_kafka_DescribeConsumerGroups_result_groups(
	    rd_kafka_event_DescribeConsumerGroups_result(ev), &ng);
	for (i = 0; i < ng; i++)
		if (rd_kafka_ConsumerGroupDescription_error(g[i]) == NULL)
			members_print_group(g[i]);
	rd_kafka_event_destroy(ev);
	return 0;
}

int
members_report(const char *brokers)
{
	rd_kafka_t		*rk;
	rd_kafka_queue_t	*q;
	char			 err[512], *ids[MEMBERS_MAX_GROUPS];
	int			 n, i, rc = 0;

	if ((rk = kafkaclient_new(RD_KAFKA_PRODUCER, brokers, NULL, err,
	    sizeof(err))) == NULL)
		return ops_fail(err);
	q = rd_kafka_queue_new(rk);
	printf("group\tmember\tpartitions\n");
	if ((n = members_list(rk, q, ids, MEMBERS_MAX_GROUPS)) == -1)
		rc = ops_fail("cannot list the consumer groups");
	else if (n > 0 && members_describe(rk, q, ids, n) == -1)
		rc = ops_fail("cannot describe the consumer groups");
	for (i = 0; i < n; i++)
		free(ids[i]);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return rc;
}
