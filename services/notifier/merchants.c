/*
 * The merchants file (config/merchants.conf in dev), read through
 * common/confschema.c: where each merchant's notifications go and how.
 *
 *	[merchant M1001]
 *	url = https://hooks.example.com/cdp	(urlpolicy.c)
 *	secret = ...				(signing key, 16+ characters)
 *	language = zh				(zh or en; default zh)
 *	rate = 5				(deliveries a second; default 5)
 *	concurrency = 2				(in flight at once; default 2)
 *
 * A real deployment writes this file from its merchant directory and
 * mounts it from a Secret (docs/notifier.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confschema.h"
#include "nitems.h"
#include "notifier.h"
#include "xmalloc.h"

#define MERCHANTS_FILE_MAX	(4 * 1024 * 1024)
#define SECRET_MIN		16

struct merchant_set {
	struct merchant	*items;
	size_t		 n;
};

struct parser {
	struct conffile		 cf;
	struct confschema_state	 sch;
	struct merchant_set	*ms;
	bool			 allow_loopback_http;
};

static int	set_url(void *, char *);
static int	set_secret(void *, char *);
static int	set_language(void *, char *);
static int	set_rate(void *, char *);
static int	set_concurrency(void *, char *);
static int	open_merchant(void *, const char *);

static const struct confschema_key merchant_keys[] = {
	{ "url", set_url, false, true },
	{ "secret", set_secret, false, true },
	{ "language", set_language, false, false },
	{ "rate", set_rate, false, false },
	{ "concurrency", set_concurrency, false, false },
};

static const struct confschema_kind merchant_kinds[] = {
	{ "merchant", true, merchant_keys, nitems(merchant_keys),
	    open_merchant, NULL, 0 },
};

static const struct confschema merchant_schema = {
	merchant_kinds, nitems(merchant_kinds), false,
};

static struct merchant *
current(struct parser *p)
{
	return &p->ms->items[p->ms->n - 1];
}

/* A merchant id: 1-64 characters of A-Z a-z 0-9 _ . - */
static bool
merchant_id_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n >= NOTIFIER_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) ==
		    NULL)
			return false;
	return true;
}

static int
open_merchant(void *arg, const char *name)
{
	struct parser	*p = arg;
	struct merchant	*m;

	if (!merchant_id_ok(name))
		return conffile_error(&p->cf, "bad merchant id: 1-%d "
		    "characters of A-Z a-z 0-9 _ . -", NOTIFIER_ID_MAX - 1);
	if (merchants_find(p->ms, name) != NULL)
		return conffile_error(&p->cf, "merchant given twice");
	p->ms->items = xreallocarray(p->ms->items, p->ms->n + 1,
	    sizeof(*p->ms->items));
	m = &p->ms->items[p->ms->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", name);
	snprintf(m->lang, sizeof(m->lang), "zh");
	m->rate = 5;
	m->concurrency = 2;
	return 0;
}

static int
set_url(void *arg, char *v)
{
	struct parser	*p = arg;
	char		 why[160];

	if (urlpolicy_check(v, p->allow_loopback_http, why, sizeof(why)) == -1)
		return conffile_error(&p->cf, "url: %s", why);
	current(p)->url = xstrdup(v);
	return 0;
}

static int
set_secret(void *arg, char *v)
{
	struct parser	*p = arg;

	if (strlen(v) < SECRET_MIN)
		return conffile_error(&p->cf, "secret: at least %d characters",
		    SECRET_MIN);
	current(p)->secret = xstrdup(v);
	return 0;
}

static int
set_language(void *arg, char *v)
{
	struct parser	*p = arg;

	if (strcmp(v, "zh") != 0 && strcmp(v, "en") != 0)
		return conffile_error(&p->cf, "language: zh or en");
	snprintf(current(p)->lang, sizeof(current(p)->lang), "%s", v);
	return 0;
}

static int
set_number(struct parser *p, const char *what, const char *v, long long max,
    long long *out)
{
	if (conffile_int(v, 1, max, out) == -1)
		return conffile_error(&p->cf, "%s: a whole number from 1 to "
		    "%lld", what, max);
	return 0;
}

static int
set_rate(void *arg, char *v)
{
	struct parser	*p = arg;

	return set_number(p, "rate", v, 10000, &current(p)->rate);
}

static int
set_concurrency(void *arg, char *v)
{
	struct parser	*p = arg;

	return set_number(p, "concurrency", v, 100, &current(p)->concurrency);
}

struct merchant_set *
merchants_load(const char *path, bool allow_loopback_http, char *err,
    size_t errsz)
{
	struct merchant_set	*ms;
	char			*text;
	size_t			 len;

	if ((text = conffile_read(path, MERCHANTS_FILE_MAX, &len, err,
	    errsz)) == NULL)
		return NULL;
	ms = merchants_load_text(path, text, len, allow_loopback_http, err,
	    errsz);
	free(text);
	return ms;
}

/*
 * Reads a merchants file's text (cut up in place); on a mistake, NULL with
 * "<path>:<line>: [merchant <id>] <reason>" in err. Secrets never appear
 * in errors.
 */
struct merchant_set *
merchants_load_text(const char *path, char *text, size_t len,
    bool allow_loopback_http, char *err, size_t errsz)
{
	struct parser	p;

	memset(&p, 0, sizeof(p));
	conffile_init(&p.cf, path, err, errsz);
	p.ms = xcalloc(1, sizeof(*p.ms));
	p.allow_loopback_http = allow_loopback_http;
	if (confschema_parse(&p.sch, &p.cf, &merchant_schema, text, len,
	    &p) == -1) {
		merchants_free(p.ms);
		return NULL;
	}
	return p.ms;
}

const struct merchant *
merchants_find(const struct merchant_set *ms, const char *id)
{
	size_t	i;

	for (i = 0; i < ms->n; i++)
		if (strcmp(ms->items[i].id, id) == 0)
			return &ms->items[i];
	return NULL;
}

size_t
merchants_count(const struct merchant_set *ms)
{
	return ms->n;
}

void
merchants_free(struct merchant_set *ms)
{
	size_t	i;

	if (ms == NULL)
		return;
	for (i = 0; i < ms->n; i++) {
		free(ms->items[i].url);
		free(ms->items[i].secret);
	}
	free(ms->items);
	free(ms);
}
