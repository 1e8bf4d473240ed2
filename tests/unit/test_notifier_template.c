/*
 * Unit tests of services/notifier/template.c: the message file through
 * the config layer (errors with line and section), languages, and filling.
 */
/* cdp-test-sources: services/notifier/template.c services/notifier/facts.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nitems.h"
#include "notifier/notifier.h"

static struct template_set *
load(const char *text, char *err, size_t errsz)
{
	char			*copy = strdup(text);
	struct template_set	*ts;

	ts = template_load_text("t.conf", copy, strlen(copy), err, errsz);
	free(copy);
	return ts;
}

static void
test_fills_in_either_language(void **state)
{
	char			 err[256];
	struct template_set	*ts;
	struct facts		 f;
	char			*s;

	ts = load("[template a]\nzh = 投诉 {complaint_id} 截止 {deadline}\n"
	    "en = Complaint {complaint_id} by {deadline}.\n"
	    "[template b]\nzh = 仅中文\n", err, sizeof(err));
	assert_non_null(ts);
	facts_init(&f);
	facts_set(&f, "complaint_id", "C1");
	facts_set(&f, "deadline", "2026-12-04 16:00");
	s = template_fill(template_text(ts, "a", "zh"), &f);
	assert_string_equal(s, "投诉 C1 截止 2026-12-04 16:00");
	free(s);
	s = template_fill(template_text(ts, "a", "en"), &f);
	assert_string_equal(s, "Complaint C1 by 2026-12-04 16:00.");
	free(s);
	assert_string_equal(template_text(ts, "b", "en"), "仅中文");
	assert_null(template_text(ts, "c", "zh"));
	/* A fact the event lacks is empty. */
	s = template_fill("[{reason}]", &f);
	assert_string_equal(s, "[]");
	free(s);
	template_free(ts);
}

static void
expect_error(const char *text, const char *want)
{
	char	err[256];

	assert_null(load(text, err, sizeof(err)));
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void
test_errors_name_line_and_section(void **state)
{
	expect_error("[template a]\nzh = {phone}\n",
	    "t.conf:2: [template a] unknown placeholder {phone}");
	expect_error("[template a]\nen = x\n", "zh");
	expect_error("[template a]\nzh = x\n[template a]\nzh = y\n", "twice");
	expect_error("[template a]\nzh = {complaint_id\n", "unclosed");
	expect_error("[template a]\nzh = x\ncolour = red\n", "colour");
	expect_error("# nothing\n", "no [template] section");
}

static void
test_shipped_file_loads(void **state)
{
	char			 err[256], *path;
	const char		*src = getenv("CDP_SOURCE_DIR");
	struct template_set	*ts;
	static const char *const names[] = { "customer_ack",
	    "customer_out_of_scope", "customer_coupon", "customer_decision",
	    "customer_survey", "merchant_evidence_request", "merchant_decision",
	    "merchant_return_inspection", "merchant_return_shipped",
	    "merchant_sla_warning", "merchant_sla_breached", "merchant_penalty",
	    "merchant_appeal_decided" };
	size_t			 i;

	assert_non_null(src);
	assert_true(asprintf(&path, "%s/config/notifier-templates.conf",
	    src) > 0);
	ts = template_load(path, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	for (i = 0; i < nitems(names); i++) {
		assert_non_null(template_text(ts, names[i], "zh"));
		assert_non_null(template_text(ts, names[i], "en"));
	}
	template_free(ts);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_fills_in_either_language),
		cmocka_unit_test(test_errors_name_line_and_section),
		cmocka_unit_test(test_shipped_file_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
