/*
 * GET /v1/complaints/{id} and GET /v1/complaints: the read model as each
 * key may see it. A complaint the key may not see is answered 404, never
 * 403, so ids do not leak.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "httpd.h"
#include "intake.h"
#include "log.h"
#include "xmalloc.h"

#define LISTING_LIMIT_DEFAULT	20
#define LISTING_LIMIT_MAX	100

struct one {
	struct evhttp_request	*req;
	struct api_key		*key;
};

/*
 * 410 for a complaint whose view left Redis after its retention: its
 * history is in the archive, complaints.events, under its id.
 */
static void
listing_archived(struct evhttp_request *req, const json_t *tomb)
{
	const char	*id = json_string_value(json_object_get(tomb,
			    "complaint_id"));

	api_reply(req, 410, json_pack("{s:s, s:O?, s:O?, s:O?, s:{s:s, s:s, "
	    "s:s}}", "error", "archived", "complaint_id", json_object_get(tomb,
	    "complaint_id"), "status", json_object_get(tomb, "status"),
	    "closed_at", json_object_get(tomb, "closed_at"), "archive",
	    "topic", "complaints.events", "key", id != NULL ? id : "",
	    "how", "the complaint's full history is the events of "
	    "complaints.events with this key (the complaint id); the operator "
	    "tool prints them"));
}

static void
listing_on_view(void *arg, enum readmodel_result result, json_t *view)
{
	struct one	*o = arg;
	char		*text;

	if (result == READMODEL_UNAVAILABLE)
		api_unavailable(o->req, "complaint views are unavailable");
	else if (result == READMODEL_MISSING || !view_visible(view, o->key))
		api_fail(o->req, 404, "not_found", NULL, "no such complaint");
	else if (result == READMODEL_ARCHIVED)
		listing_archived(o->req, view);
	else {
		text = view_render(view, o->key);
		httpd_reply_json(o->req, 200, text);
		free(text);
	}
	json_decref(view);
	free(o);
}

void
listing_get(struct intake *in, struct evhttp_request *req,
    struct api_key *key, const char *complaint_id)
{
	struct one	*o = xmalloc(sizeof(*o));

	o->req = req;
	o->key = key;
	if (readmodel_get(in, complaint_id, listing_on_view, o) == -1) {
		api_unavailable(req, "complaint views are unavailable");
		free(o);
	}
}

/* The filters of a list request, validated. */
struct filters {
	char		*status;
	char		*severity;
	char		*merchant_id;
	char		*cursor;
	size_t		 limit;
};

struct many {
	struct evhttp_request	*req;
	struct api_key		*key;
	struct filters		 f;
	size_t			 max;	/* bytes of the page's items */
};

static void
filters_free(struct filters *f)
{
	free(f->status);
	free(f->severity);
	free(f->merchant_id);
	free(f->cursor);
}

static bool
valid_severity(const char *s)
{
	return strcmp(s, "urgent") == 0 || strcmp(s, "high") == 0 ||
	    strcmp(s, "normal") == 0 || strcmp(s, "low") == 0;
}

/* Cursors are index members: 13 digits, ':', a complaint id. */
static bool
valid_cursor(const char *s)
{
	int	i;

	for (i = 0; i < 13; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return s[13] == ':' && complaint_json_id_valid(s + 14);
}

static int
filters_limit(const char *v, size_t *limit, struct api_error *e)
{
	char		*end;
	long long	 n;

	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 1 || n > LISTING_LIMIT_MAX) {
		snprintf(e->reason, sizeof(e->reason),
		    "must be a whole number from 1 to %d", LISTING_LIMIT_MAX);
		return -1;
	}
	*limit = (size_t)n;
	return 0;
}

/*
 * One query parameter into f; e names it when it is bad. A parameter given
 * twice takes its last value.
 */
static int
filters_one(struct filters *f, const char *name, const char *v,
    struct api_error *e)
{
	Cdp__V1__ComplaintStatus	  st;
	char				**dst;
	bool				  ok;

	snprintf(e->field, sizeof(e->field), "%s", name);
	if (strcmp(name, "limit") == 0)
		return filters_limit(v, &f->limit, e);
	if (strcmp(name, "status") == 0) {
		dst = &f->status;
		ok = lifecycle_status_parse(v, &st) == 0;
	} else if (strcmp(name, "severity") == 0) {
		dst = &f->severity;
		ok = valid_severity(v);
	} else if (strcmp(name, "merchant_id") == 0) {
		dst = &f->merchant_id;
		ok = complaint_json_id_valid(v);
	} else if (strcmp(name, "cursor") == 0) {
		dst = &f->cursor;
		ok = valid_cursor(v);
	} else {
		snprintf(e->reason, sizeof(e->reason), "unknown parameter");
		return -1;
	}
	if (!ok) {
		snprintf(e->reason, sizeof(e->reason), "invalid value");
		return -1;
	}
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

static int
filters_parse(struct evhttp_request *req, struct filters *f,
    struct api_error *e)
{
	const char		*query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq	 params;
	struct evkeyval		*kv;
	int			 rc = 0;

	memset(f, 0, sizeof(*f));
	f->limit = LISTING_LIMIT_DEFAULT;
	*e = (struct api_error){ .status = 400, .error = "invalid_field" };
	if (query == NULL)
		return 0;
	if (evhttp_parse_query_str(query, &params) == -1) {
		snprintf(e->reason, sizeof(e->reason), "malformed query");
		return -1;
	}
	for (kv = params.tqh_first; kv != NULL; kv = kv->next.tqe_next)
		if ((rc = filters_one(f, kv->key, kv->value, e)) == -1)
			break;
	evhttp_clear_headers(&params);
	return rc;
}

/*
 * The narrowest index the key and the filters allow: a merchant reads its
 * own, a channel what it filed; agents by merchant, status, severity or all.
 */
static char *
listing_index(const struct api_key *key, const struct filters *f)
{
	if (key->role == KEY_ROLE_MERCHANT)
		return readmodel_index_key("m", key->merchant_id);
	if (key->role == KEY_ROLE_CHANNEL)
		return readmodel_index_key("k", key->name);
	if (f->merchant_id != NULL)
		return readmodel_index_key("m", f->merchant_id);
	if (f->status != NULL)
		return readmodel_index_key("s", f->status);
	if (f->severity != NULL)
		return readmodel_index_key("v", f->severity);
	return readmodel_index_key("all", NULL);
}

static bool
listing_match(const json_t *view, const struct many *m)
{
	const char	*sev = view_severity(view), *merchant;

	merchant = view_merchant_id(view);
	if (!view_visible(view, m->key))
		return false;
	if (m->f.status != NULL && strcmp(m->f.status,
	    lifecycle_status_name(view_status(view))) != 0)
		return false;
	if (m->f.severity != NULL && (sev == NULL ||
	    strcmp(m->f.severity, sev) != 0))
		return false;
	return m->f.merchant_id == NULL || (merchant != NULL &&
	    strcmp(m->f.merchant_id, merchant) == 0);
}

static void
listing_on_page(void *arg, enum readmodel_result result, json_t **records,
    const char **members, size_t n, bool more)
{
	struct many	*m = arg;
	json_t		*items = json_array(), *item;
	size_t		 i, bytes = 0;

	if (result == READMODEL_UNAVAILABLE) {
		api_unavailable(m->req, "complaint views are unavailable");
		json_decref(items);
	} else {
		for (i = 0; i < n; i++) {
			if (records[i] == NULL || !listing_match(records[i], m))
				continue;
			item = view_summary_item(records[i]);
			if ((bytes += json_dumpb(item, NULL, 0,
			    JSON_COMPACT) + 1) > m->max && i > 0) {
				json_decref(item);
				more = true;	/* the page ends early */
				n = i;
				break;
			}
			json_array_append_new(items, item);
		}
		api_reply(m->req, 200, json_pack("{s:o, s:o}", "items", items,
		    "next_cursor", more ? json_string(members[n - 1]) :
		    json_null()));
	}
	filters_free(&m->f);
	free(m);
}

void
listing_list(struct intake *in, struct evhttp_request *req,
    struct api_key *key)
{
	struct many		*m = xcalloc(1, sizeof(*m));
	struct api_error	 e;
	struct list_query	 q;
	char			*index;

	m->req = req;
	m->key = key;
	m->max = in->response_max;
	if (filters_parse(req, &m->f, &e) == -1) {
		api_reply_error(req, &e);
		filters_free(&m->f);
		free(m);
		return;
	}
	index = listing_index(key, &m->f);
	q = (struct list_query){ index, m->f.cursor, m->f.limit };
	if (readmodel_list(in, &q, listing_on_page, m) == -1) {
		api_unavailable(req, "complaint views are unavailable");
		filters_free(&m->f);
		free(m);
	}
	free(index);
}
