/*
 * The authorisation matrix of the intake API: every route against every
 * role (no key, an unknown key, the channel that filed the complaint,
 * another channel, an agent, the complaint's merchant, another merchant,
 * an admin) with the status each must get. Roles let through answer the
 * route's own status (202, 200, or 400 for a body the route rejects
 * after authorisation); the others 401, 403 or 404. Another merchant's
 * 404 is the same answer, byte for byte, as for a complaint or merchant
 * that does not exist, so it learns nothing of existence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake_harness.h"
#include "log.h"
#include "xmalloc.h"

#define MERCHANT	"MAZ-1"
#define OWN		"merchant-MAZ-1"
#define OTHER		"merchant-MAZ-2"
#define WRONG		"no-such-key"
#define FILING		"{\"order_id\": \"O-AZ-{o}\", \"merchant_id\": " \
	"\"" MERCHANT "\", \"channel\": \"app\", \"user\": {\"id\": " \
	"\"U-AZ\"}, \"description\": \"少发了一件\", \"demand\": \"reship\"}"

enum role { NONE, BAD, CHANNEL, CHANNEL2, AGENT, MERCH, MERCH2, ADMIN,
	NROLES };

static const char *const role_key[NROLES] = {
	NULL, WRONG, "dev-app", "dev-hotline", "dev-agent", OWN, OTHER,
	"dev-admin"
};

static const char *const role_name[NROLES] = {
	"none", "wrong key", "channel", "another channel", "agent",
	"merchant of the complaint", "another merchant", "admin"
};

/*
 * One route: its method, its path ({c} is the complaint's id), a body,
 * and the status of each role in the order of enum role.
 */
struct route {
	const char	*method;
	const char	*path;
	const char	*body;
	int		 status[NROLES];
};

static const struct route routes[] = {
	{ "POST", "/v1/complaints", FILING,
	    { 401, 401, 202, 400, 202, 403, 403, 202 } },
	{ "GET", "/v1/complaints", NULL,
	    { 401, 401, 200, 200, 200, 200, 200, 200 } },
	{ "GET", "/v1/complaints/{c}", NULL,
	    { 401, 401, 200, 404, 200, 200, 404, 200 } },
	{ "POST", "/v1/complaints/{c}/actions",
	    "{\"action\": \"note\", \"comment\": \"authz\"}",
	    { 401, 401, 403, 404, 202, 202, 404, 202 } },
	{ "GET", "/v1/merchants/" MERCHANT, NULL,
	    { 401, 401, 404, 404, 200, 200, 404, 200 } },
	{ "POST", "/v1/merchants/" MERCHANT "/appeals", "{\"reason\": \"r\"}",
	    { 401, 401, 404, 404, 403, 400, 404, 403 } },
	{ "POST", "/v1/merchants/" MERCHANT "/appeals/A-AZ-1/decision",
	    "{\"verdict\": \"maybe\", \"reason\": \"r\"}",
	    { 401, 401, 404, 404, 400, 403, 404, 400 } },
};

static struct intake_proc	 intake;
static char			*complaint;

static char	*subst(const char *, const char *, const char *);

static int
setup(void **state)
{
	char	*body;

	intake_start(&intake, "5000");
	body = subst(FILING, "{o}", "0");
	complaint = intake_file_received(&intake, "dev-app", body);
	free(body);
	return 0;
}

static int
teardown(void **state)
{
	intake_stop(&intake);
	unlink(intake.keys_file);
	free(complaint);
	return 0;
}

/* s with its first mark ("{c}", "{o}") replaced by value. */
static char *
subst(const char *s, const char *mark, const char *value)
{
	const char	*c = strstr(s, mark);

	if (c == NULL)
		return xstrdup(s);
	return xasprintf("%.*s%s%s", (int)(c - s), s, value, c + strlen(mark));
}

/*
 * A request as a client that follows the API makes it: an action answered
 * 409 because the previous role's action is not yet in the view is read
 * again and retried, as the answer says.
 */
static void
call_settled(const char *method, const char *path, const char *key,
    const char *body, struct testhttp_response *r)
{
	int	tries;

	for (tries = 0; tries < 100; tries++) {
		intake_call(&intake, method, path, key, NULL, body, r);
		if (r->status != 409 || strcmp(json_string_value(
		    json_object_get(r->json, "error")), "conflict") != 0)
			return;
		testhttp_free(r);
		usleep(50000);
	}
	fail_msg("%s %s: still in conflict after 5 s", method, path);
}

static void
test_every_route_answers_every_role(void **state)
{
	static int			 order = 1;
	struct testhttp_response	 r;
	const struct route		*rt;
	char				*path, *body, n[16];
	size_t				 i;
	int				 role, failures = 0;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		rt = &routes[i];
		path = subst(rt->path, "{c}", complaint);
		for (role = 0; role < NROLES; role++) {
			snprintf(n, sizeof(n), "%d", order++);
			body = rt->body == NULL ? NULL :
			    subst(rt->body, "{o}", n);
			call_settled(rt->method, path, role_key[role], body,
			    &r);
			if (r.status != rt->status[role]) {
				print_error("%s %s as %s: %d, expected %d: "
				    "%s\n", rt->method, rt->path,
				    role_name[role], r.status,
				    rt->status[role], r.body);
				failures++;
			}
			testhttp_free(&r);
			free(body);
		}
		free(path);
	}
	assert_int_equal(failures, 0);
}

/* Whether the key's listing (with an optional query) holds the id. */
static bool
list_has(const char *key, const char *query, const char *id)
{
	struct testhttp_response	 r;
	json_t				*item;
	char				*path;
	size_t				 i;
	bool				 found = false;

	path = xasprintf("/v1/complaints?limit=100%s", query);
	assert_int_equal(intake_call(&intake, "GET", path, key, NULL, NULL,
	    &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, item)
		if (strcmp(json_string_value(json_object_get(item,
		    "complaint_id")), id) == 0)
			found = true;
	testhttp_free(&r);
	free(path);
	return found;
}

static void
test_listings_hold_only_what_the_role_may_see(void **state)
{
	assert_true(list_has("dev-agent", "", complaint));
	assert_true(list_has("dev-admin", "", complaint));
	assert_true(list_has(OWN, "", complaint));
	assert_true(list_has("dev-app", "", complaint));
	assert_false(list_has("dev-hotline", "", complaint));
	assert_false(list_has(OTHER, "", complaint));
	/* A filter naming the other merchant does not widen the index. */
	assert_false(list_has(OTHER, "&merchant_id=" MERCHANT, complaint));
}

/* The answer's status and body, the parts a caller can compare. */
static char *
answer(const char *method, const char *path, const char *key,
    const char *body)
{
	struct testhttp_response	 r;
	char				*s;

	intake_call(&intake, method, path, key, NULL, body, &r);
	s = xasprintf("%d %s", r.status, r.body);
	testhttp_free(&r);
	return s;
}

static void
assert_same_answer(const char *method, const char *real, const char *none,
    const char *body)
{
	char	*a = answer(method, real, OTHER, body);
	char	*b = answer(method, none, OTHER, body);

	assert_string_equal(a, b);
	assert_int_equal(strncmp(a, "404 ", 4), 0);
	free(a);
	free(b);
}

static void
test_another_merchant_cannot_tell_existence(void **state)
{
	char	*real = xasprintf("/v1/complaints/%s", complaint);
	char	*acts = xasprintf("/v1/complaints/%s/actions", complaint);
	const char *note = "{\"action\": \"note\", \"comment\": \"x\"}";

	assert_same_answer("GET", real, "/v1/complaints/C-AZ-NONE", NULL);
	assert_same_answer("POST", acts, "/v1/complaints/C-AZ-NONE/actions",
	    note);
	assert_same_answer("GET", "/v1/merchants/" MERCHANT,
	    "/v1/merchants/M-AZ-NONE", NULL);
	assert_same_answer("POST", "/v1/merchants/" MERCHANT "/appeals",
	    "/v1/merchants/M-AZ-NONE/appeals", "{\"reason\": \"r\"}");
	assert_same_answer("POST", "/v1/merchants/" MERCHANT
	    "/appeals/A-AZ-1/decision", "/v1/merchants/M-AZ-NONE/appeals/"
	    "A-AZ-1/decision", "{\"verdict\": \"upheld\", \"reason\": \"r\"}");
	free(real);
	free(acts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_answers_every_role),
		cmocka_unit_test(test_listings_hold_only_what_the_role_may_see),
		cmocka_unit_test(test_another_merchant_cannot_tell_existence),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
