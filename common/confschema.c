/*
 * Sections and keys from tables (see confschema.h): the part every
 * configuration file parser used to write for itself.
 */
#include <stdio.h>
#include <string.h>

#include "confschema.h"

/* "a, b or c" of the names of n things, into buf. */
static void
names_join(char *buf, size_t size, const char *(*name)(const void *, size_t),
    const void *things, size_t n)
{
	size_t	i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", name(things, i));
}

static const char *
kind_name(const void *kinds, size_t i)
{
	return ((const struct confschema_kind *)kinds)[i].name;
}

static const struct confschema_kind *
kind_find(const struct confschema *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->nkinds; i++)
		if (strcmp(s->kinds[i].name, name) == 0)
			return &s->kinds[i];
	return NULL;
}

/* Says which required keys the section lacks: "needs a and b". */
static int
section_check_required(struct confschema_state *st)
{
	const struct confschema_kind	*k = st->kind;
	const char			*req[CONFSCHEMA_KEYS_MAX];
	char				 list[512];
	size_t				 i, n = 0;
	bool				 missing = false;

	for (i = 0; i < k->nkeys; i++) {
		if (!k->keys[i].required)
			continue;
		req[n++] = k->keys[i].name;
		missing = missing || !(st->given & (UINT64_C(1) << i));
	}
	if (!missing)
		return 0;
	list[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", req[i]);
	return conffile_error(st->cf, "needs %s", list);
}

/* Ends the open section; its errors name the section's header line. */
static int
section_close(struct confschema_state *st)
{
	size_t	line = st->cf->line;

	if (st->kind == NULL)
		return 0;
	st->cf->line = st->sec_line;
	if (section_check_required(st) == -1 || (st->kind->close != NULL &&
	    st->kind->close(st->arg) == -1))
		return -1;
	st->cf->line = line;
	st->kind = NULL;
	st->cf->where[0] = '\0';
	return 0;
}

/* Checks the name (or its absence) against the kind, and opens it. */
static int
section_open(struct confschema_state *st, const struct confschema_kind *k,
    size_t index, const char *name)
{
	if (!k->named && *name != '\0')
		return conffile_error(st->cf, "[%s] takes no name", k->name);
	if (k->named && *name == '\0')
		return conffile_error(st->cf, "[%s] needs a name: [%s <name>]",
		    k->name, k->name);
	if (!k->named && (st->singles & (UINT64_C(1) << index)))
		return conffile_error(st->cf, "duplicate section [%s]",
		    k->name);
	if (k->open != NULL && k->open(st->arg, k->named ? name : NULL) == -1)
		return -1;
	st->singles |= k->named ? 0 : UINT64_C(1) << index;
	st->kind = k;
	st->sec_line = st->cf->line;
	st->given = 0;
	if (k->named)
		snprintf(st->cf->where, sizeof(st->cf->where), "[%s %s] ",
		    k->name, name);
	else
		snprintf(st->cf->where, sizeof(st->cf->where), "[%s] ",
		    k->name);
	return 0;
}

/* "[kind]" or "[kind name]": closes the open section, opens this one. */
static int
schema_section(void *arg, char *header)
{
	struct confschema_state		*st = arg;
	const struct confschema_kind	*k;
	char				*kind, *name, expected[256];

	if (conffile_section(st->cf, header, &kind, &name) == -1)
		return -1;
	if (strpbrk(name, " \t") != NULL)
		return conffile_error(st->cf, "bad section name \""
		    CONFFILE_ECHO "\": one word", name);
	if (section_close(st) == -1)
		return -1;
	if ((k = kind_find(st->schema, kind)) == NULL) {
		names_join(expected, sizeof(expected), kind_name,
		    st->schema->kinds, st->schema->nkinds);
		return conffile_error(st->cf, "unknown section ["
		    CONFFILE_ECHO "] (expected %s)", kind, expected);
	}
	return section_open(st, k, (size_t)(k - st->schema->kinds), name);
}

/* "key = value" in the open section: found, checked, handed to its setter. */
static int
schema_assign(void *arg, char *key, char *value)
{
	struct confschema_state		*st = arg;
	const struct confschema_kind	*k = st->kind;
	size_t				 i;

	for (i = 0; i < k->nkeys && strcmp(k->keys[i].name, key) != 0; i++)
		;
	if (i == k->nkeys)
		return conffile_error(st->cf, "unknown key \"" CONFFILE_ECHO
		    "\" in [%s]", key, k->name);
	if ((st->given & (UINT64_C(1) << i)) && !k->keys[i].repeat)
		return conffile_error(st->cf, "duplicate key %s", key);
	if (*value == '\0' && !st->schema->allow_empty)
		return conffile_error(st->cf, "empty value for %s", key);
	if (k->keys[i].set((char *)st->arg + k->key_arg_offset, value) == -1)
		return -1;
	st->given |= UINT64_C(1) << i;
	st->key_line[i] = st->cf->line;
	return 0;
}

/*
 * Parses a file's text (cut up in place) by the schema, closing the last
 * section at the end. On return cf->line is one past the last line, where
 * the caller's checks of the whole file are reported.
 */
int
confschema_parse(struct confschema_state *st, struct conffile *cf,
    const struct confschema *schema, char *text, size_t len, void *arg)
{
	static const struct conffile_ops	ops = {
		.section = schema_section,
		.assign = schema_assign,
	};

	memset(st, 0, sizeof(*st));
	st->cf = cf;
	st->schema = schema;
	st->arg = arg;
	if (conffile_parse(cf, text, len, &ops, st) == -1)
		return -1;
	return section_close(st);
}

/* Whether the open section has given key (its index in the kind's table). */
bool
confschema_given(const struct confschema_state *st, size_t key)
{
	return key < CONFSCHEMA_KEYS_MAX &&
	    (st->given & (UINT64_C(1) << key)) != 0;
}

/* The line where the open section last gave key; 0 when it did not. */
size_t
confschema_key_line(const struct confschema_state *st, size_t key)
{
	return confschema_given(st, key) ? st->key_line[key] : 0;
}
