/*
 * classifier: classifies every filed complaint (category, subcategory,
 * severity, scope, teams, responsible party, priority, SLA policy) with the
 * reasons that led there, keeps order snapshots from orders.events and
 * logistics.events, and opens complaints proactively from order and
 * logistics facts.
 *
 * Pure modules (no I/O, unit-tested): matcher (Aho-Corasick over UTF-8),
 * rules (the rules file), classify (one complaint's classification),
 * group (group-complaint decisions), proactive (which proactive causes an
 * order has). I/O modules: snapshot (order snapshots in Redis), grouping
 * (group-complaint and repeat counters in Redis), emit (Classified,
 * OutOfScope, ProactiveOpened to Kafka), and main.c.
 */
#ifndef CDP_CLASSIFIER_H
#define CDP_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/order.pb-c.h"
#include "ordersnap.h"

/*
 * matcher.c: many patterns found in one pass over a text (Aho-Corasick on
 * the UTF-8 bytes; ASCII letters match regardless of case, so patterns and
 * texts in Chinese, English or both are found alike).
 */
struct matcher;
typedef void (*matcher_fn)(void *arg, int id, size_t start, size_t end);

struct matcher	*matcher_new(void);
int		 matcher_add(struct matcher *m, const char *pattern, int id);
void		 matcher_build(struct matcher *m);
void		 matcher_scan(const struct matcher *m, const char *text,
		    size_t len, matcher_fn fn, void *arg);
size_t		 matcher_states(const struct matcher *m);
void		 matcher_free(struct matcher *m);

/*
 * rules.c: the classification rules file (config/classifier-rules.conf;
 * its format is described in rules.c and docs/classification.md; the
 * parser's other files are listed in rules_parser.h). A loaded file is
 * read-only: classify() reads its rules, patterns and settings through the
 * structures below.
 */
struct rules;

#define RULES_SUBS_MAX	32	/* subcategories of one category */
#define RULES_NCATS	8	/* Category values, UNSPECIFIED included */

/* The facts a rule's "when" condition can test. */
enum rule_fact {
	RULE_FACT_AMOUNT_FEN,		/* the complained line's amount */
	RULE_FACT_DEMAND_AMOUNT_FEN,
	RULE_FACT_TIER,			/* member tier, ordered */
	RULE_FACT_DEMAND,
	RULE_FACT_CHANNEL,
	RULE_FACT_PROBLEM_TYPE,		/* string */
	RULE_FACT_HAS_ORDER,		/* booleans from here ... */
	RULE_FACT_ORDER_KNOWN,		/* the platform knows the order */
	RULE_FACT_AFTER_SALES_EXPIRED,
	RULE_FACT_SIGNED_BY_PROXY,
	RULE_FACT_SHIP_LATE,
	RULE_FACT_DELIVERY_LATE,
	RULE_FACT_REPEAT_ON_ORDER,
	RULE_FACT_GROUP_COMPLAINT,	/* ... to here */
	RULE_FACT_GROUP_SIZE,
	RULE_FACT_ORDER_STATUS,
	RULE_FACT_LOGISTICS_STATUS,
	RULE_FACT_CATEGORY,		/* the decided category ... */
	RULE_FACT_SUBCATEGORY,		/* ... and subcategory (string) */
};

enum rule_op {
	RULE_OP_EQ,
	RULE_OP_NE,
	RULE_OP_LT,
	RULE_OP_LE,
	RULE_OP_GT,
	RULE_OP_GE,
};

/*
 * A condition "<fact> <op> <value>". Numbers, booleans (0/1) and ordered
 * enum values are in value; "=" and "!=" on an enum fact take alternatives
 * ("demand = refund|return"), one bit each in mask; on a string fact the
 * alternatives are strs.
 */
struct rule_cond {
	enum rule_fact	 fact;
	enum rule_op	 op;
	int64_t		 value;
	uint64_t	 mask;
	char		**strs;
	size_t		 nstrs;
	char		*text;		/* as written, for reasons */
};

/*
 * A rule: what it needs (keywords, requires, conditions: all of them) and
 * what it does when it fires (evidence for a category, a severity and its
 * urgency flag, extra teams, or out of scope). A post rule has a condition
 * on the decided category, so it is evaluated after the decision and never
 * gives category evidence itself.
 */
struct rule {
	char			*id;
	size_t			 line;
	Cdp__V1__Category	 category;	/* UNSPECIFIED: no evidence */
	int			 sub;		/* index in the category's
						   subcategories, -1: none */
	int64_t			 weight;	/* thousandths */
	Cdp__V1__Severity	 severity;	/* UNSPECIFIED: unchanged */
	Cdp__V1__UrgencyFlag	 flag;
	Cdp__V1__Team		*teams;
	size_t			 nteams;
	char			*scope;		/* reason code, or NULL */
	struct rule_cond	*conds;
	size_t			 nconds;
	bool			 has_keywords;
	bool			 has_requires;
	bool			 has_exclude;
	bool			 post;
};

/* What a pattern is to one rule (or to negation, rule unused). */
enum rule_use_kind {
	RULE_USE_KEYWORD,
	RULE_USE_REQUIRES,
	RULE_USE_EXCLUDE,
	RULE_USE_CUE,			/* a negation cue */
	RULE_USE_NOT_CUE,		/* contains a cue but does not negate */
};

struct rule_use {
	enum rule_use_kind	 kind;
	size_t			 rule;
};

/*
 * One distinct pattern given to the matcher, its id being its index. An
 * English pattern matches whole words only, unless it ends in "*" in the
 * file (prefix: "refund*" also finds "refunded").
 */
struct rule_pattern {
	char		*text;
	bool		 prefix;
	struct rule_use	*uses;
	size_t		 nuses;
};

struct rule_category {
	const char	 *name;
	char		**subs;		/* subcategory vocabulary */
	size_t		  nsubs;
	Cdp__V1__Team	 *teams;	/* the first leads */
	size_t		  nteams;
	Cdp__V1__Party	  party;
};

struct rule_severity {
	const char	*name;
	char		*sla_policy;
	uint32_t	 priority;	/* base of the priority score */
	Cdp__V1__Team	*teams;		/* added to every such case */
	size_t		 nteams;
};

struct rule_settings {
	uint32_t	group_threshold;
	int64_t		group_window_ms;
	size_t		negation_window;	/* characters */
	int64_t		confidence_damping;	/* thousandths of weight */
	int64_t		keyword_bonus;		/* thousandths of weight per
						   extra distinct keyword */
	uint32_t	tier_bonus[6];		/* by MemberTier */
	int64_t		amount_step_fen;	/* one priority point per */
	uint32_t	amount_bonus_max;
};

/*
 * A group-complaint rule ([group <by>]): at threshold distinct customers
 * of one merchant within window_ms on the same SKU, or the same decided
 * subcategory, the complaints are a group.
 */
enum group_by {
	GROUP_BY_SKU,
	GROUP_BY_SUBCATEGORY,
	GROUP_BY_N
};

struct rule_group {
	const char	*name;		/* "sku", "subcategory" */
	bool		 enabled;
	uint32_t	 threshold;	/* distinct customers */
	int64_t		 window_ms;
};

struct rules	*rules_load(const char *path, char *err, size_t errsz);
struct rules	*rules_load_text(const char *path, char *text, size_t len,
		    char *err, size_t errsz);
const char	*rules_version(const struct rules *r);
const struct rule_settings *rules_settings(const struct rules *r);
size_t		 rules_count(const struct rules *r);
const struct rule *rules_rule(const struct rules *r, size_t i);
const struct matcher *rules_matcher(const struct rules *r);
size_t		 rules_pattern_count(const struct rules *r);
const struct rule_pattern *rules_pattern(const struct rules *r, int id);
const struct rule_category *rules_category(const struct rules *r,
		    Cdp__V1__Category c);
const struct rule_severity *rules_severity(const struct rules *r,
		    Cdp__V1__Severity s);
const char	*rules_guidance(const struct rules *r, const char *reason_code);
const struct rule_group *rules_group(const struct rules *r, enum group_by by);
int64_t		 rules_group_window_max(const struct rules *r);
void		 rules_free(struct rules *r);

/*
 * classify.c: one complaint's classification from its own fields and the
 * facts the daemon gathered. The result owns what the messages point to.
 * An out-of-scope result also has a Classified: the best-effort assessment
 * behind the OutOfScope, for logs and tests, never emitted.
 */
struct classify_facts {
	const Cdp__V1__Filed		*filed;
	const Cdp__V1__OrderSnapshot	*order;	/* NULL: order unknown */
	uint32_t			 group_size; /* distinct customers
						       of the group in the
						       window, this one's
						       included */
	uint32_t			 group_threshold; /* its rule's;
						       0: the settings' */
	const char			*group_key; /* "merchant:M1/sku:S1",
						       or NULL */
	bool				 repeat_on_order;
	int64_t				 now_ms;
};

struct classification;

struct classification	*classify(const struct rules *r,
			    const struct classify_facts *facts);
bool			 classification_out_of_scope(
			    const struct classification *c);
const Cdp__V1__Classified *classification_classified(
			    const struct classification *c);
const Cdp__V1__OutOfScope *classification_oos(
			    const struct classification *c);
void			 classification_free(struct classification *c);

/*
 * proactive.c: the proactive causes an order snapshot shows at now_ms
 * (not dispatched by its promised time, a logistics exception, no scan for
 * too long, lost), each to be opened once per order and cause.
 */
struct proactive_policy {
	int64_t	ship_grace_ms;		/* after the promised ship time */
	int64_t	no_scan_ms;		/* in transit without a scan */
	int64_t	signed_grace_ms;	/* signed by proxy, receipt not
					   confirmed by the buyer */
};

size_t	proactive_causes(const struct proactive_policy *p,
	    const Cdp__V1__OrderSnapshot *snap, int64_t now_ms,
	    Cdp__V1__ProactiveCause *out, size_t max);
int64_t	proactive_next_check(const struct proactive_policy *p,
	    const Cdp__V1__OrderSnapshot *snap, int64_t now_ms);

/* The daemon's state, owned by main.c and lent to the I/O modules. */
struct classifier {
	struct event_base	*base;
	struct kafka_producer	*producer;
	struct kafka_consumer	*consumer;
	struct redis		*redis;
	struct httpd		*httpd;
	struct rules		*rules;
	struct proactive_policy	 proactive;
	struct event		*proactive_ev;
	int64_t			 order_keep_ms;	/* order state kept past the
						   after-sales window */
	bool			 stopping;
};

struct kafka_msg;

/*
 * emit.c: one complaint event to complaints.events; fn learns whether the
 * broker confirmed it.
 */
typedef void (*emit_fn)(void *arg, bool ok);

int	emit_event(struct classifier *c, Cdp__V1__ComplaintEvent *ev,
	    emit_fn fn, void *arg);

/*
 * snapshot.c: writes the order snapshots (common/ordersnap.h) from
 * orders.events and logistics.events.
 */
void	snapshot_start(struct classifier *c);
void	snapshot_handle_order(struct classifier *c, struct kafka_msg *m);
void	snapshot_handle_logistics(struct classifier *c, struct kafka_msg *m);

/*
 * group.c: group complaints, the decisions (pure). A group_count is one
 * rule's count for one complaint: distinct customers in the window, this
 * one's included; whether this complaint brought the group to its
 * threshold; and, once the threshold is reached, the complaint ids of the
 * group (this one's included).
 */
struct group_count {
	uint32_t	  customers;
	bool		  formed;
	char		**ids;
	size_t		  nids;
};

int	group_key(const struct rules *r, enum group_by by,
	    const char *merchant, const Cdp__V1__Filed *f,
	    const char *subcategory, char *buf, size_t size);
int	group_pick(const struct rules *r, const struct group_count *counts);
int	group_shown(const struct rules *r, const struct group_count *counts);
size_t	group_others(char *const *ids, size_t n, const char *self,
	    char **out);
size_t	group_raise_room(const struct rules *r,
	    const Cdp__V1__Classified *cl, size_t *nteams);
void	group_raise(const struct rules *r, Cdp__V1__Classified *cl,
	    Cdp__V1__UrgencyFlag *flags, Cdp__V1__Team *teams);

/*
 * grouping.c: the order facts of a complaint (its order's snapshot and the
 * earlier complaints on the order) and its group counts, in Redis. An
 * order_facts_fn or a grouping_fn takes ownership of what its argument
 * holds, to be freed with order_facts_free() or grouping_counts_free().
 */
struct order_facts {
	uint32_t		 order_before;	/* earlier ones on the order */
	Cdp__V1__OrderSnapshot	*order;		/* NULL: order unknown */
};
typedef void (*order_facts_fn)(void *arg, int rc, struct order_facts *o);
typedef void (*grouping_fn)(void *arg, int rc, struct group_count *counts);

void	grouping_start(struct classifier *c);
int	grouping_order_facts(struct classifier *c, const char *complaint_id,
	    const Cdp__V1__Filed *filed, int64_t at_ms, order_facts_fn fn,
	    void *arg);
void	order_facts_free(struct order_facts *o);
int	grouping_count(struct classifier *c, const char *complaint_id,
	    const char *user_id, char *const *keys, int64_t at_ms,
	    grouping_fn fn, void *arg);
void	grouping_counts_free(struct group_count *counts);
int	grouping_remember(struct classifier *c,
	    const Cdp__V1__ComplaintEvent *ev,
	    const Cdp__V1__EventMeta *cause, char *const *keys,
	    void (*fn)(void *, bool), void *arg);
void	grouping_link(struct classifier *c, const Cdp__V1__EventMeta *cause,
	    const char *cause_complaint, const char *merchant_id,
	    const char *group_key, char **members, size_t n,
	    void (*fn)(void *, bool), void *arg);

/* consume.c: a Filed or ProactiveOpened event, classified. */
void	consume_handle(struct classifier *c, struct kafka_msg *m);

/* opening.c: proactive complaints from order snapshots due for a check. */
void	opening_start(struct classifier *c);
void	opening_schedule(struct classifier *c, const char *order_id,
	    int64_t at_ms);

#endif
