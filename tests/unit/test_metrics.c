/*
 * Unit tests of common/metrics.c: series identity, the text format 0.0.4
 * exactly as Prometheus reads it, escaping, and the programming errors
 * that must end the process (checked in a child).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"

static int
reset(void **state)
{
	metrics_reset();
	return 0;
}

/* Renders the registry and compares it with the expected text. */
static void
assert_render(const char *want)
{
	char	*got;
	size_t	 len;

	got = metrics_render(&len);
	assert_int_equal(len, strlen(got));
	assert_string_equal(got, want);
	free(got);
}

static void
assert_rendered_contains(const char *want)
{
	char	*got;

	got = metrics_render(NULL);
	if (strstr(got, want) == NULL)
		fail_msg("\"%s\" not in:\n%s", want, got);
	free(got);
}

static void
test_same_series(void **state)
{
	struct metric	*a, *b, *c;

	a = metrics_counter("requests_total", "Requests.", "code=\"200\"");
	b = metrics_counter("requests_total", "Requests.", "code=\"200\"");
	c = metrics_counter("requests_total", "Requests.", "code=\"500\"");
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, c);
	metrics_inc(a);
	metrics_inc(b);
	metrics_add(c, 2.5);
	assert_true(metrics_value(a) == 2);
	assert_true(metrics_value(c) == 2.5);
}

static void
test_render_grouped(void **state)
{
	metrics_inc(metrics_counter("a_total", "A things.",
	    "route=\"/v1/complaints\",code=\"202\""));
	metrics_set(metrics_gauge("queue_depth", "Queued items.", ""), 7);
	/* A later series of the first family is still rendered with it. */
	metrics_add(metrics_counter("a_total", "ignored", "route=\"/x\","
	    "code=\"404\""), 3);
	assert_render(
	    "# HELP a_total A things.\n"
	    "# TYPE a_total counter\n"
	    "a_total{route=\"/v1/complaints\",code=\"202\"} 1\n"
	    "a_total{route=\"/x\",code=\"404\"} 3\n"
	    "# HELP queue_depth Queued items.\n"
	    "# TYPE queue_depth gauge\n"
	    "queue_depth 7\n");
}

static void
test_histogram(void **state)
{
	const double	 bounds[] = { 0.5, 1, 10 };
	struct metric	*h;

	h = metrics_histogram("latency_seconds", "Latency.", "op=\"get\"",
	    bounds, 3);
	metrics_observe(h, 0.25);
	metrics_observe(h, 0.5);	/* le is inclusive */
	metrics_observe(h, 5);
	metrics_observe(h, 100);
	metrics_observe(h, NAN);	/* dropped */
	assert_true(metrics_value(h) == 4);
	metrics_observe(metrics_histogram("plain_seconds", "Plain.", "",
	    bounds, 1), 0.75);
	assert_render(
	    "# HELP latency_seconds Latency.\n"
	    "# TYPE latency_seconds histogram\n"
	    "latency_seconds_bucket{op=\"get\",le=\"0.5\"} 2\n"
	    "latency_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
	    "latency_seconds_bucket{op=\"get\",le=\"10\"} 3\n"
	    "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
	    "latency_seconds_sum{op=\"get\"} 105.75\n"
	    "latency_seconds_count{op=\"get\"} 4\n"
	    "# HELP plain_seconds Plain.\n"
	    "# TYPE plain_seconds histogram\n"
	    "plain_seconds_bucket{le=\"0.5\"} 0\n"
	    "plain_seconds_bucket{le=\"+Inf\"} 1\n"
	    "plain_seconds_sum 0.75\n"
	    "plain_seconds_count 1\n");
}

static void
test_latency_buckets(void **state)
{
	struct metric	*h;

	assert_int_equal(metrics_latency_seconds_n, 14);
	assert_true(metrics_latency_seconds[0] == 0.0005);
	assert_true(metrics_latency_seconds[metrics_latency_seconds_n - 1] ==
	    10);
	h = metrics_histogram("d_seconds", "D.", "", metrics_latency_seconds,
	    metrics_latency_seconds_n);
	metrics_observe(h, 0.0003);
	assert_rendered_contains("d_seconds_bucket{le=\"0.0005\"} 1\n");
	assert_rendered_contains("d_seconds_bucket{le=\"0.0025\"} 1\n");
	assert_rendered_contains("d_seconds_bucket{le=\"+Inf\"} 1\n");
}

static double
lag(void *arg)
{
	return *(double *)arg;
}

static void
test_gauge_fn(void **state)
{
	double	v = 12;

	metrics_gauge_fn("consumer_lag", "Lag.", "topic=\"t\"", lag, &v);
	assert_rendered_contains("consumer_lag{topic=\"t\"} 12\n");
	v = 13;
	assert_rendered_contains("consumer_lag{topic=\"t\"} 13\n");
}

static void
test_values(void **state)
{
	metrics_set(metrics_gauge("g", "G.", "k=\"tenth\""), 0.1);
	metrics_set(metrics_gauge("g", "G.", "k=\"small\""), 1e-5);
	metrics_set(metrics_gauge("g", "G.", "k=\"big\""), 12345678901234);
	metrics_set(metrics_gauge("g", "G.", "k=\"nan\""), NAN);
	metrics_set(metrics_gauge("g", "G.", "k=\"inf\""), -INFINITY);
	metrics_set(metrics_gauge("g", "G.", "k=\"third\""), 1.0 / 3);
	assert_render(
	    "# HELP g G.\n"
	    "# TYPE g gauge\n"
	    "g{k=\"tenth\"} 0.1\n"
	    "g{k=\"small\"} 1e-05\n"
	    "g{k=\"big\"} 12345678901234\n"
	    "g{k=\"nan\"} NaN\n"
	    "g{k=\"inf\"} -Inf\n"
	    "g{k=\"third\"} 0.33333333333333331\n");
}

static void
test_help_escaped(void **state)
{
	metrics_counter("x_total", "Back\\slash and\nnewline \"kept\".", "");
	assert_render(
	    "# HELP x_total Back\\\\slash and\\nnewline \"kept\".\n"
	    "# TYPE x_total counter\n"
	    "x_total 0\n");
}

static void
test_labels_helper(void **state)
{
	char	buf[128];

	assert_int_equal(metrics_labels(buf, sizeof(buf), "merchant",
	    "a\"b\\c\nd", "topic", "t", NULL), 0);
	assert_string_equal(buf, "merchant=\"a\\\"b\\\\c\\nd\",topic=\"t\"");
	/* The escaped string is a valid label string. */
	metrics_inc(metrics_counter("m_total", "M.", buf));
	assert_rendered_contains("m_total{merchant=\"a\\\"b\\\\c\\nd\","
	    "topic=\"t\"} 1\n");

	/* UTF-8 is kept; control bytes and broken UTF-8 are replaced. */
	assert_int_equal(metrics_labels(buf, sizeof(buf), "city",
	    "K\xc3\xb6ln\t\xff\xc3", NULL), 0);
	assert_string_equal(buf, "city=\"K\xc3\xb6ln???\"");
	assert_int_equal(metrics_labels(buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "");

	/* Too long: -1 and an empty string, never a cut label. */
	assert_int_equal(metrics_labels(buf, 12, "route", "/v1/complaints",
	    NULL), -1);
	assert_string_equal(buf, "");
	assert_int_equal(metrics_labels(buf, 13, "k", "12345678", NULL), 0);
	assert_string_equal(buf, "k=\"12345678\"");
	assert_int_equal(metrics_labels(buf, 12, "k", "12345678", NULL), -1);
}

/* Enough series to grow the hash table several times. */
static void
test_many_series(void **state)
{
	struct metric	*m[3000];
	char		 labels[64];
	size_t		 i;

	for (i = 0; i < 3000; i++) {
		snprintf(labels, sizeof(labels), "id=\"%zu\"", i);
		m[i] = metrics_counter("many_total", "Many.", labels);
		metrics_add(m[i], (double)i);
	}
	for (i = 0; i < 3000; i++) {
		snprintf(labels, sizeof(labels), "id=\"%zu\"", i);
		assert_ptr_equal(metrics_counter("many_total", "Many.", labels),
		    m[i]);
		assert_true(metrics_value(m[i]) == (double)i);
	}
	assert_rendered_contains("many_total{id=\"2999\"} 2999\n");
}

static void
test_remove(void **state)
{
	struct metric	*a, *b, *c;
	double		 v = 1;

	a = metrics_gauge_fn("lag", "Lag.", "p=\"0\"", lag, &v);
	b = metrics_gauge_fn("lag", "Lag.", "p=\"1\"", lag, &v);
	c = metrics_counter("after_total", "After.", "");
	metrics_remove(a);
	assert_render(
	    "# HELP lag Lag.\n"
	    "# TYPE lag gauge\n"
	    "lag{p=\"1\"} 1\n"
	    "# HELP after_total After.\n"
	    "# TYPE after_total counter\n"
	    "after_total 0\n");
	metrics_remove(b);
	metrics_remove(c);
	assert_render("");
	/* The names are free again, even for another kind. */
	metrics_inc(metrics_counter("lag", "Now a counter.", ""));
	assert_render(
	    "# HELP lag Now a counter.\n"
	    "# TYPE lag counter\n"
	    "lag 1\n");
	assert_ptr_equal(metrics_counter("lag", "", ""),
	    metrics_counter("lag", "", ""));
}

static void
test_reset(void **state)
{
	metrics_inc(metrics_counter("r_total", "R.", ""));
	metrics_reset();
	assert_render("");
	assert_true(metrics_value(metrics_counter("r_total", "R.", "")) == 0);
}

static void
bad_name(void)
{
	metrics_counter("9lives", "Bad.", "");
}

static void
bad_labels_unquoted(void)
{
	metrics_counter("ok_total", "Ok.", "code=200");
}

static void
bad_labels_raw_quote(void)
{
	metrics_counter("ok_total", "Ok.", "id=\"a\"b\"");
}

static void
bad_labels_le(void)
{
	metrics_histogram("h_seconds", "H.", "le=\"1\"", NULL, 0);
}

static void
bad_kind(void)
{
	metrics_counter("k", "K.", "");
	metrics_gauge("k", "K.", "a=\"1\"");
}

static void
bad_counter_down(void)
{
	metrics_add(metrics_counter("c_total", "C.", ""), -1);
}

static void
bad_bounds(void)
{
	const double	bounds[] = { 1, 0.5 };

	metrics_histogram("h_seconds", "H.", "", bounds, 2);
}

static void
bad_set_counter(void)
{
	metrics_set(metrics_counter("c_total", "C.", ""), 1);
}

/* Runs fn in a child and expects it to end the process with status 1. */
static void
assert_fatal(void (*fn)(void))
{
	pid_t	pid;
	int	status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

static void
test_programming_errors(void **state)
{
	assert_fatal(bad_name);
	assert_fatal(bad_labels_unquoted);
	assert_fatal(bad_labels_raw_quote);
	assert_fatal(bad_labels_le);
	assert_fatal(bad_kind);
	assert_fatal(bad_counter_down);
	assert_fatal(bad_bounds);
	assert_fatal(bad_set_counter);
}

/* The label grammar accepts what the format allows, colons in names too. */
static void
test_valid_forms(void **state)
{
	metrics_inc(metrics_counter("ns:sub_total", "Colon.",
	    "a=\"\",_b=\"x\\\\y\\\"z\\n\""));
	assert_rendered_contains(
	    "ns:sub_total{a=\"\",_b=\"x\\\\y\\\"z\\n\"} 1\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_series, reset),
		cmocka_unit_test_setup(test_render_grouped, reset),
		cmocka_unit_test_setup(test_histogram, reset),
		cmocka_unit_test_setup(test_latency_buckets, reset),
		cmocka_unit_test_setup(test_gauge_fn, reset),
		cmocka_unit_test_setup(test_values, reset),
		cmocka_unit_test_setup(test_help_escaped, reset),
		cmocka_unit_test_setup(test_labels_helper, reset),
		cmocka_unit_test_setup(test_many_series, reset),
		cmocka_unit_test_setup(test_remove, reset),
		cmocka_unit_test_setup(test_reset, reset),
		cmocka_unit_test_setup(test_programming_errors, reset),
		cmocka_unit_test_setup(test_valid_forms, reset),
	};
	int	rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	metrics_reset();
	return rc;
}
