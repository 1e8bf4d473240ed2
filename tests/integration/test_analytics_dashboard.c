/*
 * The analytics dashboard in Debian's headless Chromium against a running
 * daemon fed the harness's known events: the rendered DOM must hold the
 * charts' bars with the fed counts as data attributes. A screenshot goes
 * to the build tree, and to CDP_DASHBOARD_SCREENSHOT when set (how
 * docs/dashboard.png is made).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analytics_harness.h"
#include "xmalloc.h"

#define CHROMIUM_FLAGS	"--headless --no-sandbox --disable-gpu " \
			"--disable-background-networking --no-first-run " \
			"--disable-dev-shm-usage --virtual-time-budget=15000"
#define CHROMIUM_TIMEOUT	"120"

/* Runs chromium on the dashboard with extra flags; returns its stdout. */
static char *
chromium(int port, const char *extra)
{
	char	*cmd, *out = xcalloc(1, 1 << 20);
	FILE	*p;
	size_t	 n;

	cmd = xasprintf("timeout " CHROMIUM_TIMEOUT " chromium " CHROMIUM_FLAGS
	    " --user-data-dir=/tmp/cdp-chromium.%d %s http://127.0.0.1:%d/ "
	    "2>/dev/null", (int)getpid(), extra, port);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, (1 << 20) - 1, p);
	out[n] = '\0';
	pclose(p);
	free(cmd);
	return out;
}

static void
expect_bar(const char *dom, const char *key, const char *value)
{
	char	*want = xasprintf("data-key=\"%s\" data-value=\"%s\"", key,
	    value);

	if (strstr(dom, want) == NULL)
		fail_msg("no bar %s in the rendered dashboard", want);
	free(want);
}

static void
test_dashboard_renders_charts_with_data(void **state)
{
	struct ah	 h;
	struct stat	 st;
	char		*dom, *shot, *flags;
	const char	*build = getenv("CDP_BUILD_DIR"), *copy;

	ah_setup(&h, "analytics-dashboard");
	ah_start(&h);
	ah_feed_first(&h);
	ah_feed_second(&h);
	assert_true(ah_wait_events(&h, AH_EVENTS, 90000));

	dom = chromium(h.port, "--dump-dom");
	assert_non_null(strstr(dom, "data-loaded=\"true\""));
	/* volume by category, all time */
	expect_bar(dom, "product", "1");
	expect_bar(dom, "logistics", "2");
	/* SLA per clock */
	expect_bar(dom, "first_contact:met", "1");
	expect_bar(dom, "first_contact:breached", "1");
	expect_bar(dom, "first_contact:warnings", "1");
	/* handling-time percentiles: max of the close time is exact */
	assert_non_null(strstr(dom, "data-key=\"first_contact:p50\""));
	assert_non_null(strstr(dom, "data-key=\"close:p99\""));
	/* hot spots */
	expect_bar(dom, "merchant:M1", "3");
	expect_bar(dom, "carrier:SF", "1");
	assert_non_null(strstr(dom, "answered within 24 h: 100.0% of 2"));
	free(dom);

	shot = xasprintf("%s/dashboard.png", build != NULL ? build : "/tmp");
	unlink(shot);
	flags = xasprintf("--window-size=1280,900 --screenshot=%s", shot);
	free(chromium(h.port, flags));
	assert_int_equal(stat(shot, &st), 0);
	assert_true(st.st_size > 10000);
	if ((copy = getenv("CDP_DASHBOARD_SCREENSHOT")) != NULL) {
		char	*cp = xasprintf("cp %s %s", shot, copy);

		assert_int_equal(system(cp), 0);
		free(cp);
	}
	free(flags);
	free(shot);
	ah_stop(&h);
	ah_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dashboard_renders_charts_with_data),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
