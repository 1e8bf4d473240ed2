/*
 * notifier: tells merchants and customers what the complaint events mean
 * for them (docs/notifier.md). Events in, notifications scheduled in Redis,
 * delivered by signed HTTPS webhooks with retries, announced as
 * NotificationSent / NotificationFailed.
 *
 * Pure modules (no I/O, unit-tested): decide (which event tells whom what),
 * facts (the values a template may use), template (the message file),
 * merchants (the merchants file), sign (HMAC-SHA256 signatures), backoff
 * (the retry schedule), urlpolicy (which URLs may be called), limit
 * (per-merchant rate and concurrency), notice (a notification as stored).
 * The I/O modules: consume, store, deliver, pump, emit.
 */
#ifndef CDP_NOTIFIER_H
#define CDP_NOTIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "meta.h"

#define NOTIFIER_ID_MAX		65	/* merchant, complaint, user ids */
#define NOTIFIER_NAME_MAX	64	/* template names */

/*
 * decide.c: the table of which event tells whom what. Each decision names
 * the recipient, the template and the deadline the message is about (0 if
 * none). Deterministic in the event alone.
 */
struct decision {
	Cdp__V1__RecipientKind	 kind;
	const char		*template_name;
	int64_t			 deadline_ms;
};

#define DECIDE_MAX	4

size_t	decide_complaint(const Cdp__V1__ComplaintEvent *ev,
	    struct decision *out, size_t max);
size_t	decide_merchant(const Cdp__V1__MerchantEvent *ev,
	    struct decision *out, size_t max);
const char *decide_event_name(const Cdp__V1__ComplaintEvent *ev);
const char *decide_merchant_event_name(const Cdp__V1__MerchantEvent *ev);
bool	decide_fresh(int64_t occurred_at_ms, int64_t now_ms,
	    int64_t max_age_ms);

/*
 * facts.c: the named values of an event that templates may use
 * ({complaint_id}, {deadline}, {amount_yuan}, ...). Values are copied.
 */
#define FACTS_MAX	16

struct fact {
	const char	*name;
	char		 value[256];
};

struct facts {
	struct fact	items[FACTS_MAX];
	size_t		n;
};

void		 facts_init(struct facts *f);
void		 facts_set(struct facts *f, const char *name,
		    const char *value);
const char	*facts_get(const struct facts *f, const char *name);
void		 facts_complaint(struct facts *f,
		    const Cdp__V1__ComplaintEvent *ev, int64_t deadline_ms);
void		 facts_merchant(struct facts *f,
		    const Cdp__V1__MerchantEvent *ev, int64_t deadline_ms);
bool		 facts_known(const char *name);

/*
 * template.c: the message file (config/notifier-templates.conf), read
 * through common/confschema.c: one [template <name>] section per message,
 * with its Chinese text (zh, required) and English text (en).
 */
struct template_set;

struct template_set *template_load(const char *path, char *err,
		    size_t errsz);
struct template_set *template_load_text(const char *path, char *text,
		    size_t len, char *err, size_t errsz);
const char	*template_text(const struct template_set *ts,
		    const char *name, const char *lang);
char		*template_fill(const char *text, const struct facts *f);
void		 template_free(struct template_set *ts);

/*
 * urlpolicy.c: only https, except plain http to a loopback address when
 * allowed (dev and tests); no credentials in the URL.
 */
int	urlpolicy_check(const char *url, bool allow_loopback_http, char *err,
	    size_t errsz);

/*
 * merchants.c: the merchants file (config/merchants.conf): per merchant
 * its webhook URL, signing secret, language, rate and concurrency.
 */
struct merchant {
	char	 id[NOTIFIER_ID_MAX];
	char	*url;
	char	*secret;
	char	 lang[3];		/* "zh" or "en" */
	long long rate;			/* deliveries per second */
	long long concurrency;		/* deliveries in flight */
};

struct merchant_set;

struct merchant_set *merchants_load(const char *path, bool allow_loopback_http,
		    char *err, size_t errsz);
struct merchant_set *merchants_load_text(const char *path, char *text,
		    size_t len, bool allow_loopback_http, char *err,
		    size_t errsz);
const struct merchant *merchants_find(const struct merchant_set *ms,
		    const char *id);
size_t		 merchants_count(const struct merchant_set *ms);
void		 merchants_free(struct merchant_set *ms);

/*
 * sign.c: hex HMAC-SHA256 of "<timestamp>.<body>" with a secret, and the
 * verifier documented for merchants: signature compared in constant time,
 * timestamp within SIGN_WINDOW_S of the receiver's clock, and a memory of
 * the last SIGN_SEEN_MAX signatures accepted, so none is accepted twice.
 */
#define SIGN_HEX_LEN	64
#define SIGN_WINDOW_S	300
#define SIGN_SEEN_MAX	256

enum sign_verdict {
	SIGN_OK,
	SIGN_MALFORMED,		/* a header missing or not of its form */
	SIGN_MISMATCH,		/* not signed with this secret, or altered */
	SIGN_STALE,		/* timestamp older than the window */
	SIGN_FUTURE,		/* timestamp further ahead than the window */
	SIGN_REPLAYED,		/* this signature was accepted before */
};

struct sign_seen {		/* zeroed: remembers nothing */
	char	 sig[SIGN_SEEN_MAX][SIGN_HEX_LEN + 1];
	int64_t	 at[SIGN_SEEN_MAX];
	size_t	 next;
};

int	sign_body(const char *secret, const char *timestamp, const char *body,
	    size_t len, char out[SIGN_HEX_LEN + 1]);
enum sign_verdict sign_verify(const char *secret, const char *timestamp,
	    const char *signature, const char *body, size_t len, int64_t now_s,
	    struct sign_seen *seen);
const char *sign_verdict_name(enum sign_verdict v);

/*
 * backoff.c: the wait before attempt n+1 after n failures: exponential
 * from base, capped at max, with "equal jitter" (half fixed, half drawn
 * from the random source).
 */
typedef uint32_t (*backoff_rand_fn)(void *arg);

int64_t	backoff_delay(uint32_t failures, int64_t base_ms, int64_t max_ms,
	    backoff_rand_fn rnd, void *arg);

/*
 * limit.c: one merchant's token bucket (rate per second, burst of one
 * second) and its count of deliveries in flight.
 */
struct limit {
	double	tokens;
	int64_t	last_ms;
	int	in_flight;
};

void	limit_init(struct limit *l);
bool	limit_take(struct limit *l, long long rate, long long concurrency,
	    int64_t now_ms);
void	limit_give(struct limit *l);
int64_t	limit_next_ms(const struct limit *l, long long rate, int64_t now_ms);

/*
 * notice.c: one notification as it is kept in Redis until it is announced,
 * and the JSON body a recipient receives.
 */
enum notice_state {
	NOTICE_PENDING,		/* to be delivered */
	NOTICE_DELIVERED,		/* delivered; NotificationSent to announce */
	NOTICE_FAILED,		/* given up; NotificationFailed and DLQ */
};

struct notice {
	char			 id[META_ID_LEN + 1];
	char			 cause_id[META_ID_LEN + 1];
	char			 trace_id[META_ID_LEN + 1];
	char			 complaint_id[NOTIFIER_ID_MAX];
	char			 merchant_id[NOTIFIER_ID_MAX];
	char			 recipient_id[NOTIFIER_ID_MAX];
	Cdp__V1__RecipientKind	 kind;
	Cdp__V1__NotifyChannel	 channel;
	char			 template_name[NOTIFIER_NAME_MAX];
	char			 event[NOTIFIER_NAME_MAX];
	int64_t			 deadline_ms;
	char			*text;
	char			*to;		/* customer: phone or e-mail */
	uint32_t		 attempts;	/* made so far */
	enum notice_state		 state;
	char			 error[128];	/* the last failure */
	char			 provider_id[128];
	int64_t			 next_ms;	/* next attempt; 0 none */
};

void	notice_init(struct notice *j);
char	*notice_encode(const struct notice *j);
int	 notice_decode(const char *json, size_t len, struct notice *j);
char	*notice_body(const struct notice *j);
char	*notice_masked(const char *s);
void	 notice_clear(struct notice *j);

/* The daemon's state, owned by main.c and lent to the I/O modules. */
#define NOTIFIER_PARTITIONS_MAX	256

struct notifier_settings {
	char		*templates_file;
	char		*merchants_file;
	char		*provider_url;
	char		*provider_secret;
	char		*customer_lang;
	long long	 attempts;
	long long	 backoff_base_ms;
	long long	 backoff_max_ms;
	long long	 connect_timeout_ms;
	long long	 timeout_ms;
	long long	 provider_concurrency;
	long long	 max_age_ms;
	bool		 allow_loopback_http;
};

struct notifier {
	struct event_base	*base;
	struct kafka_producer	*producer;
	struct kafka_consumer	*consumer;
	struct redis_shards	*shards;	/* partition p: p mod N */
	struct httpd		*httpd;
	struct deliver		*deliver;
	struct template_set	*templates;
	struct merchant_set	*merchants;
	struct notifier_settings *set;
	struct pump		*pump;
	bool			 stopping;
};

struct kafka_msg;

/*
 * store.c: jobs, their due set and the delivered ids in Redis, by the
 * partition that scheduled them (see docs/notifier.md).
 */
typedef void (*store_done_fn)(void *arg, int rc);
typedef void (*store_ids_fn)(void *arg, int rc, char **ids, size_t n);
typedef void (*store_job_fn)(void *arg, int rc, struct notice *j);
typedef void (*store_text_fn)(void *arg, int rc, const char *text);

void	store_start(struct notifier *n);
void	store_shard(char *out, size_t size, const char *topic, int32_t p);
int	store_schedule(struct notifier *n, const char *shard,
	    const struct notice *j, store_done_fn fn, void *arg);
int	store_due(struct notifier *n, const char *shard, int64_t now_ms,
	    size_t max, store_ids_fn fn, void *arg);
int	store_load(struct notifier *n, const char *shard, const char *id,
	    store_job_fn fn, void *arg);
int	store_update(struct notifier *n, const char *shard,
	    const struct notice *j, store_done_fn fn, void *arg);
int	store_finish(struct notifier *n, const char *shard, const char *id,
	    store_done_fn fn, void *arg);
int	store_contact_save(struct notifier *n, const char *shard,
	    const char *complaint_id, const char *json, store_done_fn fn,
	    void *arg);
int	store_contact_load(struct notifier *n, const char *shard,
	    const char *complaint_id, store_text_fn fn, void *arg);

/* consume.c: events in, notifications scheduled. */
void	consume_handle(struct notifier *n, struct kafka_msg *m);

/*
 * deliver.c: one HTTP POST at a time per call, many at once, on libcurl's
 * multi interface driven by the daemon's event base.
 */
struct deliver;
#define DELIVER_ABANDONED	(-1L)	/* status: the daemon is stopping */
struct deliver_result {
	long	 status;		/* HTTP status; 0: no answer */
	char	 error[128];		/* curl's reason when no answer */
	char	 provider_id[128];	/* the answer's "id", if any */
};
typedef void (*deliver_fn)(void *arg, const struct deliver_result *r);

struct deliver	*deliver_new(struct event_base *base, long connect_timeout_ms,
		    long timeout_ms);
int		 deliver_post(struct deliver *d, const char *url,
		    const char *secret, const char *body, deliver_fn fn,
		    void *arg);
void		 deliver_free(struct deliver *d);

/*
 * pump.c: one timer; on each tick it takes the due jobs of the owned
 * partitions, delivers them within each merchant's limits, and records
 * and announces the outcome.
 */
struct pump	*pump_new(struct notifier *n);
void		 pump_assign(struct pump *p, const char *topic, int32_t part,
		    bool owned);
void		 pump_kick(struct pump *p);
void		 pump_free(struct pump *p);

/* emit.c: NotificationSent / NotificationFailed, and the dead letter. */
typedef void (*emit_fn)(void *arg, bool ok);

int	emit_outcome(struct notifier *n, const struct notice *j, emit_fn fn,
	    void *arg);
int	emit_dead_letter(struct notifier *n, const struct notice *j, emit_fn fn,
	    void *arg);

#endif
