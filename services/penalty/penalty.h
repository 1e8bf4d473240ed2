/*
 * penalty: each merchant's ledger of violations, its points in a rolling
 * window and its place on the penalty ladder (docs/penalty.md).
 *
 * Stage 1 (record.c) reads complaints.events and turns each merchant-party
 * violation into a ViolationRecorded on merchants.events, keyed by the
 * merchant. Stage 2 (apply.c) reads merchants.events, the one owner of a
 * merchant's partition, folds violations, appeals and lifted restrictions
 * into the ledger and announces penalties, reversals and standing changes.
 *
 * Pure modules (no I/O, unit-tested): rules (the rules file), cause (which
 * complaint events are violations), ledger (points, ladder, restrictions),
 * state (a ledger as JSON). The rest is I/O at the edges.
 */
#ifndef CDP_PENALTY_H
#define CDP_PENALTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"

#define PEN_NAME_MAX		64	/* a violation, level or restriction */
#define PEN_ID_MAX		72	/* an event, penalty or appeal id */
#define PEN_RESTRICTIONS_MAX	8	/* per level */

/*
 * rules.c: the penalty rules file (PENALTY_RULES_FILE,
 * config/penalty-rules.conf): points per violation type and what on
 * complaints.events is one, the repeat factor, the rolling window, the
 * appeal deadline and the ladder of levels.
 */
struct pen_violation_rule {
	char			 name[PEN_NAME_MAX];
	uint32_t		 points;
	Cdp__V1__SlaClock	 breach;	/* or UNSPECIFIED */
	char			 decision[PEN_NAME_MAX]; /* rule cited, or "" */
};

struct pen_level {
	char			 name[PEN_NAME_MAX];
	uint32_t		 points;	/* from this many in the window */
	Cdp__V1__Standing	 standing;
	char			 restrictions[PEN_RESTRICTIONS_MAX]
				    [PEN_NAME_MAX];
	size_t			 nrestrictions;
	int64_t			 duration_ms;	/* 0: no end */
};

struct pen_rules {
	char			 version[17];
	int64_t			 window_ms;
	int64_t			 repeat_window_ms;
	uint32_t		 repeat_factor;
	int64_t			 appeal_window_ms;
	struct pen_violation_rule *violations;
	size_t			 nviolations;
	struct pen_level	*levels;	/* ascending points */
	size_t			 nlevels;
};

struct pen_rules *rules_load(const char *path, char *err, size_t errsz);
struct pen_rules *rules_load_text(const char *path, char *text, size_t len,
		    char *err, size_t errsz);
const struct pen_violation_rule *rules_violation(const struct pen_rules *r,
		    const char *name);
const struct pen_violation_rule *rules_breach(const struct pen_rules *r,
		    Cdp__V1__SlaClock clock);
const struct pen_violation_rule *rules_decision(const struct pen_rules *r,
		    const char *rule_cited);
int		 rules_level_for(const struct pen_rules *r, uint32_t points);
void		 rules_free(struct pen_rules *r);

/*
 * cause.c: whether a complaint event is a merchant's violation, and which:
 * a merchant-party SlaBreached of a clock the rules name, or a decision
 * against the merchant citing a rule the rules name.
 */
const struct pen_violation_rule *cause_violation(const struct pen_rules *r,
		    const Cdp__V1__ComplaintEvent *ev);

/*
 * ledger.c: one merchant's ledger and what time and events do to it. Every
 * function takes the time it works at, so the same events in the same
 * order always give the same ledger (a rebuild from merchants.events).
 */
struct pen_entry {
	char		 id[PEN_ID_MAX];	/* penalty = violation id */
	char		 violation[PEN_NAME_MAX];
	char		 complaint_id[PEN_ID_MAX];
	char		 cause_id[PEN_ID_MAX];
	int64_t		 at_ms;
	uint32_t	 base_points;
	bool		 reversed;
	char		 appeal_id[PEN_ID_MAX];	/* the latest appeal, or "" */
	bool		 appeal_open;
	int64_t		 appeal_filed_ms;
};

struct ledger {
	char			 merchant_id[PEN_ID_MAX];
	struct pen_entry	*entries;	/* in the order recorded */
	size_t			 nentries;
	int			 level;		/* index into rules, -1: none */
	int64_t			 until_ms;	/* restrictions end; 0: none */
	bool			 lifted;	/* the level's restrictions */
	int64_t			 now_ms;	/* latest time folded in */
	int64_t			 offset;	/* -1: nothing applied yet */
	char			 last_event_id[PEN_ID_MAX];
};

/* What one step did to the merchant's standing. */
struct ledger_change {
	int			 old_level, new_level;
	Cdp__V1__Standing	 old_standing, new_standing;
	uint32_t		 old_total, new_total;
	bool			 lifted;	/* restrictions ended by time */
};

enum ledger_result {
	LEDGER_OK = 0,
	LEDGER_DUPLICATE,		/* applied before: nothing to do */
	LEDGER_UNKNOWN_PENALTY,
	LEDGER_TOO_LATE,		/* appeal after its deadline */
	LEDGER_NOT_DUE,			/* a lift for restrictions not ending */
};

struct ledger_violation {
	const char	*id;
	const char	*violation;
	const char	*complaint_id;
	const char	*cause_id;
	int64_t		 at_ms;
	uint32_t	 base_points;
};

void		 ledger_init(struct ledger *l, const char *merchant_id);
void		 ledger_free(struct ledger *l);
uint32_t	 ledger_points_of(const struct ledger *l,
		    const struct pen_rules *r, size_t i);
uint32_t	 ledger_total(const struct ledger *l, const struct pen_rules *r,
		    int64_t t);
bool		 ledger_restricted(const struct ledger *l,
		    const struct pen_rules *r);
Cdp__V1__Standing ledger_standing(const struct ledger *l,
		    const struct pen_rules *r);
int64_t		 ledger_appeal_deadline(const struct pen_rules *r,
		    const struct pen_entry *e);
struct pen_entry *ledger_find(struct ledger *l, const char *penalty_id);
enum ledger_result ledger_add(struct ledger *l, const struct pen_rules *r,
		    const struct ledger_violation *v,
		    struct ledger_change *ch);
enum ledger_result ledger_appeal(struct ledger *l, const struct pen_rules *r,
		    const char *penalty_id, const char *appeal_id,
		    int64_t t);
enum ledger_result ledger_reverse(struct ledger *l, const struct pen_rules *r,
		    const char *penalty_id, const char *appeal_id,
		    bool overturned,
		    int64_t t, struct ledger_change *ch);
enum ledger_result ledger_lift(struct ledger *l, const struct pen_rules *r,
		    int64_t until_ms, struct ledger_change *ch);
void		 ledger_settle(struct ledger *l, const struct pen_rules *r,
		    int64_t t, struct ledger_change *ch);
enum ledger_result ledger_expire(struct ledger *l, const struct pen_rules *r,
		    int64_t at_ms, struct ledger_change *ch);
int64_t		 ledger_next_lift(const struct ledger *l,
		    const struct pen_rules *r);
int64_t		 ledger_next_expiry(const struct ledger *l,
		    const struct pen_rules *r);
int64_t		 ledger_next_due(const struct ledger *l,
		    const struct pen_rules *r);
bool		 ledger_changed(const struct ledger_change *ch);

/* state.c: a ledger as JSON, as it is kept in Redis. */
char	*state_encode(const struct ledger *l, const struct pen_rules *r);
int	 state_decode(const char *json, size_t len, const struct pen_rules *r,
	    struct ledger *l);

/* The daemon's state, owned by main.c and lent to the I/O modules. */
#define PEN_PARTITIONS_MAX	256

struct penalty {
	struct event_base	*base;
	struct kafka_producer	*producer;
	struct kafka_consumer	*records;	/* stage 1: complaints.events */
	struct kafka_consumer	*ledgers;	/* stage 2: merchants.events */
	struct redis_shards	*shards;	/* partition p: p mod N */
	struct httpd		*httpd;
	struct pen_rules	*rules;
	bool			 owned[PEN_PARTITIONS_MAX];
	struct event		*timer;
	int64_t			 armed_at;
	bool			 stopping;
};

struct kafka_msg;

/* What folding one merchants.events event did, for emit.c to announce. */
enum fold_kind {
	FOLD_NONE,		/* nothing to announce (skipped, duplicate) */
	FOLD_APPLIED,		/* a violation became a penalty */
	FOLD_REVERSED,		/* an appeal overturned a penalty */
	FOLD_CLOSED,		/* an appeal was filed, or upheld */
	FOLD_LIFTED,		/* restrictions reached their end */
	FOLD_EXPIRED,		/* points left the window */
};

struct fold {
	enum fold_kind		 kind;
	char			 penalty_id[PEN_ID_MAX];
	const char		*appeal_id;
	const char		*reason;	/* the reviewer's, reversed */
	struct ledger_change	 ch;
};

/* fold.c: stage 2's pure half, one merchants.events event into a ledger. */
enum fold_kind	fold_event(struct ledger *l, const struct pen_rules *r,
		    const Cdp__V1__MerchantEvent *ev, struct fold *f);
bool		fold_ids_fit(const Cdp__V1__MerchantEvent *ev);

/* record.c: stage 1, complaint events into ViolationRecorded. */
void	record_handle(struct penalty *pd, struct kafka_msg *m);

/* apply.c: stage 2, merchants.events into ledgers. */
void	apply_handle(struct penalty *pd, struct kafka_msg *m);

/* emit.c: penalty's events, ids derived from their cause. */
typedef void (*emit_fn)(void *arg, bool ok);

int	emit_violation(struct penalty *pd, const Cdp__V1__ComplaintEvent *cause,
	    const struct pen_violation_rule *v, emit_fn fn, void *arg);
int	emit_fold(struct penalty *pd, const Cdp__V1__EventMeta *cause,
	    const struct ledger *l, const struct fold *f, emit_fn fn,
	    void *arg);
int	emit_lift(struct penalty *pd, const struct ledger *l, emit_fn fn,
	    void *arg);
int	emit_expiry(struct penalty *pd, const struct ledger *l, int64_t at_ms,
	    emit_fn fn, void *arg);

/* store.c: ledgers, due times and offsets in Redis, by partition. */
typedef void (*store_load_fn)(void *arg, int rc, struct ledger *l);
typedef void (*store_done_fn)(void *arg, int rc);

void	store_start(struct penalty *pd);
struct redis *store_redis(const struct penalty *pd, int32_t p);
int	store_load(struct penalty *pd, int32_t p, const char *merchant,
	    store_load_fn fn, void *arg);
int	store_save(struct penalty *pd, int32_t p, const struct ledger *l,
	    store_done_fn fn, void *arg);
int	store_due(struct penalty *pd, int32_t p, const char *merchant,
	    int64_t at_ms);
int	store_offset(struct penalty *pd, int32_t p, int64_t offset);
struct redisReply;
int	store_due_head(struct penalty *pd, int32_t p, int n,
	    void (*fn)(void *, struct redisReply *), void *arg);
void	store_lost(struct penalty *pd, int32_t p);
void	store_start_offset(void *arg, const char *topic, int32_t p,
	    uint64_t ticket);

/* fire.c: one timer at the earliest restriction end of owned partitions. */
void	fire_start(struct penalty *pd);
void	fire_rearm(struct penalty *pd, int64_t at_ms);
void	fire_assign(struct penalty *pd, int32_t p, bool owned);

#endif
