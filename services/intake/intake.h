/*
 * intake: the platform's public HTTP API. Every complaint, every action on a
 * complaint and every appeal comes in here and leaves as an event on Kafka;
 * the complaint views it serves are a read model it keeps in Redis from
 * complaints.events.
 *
 * Pure modules (no I/O, unit-tested): keys, ratelimit, complaint_json,
 * action_json, lifecycle, view. I/O modules: api (HTTP handlers), publish
 * (Kafka writes awaited for the broker's answer), idempotency, orders
 * (order snapshots), readmodel (the complaints.events consumer and the Redis
 * documents it keeps), reservation (one action at a time per complaint),
 * retention (final complaints leaving Redis), shard (which Redis entry
 * holds a complaint, with REDIS_ADDRS), submit (the course of a request
 * that records an event, which filing and acting follow).
 */
#ifndef CDP_INTAKE_H
#define CDP_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "cdp/v1/order.pb-c.h"
#include "nitems.h"

#define INTAKE_ID_MAX		64	/* ids match [A-Za-z0-9._:-]{1,64} */
#define INTAKE_TEXT_MAX		4000	/* characters of free text */
#define INTAKE_EVIDENCE_MAX	3
#define INTAKE_URL_MAX		2048

/*
 * A request error as the API answers it: the HTTP status and the JSON body
 * {"error": error, "field": field, "reason": reason}; field may be empty.
 */
struct api_error {
	int	status;
	char	error[32];	/* "invalid_json", "invalid_field", ... */
	char	field[64];
	char	reason[256];
};

/* ratelimit.c: a token bucket; time is passed in, so it is pure. */
struct ratelimit {
	double	rate;		/* tokens per second */
	double	burst;		/* bucket size */
	double	tokens;
	int64_t	last_ms;
};

void	ratelimit_init(struct ratelimit *rl, double rate, double burst,
	    int64_t now_ms);
bool	ratelimit_take(struct ratelimit *rl, int64_t now_ms,
	    int64_t *retry_after_ms);

/*
 * keys.c: API keys from a file. Only SHA-256 hashes of the keys are stored;
 * a presented key is hashed and compared with every entry in constant time.
 */
enum key_role {
	KEY_ROLE_CHANNEL,	/* a complaint channel, on the customer's behalf */
	KEY_ROLE_AGENT,		/* a customer-service agent */
	KEY_ROLE_MERCHANT,	/* one merchant */
	KEY_ROLE_ADMIN,
};

struct api_key {
	char			 name[INTAKE_ID_MAX + 1];	/* "dev-app" */
	enum key_role		 role;
	Cdp__V1__Channel	 channel;	/* KEY_ROLE_CHANNEL */
	char			 merchant_id[INTAKE_ID_MAX + 1]; /* MERCHANT */
	unsigned char		 hash[32];	/* SHA-256 of the key */
	struct ratelimit	 limit;
};

struct keys;

struct keys		*keys_load(const char *path, int64_t now_ms, char *err,
			    size_t errsz);
struct api_key		*keys_authenticate(struct keys *keys,
			    const char *authorization);
const char		*keys_role_name(enum key_role role);
const char		*keys_dev_key(const struct keys *keys);
void			 keys_free(struct keys *keys);

/*
 * complaint_json.c: POST /v1/complaints bodies. A parsed request owns its
 * JSON document; the Filed message points into it and lives as long as it.
 */
struct complaint_req {
	json_t			*root;
	Cdp__V1__Filed		 filed;
	Cdp__V1__Complainant	 complainant;
	Cdp__V1__Respondent	 respondent;
	Cdp__V1__OrderRef	 order;
	Cdp__V1__Actor		 filed_by;
	char			*evidence[INTAKE_EVIDENCE_MAX];
	char			*auto_filled[12];	/* one per fillable path */
	bool			 has_amount;	/* "amount" was given */
};

int	complaint_json_parse(const char *body, size_t len,
	    const struct api_key *key, struct complaint_req *req,
	    struct api_error *err);
int	complaint_json_check_order(const struct complaint_req *req,
	    const Cdp__V1__Order *order, struct api_error *err);
void	complaint_json_fill_from_order(struct complaint_req *req,
	    const Cdp__V1__Order *order);
int	complaint_json_check_complete(const struct complaint_req *req,
	    struct api_error *err);
void	complaint_json_free(struct complaint_req *req);

/*
 * Checks shared with action_json.c (each fills err and returns -1 on
 * failure) and the shape of every id intake takes in or passes on.
 */
int	complaint_json_load(const char *body, size_t len, json_t **root,
	    struct api_error *err);
int	complaint_json_error(struct api_error *err, const char *error,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
int	complaint_json_text(const json_t *v, const char *field, size_t max,
	    const char **out, struct api_error *err);
int	complaint_json_enum(const json_t *v, const char *field,
	    const ProtobufCEnumDescriptor *d, uint64_t refused, int *out,
	    struct api_error *err);
int	complaint_json_amount(const json_t *v, const char *field,
	    int64_t *fen, struct api_error *err);
int	complaint_json_urls(const json_t *v, const char *field, char **urls,
	    size_t *n, struct api_error *err);
bool	complaint_json_id_valid(const char *s);

/*
 * action_json.c: POST /v1/complaints/{id}/actions bodies, and the API
 * names of actions. A parsed action owns its JSON document.
 */
struct action_req {
	json_t				*root;
	Cdp__V1__ActionRecorded		 rec;
	Cdp__V1__Actor			 actor;
	Cdp__V1__Resolution		 resolution;
	Cdp__V1__MerchantResponse	 merchant_response;
	Cdp__V1__Execution		 execution;
	Cdp__V1__ReturnShipment		 return_shipment;
	Cdp__V1__Inspection		 inspection;
	Cdp__V1__Satisfaction		 satisfaction;
	Cdp__V1__Escalation		 escalation;
	Cdp__V1__Closure		 closure;
	char				*evidence[INTAKE_EVIDENCE_MAX];
};

int		 action_json_parse(const char *body, size_t len,
		    const struct api_key *key, struct action_req *req,
		    struct api_error *err);
void		 action_json_free(struct action_req *req);
const char	*action_json_name(Cdp__V1__Action action);

/*
 * lifecycle.c: which action each role may take in each status, and the
 * status it leads to; and the status that a filing, a classification or an
 * out-of-scope answer leads to (lifecycle_after_event()).
 * LIFECYCLE_FORBIDDEN: the role may never take it (403);
 * LIFECYCLE_CONFLICT: not in the current status (409).
 */
enum lifecycle_verdict {
	LIFECYCLE_OK,
	LIFECYCLE_FORBIDDEN,
	LIFECYCLE_CONFLICT,
};

enum lifecycle_verdict	lifecycle_check(Cdp__V1__ComplaintStatus status,
			    enum key_role role,
			    const Cdp__V1__ActionRecorded *rec,
			    Cdp__V1__ComplaintStatus *next);
size_t			lifecycle_allowed(Cdp__V1__ComplaintStatus status,
			    enum key_role role, const char **names,
			    size_t max);
const char		*lifecycle_status_name(Cdp__V1__ComplaintStatus s);
int			 lifecycle_status_parse(const char *name,
			    Cdp__V1__ComplaintStatus *out);
Cdp__V1__ComplaintStatus lifecycle_after_event(
			    Cdp__V1__ComplaintEvent__BodyCase body,
			    Cdp__V1__ComplaintStatus status);

/*
 * view.c and view_*.c (view_impl.h): the read model's complaint document,
 * built by applying the complaint's events in log order, and rendered for
 * one reader. Internal members start with '_' and are never rendered.
 */
/* Limits of one complaint's view (INTAKE_NOTES_MAX, INTAKE_VIEW_BYTES_MAX). */
struct view_limits {
	size_t	notes_max;	/* notes per complaint; 0: none */
	size_t	bytes_max;	/* bytes of the stored view; 0: none */
};

enum view_apply_result {
	VIEW_APPLIED,
	VIEW_DUPLICATE,		/* at or before the last applied offset */
};

json_t			*view_new(const char *complaint_id);
enum view_apply_result	 view_apply(json_t *view,
			    const Cdp__V1__ComplaintEvent *ev, int64_t offset);
Cdp__V1__ComplaintStatus view_status(const json_t *view);
const char		*view_merchant_id(const json_t *view);
const char		*view_filed_by_key(const json_t *view);
const char		*view_severity(const json_t *view);
int64_t			 view_filed_at_ms(const json_t *view);
bool			 view_visible(const json_t *view,
			    const struct api_key *key);
char			*view_render(const json_t *view,
			    const struct api_key *key);
json_t			*view_summary(const json_t *view,
			    const struct api_key *key);
json_t			*view_summary_record(const json_t *view);
json_t			*view_summary_item(const json_t *record);
size_t			 view_notes(const json_t *view);
void			 view_bound(json_t *view,
			    const struct view_limits *lim);
int			 view_admit(const json_t *view,
			    const Cdp__V1__ActionRecorded *rec,
			    const struct view_limits *lim,
			    struct api_error *err);
bool			 view_final(const json_t *view);
int64_t			 view_closed_at_ms(const json_t *view);
json_t			*view_tombstone(const json_t *view);

/*
 * The daemon's state, owned by main.c and lent to every I/O module.
 */
struct policy_set;
struct redis;
struct redis_shards;

struct intake {
	struct event_base	*base;
	struct kafka_producer	*producer;
	struct kafka_consumer	*consumer;
	struct redis_shards	*shards;	/* the read model: partition p
						   of topic on entry p mod N */
	struct redis		*redis;		/* entry 0: what is not kept
						   per complaint (shard.c) */
	int32_t			 partitions;	/* of topic; 0 until known */
	struct httpd		*httpd;
	struct keys		*keys;
	const char		*topic;		/* complaints.events */
	struct policy_set	*policies;	/* SLA: what filing promises */
	const char		*merchants_topic;	/* merchants.events */
	int64_t			 retention_ms;	/* final views stay */
	int64_t			 tombstone_ms;	/* tombstones stay after */
	struct view_limits	 limits;	/* of one complaint's view */
	size_t			 response_max;	/* bytes of a list page */
	size_t			 in_flight;	/* requests awaiting Kafka */
};

/* api.c: routing, authentication, rate limits, answers. */
struct evhttp_request;

void	api_start(struct intake *in);
void	api_reply(struct evhttp_request *req, int status, json_t *body);
void	api_reply_error(struct evhttp_request *req, const struct api_error *e);
void	api_fail(struct evhttp_request *req, int status, const char *error,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	api_unavailable(struct evhttp_request *req, const char *reason);
char	*api_body(struct evhttp_request *req, size_t *len);

/*
 * publish.c: one complaint event to Kafka, answered when the broker has
 * confirmed it (PUBLISH_OK), surely not written (PUBLISH_FAILED), or when it
 * cannot be known (PUBLISH_UNCERTAIN: the broker may have it).
 */
enum publish_result {
	PUBLISH_OK,
	PUBLISH_FAILED,
	PUBLISH_UNCERTAIN,
};
typedef void (*publish_fn)(void *arg, enum publish_result result);

int	publish_event(struct intake *in, const Cdp__V1__ComplaintEvent *ev,
	    publish_fn fn, void *arg);
int	publish_pb(struct intake *in, const char *topic, const char *key,
	    const ProtobufCMessage *msg, publish_fn fn, void *arg);

/*
 * idempotency.c: Idempotency-Key handling in Redis. A first request claims
 * the key; its answer is stored for replays; a failed one releases it.
 */
enum idem_state {
	IDEM_NEW,		/* claimed: go ahead */
	IDEM_REPLAY,		/* answered before: status and body given */
	IDEM_IN_PROGRESS,	/* the first request is still running */
	IDEM_MISMATCH,		/* same key, different request */
	IDEM_UNAVAILABLE,	/* Redis unavailable */
};
struct idem;
/* claim is given (and then owned by the callee) only with IDEM_NEW. */
typedef void (*idem_fn)(void *arg, enum idem_state state, struct idem *claim,
    int status, const char *body);

/* What one Idempotency-Key is scoped by: the same key elsewhere is new. */
struct idem_scope {
	const char	*key_name;	/* the API key's name */
	const char	*method;	/* "POST" */
	const char	*route;		/* "/v1/complaints/{id}/actions" */
	const char	*complaint_id;	/* the route's {id}, or NULL */
	const char	*idem_key;	/* the Idempotency-Key header */
};

int		 idempotency_begin(struct intake *in,
		    const struct idem_scope *scope, const char *body,
		    size_t len, idem_fn fn, void *arg);
void		 idempotency_finish(struct intake *in, struct idem *idem,
		    int status, const char *body);
void		 idempotency_release(struct intake *in, struct idem *idem);
void		 idempotency_answer(struct evhttp_request *req,
		    enum idem_state state, int status, const char *body);
bool		 idempotency_valid_key(const char *key);

/*
 * reservation.c: a compare-and-set per complaint, so that of two actions
 * checked against the same view only one is accepted.
 */
enum reservation_result {
	RESERVATION_TAKEN,	/* go ahead and publish */
	RESERVATION_BUSY,	/* another action is being recorded */
	RESERVATION_MOVED,	/* the view changed since it was read */
	RESERVATION_UNAVAILABLE,
};
typedef void (*reservation_fn)(void *arg, enum reservation_result result);

void	reservation_start(struct intake *in);
int	reservation_take(struct redis *r, const char *complaint_id,
	    const char *event_id, long long seen, reservation_fn fn,
	    void *arg);
void	reservation_drop(struct redis *r, const char *complaint_id,
	    const char *event_id);

/* readmodel.c: complaint views in Redis, kept from complaints.events. */
enum readmodel_result {
	READMODEL_FOUND,
	READMODEL_MISSING,
	READMODEL_UNAVAILABLE,
	READMODEL_ARCHIVED,	/* evicted: the view given is its tombstone */
};
struct list_query {
	const char	*index_key;	/* chosen by listing.c */
	const char	*cursor;	/* exclusive, or NULL */
	size_t		 limit;
};
typedef void (*readmodel_get_fn)(void *arg, enum readmodel_result result,
    json_t *view);
/* A page: the summary records of its members (NULL where there is none). */
typedef void (*readmodel_list_fn)(void *arg, enum readmodel_result result,
    json_t **records, const char **members, size_t n, bool more);

void	readmodel_start(struct intake *in, const char *brokers,
	    const char *instance_id);
int	readmodel_get(struct intake *in, const char *id, readmodel_get_fn fn,
	    void *arg);
int	readmodel_list(struct intake *in, const struct list_query *q,
	    readmodel_list_fn fn, void *arg);
char	*readmodel_index_key(const char *kind, const char *value);
void	readmodel_lost(struct intake *in, const char *topic, int32_t partition);

/*
 * retention.c: final complaints leave Redis after the retention; a
 * tombstone (rm:t:<id>) stays. fn gets 0, or -1 when Redis failed.
 */
typedef void (*retention_fn)(void *arg, int rc);

void	retention_start(struct intake *in);
void	retention_stop(void);
void	retention_track(struct intake *in, struct redis *r,
	    const json_t *view, retention_fn fn, void *arg);

/*
 * shard.c: the Redis entry of a partition or a complaint (REDIS_ADDRS);
 * shard_for_complaint() is NULL while the partition count is unknown.
 */
void		 shard_start(struct intake *in);
void		 shard_stop(void);
size_t		 shard_count(const struct intake *in);
struct redis	*shard_at(const struct intake *in, size_t i);
struct redis	*shard_for_partition(const struct intake *in,
		    const char *topic, int32_t partition);
struct redis	*shard_for_complaint(const struct intake *in,
		    const char *complaint_id);
int		 shard_ready(void *in, char *why, size_t whysz);

/* epochwatch.c */
void	epochwatch_start(struct intake *in);
void	epochwatch_stop(void);

/*
 * submit.c: a request that records one event goes through these steps, in
 * this order, whatever the event; submit_step() is the one place that
 * order is written. The request embeds a struct submit as its first
 * member; its ops do what is particular to it. A step that waits on Redis
 * or the broker resumes with submit_next() (or goes back to an earlier
 * step with submit_step()); a step that answered an error ends the request
 * with submit_end().
 */
enum submit_step {
	SUBMIT_READ,	/* body and Idempotency-Key read; ops->parse */
	SUBMIT_CLAIM,	/* the Idempotency-Key claimed (a replay ends here) */
	SUBMIT_LOAD,	/* ops->load: checked against the state it acts on,
			   the event built (submit_event) */
	SUBMIT_RESERVE,	/* ops->reserve, if any: held against a concurrent
			   writer of the same state */
	SUBMIT_PUBLISH,	/* the event sent; waits for the broker */
	SUBMIT_ANSWER,	/* 202, kept for replays of the Idempotency-Key */
	SUBMIT_END,	/* a claim still held released, the request freed */
};

struct submit;
struct submit_ops {
	const char	*method;	/* "POST", and the route template: */
	const char	*route;		/* they scope Idempotency-Keys */
	const char	*unrecorded;	/* the 503 when the write failed */
	const char	*metric;	/* counter of 202 answers */
	const char	*metric_help;
	int		(*parse)(struct submit *, struct api_error *);
	void		(*load)(struct submit *);
	void		(*reserve)(struct submit *);	/* may be NULL */
	void		(*unwritten)(struct submit *);	/* surely not published;
							   may be NULL */
	json_t		*(*answer)(struct submit *);	/* the 202 body */
	void		(*free)(struct submit *);	/* the whole request */
};
struct submit {
	const struct submit_ops	*ops;
	enum submit_step	 step;
	struct intake		*in;
	struct evhttp_request	*req;
	struct api_key		*key;
	char			*body;
	size_t			 len;
	char			*idem_key;	/* or NULL */
	const char		*scope;		/* the route's id, or NULL */
	struct idem		*claim;		/* held until the answer */
	const char		*topic;		/* the event, from SUBMIT_LOAD */
	const char		*msg_key;
	const ProtobufCMessage	*msg;
};

void	submit_run(struct submit *s, const struct submit_ops *ops,
	    struct intake *in, struct evhttp_request *req,
	    struct api_key *key);
void	submit_step(struct submit *s, enum submit_step step);
void	submit_next(struct submit *s);
void	submit_event(struct submit *s, const char *topic, const char *key,
	    const ProtobufCMessage *msg);
void	submit_unavailable(struct submit *s, const char *what);
void	submit_end(struct submit *s);

/* filing.c: POST /v1/complaints. */
void	filing_handle(struct intake *in, struct evhttp_request *req,
	    struct api_key *key);

/* acting.c: POST /v1/complaints/{id}/actions. */
void	acting_handle(struct intake *in, struct evhttp_request *req,
	    struct api_key *key, const char *complaint_id);

/* listing.c: GET /v1/complaints/{id} and GET /v1/complaints. */
void	listing_get(struct intake *in, struct evhttp_request *req,
	    struct api_key *key, const char *complaint_id);
void	listing_list(struct intake *in, struct evhttp_request *req,
	    struct api_key *key);

/*
 * appeal_json.c: bodies of POST /v1/merchants/{id}/appeals and of its
 * decision. A parsed body owns its JSON document (root); the strings point
 * into it. Pure.
 */
struct appeal_req {
	json_t		*root;
	const char	*penalty_id;
	const char	*reason;
	char		*evidence[INTAKE_EVIDENCE_MAX];
	size_t		 n_evidence;
};
struct appeal_decision_req {
	json_t			*root;
	Cdp__V1__AppealVerdict	 verdict;
	const char		*reason;
};

int	appeal_json_parse(const char *body, size_t len,
	    struct appeal_req *req, struct api_error *err);
int	appeal_json_parse_decision(const char *body, size_t len,
	    struct appeal_decision_req *req, struct api_error *err);
void	appeal_json_free(json_t *root);

/* merchant_view.c: a merchant's standing as the API shows it. Pure. */
json_t	*merchant_view_render(const char *merchant_id,
	    const Cdp__V1__MerchantState *st);
const Cdp__V1__ActivePenalty *merchant_view_penalty_find(
	    const Cdp__V1__MerchantState *st, const char *id);
const Cdp__V1__OpenAppeal *merchant_view_appeal_find(
	    const Cdp__V1__MerchantState *st, const char *appeal_id,
	    const char *penalty_id);

/*
 * merchants.c: merchants.state kept in Redis (rm:m:<id>) by the read
 * model's consumer, and GET /v1/merchants/{id}.
 */
struct kafka_msg;
typedef void (*merchants_fn)(void *arg, int rc,
    const Cdp__V1__MerchantState *st);

void	merchants_start(struct intake *in);
void	merchants_apply(struct intake *in, struct kafka_msg *m);
extern const struct kafka_decoder merchants_decoder;
int	merchants_get(struct intake *in, const char *merchant_id,
	    merchants_fn fn, void *arg);
bool	merchants_visible(const struct api_key *key, const char *merchant_id);
void	merchants_show(struct intake *in, struct evhttp_request *req,
	    struct api_key *key, const char *merchant_id);

/*
 * appeals.c: POST /v1/merchants/{id}/appeals and
 * POST /v1/merchants/{id}/appeals/{appeal_id}/decision.
 */
void	appeals_file(struct intake *in, struct evhttp_request *req,
	    struct api_key *key, const char *merchant_id);
void	appeals_decide(struct intake *in, struct evhttp_request *req,
	    struct api_key *key, const char *merchant_id,
	    const char *appeal_id);

#endif
