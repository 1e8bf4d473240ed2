/*
 * analytics: complaint statistics per tumbling window of event time (1
 * minute, 1 hour, 1 day) and as running totals (docs/analytics.md).
 *
 * Pure modules (no I/O, unit-tested): hist (log-bucket histogram with a
 * bounded relative error), topk (Space-Saving heavy hitters), sampler (the
 * deterministic audit sample), spike (hot spots against their baseline),
 * window (tumbling windows of event time), agg (the figures of one window),
 * fold (events into figures, with the facts of each complaint), state
 * (checkpoint encoding), summary (the JSON answer) and snapshot (the
 * AnalyticsSnapshot message). I/O modules: store (Redis checkpoint), emit
 * (Kafka output), consume (Kafka input), web (HTTP), main.
 */
#ifndef CDP_ANALYTICS_H
#define CDP_ANALYTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "cdp/v1/analytics.pb-c.h"
#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"

/*
 * hist.c: a histogram of non-negative durations in ms with logarithmic
 * buckets: bucket i >= 1 holds (g^(i-1), g^i] with g = (1+a)/(1-a), so the
 * bucket's representative 2 g^i / (g+1) is within a relative error a of
 * every value in it. a = HIST_ALPHA = 1%; values beyond the last bucket are
 * kept in it (about 7 years in ms).
 */
#define HIST_ALPHA	0.01
#define HIST_BUCKETS	1400

struct hist {
	uint64_t	count;
	int64_t		min;
	int64_t		max;
	uint32_t	buckets[HIST_BUCKETS];	/* [0]: values of 0 */
};

void		hist_init(struct hist *h);
void		hist_add(struct hist *h, int64_t v);
double		hist_quantile(const struct hist *h, double q);
size_t		hist_bucket(int64_t v);
json_t		*hist_encode(const struct hist *h);
int		hist_decode(const json_t *j, struct hist *h);

/*
 * topk.c: Space-Saving top-k over string keys. Each counter overestimates
 * by at most its err: count - err <= true count <= count; every key whose
 * true count exceeds n/TOPK_MAX is kept.
 */
#define TOPK_MAX	16
#define TOPK_KEY_MAX	64

struct topk_entry {
	char		key[TOPK_KEY_MAX];
	uint64_t	count;
	uint64_t	err;
};

struct topk {
	struct topk_entry	e[TOPK_MAX];
	size_t			n;
	uint64_t		total;
};

void		topk_init(struct topk *t);
void		topk_add(struct topk *t, const char *key, uint64_t w);
size_t		topk_sorted(const struct topk *t, struct topk_entry *out);
const struct topk_entry *topk_find(const struct topk *t, const char *key);
json_t		*topk_encode(const struct topk *t);
int		topk_decode(const json_t *j, struct topk *t);

/* sampler.c: the audit sample, a hash of the complaint id. */
uint64_t	sampler_hash(const char *id);
bool		sampler_pick(const char *id, uint32_t permille);

/*
 * spike.c: a key's count in a closed window against its baseline, an
 * exponentially weighted mean of its counts in the earlier windows.
 */
#define SPIKE_KEYS	32

struct spike_base {
	char	key[TOPK_KEY_MAX];
	double	mean;
};

struct spike_table {
	struct spike_base	b[SPIKE_KEYS];
	size_t			n;
};

bool		spike_is(double baseline, uint64_t count, double factor,
		    uint64_t min_count);
double		spike_baseline(const struct spike_table *t, const char *key);
void		spike_learn(struct spike_table *t, const struct topk *window);
json_t		*spike_encode(const struct spike_table *t);
int		spike_decode(const json_t *j, struct spike_table *t);

/* window.c: tumbling windows of event time. */
enum window_width {
	WINDOW_1M,
	WINDOW_1H,
	WINDOW_1D,
	WINDOW_NWIDTHS,
};

int64_t		window_ms(enum window_width w);
const char	*window_name(enum window_width w);
const char	*window_name_of(int64_t ms);
int		window_parse(const char *name, enum window_width *w);
int64_t		window_start(enum window_width w, int64_t t_ms);
bool		window_closed(enum window_width w, int64_t start_ms,
		    int64_t watermark_ms, int64_t grace_ms);

/*
 * agg.c: the figures of one window (or of all time), as sums so that
 * they can be added up; enum-indexed arrays by the enum's value.
 */
#define AGG_CHANNELS	9
#define AGG_CATEGORIES	8
#define AGG_SEVERITIES	5
#define AGG_TEAMS	10
#define AGG_CLOCKS	10
#define AGG_STATUSES	15
#define AGG_SPIKES_MAX	8

enum agg_duration {
	AGG_FIRST_CONTACT,
	AGG_DECISION,
	AGG_RESOLUTION,
	AGG_CLOSE,
	AGG_NDURATIONS,
};

enum agg_hot {
	AGG_HOT_MERCHANT,
	AGG_HOT_SKU,
	AGG_HOT_CATEGORY,
	AGG_HOT_CARRIER,
	AGG_NHOT,
};

struct agg_sla {
	uint64_t	met;
	uint64_t	breached;
	uint64_t	warnings;
};

struct agg_rating {
	uint64_t	count;
	uint64_t	sum;
};

struct agg_spike {
	enum agg_hot	dim;
	char		key[TOPK_KEY_MAX];
	uint64_t	count;
	double		baseline;
};

struct agg {
	int64_t		start_ms;	/* 0 for the running totals */
	int64_t		end_ms;
	bool		closed;
	bool		sent;		/* the final snapshot was confirmed */
	uint64_t	events;
	uint64_t	filed;		/* Filed and ProactiveOpened */
	uint64_t	proactive;
	uint64_t	out_of_scope;
	uint64_t	closed_n;
	uint64_t	reopened;
	uint64_t	by_channel[AGG_CHANNELS];
	uint64_t	by_category[AGG_CATEGORIES];
	uint64_t	by_severity[AGG_SEVERITIES];
	uint64_t	by_team[AGG_TEAMS];
	struct topk	by_subcategory;
	struct hist	durations[AGG_NDURATIONS];
	struct agg_sla	sla_clock[AGG_CLOCKS];
	struct agg_sla	sla_severity[AGG_SEVERITIES];
	uint64_t	ordinary_answered;	/* normal severity, 1st contact */
	uint64_t	ordinary_within_24h;
	uint64_t	compensations;
	int64_t		compensation_fen;
	uint64_t	escalations;
	uint64_t	penalties;
	uint64_t	penalty_points;
	uint64_t	penalties_reversed;
	uint64_t	standing_changes;
	uint64_t	ratings[6];		/* [1..5] */
	struct agg_rating rating_team[AGG_TEAMS];
	struct agg_rating rating_category[AGG_CATEGORIES];
	struct topk	hot[AGG_NHOT];
	uint64_t	sampled_for_audit;
	struct agg_spike spikes[AGG_SPIKES_MAX];
	size_t		nspikes;
};

void		agg_init(struct agg *a, int64_t start_ms, int64_t end_ms);
const char	*agg_hot_name(enum agg_hot d);
const char	*agg_duration_name(enum agg_duration d);
json_t		*agg_encode(const struct agg *a);
int		agg_decode(const json_t *j, struct agg *a);

/*
 * fold.c: the whole aggregate state. The watermark is the latest event
 * time seen, held back to hold_ms, which the caller sets to the latest
 * event time of the slowest partition still being read (so that a replay,
 * which reads partitions at different speeds, closes windows only when
 * every partition has reached them). Events are folded in one at a time:
 * the facts of each complaint (when filed, category, severity, lead team,
 * status) are kept so that later events can be attributed; figures go to
 * the running totals and to the event time's window of each width.
 * Closing a window learns its hot spots into the spike baselines.
 */
#define FOLD_OPEN_MAX		8	/* windows of one width kept at once */
#define FOLD_ID_MAX		64
#define FOLD_EVICT_MS		(7LL * 86400000)	/* after closing */
#define FOLD_PARTITIONS_MAX	256
#define FOLD_24H_MS		86400000LL

struct fold_complaint {
	char			id[FOLD_ID_MAX];
	int64_t			filed_ms;
	int64_t			last_ms;
	Cdp__V1__Channel	channel;
	Cdp__V1__Category	category;
	Cdp__V1__Severity	severity;
	Cdp__V1__Team		team;
	Cdp__V1__ComplaintStatus status;
	bool			classified;
	bool			contacted;
	bool			decided;
	bool			resolved;
	bool			done;		/* closed or out of scope */
	struct fold_complaint	*next;
};

struct fold_settings {
	int64_t		grace_ms;
	uint32_t	audit_permille;
	double		spike_factor;
	uint64_t	spike_min;
};

struct fold_offsets {
	char		topic[128];
	int64_t		next[FOLD_PARTITIONS_MAX];	/* -1: none yet */
	int64_t		maxt[FOLD_PARTITIONS_MAX];	/* latest event time */
};

struct fold {
	struct fold_settings	 set;
	int64_t			 watermark_ms;
	int64_t			 latest_ms;	/* latest event time seen */
	int64_t			 hold_ms;	/* the watermark's ceiling */
	uint64_t		 late;		/* behind a closed window */
	struct agg		 totals;
	struct agg		 open[WINDOW_NWIDTHS][FOLD_OPEN_MAX];
	size_t			 nopen[WINDOW_NWIDTHS];
	struct agg		 last[WINDOW_NWIDTHS];	/* last closed */
	struct spike_table	 baseline[WINDOW_NWIDTHS][AGG_NHOT];
	struct fold_complaint	**table;
	size_t			 tablesz;
	size_t			 ncomplaints;
	struct fold_offsets	 offsets[2];	/* complaints, merchants */
};

/* What folding one event asks of the caller. */
struct fold_out {
	bool		sample;		/* emit SampledForAudit */
};

void		fold_init(struct fold *f, const struct fold_settings *s);
void		fold_free(struct fold *f);
void		fold_complaint_event(struct fold *f,
		    const Cdp__V1__ComplaintEvent *ev, struct fold_out *out);
void		fold_merchant_event(struct fold *f,
		    const Cdp__V1__MerchantEvent *ev);
size_t		fold_close(struct fold *f, struct agg *closed, size_t max);
void		fold_evict(struct fold *f);
void		fold_offset_set(struct fold *f, const char *topic,
		    int32_t partition, int64_t offset);
void		fold_observe(struct fold *f, const char *topic,
		    int32_t partition, int64_t t_ms);
int64_t		fold_partition_latest(const struct fold *f, const char *topic,
		    int32_t partition);
void		fold_hold(struct fold *f, int64_t hold_ms);
int64_t		fold_offset_next(const struct fold *f, const char *topic,
		    int32_t partition);
const struct agg *fold_current(const struct fold *f, enum window_width w);
struct fold_complaint *fold_find(const struct fold *f, const char *id);
struct fold_complaint *fold_intern(struct fold *f, const char *id);
void		fold_backlog(const struct fold *f,
		    uint64_t by_status[AGG_STATUSES], uint64_t by_age[4]);

/* state.c: the checkpoint of a fold, as JSON text. */
char		*state_encode(const struct fold *f);
int		state_decode(const char *text, size_t len, struct fold *f);

/* summary.c: GET /v1/analytics/summary as JSON. */
json_t		*summary_agg(const struct agg *a);
json_t		*summary_build(const struct fold *f, enum window_width w);

/* snapshot.c: the AnalyticsSnapshot of one window. */
struct snapshot_buf;
struct snapshot_buf *snapshot_build(const struct agg *a, const char *window,
		    Cdp__V1__AnalyticsSnapshot **out);
void		snapshot_buf_free(struct snapshot_buf *b);
void		snapshot_key(const struct agg *a, const char *window,
		    char *buf, size_t size);

/*
 * The daemon (I/O modules). One instance runs (docs/analytics.md): it
 * owns every partition of its input topics, and its whole state is one
 * checkpoint.
 */
struct event;
struct event_base;
struct httpd;
struct kafka_consumer;
struct kafka_msg;
struct kafka_producer;
struct redis;
struct redis_endpoint;

#define ANALYTICS_PARTS_MAX	(2 * FOLD_PARTITIONS_MAX)

struct analytics_part {
	const char	*topic;		/* one of the topic settings */
	int32_t		 partition;
};

struct analytics {
	struct event_base	*base;
	struct kafka_producer	*producer;
	struct kafka_consumer	*consumer;
	struct redis		*redis;
	struct httpd		*httpd;
	struct event		*tick;
	struct fold		*fold;
	struct agg		*closing;	/* fold_close() output */
	const struct redis_endpoint *redis_ep;
	const char		*complaints_topic;
	const char		*merchants_topic;
	const char		*snapshot_topic;
	const char		*group;
	const char		*www_dir;
	long long		 checkpoint_ms;
	struct analytics_part	 parts[ANALYTICS_PARTS_MAX];	/* assigned */
	size_t			 nparts;
	size_t			 in_flight;	/* outputs awaiting the broker */
	bool			 dirty;		/* folded since the checkpoint */
	bool			 saving;
	bool			 stopping;
};

/* store.c: the checkpoint in Redis. */
int		store_load(struct analytics *a);
void		store_start(struct analytics *a);
void		store_save(struct analytics *a);
void		store_start_offset(void *arg, const char *topic,
		    int32_t partition, uint64_t ticket);

/* emit.c: snapshots and audit samples, resent until the broker has them. */
void		emit_snapshot(struct analytics *a, const struct agg *w,
		    const char *window);
void		emit_audit(struct analytics *a,
		    const Cdp__V1__ComplaintEvent *closed);

/* consume.c: Kafka messages into the fold. */
void		consume_handle(struct kafka_msg *m, void *arg);
void		consume_dead(void *arg, const struct kafka_msg *m);
void		consume_assign(void *arg,
		    const rd_kafka_topic_partition_list_t *parts, bool assigned);
void		consume_tick(struct analytics *a);

/* web.c: the summary and the dashboard's files. */
void		web_start(struct analytics *a);

/* gauges.c: the figures as Prometheus gauges on /metrics. */
void		gauges_update(const struct analytics *a);

#endif
