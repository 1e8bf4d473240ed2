/*
 * The end-to-end stack (stack.h): policy files written for it, the
 * receivers, the six daemons, and what the stories read from the
 * receivers and from analytics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"
#include "nitems.h"
#include "stack.h"
#include "testenv.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

#define HOOK_SECRET	"whsec-e2e-stack-secret-0001"
#define PROVIDER_SECRET	"provider-e2e-secret-0001"
#define READY_MS	120000

struct stack	stack;

/*
 * The SLA policy (config/sla-policies.conf's format): a first contact of
 * 3 s for an urgent complaint (coupon and escalation on breach) and 8 s
 * for a normal one, a merchant response of 4 s (penalised and notified),
 * and an hour for every other clock, which no story waits for.
 */
static const char *const sla_policy =
	"[policy first_contact.urgent]\nclock = first_contact\n"
	"severity = urgent\ntarget = 3s\ncalendar = 24x7\n"
	"coupon_fen = 1000\nescalate = senior_service\n\n"
	"[policy first_contact]\nclock = first_contact\ntarget = 8s\n"
	"calendar = 24x7\ncoupon_fen = 500\n\n"
	"[policy merchant_response]\nclock = merchant_response\ntarget = 4s\n"
	"calendar = 24x7\npenalty_points = 2\nnotify = yes\n\n";

static const char *const slow_clocks[] = { "investigation", "solution",
	"execution", "return_inspection", "appeal_review", "qc_result",
	"emergency_start" };

/*
 * The penalty rules (config/penalty-rules.conf's format): a merchant
 * response overdue costs 6 points, a repeat 12, so the second one in a
 * row climbs from the warning to a restriction of an hour.
 */
static const char *const penalty_rules =
	"[penalty]\nwindow = 365d\nrepeat_window = 30d\nrepeat_factor = 2\n"
	"appeal_window = 7d\n\n"
	"[violation merchant_response_overdue]\npoints = 6\n"
	"breach = merchant_response\n\n"
	"[violation decision_not_executed]\npoints = 6\nbreach = execution\n\n"
	"[level warning]\npoints = 1\nstanding = warned\n\n"
	"[level restricted]\npoints = 12\nstanding = restricted\n"
	"restrictions = no_new_listings, lower_search_ranking\n"
	"duration = 1h\n\n"
	"[level expelled]\npoints = 48\nstanding = expelled\n"
	"restrictions = shop_closed, expelled\n";

static const char *const merchants[] = { STACK_M_PRODUCT, STACK_M_FOOD,
	STACK_M_SILENT, STACK_M_LOGISTICS, STACK_M_GROUP };

static char	 sla_file[64], penalty_file[64], merchants_file[64];
static char	*analytics_group;

struct daemon {
	const char	*name;
	pid_t		 pid;
};

static struct daemon	daemons[] = { { "classifier", 0 }, { "sla-timer", 0 },
			    { "notifier", 0 }, { "penalty", 0 },
			    { "analytics", 0 } };

/* Writes text to a new file named after tmpl ("/tmp/...-XXXXXX"). */
static void
write_file(char *tmpl, size_t size, const char *what, const char *text)
{
	FILE	*f;
	int	 fd;

	snprintf(tmpl, size, "/tmp/cdp-e2e-%s-XXXXXX", what);
	assert_true((fd = mkstemp(tmpl)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
}

static void
write_policies(void)
{
	char	*text = xstrdup(sla_policy), *more;
	size_t	 i;

	for (i = 0; i < nitems(slow_clocks); i++) {
		more = xasprintf("%s[policy %s]\nclock = %s\ntarget = 1h\n"
		    "calendar = 24x7\n\n", text, slow_clocks[i],
		    slow_clocks[i]);
		free(text);
		text = more;
	}
	write_file(sla_file, sizeof(sla_file), "sla", text);
	free(text);
	write_file(penalty_file, sizeof(penalty_file), "penalty",
	    penalty_rules);
}

/* Every merchant's webhook goes to stack.hooks. */
static void
write_merchants(void)
{
	char	*text = xstrdup(""), *more;
	size_t	 i;

	for (i = 0; i < nitems(merchants); i++) {
		more = xasprintf("%s[merchant %s]\n"
		    "url = http://127.0.0.1:%d/hook/%s\nsecret = %s\n"
		    "rate = 50\nconcurrency = 4\n\n", text, merchants[i],
		    testrecv_port(stack.hooks), merchants[i], HOOK_SECRET);
		free(text);
		text = more;
	}
	write_file(merchants_file, sizeof(merchants_file), "merchants", text);
	free(text);
}

/* A daemon's own settings, beyond the ports and identity every one has. */
static void
daemon_env(const char *name, char **env, size_t *n)
{
	if (strcmp(name, "classifier") == 0)
		env[(*n)++] = xasprintf("PROACTIVE_SIGNED_GRACE_MS=%d",
		    STACK_SIGNED_GRACE_MS);
	else if (strcmp(name, "sla-timer") == 0)
		env[(*n)++] = xasprintf("SLA_POLICY_FILE=%s", sla_file);
	else if (strcmp(name, "penalty") == 0)
		env[(*n)++] = xasprintf("PENALTY_RULES_FILE=%s", penalty_file);
	else if (strcmp(name, "notifier") == 0) {
		env[(*n)++] = xasprintf("NOTIFIER_MERCHANTS_FILE=%s",
		    merchants_file);
		env[(*n)++] = xasprintf("NOTIFIER_PROVIDER_URL="
		    "http://127.0.0.1:%d/send", testrecv_port(stack.provider));
		env[(*n)++] = xstrdup("NOTIFIER_PROVIDER_SECRET="
		    PROVIDER_SECRET);
		env[(*n)++] = xstrdup("NOTIFIER_ALLOW_LOOPBACK_HTTP=true");
	} else if (strcmp(name, "analytics") == 0) {
		/* Its own group: a fresh state, windows closing in 2 s. */
		env[(*n)++] = xasprintf("ANALYTICS_GROUP=%s", analytics_group);
		env[(*n)++] = xstrdup("ANALYTICS_GRACE_MS=2000");
		env[(*n)++] = xstrdup("ANALYTICS_AUDIT_PERMILLE=1000");
	}
}

/*
 * Starts a daemon the way the stack runs it (HTTP and admin on free
 * ports, its log in /tmp/cdp-e2e-<name>.log) and waits for /readyz.
 * Returns its HTTP port.
 */
static int
daemon_start(struct daemon *d)
{
	char	*env[16], *log;
	size_t	 n = 0, i;
	int	 port = testproc_free_port(), admin = testproc_free_port();

	env[n++] = xasprintf("HTTP_LISTEN=127.0.0.1:%d", port);
	env[n++] = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", admin);
	env[n++] = xasprintf("INSTANCE_ID=%s-e2e", d->name);
	env[n++] = xstrdup("LOG_LEVEL=warn");
	env[n++] = xstrdup("CDP_DEV_MODE=1");
	daemon_env(d->name, env, &n);
	env[n] = NULL;
	log = xasprintf("/tmp/cdp-e2e-%s.log", d->name);
	d->pid = testproc_spawn_logged(d->name, (const char *const *)env,
	    log);
	if (!testproc_wait_http(admin, "/readyz", 200, READY_MS))
		fail_msg("%s did not become ready (log: %s)", d->name, log);
	for (i = 0; i < n; i++)
		free(env[i]);
	free(log);
	return port;
}

int
stack_up(void **state)
{
	size_t	i;
	int	port;

	stack.hooks = testrecv_start(HOOK_SECRET);
	stack.provider = testrecv_start(PROVIDER_SECRET);
	analytics_group = testenv_unique("analytics-e2e");
	write_policies();
	write_merchants();
	for (i = 0; i < nitems(daemons); i++) {
		port = daemon_start(&daemons[i]);
		if (strcmp(daemons[i].name, "analytics") == 0)
			stack.analytics_port = port;
	}
	intake_start(&stack.intake, "5000");
	return 0;
}

int
stack_down(void **state)
{
	size_t	i;

	/* A daemon that never started has pid 0: testproc_stop skips it. */
	intake_stop(&stack.intake);
	unlink(stack.intake.keys_file);
	for (i = 0; i < nitems(daemons); i++)
		assert_int_equal(testproc_stop(daemons[i].pid, 15000), 0);
	unlink(sla_file);
	unlink(penalty_file);
	unlink(merchants_file);
	testrecv_stop(stack.hooks);
	testrecv_stop(stack.provider);
	free(analytics_group);
	return 0;
}

static bool
member_is(json_t *o, const char *name, const char *want)
{
	const char	*v = json_string_value(json_object_get(o, name));

	return v != NULL && strcmp(v, want) == 0;
}

/* The body of webhook i if it is the complaint's tmpl, signed. */
static json_t *
hook_match(struct testrecv *recv, size_t i, const char *complaint_id,
    const char *tmpl)
{
	struct testrecv_req	 q;
	json_t			*body = NULL;

	if (!testrecv_get(recv, i, &q))
		return NULL;
	if (q.signature_ok && q.status == 200 &&
	    (body = json_loads(q.body, 0, NULL)) != NULL &&
	    (!member_is(body, "template", tmpl) ||
	    !member_is(body, "complaint_id", complaint_id))) {
		json_decref(body);
		body = NULL;
	}
	testrecv_req_free(&q);
	return body;
}

/*
 * Waits for the message of template tmpl about the complaint on recv (a
 * merchant's webhook or the provider), signed and answered 200; returns
 * its body or NULL.
 */
json_t *
stack_hook_wait(struct testrecv *recv, const char *complaint_id,
    const char *tmpl, int timeout_ms)
{
	int64_t	 deadline = meta_now_ms() + timeout_ms;
	size_t	 i, seen = 0;
	json_t	*body;

	do {
		for (i = seen; i < testrecv_count(recv); i++, seen++)
			if ((body = hook_match(recv, i, complaint_id,
			    tmpl)) != NULL)
				return body;
		usleep(100000);
	} while (meta_now_ms() < deadline);
	return NULL;
}

/* GET /v1/analytics/summary?window=window; the document (decref it). */
json_t *
stack_analytics(const char *window)
{
	struct testhttp_response	 r;
	char				*path;
	json_t				*doc;

	path = xasprintf("/v1/analytics/summary?window=%s", window);
	assert_int_equal(testhttp_request(stack.analytics_port, "GET", path,
	    NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	doc = json_incref(r.json);
	testhttp_free(&r);
	free(path);
	return doc;
}
