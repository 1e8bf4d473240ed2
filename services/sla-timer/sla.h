/*
 * sla-timer: every deadline of every complaint (DESIGN.md "The SLA clocks").
 * A clock is one party's obligation on one complaint; policies give each
 * clock a target in a calendar; complaint events start, pause, resume and
 * stop clocks; due warnings and breaches fire once.
 *
 * Pure modules (no I/O, unit-tested): clock (the clocks of one complaint
 * and how events and time change them), over common/calendar.c (business
 * time) and common/policy.c (the policy file, which intake reads too to
 * promise what the clock enforces). The I/O modules come with the daemon.
 */
#ifndef CDP_SLA_H
#define CDP_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "calendar.h"
#include "policy.h"

/*
 * clock.c: the clocks of one complaint. clock_apply() takes one complaint
 * event (in log order) and says which clocks started, paused, resumed or
 * stopped; clock_touches() says beforehand whether an event can change
 * any clock at all; clock_due() says which warnings and breaches are due
 * at a time. They are deterministic in their inputs, so replaying a
 * complaint's events rebuilds the same clocks.
 */
#define SLA_CLOCKS_MAX		16

enum clock_state {
	CLOCK_RUNNING,
	CLOCK_PAUSED,
	CLOCK_STOPPED,
};

struct sla_clock {
	Cdp__V1__SlaClock	clock;
	uint32_t		cycle;		/* 1, 2, ... per restart */
	enum clock_state	state;
	char			policy[SLA_POLICY_NAME_MAX];
	Cdp__V1__Party		party;
	int64_t			started_ms;
	int64_t			due_ms;		/* running: the deadline */
	int64_t			warn_ms;	/* running: 0 when none */
	int64_t			remaining_ms;	/* paused: calendar time left */
	int64_t			warn_remaining_ms; /* paused: to the warning */
	int64_t			stopped_ms;
	bool			warned;
	bool			breached;
	Cdp__V1__SlaResult	result;		/* stopped */
	int64_t			elapsed_ms;	/* stopped: calendar time used */
};

struct sla_complaint {
	Cdp__V1__Severity	severity;	/* from the latest Classified */
	Cdp__V1__Category	category;
	bool			closed;
	int64_t			received_ms;	/* filed: the clocks that a
						   classification starts count
						   from here, as intake promised */
	struct sla_clock	clocks[SLA_CLOCKS_MAX];
	size_t			nclocks;
};

enum clock_change_kind {
	CLOCK_STARTED,
	CLOCK_PAUSED_CHANGE,
	CLOCK_RESUMED,
	CLOCK_STOPPED_CHANGE,
};

struct clock_change {
	enum clock_change_kind	 kind;
	struct sla_clock	 clock;		/* the clock after the change */
	const char		*reason;	/* "classified", "first_contact" */
};

enum clock_due_kind {
	CLOCK_DUE_WARNING,
	CLOCK_DUE_BREACH,
};

struct clock_due {
	enum clock_due_kind	 kind;
	size_t			 index;		/* into complaint->clocks */
	int64_t			 at_ms;
};

void	clock_init(struct sla_complaint *c);
size_t	clock_apply(struct sla_complaint *c, const struct policy_set *ps,
	    const Cdp__V1__ComplaintEvent *ev, struct clock_change *out,
	    size_t max);
bool	clock_touches(const Cdp__V1__ComplaintEvent *ev);
size_t	clock_due(const struct sla_complaint *c, int64_t now_ms,
	    struct clock_due *out, size_t max);
int64_t	clock_next_due(const struct sla_complaint *c);
void	clock_mark_fired(struct sla_complaint *c, const struct clock_due *d);
const struct sla_policy *clock_policy(const struct sla_complaint *c,
	    const struct policy_set *ps, const struct sla_clock *k);
const char *clock_name(Cdp__V1__SlaClock clock);
size_t	clock_appeal(struct sla_complaint *c, const struct policy_set *ps,
	    const Cdp__V1__MerchantEvent *ev, struct clock_change *out,
	    size_t max);

/*
 * state.c: a complaint's clocks as JSON, as they are kept in Redis with its
 * merchant and the offset of the last event applied to them.
 */
struct sla_state {
	struct sla_complaint	c;
	char			merchant_id[65];
	char			complaint_id[65]; /* an appeal's complaint;
						     empty: the key's */
	int64_t			offset;		/* -1: nothing applied yet */
};

void	state_init(struct sla_state *s);
char	*state_encode(const struct sla_state *s);
int	 state_decode(const char *json, size_t len, struct sla_state *s);
bool	 state_closed(const struct sla_state *s);
bool	 state_ids_fit(const char *merchant_id, const char *complaint_id);

/*
 * The daemon's state, owned by main.c and lent to the I/O modules. Its
 * partitions are "slots": partition N of complaints.events is slot N,
 * partition N of merchants.events (the appeal clocks) slot
 * SLA_MERCHANT_SLOT + N, so that the two topics' partitions never share
 * state (store.c).
 */
#define SLA_PARTITIONS_MAX	256
#define SLA_MERCHANT_SLOT	128
#define SLA_COMPLAINTS_TOPIC	"complaints.events"
#define SLA_MERCHANTS_TOPIC	"merchants.events"

struct slatimer {
	struct event_base	*base;
	struct kafka_producer	*producer;
	struct kafka_consumer	*consumer;
	struct redis_shards	*shards;	/* partition p: p mod N */
	struct httpd		*httpd;
	struct policy_set	*policies;
	bool			 owned[SLA_PARTITIONS_MAX];
	uint32_t		 rebuilds[SLA_PARTITIONS_MAX]; /* store_lost */
	uint32_t		 unsaved[SLA_PARTITIONS_MAX]; /* events done
							 since the stored
							 offset (apply.c) */
	long long		 claim_ttl_ms;	/* SLA_CLAIM_TTL_MS */
	long long		 retention_s;	/* SLA_CLOSED_RETENTION_S */
	char			 token[96];	/* this process, in its claims */
	struct firing		*retrying;	/* firings waiting to retry */
	struct event		*timer;
	int64_t			 armed_at;
	struct keylock		*busy;		/* complaints being changed */
	bool			 stopping;
};

struct kafka_msg;
struct firing;
struct redis_endpoint;
struct redis;

/* store.c: clocks, due sets, firings and offsets in Redis, by slot. */
int32_t	store_slot(const char *topic, int32_t partition);
const char *store_topic(int32_t slot);
int32_t	store_partition(int32_t slot);
const char *store_tag(int32_t slot);
struct redis *store_redis(const struct slatimer *t, int32_t slot);
typedef void (*store_load_fn)(void *arg, int rc, struct sla_state *s);
typedef void (*store_done_fn)(void *arg, int rc);

void	store_start(struct slatimer *t);
int	store_load(struct slatimer *t, int32_t p, const char *id,
	    store_load_fn fn, void *arg);
int	store_save(struct slatimer *t, int32_t p, const char *id,
	    const struct sla_state *s, bool at_offset, store_done_fn fn,
	    void *arg);
int	store_advance(struct slatimer *t, int32_t p, int64_t offset,
	    store_done_fn fn, void *arg);
#define STORE_CLAIM_HELD	(-3)	/* claimed by another, not expired */

int	store_claim(struct slatimer *t, int32_t p, const char *id,
	    const char *firing, store_done_fn fn, void *arg);
int	store_mark(struct slatimer *t, int32_t p, const char *id,
	    const char *firing, unsigned sent, bool done);
void	store_start_offset(void *arg, const char *topic, int32_t p,
	    uint64_t ticket);
void	store_lost(struct slatimer *t, int32_t p);
uint32_t store_rebuilds(const struct slatimer *t, int32_t p);
int	store_wipe(const struct redis_endpoint *eps, size_t n,
	    bool keep_firings);

/*
 * emit.c: SLA events to complaints.events, ids derived from their cause.
 * The parts of a firing, as bits: what the broker confirmed is recorded
 * part by part, so a retry sends only what is missing.
 */
#define EMIT_PART_EVENT		1u	/* the SlaWarning or SlaBreached */
#define EMIT_PART_COUPON	2u	/* its CompensationIssued */
#define EMIT_PART_ESCALATION	4u	/* its Escalated */

typedef void (*emit_fn)(void *arg, bool ok);

int	emit_change(struct slatimer *t, const Cdp__V1__EventMeta *cause,
	    const char *complaint_id, const char *merchant_id,
	    const struct clock_change *ch, emit_fn fn, void *arg);
int	emit_firing(struct slatimer *t, const char *complaint_id,
	    const char *firing, const struct sla_state *s,
	    const struct clock_due *d, unsigned *sent, emit_fn fn,
	    void *arg);
void	emit_firing_id(const char *complaint_id, const struct sla_clock *k,
	    enum clock_due_kind kind, char *out, size_t size);

/* apply.c: complaint events, and appeals on merchants.events, into clocks. */
void	apply_handle(struct slatimer *t, struct kafka_msg *m);

/* fault.c: faults the integration tests inject (test build only). */
void	fault_init(void);
bool	fault_hit(const char *point);

/* fire.c: one timer at the earliest due time of the owned partitions. */
void	fire_start(struct slatimer *t);
void	fire_rearm(struct slatimer *t, int64_t at_ms);
void	fire_assign(struct slatimer *t, int32_t p, bool owned);
void	fire_stop(struct slatimer *t);

#endif
