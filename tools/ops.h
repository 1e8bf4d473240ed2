/*
 * cdp-ops' parts (tools/cdp_ops.c is the command line): the services it
 * knows, writing a record back to a topic, and the lag report.
 */
#ifndef CDP_OPS_H
#define CDP_OPS_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* ops.c */
struct ops_service {
	const char	*name;
	const char	*group;		/* whose offsets tell its progress */
	const char	*topics[4];	/* what it consumes, NULL-terminated */
	const char	*state_group;	/* builds its state; NULL: group */
	/* Its Redis state, SCAN patterns ("@": the state group's name)... */
	const char	*state[3];
	const char	*keep;		/* ...but for keys holding this */
	const char	*no_rebuild;	/* why it has no rebuild */
	/*
	 * Its partitions' epoch keys (SCAN pattern), when its state and
	 * progress live on the Redis entry of each partition: a rebuild of
	 * one entry (--shard) deletes them first.
	 */
	const char	*epochs;
};

const struct ops_service *ops_service(const char *name);
const struct ops_service *ops_service_at(size_t i);
const char	*ops_service_names(void);
int		 ops_send(const char *brokers, const char *topic,
		    const rd_kafka_message_t *m, const char *replayed_from);
int		 ops_fail(const char *err);

/* rebuild.c */
int		 rebuild_cmd(const char *brokers, const char *service,
		    int argc, char **argv, const char *keep);

/* lag.c */
int		 lag_report(const char *brokers, int argc, char **argv);

/* members.c */
int		 members_report(const char *brokers);

#endif
