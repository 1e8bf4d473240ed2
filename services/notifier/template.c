/*
 * The message file (config/notifier-templates.conf), read through the
 * declarative layer of common/confschema.c:
 *
 *	[template merchant_evidence_request]
 *	zh = 投诉 {complaint_id}：请在 {deadline} 前提交说明和证据。
 *	en = Complaint {complaint_id}: explain and send evidence by {deadline}.
 *
 * A text names values of the event as {name}; the names are those of
 * facts.c, checked when the file is read. Chinese is required, English
 * optional (a message asked for in English falls back to Chinese).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confschema.h"
#include "nitems.h"
#include "notifier.h"
#include "xmalloc.h"

#define TEMPLATE_FILE_MAX	(1024 * 1024)

struct template {
	char	 name[NOTIFIER_NAME_MAX];
	char	*zh;
	char	*en;
};

struct template_set {
	struct template	*items;
	size_t		 n;
};

struct parser {
	struct conffile		 cf;
	struct confschema_state	 sch;
	struct template_set	*ts;
};

static int	set_zh(void *, char *);
static int	set_en(void *, char *);
static int	open_template(void *, const char *);

static const struct confschema_key template_keys[] = {
	{ "zh", set_zh, false, true },
	{ "en", set_en, false, false },
};

static const struct confschema_kind template_kinds[] = {
	{ "template", true, template_keys, nitems(template_keys),
	    open_template, NULL, 0 },
};

static const struct confschema template_schema = {
	template_kinds, nitems(template_kinds), false,
};

static struct template *
current(struct parser *p)
{
	return &p->ts->items[p->ts->n - 1];
}

static int
open_template(void *arg, const char *name)
{
	struct parser	*p = arg;

	if (!conffile_id(name, NOTIFIER_NAME_MAX - 1))
		return conffile_error(&p->cf, "bad template name: 1-%d "
		    "characters of a-z 0-9 _ . -", NOTIFIER_NAME_MAX - 1);
	if (template_text(p->ts, name, "zh") != NULL)
		return conffile_error(&p->cf, "template given twice");
	p->ts->items = xreallocarray(p->ts->items, p->ts->n + 1,
	    sizeof(*p->ts->items));
	memset(&p->ts->items[p->ts->n], 0, sizeof(*p->ts->items));
	snprintf(p->ts->items[p->ts->n++].name, NOTIFIER_NAME_MAX, "%s", name);
	return 0;
}

/* Checks that every {name} of a text is a fact and every brace closed. */
static int
check_placeholders(struct parser *p, const char *text)
{
	const char	*open, *close;
	char		 name[NOTIFIER_NAME_MAX];

	for (open = strchr(text, '{'); open != NULL;
	    open = strchr(close, '{')) {
		if ((close = strchr(open, '}')) == NULL)
			return conffile_error(&p->cf, "unclosed \"{\"");
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1),
		    open + 1);
		if ((size_t)(close - open - 1) >= sizeof(name) ||
		    !facts_known(name))
			return conffile_error(&p->cf, "unknown placeholder "
			    "{" CONFFILE_ECHO "}", name);
	}
	return 0;
}

static int
set_text(struct parser *p, char **dest, char *v)
{
	if (check_placeholders(p, v) == -1)
		return -1;
	*dest = xstrdup(v);
	return 0;
}

static int
set_zh(void *arg, char *v)
{
	struct parser	*p = arg;

	return set_text(p, &current(p)->zh, v);
}

static int
set_en(void *arg, char *v)
{
	struct parser	*p = arg;

	return set_text(p, &current(p)->en, v);
}

/*
 * Reads and checks a message file. On a mistake, returns NULL with
 * "<path>:<line>: [template <name>] <reason>" in err.
 */
struct template_set *
template_load(const char *path, char *err, size_t errsz)
{
	struct template_set	*ts;
	char			*text;
	size_t			 len;

	if ((text = conffile_read(path, TEMPLATE_FILE_MAX, &len, err,
	    errsz)) == NULL)
		return NULL;
	ts = template_load_text(path, text, len, err, errsz);
	free(text);
	return ts;
}

/* template_load() of a text already read (cut up in place). */
struct template_set *
template_load_text(const char *path, char *text, size_t len, char *err,
    size_t errsz)
{
	struct parser	p;

	memset(&p, 0, sizeof(p));
	conffile_init(&p.cf, path, err, errsz);
	p.ts = xcalloc(1, sizeof(*p.ts));
	if (confschema_parse(&p.sch, &p.cf, &template_schema, text, len,
	    &p) == -1) {
		template_free(p.ts);
		return NULL;
	}
	if (p.ts->n == 0) {
		p.cf.line = 0;
		conffile_error(&p.cf, "no [template] section");
		template_free(p.ts);
		return NULL;
	}
	return p.ts;
}

/* A template's text in a language ("zh", "en"); NULL if none by that name. */
const char *
template_text(const struct template_set *ts, const char *name,
    const char *lang)
{
	size_t	i;

	for (i = 0; i < ts->n; i++) {
		if (strcmp(ts->items[i].name, name) != 0)
			continue;
		if (strcmp(lang, "en") == 0 && ts->items[i].en != NULL)
			return ts->items[i].en;
		return ts->items[i].zh;
	}
	return NULL;
}

/* The text with each {name} replaced by its fact; the caller frees it. */
char *
template_fill(const char *text, const struct facts *f)
{
	char		*out = xstrdup(""), *next, name[NOTIFIER_NAME_MAX];
	const char	*open, *close;

	while ((open = strchr(text, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1),
		    open + 1);
		next = xasprintf("%s%.*s%s", out, (int)(open - text), text,
		    facts_get(f, name));
		free(out);
		out = next;
		text = close + 1;
	}
	next = xasprintf("%s%s", out, text);
	free(out);
	return next;
}

void
template_free(struct template_set *ts)
{
	size_t	i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i++) {
		free(ts->items[i].zh);
		free(ts->items[i].en);
	}
	free(ts->items);
	free(ts);
}
