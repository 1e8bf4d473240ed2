/*
 * cdp-demo: a marketplace's complaint desk compressed into minutes, played
 * against the running platform (docs/demo.md). One process, one libevent
 * loop: market.c publishes orders and parcels to Kafka, story.c files
 * complaints and acts on them through intake's HTTP API, recv.c answers
 * the notifier's webhooks, view.c shows what the platform made of it.
 */
#ifndef CDP_DEMO_H
#define CDP_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "mix.h"

#define DEMO_MERCHANTS	36
#define DEMO_ORDERS	3000

struct demo_opts {
	unsigned	 for_s;		/* 0: until Ctrl-C */
	uint64_t	 seed;
	const char	*intake;	/* http://127.0.0.1:8080 */
	const char	*analytics;	/* http://127.0.0.1:8090 */
	const char	*brokers;
	const char	*merchant_listen;	/* 127.0.0.1:8098 */
	const char	*provider_listen;	/* 127.0.0.1:8099 */
	const char	*provider_secret;
};

/* What the demo did itself (the platform's own figures are in view.c). */
struct demo_counts {
	uint64_t	orders, order_events, logistics_events;
	uint64_t	filed[MIX_CHANNELS], refused, chinese;
	uint64_t	urgent, mentions_12315, high_value, out_of_scope;
	uint64_t	group, logistics_failures;
	uint64_t	actions, actions_refused, not_carried_out, appeals;
	uint64_t	appeals_upheld;
	uint64_t	webhooks, webhooks_retried, webhooks_bad_signature;
	uint64_t	messages, messages_retried;
	uint64_t	restricted;	/* merchants seen restricted */
};

struct demo {
	struct demo_opts	 o;
	struct event_base	*base;
	struct mix_rng		 rng;
	struct demo_counts	 n;
	struct market		*market;
	struct story		*story;
	struct recv		*recv;
	struct view		*view;
	int64_t			 start_ms;
	bool			 loaded;	/* orders all published */
};

/* api.c: intake's and analytics's HTTP API, blocking (local, quick). */
int		 api_init(void);
void		 api_free(void);
long		 api_post(const char *base, const char *path, const char *key,
		    json_t *body, json_t **answer);
long		 api_get(const char *base, const char *path, const char *key,
		    json_t **answer);

/* market.c: merchants and orders, their events on Kafka. */
struct market	*market_new(struct demo *d);
void		 market_free(struct market *m);
bool		 market_bad(unsigned merchant);
const char	*market_merchant_id(unsigned merchant);
unsigned	 market_pick_order(struct market *m, unsigned *merchant);
const char	*market_order_id(unsigned order, char *buf, size_t sz);
void		 market_lose_parcel(struct market *m);
unsigned	 market_same_sku(struct market *m, unsigned order, unsigned n);
double		 market_price(struct market *m, unsigned order);
int64_t		 market_flush(struct market *m);

/* story.c: complaints, the agents and merchants who answer them. */
struct story	*story_new(struct demo *d);
void		 story_free(struct story *s);

/* recv.c: the merchants' webhook receiver and the SMS/e-mail provider. */
struct recv	*recv_new(struct demo *d);
void		 recv_free(struct recv *r);

/* view.c: live view, final report, the exit status. */
struct view	*view_new(struct demo *d);
int		 view_report(struct view *v);
void		 view_free(struct view *v);

#endif
