/*
 * classifier: classifies every filed complaint (category, subcategory,
 * severity, scope, teams, responsible party, priority, SLA policy) with the
 * reasons that led there, keeps order snapshots from orders.events and
 * logistics.events, and opens complaints proactively from order and
 * logistics facts.
 *
 * Pure modules (no I/O, unit-tested): matcher (Aho-Corasick over UTF-8),
 * rules (the rules file), classify (one complaint's classification),
 * proactive (which proactive causes an order has). I/O modules: snapshot
 * (order snapshots in Redis), grouping (group-complaint and repeat
 * counters in Redis), emit (Classified, OutOfScope, ProactiveOpened to
 * Kafka), and main.c.
 */
#ifndef CDP_CLASSIFIER_H
#define CDP_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/order.pb-c.h"

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

/* rules.c: the classification rules file (config/classifier-rules.conf). */
struct rules;

struct rules	*rules_load(const char *path, char *err, size_t errsz);
const char	*rules_version(const struct rules *r);
uint32_t	 rules_group_threshold(const struct rules *r);
int64_t		 rules_group_window_ms(const struct rules *r);
void		 rules_free(struct rules *r);

/*
 * classify.c: one complaint's classification from its own fields and the
 * facts the daemon gathered. The result owns what the messages point to.
 */
struct classify_facts {
	const Cdp__V1__Filed		*filed;
	const Cdp__V1__OrderSnapshot	*order;	/* NULL: order unknown */
	uint32_t			 group_size; /* same SKU or merchant
						       in the window, this
						       one included */
	const char			*group_key; /* "sku:S1", or NULL */
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
};

size_t	proactive_causes(const struct proactive_policy *p,
	    const Cdp__V1__OrderSnapshot *snap, int64_t now_ms,
	    Cdp__V1__ProactiveCause *out, size_t max);
int64_t	proactive_next_check(const struct proactive_policy *p,
	    const Cdp__V1__OrderSnapshot *snap, int64_t now_ms);

#endif
