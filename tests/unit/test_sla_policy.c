/*
 * Unit tests of common/policy.c: both shipped policy files load
 * and give the defaults of docs/sla.md; the most specific entry wins;
 * targets convert to ms in their calendar; every kind of mistake is refused
 * with "<path>:<line>: [<section>] <reason>"; policy_version is the SHA-256
 * prefix of the content. Files are written to temporary files.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "nitems.h"
#include "sla-timer/sla.h"

#define MIN_MS		(60 * 1000LL)
#define HOUR_MS		(60 * MIN_MS)

#define SEV(x)		CDP__V1__SEVERITY__SEVERITY_##x
#define CAT(x)		CDP__V1__CATEGORY__CATEGORY_##x
#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define PARTY(x)	CDP__V1__PARTY__PARTY_##x
#define LEVEL(x)	CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_##x

/* A business calendar with a lunch break: 8 hours a day. 4 lines. */
#define OFFICE \
    "[calendar office]\n" \
    "timezone = +08:00\n" \
    "weekdays = mon-fri\n" \
    "hours = 09:00-12:00, 13:00-18:00\n"

static char	tmp_path[64];

/* Writes text to a new temporary file, whose name is left in tmp_path. */
static void
write_tmp(const char *text)
{
	FILE	*fp;
	int	 fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test-sla-policy.XXXXXX");
	assert_true((fd = mkstemp(tmp_path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* Loads policies from text, by way of a temporary file. */
static struct policy_set *
load_text(const char *text, char *err, size_t errsz)
{
	struct policy_set	*ps;

	write_tmp(text);
	err[0] = '\0';
	ps = policy_load(tmp_path, err, errsz);
	unlink(tmp_path);
	return ps;
}

static struct policy_set *
load_ok(const char *text)
{
	struct policy_set	*ps;
	char			 err[512];

	if ((ps = load_text(text, err, sizeof(err))) == NULL)
		fail_msg("unexpected error: %s", err);
	return ps;
}

/*
 * Loads text and expects the error to name the line (0: no line) and to
 * contain both the section (NULL: none) and the reason.
 */
static void
expect_error(const char *text, size_t line, const char *section,
    const char *reason)
{
	char	err[512], where[128];

	assert_null(load_text(text, err, sizeof(err)));
	if (line > 0)
		snprintf(where, sizeof(where), "%s:%zu: %s", tmp_path, line,
		    section != NULL ? section : "");
	else
		snprintf(where, sizeof(where), "%s: %s", tmp_path,
		    section != NULL ? section : "");
	if (strncmp(err, where, strlen(where)) != 0 ||
	    strstr(err, reason) == NULL)
		fail_msg("expected \"%s...%s\", got \"%s\"", where, reason,
		    err);
}

static const char *
source_file(char *buf, size_t size, const char *rel)
{
	const char	*root = getenv("CDP_SOURCE_DIR");

	snprintf(buf, size, "%s/%s", root != NULL ? root : ".", rel);
	return buf;
}

static struct policy_set *
load_shipped(const char *rel)
{
	struct policy_set	*ps;
	char			 path[1024], err[512];

	source_file(path, sizeof(path), rel);
	if ((ps = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return ps;
}

/* The UTC ms of a Beijing (+08:00) local time. */
static int64_t
beijing(int y, int mo, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return ((int64_t)timegm(&tm) - 8 * 3600) * 1000;
}

/* Finds a policy that must exist and checks its target and calendar. */
static const struct sla_policy *
expect_policy(const struct policy_set *ps, Cdp__V1__Severity s,
    Cdp__V1__Category c, Cdp__V1__SlaClock k, const char *name,
    int64_t target_ms, bool is_24x7)
{
	const struct sla_policy	*pol;

	if ((pol = policy_find(ps, s, c, k)) == NULL)
		fail_msg("no policy for severity %d, category %d, clock %d",
		    s, c, k);
	assert_string_equal(pol->name, name);
	assert_int_equal(pol->clock, k);
	assert_int_equal(pol->target_ms, target_ms);
	assert_non_null(pol->calendar);
	assert_int_equal(calendar_is_24x7(pol->calendar), is_24x7);
	return pol;
}

/*
 * First contact: 30 min urgent (24x7), 2 h high, 24 h normal, 2 business
 * days low; a coupon of 10 CNY for urgent and high, 5 CNY otherwise, and
 * escalation for urgent only.
 */
static void
test_production_first_contact(void **state)
{
	struct policy_set	*ps = load_shipped("config/sla-policies.conf");
	const struct sla_policy	*p;

	p = expect_policy(ps, SEV(URGENT), CAT(PRODUCT), CLK(FIRST_CONTACT),
	    "first_contact.urgent", 30 * MIN_MS, true);
	assert_int_equal(p->party, PARTY(PLATFORM));
	assert_int_equal(p->warn_permille, 800);
	assert_int_equal(p->actions.coupon_fen, 1000);
	assert_true(p->actions.escalate);
	assert_int_equal(p->actions.escalate_to, LEVEL(SENIOR_SERVICE));
	assert_false(p->actions.penalize_merchant);
	p = expect_policy(ps, SEV(HIGH), CAT(LOGISTICS), CLK(FIRST_CONTACT),
	    "first_contact.high", 2 * HOUR_MS, true);
	assert_int_equal(p->actions.coupon_fen, 1000);
	assert_false(p->actions.escalate);
	p = expect_policy(ps, SEV(NORMAL), CAT(SERVICE), CLK(FIRST_CONTACT),
	    "first_contact", 24 * HOUR_MS, true);
	assert_int_equal(p->actions.coupon_fen, 500);
	assert_false(p->actions.escalate);
	p = expect_policy(ps, SEV(LOW), CAT(OTHER), CLK(FIRST_CONTACT),
	    "first_contact.low", 2 * 9 * HOUR_MS, false);
	assert_int_equal(p->actions.coupon_fen, 500);
	assert_int_equal(p->warn_permille, 800);
	/* Before classification: the clock's default. */
	expect_policy(ps, SEV(UNSPECIFIED), CAT(UNSPECIFIED),
	    CLK(FIRST_CONTACT), "first_contact", 24 * HOUR_MS, true);
	policy_free(ps);
}

/* The merchant's clocks: 24 h urgent, 48 h otherwise; penalty and notice. */
static void
test_production_merchant_clocks(void **state)
{
	struct policy_set	*ps = load_shipped("config/sla-policies.conf");
	const struct sla_policy	*p;
	size_t			 i;
	struct {
		Cdp__V1__Severity	 sev;
		Cdp__V1__SlaClock	 clock;
		const char		*name;
		int64_t			 target_ms;
		bool			 is_24x7;
		uint32_t		 points;
	} want[] = {
		{ SEV(URGENT), CLK(MERCHANT_RESPONSE),
		    "merchant_response.urgent", 24 * HOUR_MS, true, 2 },
		{ SEV(HIGH), CLK(MERCHANT_RESPONSE), "merchant_response",
		    48 * HOUR_MS, true, 2 },
		{ SEV(LOW), CLK(MERCHANT_RESPONSE), "merchant_response",
		    48 * HOUR_MS, true, 2 },
		{ SEV(URGENT), CLK(EXECUTION), "execution.urgent",
		    24 * HOUR_MS, true, 4 },
		{ SEV(NORMAL), CLK(EXECUTION), "execution", 48 * HOUR_MS,
		    true, 4 },
		{ SEV(NORMAL), CLK(RETURN_INSPECTION), "return_inspection",
		    3 * 9 * HOUR_MS, false, 2 },
	};

	for (i = 0; i < nitems(want); i++) {
		p = expect_policy(ps, want[i].sev, CAT(PRODUCT), want[i].clock,
		    want[i].name, want[i].target_ms, want[i].is_24x7);
		assert_int_equal(p->party, PARTY(MERCHANT));
		assert_true(p->actions.penalize_merchant);
		assert_int_equal(p->actions.penalty_points, want[i].points);
		assert_true(p->actions.notify);
		assert_int_equal(p->actions.coupon_fen, 0);
		assert_false(p->actions.escalate);
	}
	policy_free(ps);
}

/*
 * The platform's clocks: investigation 1 business day, solution 24 h
 * urgent and 2 business days otherwise, QC result 48 h, appeal review 3
 * business days; all escalate to senior service. The emergency process
 * starts within 2 h, for urgent cases only.
 */
static void
test_production_platform_clocks(void **state)
{
	struct policy_set	*ps = load_shipped("config/sla-policies.conf");
	const struct sla_policy	*p[6];
	size_t			 i;

	p[0] = expect_policy(ps, SEV(NORMAL), CAT(PAYMENT), CLK(INVESTIGATION),
	    "investigation", 9 * HOUR_MS, false);
	p[1] = expect_policy(ps, SEV(URGENT), CAT(PRODUCT), CLK(SOLUTION),
	    "solution.urgent", 24 * HOUR_MS, true);
	p[2] = expect_policy(ps, SEV(HIGH), CAT(PRODUCT), CLK(SOLUTION),
	    "solution", 2 * 9 * HOUR_MS, false);
	p[3] = expect_policy(ps, SEV(NORMAL), CAT(PRODUCT), CLK(QC_RESULT),
	    "qc_result", 48 * HOUR_MS, true);
	p[4] = expect_policy(ps, SEV(LOW), CAT(SERVICE), CLK(APPEAL_REVIEW),
	    "appeal_review", 3 * 9 * HOUR_MS, false);
	for (i = 0; i < 5; i++) {
		assert_int_equal(p[i]->party, PARTY(PLATFORM));
		assert_true(p[i]->actions.escalate);
		assert_int_equal(p[i]->actions.escalate_to,
		    LEVEL(SENIOR_SERVICE));
		assert_false(p[i]->actions.penalize_merchant);
		assert_int_equal(p[i]->actions.coupon_fen, 0);
	}
	p[5] = expect_policy(ps, SEV(URGENT), CAT(PRODUCT),
	    CLK(EMERGENCY_START), "emergency_start", 2 * HOUR_MS, true);
	assert_int_equal(p[5]->actions.escalate_to, LEVEL(MANAGEMENT));
	assert_null(policy_find(ps, SEV(NORMAL), CAT(PRODUCT),
	    CLK(EMERGENCY_START)));
	assert_null(policy_find(ps, SEV(NORMAL), CAT(PRODUCT),
	    CLK(UNSPECIFIED)));
	assert_int_equal(strlen(policy_version(ps)), 16);
	policy_free(ps);
}

/*
 * The default business calendar: Mon-Fri 09:00-18:00 Beijing time, closed
 * on the 2026 public holidays, open on the make-up working days.
 */
static void
test_production_calendar(void **state)
{
	struct policy_set	*ps = load_shipped("config/sla-policies.conf");
	const struct calendar	*cal;

	cal = policy_find(ps, SEV(LOW), CAT(OTHER), CLK(FIRST_CONTACT))->
	    calendar;
	assert_true(calendar_is_open(cal, beijing(2026, 3, 2, 9, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 3, 2, 17, 59)));
	assert_false(calendar_is_open(cal, beijing(2026, 3, 2, 18, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 3, 2, 8, 59)));
	assert_false(calendar_is_open(cal, beijing(2026, 3, 7, 10, 0)));
	/* Holidays on weekdays, make-up days on weekends. */
	assert_false(calendar_is_open(cal, beijing(2026, 1, 1, 10, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 1, 4, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 2, 16, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 2, 23, 10, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 2, 14, 10, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 2, 28, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 4, 6, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 5, 5, 10, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 5, 9, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 6, 19, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 9, 25, 10, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 9, 20, 10, 0)));
	assert_false(calendar_is_open(cal, beijing(2026, 10, 7, 10, 0)));
	assert_true(calendar_is_open(cal, beijing(2026, 10, 10, 10, 0)));
	/* Low first contact filed Friday 17:00: due Tuesday 17:00. */
	assert_int_equal(calendar_add_business_time(cal,
	    beijing(2026, 3, 6, 17, 0), 2 * 9 * HOUR_MS),
	    beijing(2026, 3, 10, 17, 0));
	/* The day before National Day: the week off does not count. */
	assert_int_equal(calendar_add_business_time(cal,
	    beijing(2026, 9, 30, 17, 0), 2 * 9 * HOUR_MS),
	    beijing(2026, 10, 9, 17, 0));
	policy_free(ps);
}

/*
 * policy_due is the deadline a clock started then would have: the normal
 * first contact of a complaint filed at any time is 24 h later, a low one
 * counts business time, and a clock the file has no policy for has none.
 */
static void
test_due(void **state)
{
	struct policy_set	*ps = load_shipped("config/sla-policies.conf");
	struct policy_set	*fast =
				    load_shipped("config/sla-policies-fast.conf");
	int64_t			 fri = beijing(2026, 3, 6, 17, 0);

	assert_int_equal(policy_due(ps, SEV(NORMAL), CAT(UNSPECIFIED),
	    CLK(FIRST_CONTACT), fri), fri + 24 * HOUR_MS);
	assert_int_equal(policy_due(ps, SEV(UNSPECIFIED), CAT(UNSPECIFIED),
	    CLK(FIRST_CONTACT), fri), fri + 24 * HOUR_MS);
	assert_int_equal(policy_due(ps, SEV(URGENT), CAT(PRODUCT),
	    CLK(FIRST_CONTACT), fri), fri + 30 * MIN_MS);
	assert_int_equal(policy_due(ps, SEV(LOW), CAT(OTHER),
	    CLK(FIRST_CONTACT), fri), beijing(2026, 3, 10, 17, 0));
	assert_int_equal(policy_due(ps, SEV(NORMAL), CAT(UNSPECIFIED),
	    CLK(UNSPECIFIED), fri), -1);
	assert_true(policy_due(fast, SEV(NORMAL), CAT(UNSPECIFIED),
	    CLK(FIRST_CONTACT), fri) - fri < 24 * HOUR_MS);
	policy_free(fast);
	policy_free(ps);
}

static void
same_actions(const struct sla_actions *a, const struct sla_actions *b)
{
	assert_int_equal(a->coupon_fen, b->coupon_fen);
	assert_int_equal(a->escalate, b->escalate);
	assert_int_equal(a->escalate_to, b->escalate_to);
	assert_int_equal(a->penalize_merchant, b->penalize_merchant);
	assert_int_equal(a->penalty_points, b->penalty_points);
	assert_int_equal(a->notify, b->notify);
}

/*
 * The fast file has the production file's entries and actions, every
 * target in seconds on the 24x7 calendar, warnings at 80%.
 */
static void
test_fast_file(void **state)
{
	struct policy_set	*prod, *fast;
	const struct sla_policy	*a, *b;
	int			 s, c, k;

	prod = load_shipped("config/sla-policies.conf");
	fast = load_shipped("config/sla-policies-fast.conf");
	a = expect_policy(fast, SEV(URGENT), CAT(PRODUCT), CLK(FIRST_CONTACT),
	    "first_contact.urgent", 4000, true);
	assert_int_equal(a->warn_permille, 800);
	assert_int_equal(a->actions.coupon_fen, 1000);
	for (s = 0; s <= SEV(LOW); s++)
		for (c = 0; c <= CAT(OTHER); c++)
			for (k = 1; k <= CLK(EMERGENCY_START); k++) {
				a = policy_find(prod, s, c, k);
				b = policy_find(fast, s, c, k);
				assert_true((a == NULL) == (b == NULL));
				if (a == NULL)
					continue;
				assert_string_equal(a->name, b->name);
				assert_int_equal(a->party, b->party);
				same_actions(&a->actions, &b->actions);
				assert_true(calendar_is_24x7(b->calendar));
				assert_true(b->target_ms <= 12000);
				assert_int_equal(b->target_ms % 1000, 0);
				assert_int_equal(b->warn_permille, 800);
			}
	assert_string_not_equal(policy_version(prod), policy_version(fast));
	policy_free(prod);
	policy_free(fast);
}

/*
 * (severity, category) > (severity, *) > (*, category) > (*, *); an
 * unspecified or unknown severity or category matches only "*"; a clock
 * without entries has no policy.
 */
static void
test_specificity(void **state)
{
	struct policy_set	*ps;
	const char		*text =
	    "[policy any]\nclock = solution\ntarget = 1h\n"
	    "[policy sev]\nclock = solution\nseverity = urgent\ntarget = 2h\n"
	    "[policy cat]\nclock = solution\ncategory = product\ntarget = 3h\n"
	    "[policy both]\nclock = solution\nseverity = urgent\n"
	    "category = product\ntarget = 4h\n"
	    "[policy sevonly]\nclock = execution\nseverity = high\n"
	    "target = 5h\n";

	ps = load_ok(text);
	assert_string_equal(policy_find(ps, SEV(URGENT), CAT(PRODUCT),
	    CLK(SOLUTION))->name, "both");
	assert_string_equal(policy_find(ps, SEV(URGENT), CAT(PAYMENT),
	    CLK(SOLUTION))->name, "sev");
	assert_string_equal(policy_find(ps, SEV(HIGH), CAT(PRODUCT),
	    CLK(SOLUTION))->name, "cat");
	assert_string_equal(policy_find(ps, SEV(HIGH), CAT(PAYMENT),
	    CLK(SOLUTION))->name, "any");
	assert_string_equal(policy_find(ps, SEV(UNSPECIFIED), CAT(PRODUCT),
	    CLK(SOLUTION))->name, "cat");
	assert_string_equal(policy_find(ps, SEV(URGENT), CAT(UNSPECIFIED),
	    CLK(SOLUTION))->name, "sev");
	assert_string_equal(policy_find(ps, 99, 99, CLK(SOLUTION))->name,
	    "any");
	assert_string_equal(policy_find(ps, SEV(URGENT), 42,
	    CLK(SOLUTION))->name, "sev");
	assert_int_equal(policy_find(ps, SEV(URGENT), CAT(PRODUCT),
	    CLK(SOLUTION))->target_ms, 4 * HOUR_MS);
	assert_string_equal(policy_find(ps, SEV(HIGH), CAT(OTHER),
	    CLK(EXECUTION))->name, "sevonly");
	assert_null(policy_find(ps, SEV(NORMAL), CAT(OTHER), CLK(EXECUTION)));
	assert_null(policy_find(ps, SEV(URGENT), CAT(PRODUCT),
	    CLK(FIRST_CONTACT)));
	assert_null(policy_find(ps, SEV(URGENT), CAT(PRODUCT),
	    CLK(UNSPECIFIED)));
	assert_null(policy_find(ps, SEV(URGENT), CAT(PRODUCT), 77));
	policy_free(ps);
}

static int64_t
target_of(const char *target, const char *calendar)
{
	struct policy_set	*ps;
	char			 text[512];
	int64_t			 ms;

	snprintf(text, sizeof(text), OFFICE "[policy p]\nclock = solution\n"
	    "target = %s\ncalendar = %s\n", target, calendar);
	ps = load_ok(text);
	ms = policy_find(ps, SEV(NORMAL), CAT(OTHER), CLK(SOLUTION))->
	    target_ms;
	policy_free(ps);
	return ms;
}

/*
 * Targets: s, m, h and d count calendar time; a business day is the
 * calendar's daily opening time (8 hours with a lunch break).
 */
static void
test_targets(void **state)
{
	assert_int_equal(target_of("4s", "24x7"), 4000);
	assert_int_equal(target_of("30m", "24x7"), 30 * MIN_MS);
	assert_int_equal(target_of("48h", "24x7"), 48 * HOUR_MS);
	assert_int_equal(target_of("2d", "24x7"), 48 * HOUR_MS);
	assert_int_equal(target_of("1000000s", "24x7"), 1000000000LL);
	assert_int_equal(target_of("3h", "office"), 3 * HOUR_MS);
	assert_int_equal(target_of("2bd", "office"), 16 * HOUR_MS);
	assert_int_equal(target_of("1bd", "office"), 8 * HOUR_MS);
}

/* Every other key as written, and the defaults of those left out. */
static void
test_fields(void **state)
{
	struct policy_set	*ps;
	const struct sla_policy	*p;

	ps = load_ok(OFFICE
	    "[policy a]   # comment\n"
	    "clock = merchant_response\ntarget = 1h\ncalendar = office\n"
	    "warn_at = 0.75\nescalate = emergency\npenalty_points = 7\n"
	    "notify = yes\ncoupon_fen = 800\n"
	    "[policy b]\nclock = solution\ntarget = 1h\nwarn_at = 1\n"
	    "party = carrier\nescalate = no\nnotify = no\ncoupon_fen = 0\n"
	    "[policy c]\nclock = investigation\nseverity = *\ncategory = *\n"
	    "target = 1h\nwarn_at = no\n"
	    "[policy d]\nparty = merchant\nclock = qc_result\ntarget = 1m\n"
	    "warn_at = 0.125\n");
	p = policy_find(ps, SEV(LOW), CAT(OTHER), CLK(MERCHANT_RESPONSE));
	assert_string_equal(p->name, "a");
	assert_false(calendar_is_24x7(p->calendar));
	assert_int_equal(p->warn_permille, 750);
	assert_int_equal(p->party, PARTY(MERCHANT));
	assert_true(p->actions.escalate);
	assert_int_equal(p->actions.escalate_to, LEVEL(EMERGENCY));
	assert_true(p->actions.penalize_merchant);
	assert_int_equal(p->actions.penalty_points, 7);
	assert_true(p->actions.notify);
	assert_int_equal(p->actions.coupon_fen, 800);
	p = policy_find(ps, SEV(LOW), CAT(OTHER), CLK(SOLUTION));
	assert_true(calendar_is_24x7(p->calendar));
	assert_int_equal(p->warn_permille, 1000);
	assert_int_equal(p->party, PARTY(CARRIER));
	assert_false(p->actions.escalate);
	assert_false(p->actions.notify);
	assert_false(p->actions.penalize_merchant);
	assert_int_equal(p->actions.coupon_fen, 0);
	p = policy_find(ps, SEV(LOW), CAT(OTHER), CLK(INVESTIGATION));
	assert_int_equal(p->warn_permille, 0);
	assert_int_equal(p->party, PARTY(PLATFORM));
	p = policy_find(ps, SEV(LOW), CAT(OTHER), CLK(QC_RESULT));
	assert_int_equal(p->warn_permille, 125);
	assert_int_equal(p->party, PARTY(MERCHANT));
	policy_free(ps);
}

/* Formats the SHA-256 prefix of text, independently of policy.c. */
static void
sha256_prefix(const char *text, char out[17])
{
	unsigned char	md[32];
	unsigned int	len;
	size_t		i;

	assert_int_equal(EVP_Digest(text, strlen(text), md, &len,
	    EVP_sha256(), NULL), 1);
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* policy_version: the SHA-256 prefix, the same for the same content. */
static void
test_version(void **state)
{
	const char		*text = "[policy p]\nclock = solution\n"
				    "target = 1h\n";
	struct policy_set	*a, *b, *c;
	char			 want[17], other[512];

	a = load_ok(text);
	b = load_ok(text);
	snprintf(other, sizeof(other), "%s# a comment\n", text);
	c = load_ok(other);
	sha256_prefix(text, want);
	assert_string_equal(policy_version(a), want);
	assert_string_equal(policy_version(a), policy_version(b));
	assert_string_not_equal(policy_version(a), policy_version(c));
	policy_free(a);
	policy_free(b);
	policy_free(c);
}

static void
test_error_file(void **state)
{
	char	err[512];

	assert_null(policy_load("/nonexistent/sla.conf", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/sla.conf: No such file or "
	    "directory");
	expect_error("", 0, NULL, "no [policy] section");
	expect_error("# nothing\n" OFFICE, 0, NULL, "no [policy] section");
}

/* Unknown sections and keys, and lines that are not statements. */
static void
test_error_structure(void **state)
{
	expect_error("[rule x]\n", 1, NULL, "unknown section [rule] "
	    "(expected calendar or policy)");
	expect_error("clock = solution\n", 1, NULL,
	    "key clock outside a section");
	expect_error("[policy p]\nclock solution\n", 2, "[policy p] ",
	    "expected \"key = value\"");
	expect_error("[policy p]\nclock = solution\ntraget = 1h\n", 3,
	    "[policy p] ", "unknown key \"traget\" in [policy]");
	expect_error("[calendar c]\nzone = UTC\n", 2, "[calendar c] ",
	    "unknown key \"zone\" in [calendar]");
	expect_error("[policy p]\nclock = solution\nclock = execution\n", 3,
	    "[policy p] ", "duplicate key clock");
	expect_error("[policy p]\nclock =\n", 2, "[policy p] ",
	    "empty value for clock");
	expect_error("[policy p\n", 1, NULL, "section header without \"]\"");
	expect_error("[policy]\n", 1, NULL, "[policy] needs a name");
	expect_error("[policy First]\n", 1, NULL, "bad policy name \"First\"");
	expect_error("[policy "
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    "]\n", 1, NULL, "bad policy name");
	expect_error("[policy p]\nclock = solution\ntarget = 1h\n"
	    "[policy p]\n", 4, NULL, "duplicate policy p");
	expect_error(OFFICE OFFICE, 5, NULL, "duplicate calendar office");
	expect_error("[calendar 24x7]\n", 1, NULL, "calendar 24x7 is built in");
	expect_error("[policy p]\nclock = solution\n[policy q]\n", 1,
	    "[policy p] ", "needs clock and target");
	expect_error("[policy p]\ntarget = 1h\n", 1, "[policy p] ",
	    "needs clock and target");
}

/* Unknown names of severities, categories, clocks, parties and levels. */
static void
test_error_names(void **state)
{
	expect_error("[policy p]\nclock = first_contactt\n", 2, "[policy p] ",
	    "unknown clock \"first_contactt\" (expected one of first_contact, "
	    "merchant_response,");
	expect_error("[policy p]\nclock = solution\nseverity = critical\n", 3,
	    "[policy p] ", "unknown severity \"critical\" (expected one of *, "
	    "urgent, high, normal, low)");
	expect_error("[policy p]\nclock = solution\ncategory = food\n", 3,
	    "[policy p] ", "unknown category \"food\"");
	expect_error("[policy p]\nclock = solution\nparty = agent\n", 3,
	    "[policy p] ", "unknown party \"agent\" (expected one of merchant, "
	    "carrier, platform, customer)");
	expect_error("[policy p]\nclock = solution\nescalate = yes\n", 3,
	    "[policy p] ", "unknown escalation level \"yes\" (expected one of "
	    "senior_service, management, emergency)");
	expect_error("[policy p]\nclock = solution\ntarget = 1h\n"
	    "calendar = office\n", 4, "[policy p] ", "unknown calendar office");
	expect_error("[policy p]\nclock = solution\ntarget = 1h\n"
	    "calendar = Office\n", 4, "[policy p] ", "bad calendar name");
}

/* Targets: zero, negative, fractions, no unit, unit and calendar at odds. */
static void
test_error_targets(void **state)
{
	static const char	*bad[] = { "0m", "-5m", "0bd", "1.5h", "30",
				    "h", "30x", "30 m", "10000000s", "+3h" };
	char			 text[256];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(text, sizeof(text), "[policy p]\nclock = solution\n"
		    "target = %s\n", bad[i]);
		expect_error(text, 3, "[policy p] ", "bad target");
	}
	expect_error("[policy p]\nclock = solution\ntarget = 0s\n", 3,
	    "[policy p] ", "a whole number greater than 0");
	expect_error("[policy p]\nclock = solution\ntarget = 2bd\n", 3,
	    "[policy p] ", "target in business days (bd) on the 24x7 "
	    "calendar");
	expect_error(OFFICE "[policy p]\nclock = solution\ntarget = 2d\n"
	    "calendar = office\n", 7, "[policy p] ",
	    "target in days (d) on business calendar office is ambiguous");
	/* Resolved after the file is read: the calendar may come later. */
	expect_error("[policy p]\nclock = solution\ncalendar = office\n"
	    "target = 2d\n" OFFICE, 4, "[policy p] ",
	    "target in days (d) on business calendar office");
}

/* Warning points outside (0, 1], and other values out of range. */
static void
test_error_values(void **state)
{
	static const char	*bad[] = { "0", "0.0", "1.2", "-0.5", "0.8.5",
				    "0.8125", ".8", "8.", "80%", "yes", "2" };
	char			 text[256];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(text, sizeof(text), "[policy p]\nclock = solution\n"
		    "target = 1h\nwarn_at = %s\n", bad[i]);
		expect_error(text, 4, "[policy p] ", "bad warn_at");
	}
	expect_error("[policy p]\nclock = solution\ncoupon_fen = -500\n", 3,
	    "[policy p] ", "bad coupon_fen \"-500\"");
	expect_error("[policy p]\nclock = solution\ncoupon_fen = 100001\n", 3,
	    "[policy p] ", "bad coupon_fen");
	expect_error("[policy p]\nclock = execution\npenalty_points = 0\n", 3,
	    "[policy p] ", "bad penalty_points \"0\"");
	expect_error("[policy p]\nclock = execution\nnotify = maybe\n", 3,
	    "[policy p] ", "bad notify \"maybe\"");
	expect_error("[policy p]\nclock = solution\ntarget = 1h\n"
	    "penalty_points = 3\n", 4, "[policy p] ",
	    "penalty_points on a clock the merchant does not own (party "
	    "platform)");
	expect_error("[policy p]\nclock = execution\ntarget = 1h\n"
	    "penalty_points = 3\nparty = platform\n", 4, "[policy p] ",
	    "penalty_points on a clock the merchant does not own");
}

/* Two entries for the same (severity, category, clock). */
static void
test_error_duplicates(void **state)
{
	expect_error("[policy a]\nclock = solution\ntarget = 1h\n"
	    "[policy b]\nclock = solution\ntarget = 2h\n", 4, "[policy b] ",
	    "same severity *, category * and clock solution as [policy a] at "
	    "line 1");
	expect_error("[policy a]\nclock = solution\nseverity = urgent\n"
	    "category = product\ntarget = 1h\n"
	    "[policy b]\ncategory = product\nseverity = urgent\n"
	    "clock = solution\ntarget = 2h\n", 6, "[policy b] ",
	    "same severity urgent, category product and clock solution as "
	    "[policy a]");
	expect_error("[policy a]\nclock = solution\nseverity = *\n"
	    "target = 1h\n[policy b]\nclock = solution\ntarget = 2h\n", 5,
	    "[policy b] ", "same severity *");
}

/* Calendars: time zones, weekdays, hours, dates, and calendar_check. */
static void
test_error_calendars(void **state)
{
	const char	*pol = "[policy p]\nclock = solution\ntarget = 1h\n";
	char		 text[512];

	expect_error("[calendar c]\ntimezone = Europe/Berlin\n", 2,
	    "[calendar c] ", "bad timezone \"Europe/Berlin\"");
	expect_error("[calendar c]\ntimezone = +8\n", 2, "[calendar c] ",
	    "bad timezone");
	expect_error("[calendar c]\nweekdays = mon, fir\n", 2, "[calendar c] ",
	    "unknown weekday \"fir\"");
	expect_error("[calendar c]\nweekdays = fri-mon\n", 2, "[calendar c] ",
	    "runs backwards");
	expect_error("[calendar c]\nweekdays = mon-fri, wed\n", 2,
	    "[calendar c] ", "weekday wed given twice");
	expect_error("[calendar c]\nweekdays = mon,,tue\n", 2, "[calendar c] ",
	    "empty item in weekday list");
	expect_error("[calendar c]\nhours = 18:00-09:00\n", 2, "[calendar c] ",
	    "bad hours \"18:00-09:00\"");
	expect_error("[calendar c]\nhours = 9:00-18:00\n", 2, "[calendar c] ",
	    "bad hours");
	expect_error("[calendar c]\nhours = 09:00-24:01\n", 2, "[calendar c] ",
	    "bad hours");
	expect_error("[calendar c]\nholidays = 2026-02-30\n", 2,
	    "[calendar c] ", "bad date \"2026-02-30\"");
	expect_error("[calendar c]\nholidays = 2026-10-07..2026-10-01\n", 2,
	    "[calendar c] ", "bad date");
	expect_error("[calendar c]\nholidays = 2026-01-01..2027-06-01\n", 2,
	    "[calendar c] ", "date range longer than 366 days");
	expect_error("[calendar c]\nworkdays = 2026/01/04\n", 2,
	    "[calendar c] ", "bad date \"2026/01/04\"");
	/* Checked when the section closes. */
	expect_error("[calendar c]\nweekdays = mon-fri\nhours = 09:00-18:00\n"
	    "[policy p]\n", 1, "[calendar c] ",
	    "needs timezone and weekdays");
	expect_error("[calendar c]\ntimezone = UTC\nhours = 09:00-18:00\n",
	    1, "[calendar c] ", "needs timezone and weekdays");
	snprintf(text, sizeof(text), "[calendar c]\ntimezone = UTC\n"
	    "weekdays = mon-fri\n%s", pol);
	expect_error(text, 1, "[calendar c] ", "no opening hours");
	expect_error("[calendar c]\ntimezone = +15:00\nweekdays = mon\n"
	    "hours = 09:00-18:00\n", 1, "[calendar c] ", "utc offset");
	expect_error("[calendar c]\ntimezone = UTC\nweekdays = mon-fri\n"
	    "hours = 09:00-12:00\nhours = 11:00-18:00\n", 5, "[calendar c] ",
	    "opening hours 11:00-18:00 overlap");
	expect_error("[calendar c]\ntimezone = UTC\nweekdays = mon-fri\n"
	    "hours = 09:00-18:00\nworkdays = 2026-01-05\n", 5,
	    "[calendar c] ", "make-up workday 2026-01-05 is a Monday, a "
	    "working day already");
	expect_error("[calendar c]\ntimezone = UTC\nweekdays = mon-fri\n"
	    "hours = 09:00-18:00\nholidays = 2026-01-03\n"
	    "workdays = 2026-01-03\n", 6, "[calendar c] ",
	    "2026-01-03 is both a holiday and a make-up workday");
}

/* Well-formed calendars that load: names, offsets, lists and ranges. */
static void
test_calendars(void **state)
{
	struct policy_set	*ps;
	const struct calendar	*cal;

	ps = load_ok("\xef\xbb\xbf[calendar weekend-shop]\n"
	    "timezone = -05:30\nweekdays = sat-sun，mon\n"
	    "hours = 10:00-12:00,14:00-24:00\n"
	    "holidays = 2026-02-28..2026-03-01, 2026-03-07\n"
	    "workdays = 2026-03-04\n"
	    "[policy p]\nclock = solution\ntarget = 1bd\n"
	    "calendar = weekend-shop\n");
	cal = policy_find(ps, SEV(LOW), CAT(OTHER), CLK(SOLUTION))->calendar;
	assert_int_equal(policy_find(ps, SEV(LOW), CAT(OTHER),
	    CLK(SOLUTION))->target_ms, 12 * HOUR_MS);
	/* Saturday 2026-03-14, 11:00 at -05:30 is 16:30 UTC. */
	assert_true(calendar_is_open(cal, beijing(2026, 3, 15, 0, 30)));
	assert_false(calendar_is_open(cal, beijing(2026, 3, 15, 2, 30)));
	/* A holiday Saturday, and a make-up Wednesday. */
	assert_false(calendar_is_open(cal, beijing(2026, 3, 8, 0, 30)));
	assert_true(calendar_is_open(cal, beijing(2026, 3, 5, 0, 30)));
	assert_false(calendar_is_open(cal, beijing(2026, 3, 12, 0, 30)));
	policy_free(ps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_production_first_contact),
		cmocka_unit_test(test_production_merchant_clocks),
		cmocka_unit_test(test_production_platform_clocks),
		cmocka_unit_test(test_production_calendar),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_fast_file),
		cmocka_unit_test(test_specificity),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_error_file),
		cmocka_unit_test(test_error_structure),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_error_targets),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_error_duplicates),
		cmocka_unit_test(test_error_calendars),
		cmocka_unit_test(test_calendars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
