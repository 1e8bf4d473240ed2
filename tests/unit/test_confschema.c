/*
 * Unit tests of common/confschema.c, the declarative layer of our
 * configuration files: sections found by kind, names required or refused,
 * unnamed kinds once per file, keys found, refused when unknown, given
 * twice or empty, required keys reported when a section ends, and every
 * error naming its line and its section.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "confschema.h"
#include "nitems.h"


/* What the callbacks saw, in order, as text. */
struct seen {
	struct conffile		cf;
	struct confschema_state	sch;
	char			log[1024];
	bool			fail_close;
};

static void
seen_add(struct seen *s, const char *what, const char *value)
{
	size_t	n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "%s%s;", what, value);
}

static int
set_a(void *arg, char *v)
{
	seen_add(arg, "a=", v);
	return 0;
}

static int
set_b(void *arg, char *v)
{
	struct seen	*s = arg;

	if (strcmp(v, "bad") == 0)
		return conffile_error(&s->cf, "bad b");
	seen_add(arg, "b=", v);
	return 0;
}

static int
open_thing(void *arg, const char *name)
{
	seen_add(arg, "open ", name != NULL ? name : "(none)");
	return 0;
}

static int
close_thing(void *arg)
{
	struct seen	*s = arg;
	char		 line[32];

	snprintf(line, sizeof(line), "%zu", s->cf.line);
	seen_add(arg, "close@", line);
	if (s->fail_close)
		return conffile_error(&s->cf, "close refused");
	return 0;
}

static const struct confschema_key thing_keys[] = {
	{ "a", set_a, false, true },
	{ "b", set_b, true, false },
	{ "c", set_a, false, true },
};

static const struct confschema_key global_keys[] = {
	{ "a", set_a, false, false },
};

static const struct confschema_kind kinds[] = {
	{ "global", false, global_keys, nitems(global_keys), open_thing,
	    NULL, 0 },
	{ "thing", true, thing_keys, nitems(thing_keys), open_thing,
	    close_thing, 0 },
};

static const struct confschema schema = { kinds, nitems(kinds), false };

/* Parses text; returns the result, with the error or the log in s. */
static int
parse(struct seen *s, const char *text, char *err, size_t errsz)
{
	char	buf[1024];

	snprintf(buf, sizeof(buf), "%s", text);
	conffile_init(&s->cf, "t.conf", err, errsz);
	return confschema_parse(&s->sch, &s->cf, &schema, buf, strlen(buf), s);
}

static void
expect_ok(const char *text, const char *log)
{
	struct seen	s = { 0 };
	char		err[256] = "";

	if (parse(&s, text, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(s.log, log);
}

static void
expect_error(const char *text, const char *want)
{
	struct seen	s = { 0 };
	char		err[256] = "";

	assert_int_equal(parse(&s, text, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_sections_and_keys(void **state)
{
	expect_ok("[global]\na = 1\n[thing x]\na = 2\nb = 3\nb = 4\nc = 5\n"
	    "# comment\n\n[thing y]\nc=6\na=7\n",
	    "open (none);a=1;open x;a=2;b=3;b=4;a=5;close@3;open y;a=6;a=7;"
	    "close@10;");
}

static void
test_section_errors(void **state)
{
	expect_error("[other x]\n", "t.conf:1: unknown section [other] "
	    "(expected global or thing)");
	expect_error("[thing]\n", "t.conf:1: [thing] needs a name: "
	    "[thing <name>]");
	expect_error("[global g]\n", "t.conf:1: [global] takes no name");
	expect_error("[global]\n[global]\n",
	    "t.conf:2: duplicate section [global]");
	expect_error("[thing x y]\n", "t.conf:1: bad section name \"x y\": "
	    "one word");
	expect_error("a = 1\n", "t.conf:1: key a outside a section");
}

static void
test_key_errors(void **state)
{
	expect_error("[thing x]\nz = 1\n",
	    "t.conf:2: [thing x] unknown key \"z\" in [thing]");
	expect_error("[thing x]\na = 1\na = 2\n",
	    "t.conf:3: [thing x] duplicate key a");
	expect_error("[thing x]\na =\n",
	    "t.conf:2: [thing x] empty value for a");
	expect_error("[thing x]\nb = bad\n", "t.conf:2: [thing x] bad b");
	expect_error("[global]\nb = 1\n",
	    "t.conf:2: [global] unknown key \"b\" in [global]");
}

/* A section that ends without its required keys says so at its header. */
static void
test_required(void **state)
{
	expect_error("\n[thing x]\nb = 1\n[thing y]\n",
	    "t.conf:2: [thing x] needs a and c");
	expect_error("[thing x]\na = 1\n\n",
	    "t.conf:1: [thing x] needs a and c");
}

/* close runs at the header's line; its error names the section. */
static void
test_close(void **state)
{
	struct seen	s = { .fail_close = true };
	char		err[256] = "";

	assert_int_equal(parse(&s, "[thing x]\na = 1\nc = 2\n", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: [thing x] close refused");
}

/* What a setter may ask: whether and where a key was given. */
static void
test_given(void **state)
{
	struct seen	s = { 0 };
	char		err[256] = "";

	assert_int_equal(parse(&s, "[global]\n\na = 1\n", err, sizeof(err)),
	    0);
	assert_true(confschema_given(&s.sch, 0));
	assert_int_equal(confschema_key_line(&s.sch, 0), 3);
	assert_false(confschema_given(&s.sch, 1));
	assert_int_equal(confschema_key_line(&s.sch, 1), 0);
	assert_false(confschema_given(&s.sch, 99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_keys),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_given),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
