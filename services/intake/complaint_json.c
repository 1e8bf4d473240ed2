/*
 * complaint_json: POST /v1/complaints bodies, checked field by field into a
 * Filed message, completed from the order snapshot, and the field checks
 * that the action parser (action_json.c) shares with it.
 *
 * Pure: no I/O. A parsed request owns its JSON document; every string of
 * the Filed message points into that document, including the strings
 * copied from an order snapshot, so the request outlives the snapshot.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "intake.h"
#include "log.h"
#include "vocab.h"

#define AMOUNT_MAX_CNY		100000000	/* one hundred million CNY */
#define NAME_MAX_CHARS		64
#define PHONE_MAX		32
#define EMAIL_MAX		254
#define CHANNEL_REF_MAX		128

/* The member of the document that holds strings copied from an order. */
#define HELD_KEY		"_from_order"

typedef int (*field_fn)(struct complaint_req *, const struct api_key *,
    json_t *, struct api_error *);

static int	parse_channel(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);
static int	parse_channel_ref(struct complaint_req *,
		    const struct api_key *, json_t *, struct api_error *);
static int	parse_order_id(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);
static int	parse_sku(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);
static int	parse_merchant_id(struct complaint_req *,
		    const struct api_key *, json_t *, struct api_error *);
static int	parse_user(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);
static int	parse_problem_type(struct complaint_req *,
		    const struct api_key *, json_t *, struct api_error *);
static int	parse_description(struct complaint_req *,
		    const struct api_key *, json_t *, struct api_error *);
static int	parse_demand(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);
static int	parse_amount(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);
static int	parse_demand_amount(struct complaint_req *,
		    const struct api_key *, json_t *, struct api_error *);
static int	parse_evidence(struct complaint_req *, const struct api_key *,
		    json_t *, struct api_error *);

/*
 * The top-level members of a complaint body, in the order they are checked
 * (so the first error a client sees does not depend on its key order).
 * A member not listed here is rejected: a typo must not lose data.
 */
static const struct {
	const char	*name;
	field_fn	 parse;
} fields[] = {
	{ "channel",		parse_channel },
	{ "channel_ref",	parse_channel_ref },
	{ "order_id",		parse_order_id },
	{ "sku",		parse_sku },
	{ "merchant_id",	parse_merchant_id },
	{ "user",		parse_user },
	{ "problem_type",	parse_problem_type },
	{ "description",	parse_description },
	{ "demand",		parse_demand },
	{ "amount",		parse_amount },
	{ "demand_amount",	parse_demand_amount },
	{ "evidence",		parse_evidence },
};

/* The channels a complaint body may name: the system opens its own. */
#define CHANNELS_REFUSED \
	(UINT64_C(1) << CDP__V1__CHANNEL__CHANNEL_SYSTEM)

/*
 * Copies src into dst, cutting it to fit and replacing any byte that is
 * not part of a valid UTF-8 sequence with '?', so that an error built from
 * client input or from jansson's truncated messages always renders as JSON.
 */
static void
copy_utf8(char *dst, size_t dsz, const char *src)
{
	size_t	i = 0, j, len;
	const unsigned char *s = (const unsigned char *)src;

	while (s[i] != '\0' && i + 1 < dsz) {
		if (s[i] < 0x80)
			len = 1;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4;
		else
			len = 0;
		for (j = 1; j < len; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				len = 0;
		if (len == 0) {
			dst[i++] = '?';
			continue;
		}
		if (i + len >= dsz)
			break;
		memcpy(dst + i, s + i, len);
		i += len;
	}
	dst[i] = '\0';
}

/* Fills err for a request error answered with 400; always returns -1. */
int
complaint_json_error(struct api_error *err, const char *error,
    const char *field, const char *fmt, ...)
{
	char	reason[sizeof(err->reason)];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	err->status = 400;
	copy_utf8(err->error, sizeof(err->error), error);
	copy_utf8(err->field, sizeof(err->field), field != NULL ? field : "");
	copy_utf8(err->reason, sizeof(err->reason), reason);
	return -1;
}

/* Shorthands for the two usual errors; both return -1. */
static int
invalid(struct api_error *err, const char *field, const char *reason)
{
	return complaint_json_error(err, "invalid_field", field, "%s",
	    reason);
}

static int
missing(struct api_error *err, const char *field, const char *reason)
{
	return complaint_json_error(err, "missing_field", field, "%s",
	    reason);
}

/*
 * Removes the members whose value is null: a client that sends
 * "merchant_id": null means the same as one that leaves it out.
 */
static void
drop_nulls(json_t *obj)
{
	const char	*k;
	json_t		*v;
	void		*tmp;

	json_object_foreach_safe(obj, tmp, k, v) {
		if (json_is_null(v))
			json_object_del(obj, k);
	}
}

/*
 * Parses a request body into *root, which must be a JSON object. Malformed
 * JSON, including invalid UTF-8 and duplicate keys, is answered with
 * jansson's own message and where it stopped.
 */
int
complaint_json_load(const char *body, size_t len, json_t **root,
    struct api_error *err)
{
	json_error_t	 jerr;
	json_t		*doc;

	*root = NULL;
	doc = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		complaint_json_error(err, "invalid_json", "",
		    "%s%s at line %d, column %d (byte %d)",
		    json_error_code(&jerr) == json_error_invalid_utf8 ?
		    "invalid UTF-8: " : "", jerr.text, jerr.line,
		    jerr.column, jerr.position);
		return -1;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		complaint_json_error(err, "invalid_json", "", "%s",
		    "the body must be a JSON object");
		return -1;
	}
	drop_nulls(doc);
	*root = doc;
	return 0;
}

/* Counts the characters of valid UTF-8 text (jansson guarantees it). */
static size_t
utf8_chars(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Checks that v is a string of at most max Unicode characters. */
int
complaint_json_text(const json_t *v, const char *field, size_t max,
    const char **out, struct api_error *err)
{
	if (!json_is_string(v))
		return invalid(err, field, "must be a string");
	if (utf8_chars(json_string_value(v), json_string_length(v)) > max) {
		complaint_json_error(err, "invalid_field", field,
		    "must be at most %zu characters", max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* Whether the API accepts value of an enum (refused: a mask of values). */
static bool
enum_accepted(int value, uint64_t refused)
{
	return value > 0 && value < 64 &&
	    (refused & (UINT64_C(1) << value)) == 0;
}

/*
 * Answers an unknown enum name with the accepted ones (the enum's public
 * names, vocab.c, but the refused), or with a pointer to the
 * documentation when the list does not fit in a reason.
 */
static int
enum_error(struct api_error *err, const char *field,
    const ProtobufCEnumDescriptor *d, uint64_t refused)
{
	char		 list[sizeof(err->reason)], name[64];
	const char	*sep = "";
	size_t		 i, len;
	int		 w;

	len = (size_t)snprintf(list, sizeof(list), "must be one of: ");
	for (i = 0; i < d->n_values; i++) {
		if (!enum_accepted(d->values[i].value, refused) ||
		    !vocab_name(d, d->values[i].value, name, sizeof(name)))
			continue;
		w = snprintf(list + len, sizeof(list) - len, "%s%s", sep,
		    name);
		if (w < 0 || (size_t)w >= sizeof(list) - len)
			return invalid(err, field,
			    "is not a known value (see docs/api.md)");
		len += (size_t)w;
		sep = ", ";
	}
	return invalid(err, field, list);
}

/*
 * Reads the string v as one of the enum's public names (vocab.c) that the
 * API accepts: refused is a mask of the values it does not.
 */
int
complaint_json_enum(const json_t *v, const char *field,
    const ProtobufCEnumDescriptor *d, uint64_t refused, int *out,
    struct api_error *err)
{
	int	value;

	if (!json_is_string(v))
		return invalid(err, field, "must be a string");
	if (vocab_value(d, json_string_value(v), &value) == -1 ||
	    !enum_accepted(value, refused))
		return enum_error(err, field, d, refused);
	*out = value;
	return 0;
}

/*
 * Converts an amount in CNY (a JSON number from 0 to 100000000 with at
 * most two decimals) to fen exactly. A real is accepted only if the
 * nearest double to its whole number of fen, divided by 100, is the very
 * double the client sent: 0.01 passes, 0.001 and 0.015 do not.
 */
int
complaint_json_amount(const json_t *v, const char *field, int64_t *fen,
    struct api_error *err)
{
	const char	*range = "must be from 0 to 100000000 (CNY)";
	json_int_t	 i;
	double		 d;
	long long	 f;

	if (json_is_integer(v)) {
		i = json_integer_value(v);
		if (i < 0 || i > AMOUNT_MAX_CNY)
			return invalid(err, field, range);
		*fen = (int64_t)i * 100;
		return 0;
	}
	if (!json_is_real(v))
		return invalid(err, field, "must be a number (CNY)");
	d = json_real_value(v);
	if (!(d >= 0 && d <= AMOUNT_MAX_CNY))
		return invalid(err, field, range);
	f = llround(d * 100);
	if ((double)f / 100.0 != d)
		return invalid(err, field, "must have at most 2 decimals");
	*fen = f;
	return 0;
}

/*
 * An evidence URL is http or https with a host, printable ASCII without
 * spaces (anything else percent-encoded), at most INTAKE_URL_MAX bytes.
 */
static int
url_valid(const char *s)
{
	size_t	 len = strlen(s), i, host;

	if (len > INTAKE_URL_MAX)
		return 0;
	if (strncasecmp(s, "https://", 8) == 0)
		host = 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		host = 7;
	else
		return 0;
	if (s[host] == '\0' || strchr("/?#", s[host]) != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Checks an array of at most INTAKE_EVIDENCE_MAX URLs; urls[] points into
 * v afterwards. A bad element is named by its index ("evidence[1]").
 */
int
complaint_json_urls(const json_t *v, const char *field, char **urls,
    size_t *n, struct api_error *err)
{
	char	 name[64];
	json_t	*u;
	size_t	 i;

	if (!json_is_array(v))
		return invalid(err, field, "must be an array of URLs");
	if (json_array_size(v) > INTAKE_EVIDENCE_MAX) {
		complaint_json_error(err, "invalid_field", field,
		    "must hold at most %d URLs", INTAKE_EVIDENCE_MAX);
		return -1;
	}
	json_array_foreach(v, i, u) {
		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		if (!json_is_string(u) || !url_valid(json_string_value(u)))
			return invalid(err, name, "must be an http(s) URL of "
			    "at most 2048 printable ASCII characters");
		urls[i] = (char *)json_string_value(u);
	}
	*n = json_array_size(v);
	return 0;
}

/*
 * An id matches [A-Za-z0-9._:-]{1,64}, the shape of every id intake takes
 * in (paths, bodies, the key file) or passes on.
 */
bool
complaint_json_id_valid(const char *s)
{
	size_t	len;

	len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-");
	return len > 0 && len <= INTAKE_ID_MAX && s[len] == '\0';
}

/* Checks an id-shaped string (ids, SKUs, problem types). */
static int
check_id(const json_t *v, const char *field, char **out,
    struct api_error *err)
{
	if (!json_is_string(v))
		return invalid(err, field, "must be a string");
	if (!complaint_json_id_valid(json_string_value(v)))
		return invalid(err, field,
		    "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
	*out = (char *)json_string_value(v);
	return 0;
}

/* Checks a free-text string into *out (which keeps its default if absent). */
static int
check_text(const json_t *v, const char *field, size_t max, char **out,
    struct api_error *err)
{
	const char	*s;

	if (v == NULL)
		return 0;
	if (complaint_json_text(v, field, max, &s, err) == -1)
		return -1;
	*out = (char *)s;
	return 0;
}

/*
 * The channel defaults to a channel key's own; agents and admins, who type
 * cases from any channel, must name it. A channel key never files for
 * another channel.
 */
static int
parse_channel(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	int	c;

	if (v == NULL) {
		if (key->role != KEY_ROLE_CHANNEL)
			return missing(err, "channel",
			    "required for agent and admin keys");
		req->filed.channel = key->channel;
		return 0;
	}
	if (complaint_json_enum(v, "channel",
	    &cdp__v1__channel__descriptor, CHANNELS_REFUSED, &c, err) == -1)
		return -1;
	if (key->role == KEY_ROLE_CHANNEL && c != (int)key->channel)
		return invalid(err, "channel",
		    "a channel key files only for its own channel");
	req->filed.channel = c;
	return 0;
}

static int
parse_channel_ref(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	return check_text(v, "channel_ref", CHANNEL_REF_MAX,
	    &req->filed.channel_ref, err);
}

static int
parse_order_id(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	if (v == NULL)
		return missing(err, "order_id", "required");
	return check_id(v, "order_id", &req->order.order_id, err);
}

/* The optional SKU picks the order line the complaint is about. */
static int
parse_sku(struct complaint_req *req, const struct api_key *key, json_t *v,
    struct api_error *err)
{
	if (v == NULL)
		return 0;
	return check_id(v, "sku", &req->order.sku, err);
}

/* The merchant may be left to the order snapshot (see check_complete). */
static int
parse_merchant_id(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	if (v == NULL)
		return 0;
	return check_id(v, "merchant_id", &req->respondent.merchant_id, err);
}

/* A phone number: digits with the usual separators, "+86 138-1234-5678". */
static int
phone_valid(const char *s)
{
	size_t	i, digits = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (strchr("+-() ", s[i]) == NULL)
			return 0;
	}
	return i <= PHONE_MAX && digits >= 3;
}

/* An e-mail address: local@domain, printable ASCII, no spaces. */
static int
email_valid(const char *s)
{
	const char	*at = strchr(s, '@');
	size_t		 i;

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return i <= EMAIL_MAX;
}

/* Checks a string member of user with one of the validators above. */
static int
check_contact(const json_t *v, const char *field, int (*valid)(const char *),
    const char *reason, char **out, struct api_error *err)
{
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return invalid(err, field, "must be a string");
	if (!valid(json_string_value(v)))
		return invalid(err, field, reason);
	*out = (char *)json_string_value(v);
	return 0;
}

/* Rejects members of the user object other than the five it has. */
static int
check_user_members(json_t *user, struct api_error *err)
{
	static const char *const known[] = {
		"id", "name", "phone", "email", "member_tier",
	};
	char		 field[64];
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(user, k, v) {
		for (i = 0; i < nitems(known); i++)
			if (strcmp(k, known[i]) == 0)
				break;
		if (i == nitems(known)) {
			snprintf(field, sizeof(field), "user.%s", k);
			return invalid(err, field, "unknown field");
		}
	}
	return 0;
}

/* The complainant: id required, contact details and member tier optional. */
static int
parse_user(struct complaint_req *req, const struct api_key *key, json_t *v,
    struct api_error *err)
{
	Cdp__V1__Complainant	*c = &req->complainant;
	int			 tier;

	if (v == NULL)
		return missing(err, "user", "required (at least user.id)");
	if (!json_is_object(v))
		return invalid(err, "user", "must be an object");
	drop_nulls(v);
	if (check_user_members(v, err) == -1)
		return -1;
	if (json_object_get(v, "id") == NULL)
		return missing(err, "user.id", "required");
	if (check_id(json_object_get(v, "id"), "user.id", &c->user_id,
	    err) == -1 ||
	    check_text(json_object_get(v, "name"), "user.name",
	    NAME_MAX_CHARS, &c->name, err) == -1 ||
	    check_contact(json_object_get(v, "phone"), "user.phone",
	    phone_valid, "must be a phone number of at most 32 characters",
	    &c->phone, err) == -1 ||
	    check_contact(json_object_get(v, "email"), "user.email",
	    email_valid, "must be an e-mail address", &c->email, err) == -1)
		return -1;
	if (json_object_get(v, "member_tier") == NULL)
		return 0;
	if (complaint_json_enum(json_object_get(v, "member_tier"),
	    "user.member_tier", &cdp__v1__member_tier__descriptor, 0, &tier,
	    err) == -1)
		return -1;
	c->member_tier = tier;
	return 0;
}

static int
parse_problem_type(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	if (v == NULL)
		return 0;
	return check_id(v, "problem_type", &req->filed.problem_type, err);
}

static int
parse_description(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	return check_text(v, "description", INTAKE_TEXT_MAX,
	    &req->filed.description, err);
}

static int
parse_demand(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	int	d;

	if (v == NULL)
		return missing(err, "demand", "required");
	if (complaint_json_enum(v, "demand",
	    &cdp__v1__demand__descriptor, 0, &d, err) == -1)
		return -1;
	req->filed.demand = d;
	return 0;
}

/* What the customer paid for the line; the order snapshot may supply it. */
static int
parse_amount(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	if (v == NULL)
		return 0;
	if (complaint_json_amount(v, "amount", &req->order.amount_fen,
	    err) == -1)
		return -1;
	req->has_amount = true;
	return 0;
}

/* What the customer asks for, when the demand is a sum (compensation). */
static int
parse_demand_amount(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	if (v == NULL)
		return 0;
	return complaint_json_amount(v, "demand_amount",
	    &req->filed.demand_amount_fen, err);
}

static int
parse_evidence(struct complaint_req *req, const struct api_key *key,
    json_t *v, struct api_error *err)
{
	if (v == NULL)
		return 0;
	if (complaint_json_urls(v, "evidence", req->evidence,
	    &req->filed.n_evidence_urls, err) == -1)
		return -1;
	req->filed.evidence_urls = req->evidence;
	return 0;
}

/* Rejects the first top-level member that no complaint field has. */
static int
check_members(json_t *root, struct api_error *err)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(root, k, v) {
		for (i = 0; i < nitems(fields); i++)
			if (strcmp(k, fields[i].name) == 0)
				break;
		if (i == nitems(fields))
			return invalid(err, k, "unknown field");
	}
	return 0;
}

/* Runs every field's check in table order, then the cross-field rule. */
static int
check_fields(struct complaint_req *req, const struct api_key *key,
    struct api_error *err)
{
	size_t	i;

	for (i = 0; i < nitems(fields); i++)
		if (fields[i].parse(req, key,
		    json_object_get(req->root, fields[i].name), err) == -1)
			return -1;
	if (req->filed.problem_type[0] == '\0' &&
	    req->filed.description[0] == '\0')
		return missing(err, "problem_type",
		    "problem_type or description is required");
	return 0;
}

/*
 * Links the messages of the request together. The Filed message points at
 * the request's own members, so a request must not be moved once parsed.
 */
static void
req_init(struct complaint_req *req)
{
	Cdp__V1__Filed		f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	c = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent	r = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef	o = CDP__V1__ORDER_REF__INIT;
	Cdp__V1__Actor		a = CDP__V1__ACTOR__INIT;

	req->filed = f;
	req->complainant = c;
	req->respondent = r;
	req->order = o;
	req->filed_by = a;
	req->filed.complainant = &req->complainant;
	req->filed.respondent = &req->respondent;
	req->filed.order = &req->order;
	req->filed.filed_by = &req->filed_by;
	req->filed.auto_filled_fields = req->auto_filled;
}

/*
 * A channel files for the customer, whose user id is the actor's; an
 * agent or an admin types the case in and is named by the key.
 */
static void
set_filed_by(struct complaint_req *req, const struct api_key *key)
{
	req->filed_by.api_key_id = (char *)key->name;
	if (key->role == KEY_ROLE_CHANNEL) {
		req->filed_by.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER;
		req->filed_by.actor_id = req->complainant.user_id;
	} else {
		req->filed_by.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT;
		req->filed_by.actor_id = (char *)key->name;
	}
}

/*
 * Parses and checks a complaint body filed with key. On success req owns
 * the document (free it with complaint_json_free()) and req->filed is the
 * Filed message without ids, idempotency key, due times or metadata, which
 * the caller sets. On failure err holds the answer and req owns nothing.
 * filed_by borrows key's name, so key must outlive req.
 */
int
complaint_json_parse(const char *body, size_t len, const struct api_key *key,
    struct complaint_req *req, struct api_error *err)
{
	memset(req, 0, sizeof(*req));
	if (key->role == KEY_ROLE_MERCHANT) {
		complaint_json_error(err, "forbidden", "", "%s",
		    "merchant keys cannot file complaints");
		err->status = 403;
		return -1;
	}
	if (complaint_json_load(body, len, &req->root, err) == -1)
		return -1;
	req_init(req);
	if (check_members(req->root, err) == -1 ||
	    check_fields(req, key, err) == -1)
		goto fail;
	set_filed_by(req, key);
	return 0;

fail:
	json_decref(req->root);
	req->root = NULL;
	return -1;
}

static bool
present(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/*
 * Keeps a copy of an order snapshot's string in the request's document,
 * so the Filed message never points into a snapshot freed before it.
 */
static char *
hold(struct complaint_req *req, const char *s)
{
	json_t	*held, *str;

	held = json_object_get(req->root, HELD_KEY);
	if (held == NULL) {
		if ((held = json_array()) == NULL ||
		    json_object_set_new(req->root, HELD_KEY, held) == -1)
			fatalx("complaint_json: out of memory");
	}
	if ((str = json_string_nocheck(s)) == NULL ||
	    json_array_append_new(held, str) == -1)
		fatalx("complaint_json: out of memory");
	return (char *)json_string_value(str);
}

/* Records that path was filled from the order, once. */
static void
filled(struct complaint_req *req, const char *path)
{
	size_t	n = req->filed.n_auto_filled_fields;

	if (n < nitems(req->auto_filled)) {
		req->auto_filled[n] = (char *)path;
		req->filed.n_auto_filled_fields = n + 1;
	}
}

/* Fills an empty string member from the snapshot's value, if it has one. */
static void
fill_str(struct complaint_req *req, char **dst, const char *src,
    const char *path)
{
	if (present(*dst) || !present(src))
		return;
	*dst = hold(req, src);
	filled(req, path);
}

/* Fills a zero number (time, amount) from the snapshot's, if non-zero. */
static void
fill_i64(struct complaint_req *req, int64_t *dst, int64_t src,
    const char *path)
{
	if (*dst != 0 || src == 0)
		return;
	*dst = src;
	filled(req, path);
}

/*
 * The merchant is the order's unless the complaint named one; the shop is
 * filled only when the merchant is the order's, so it never contradicts.
 */
static void
fill_respondent(struct complaint_req *req, const Cdp__V1__Order *o)
{
	Cdp__V1__Respondent	*r = &req->respondent;

	fill_str(req, &r->merchant_id, o->merchant_id,
	    "respondent.merchant_id");
	if (!present(o->merchant_id) || strcmp(r->merchant_id,
	    o->merchant_id) != 0)
		return;
	fill_str(req, &r->shop_id, o->shop_id, "respondent.shop_id");
	fill_str(req, &r->shop_name, o->shop_name, "respondent.shop_name");
}

/*
 * The order's member tier is its buyer's: it is the complainant's only if
 * the complainant is the buyer (or the snapshot does not say who is).
 */
static void
fill_complainant(struct complaint_req *req, const Cdp__V1__Order *o)
{
	Cdp__V1__Complainant	*c = &req->complainant;

	if (c->member_tier != CDP__V1__MEMBER_TIER__MEMBER_TIER_UNSPECIFIED ||
	    o->member_tier == CDP__V1__MEMBER_TIER__MEMBER_TIER_UNSPECIFIED)
		return;
	if (present(o->buyer_id) && strcmp(o->buyer_id, c->user_id) != 0)
		return;
	c->member_tier = o->member_tier;
	filled(req, "complainant.member_tier");
}

/*
 * The line complained about: the one with the complaint's SKU, or the
 * first when the complaint names none. NULL when the SKU is not in the
 * order, so nothing of another line is filled in.
 */
static const Cdp__V1__SkuLine *
order_line(const struct complaint_req *req, const Cdp__V1__Order *o)
{
	size_t	i;

	if (o->n_lines == 0)
		return NULL;
	if (!present(req->order.sku))
		return o->lines[0];
	for (i = 0; i < o->n_lines; i++)
		if (present(o->lines[i]->sku) &&
		    strcmp(o->lines[i]->sku, req->order.sku) == 0)
			return o->lines[i];
	return NULL;
}

/* Fills the SKU line: its id, title, quantity and what was paid for it. */
static void
fill_line(struct complaint_req *req, const Cdp__V1__Order *o)
{
	const Cdp__V1__SkuLine	*line = order_line(req, o);
	int64_t			 paid;

	if (line == NULL)
		return;
	fill_str(req, &req->order.sku, line->sku, "order.sku");
	fill_str(req, &req->order.product_title, line->title,
	    "order.product_title");
	if (req->order.quantity == 0 && line->quantity != 0) {
		req->order.quantity = line->quantity;
		filled(req, "order.quantity");
	}
	if (req->has_amount || line->unit_price_fen <= 0 ||
	    __builtin_mul_overflow(line->unit_price_fen,
	    (int64_t)line->quantity, &paid))
		return;
	fill_i64(req, &req->order.amount_fen, paid, "order.amount_fen");
}

/*
 * A customer's channel files for the user the body names; when the order
 * names another buyer, the order is someone else's and nothing of it but
 * its merchant and shop may reach the complaint. Agents file for any buyer.
 */
static bool
order_is_foreign(const struct complaint_req *req, const Cdp__V1__Order *o)
{
	return req->filed_by.role == CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER &&
	    present(o->buyer_id) &&
	    strcmp(o->buyer_id, req->complainant.user_id) != 0;
}

/*
 * Completes a parsed complaint from the order's snapshot: what the
 * complaint gave is kept, what it left out is filled and its path recorded
 * in auto_filled_fields. Nothing is borrowed from order afterwards. A
 * customer's complaint about another buyer's order gets only the
 * respondent.
 */
void
complaint_json_fill_from_order(struct complaint_req *req,
    const Cdp__V1__Order *order)
{
	if (order == NULL || req->root == NULL)
		return;
	fill_respondent(req, order);
	if (order_is_foreign(req, order))
		return;
	fill_complainant(req, order);
	fill_i64(req, &req->order.ordered_at_ms, order->ordered_at_ms,
	    "order.ordered_at_ms");
	fill_line(req, order);
	fill_i64(req, &req->order.order_total_fen, order->total_fen,
	    "order.order_total_fen");
	fill_str(req, &req->order.delivery_address, order->delivery_address,
	    "order.delivery_address");
	fill_i64(req, &req->order.after_sales_until_ms,
	    order->after_sales_until_ms, "order.after_sales_until_ms");
}

/*
 * A complaint that names a merchant other than the order's is refused
 * before anything is filled: the order is not that merchant's, and the
 * complaint would carry another merchant's order into this one.
 */
int
complaint_json_check_order(const struct complaint_req *req,
    const Cdp__V1__Order *order, struct api_error *err)
{
	if (order == NULL || !present(order->merchant_id) ||
	    !present(req->respondent.merchant_id) ||
	    strcmp(order->merchant_id, req->respondent.merchant_id) == 0)
		return 0;
	complaint_json_error(err, "order_mismatch", "merchant_id",
	    "order %s is not an order of merchant %s", req->order.order_id,
	    req->respondent.merchant_id);
	err->status = 422;
	return -1;
}

/*
 * The last check before filing, after the order snapshot had its chance:
 * a complaint must name the merchant it is about.
 */
int
complaint_json_check_complete(const struct complaint_req *req,
    struct api_error *err)
{
	if (!present(req->respondent.merchant_id))
		return missing(err, "merchant_id",
		    "required when the order is unknown");
	return 0;
}

/* Frees the request's document and everything the Filed message points to. */
void
complaint_json_free(struct complaint_req *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}
