#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "nitems.h"
#include "testenv.h"
#include "testproc.h"
#include "xmalloc.h"

static const char *const harness_keys[][2] = {
	{ "dev-app", "channel:app 200 400" },
	{ "dev-hotline", "channel:hotline 200 400" },
	{ "dev-agent", "agent 200 400" },
	{ "dev-admin", "admin 200 400" },
	{ "dev-merchant-M1001", "merchant:M1001 200 400" },
	{ "dev-merchant-M1002", "merchant:M1002 200 400" },
	{ "slow-agent", "agent 0.2 2" },
	{ "merchant-MAPL-A", "merchant:MAPL-A 200 400" },	/* appeals */
	{ "merchant-MAPL-B", "merchant:MAPL-B 200 400" },
	{ "merchant-MAZ-1", "merchant:MAZ-1 200 400" },	/* authz matrix */
	{ "merchant-MAZ-2", "merchant:MAZ-2 200 400" },
	{ "merchant-ME2E-3", "merchant:ME2E-3 200 400" },	/* e2e story 3 */
};

static void
harness_hash(const char *key, char out[65])
{
	unsigned char	d[EVP_MAX_MD_SIZE];
	unsigned int	n, i;

	EVP_Digest(key, strlen(key), d, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/*
 * A key file of our own: the dev keys' names and roles and a few more, each
 * key its name after INTAKE_KEY_PREFIX.
 */
static void
harness_keys_file(struct intake_proc *p)
{
	char	 hash[65], role[64], key[128];
	FILE	*f;
	size_t	 i;
	int	 fd;

	snprintf(p->keys_file, sizeof(p->keys_file), "/tmp/cdp-keys-XXXXXX");
	assert_true((fd = mkstemp(p->keys_file)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	for (i = 0; i < nitems(harness_keys); i++) {
		snprintf(key, sizeof(key), INTAKE_KEY_PREFIX "%s",
		    harness_keys[i][0]);
		harness_hash(key, hash);
		sscanf(harness_keys[i][1], "%63s", role);
		fprintf(f, "%s %s %s %s\n", harness_keys[i][0], role, hash,
		    strchr(harness_keys[i][1], ' ') + 1);
	}
	fclose(f);
}

void
intake_start(struct intake_proc *p, const char *publish_timeout_ms)
{
	intake_start_with(p, publish_timeout_ms, NULL, NULL);
}

/*
 * intake_start() with settings of the test's own (NULL-terminated, at
 * most 8; NULL for none) and its stderr to log when not NULL.
 */
void
intake_start_with(struct intake_proc *p, const char *publish_timeout_ms,
    const char *const *own, const char *log)
{
	const char	*env[16];
	char		*listen, *admin, *keys, *timeout;
	size_t		 n = 0;

	if (p->keys_file[0] == '\0')
		harness_keys_file(p);
	p->port = testproc_free_port();
	p->admin_port = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", p->port);
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", p->admin_port);
	keys = xasprintf("API_KEYS_FILE=%s", p->keys_file);
	timeout = xasprintf("INTAKE_PUBLISH_TIMEOUT_MS=%s", publish_timeout_ms);
	env[n++] = listen;
	env[n++] = admin;
	env[n++] = keys;
	env[n++] = timeout;
	env[n++] = "LOG_LEVEL=warn";
	env[n++] = "CDP_DEV_MODE=1";
	while (own != NULL && *own != NULL && n < 15)
		env[n++] = *own++;
	env[n] = NULL;
	p->pid = log != NULL ? testproc_spawn_logged("intake", env, log) :
	    testproc_spawn("intake", env);
	/* Ready once its read model caught up with the topic: generous, as a
	 * late test in a run meets a long topic on a busy machine. */
	assert_true(testproc_wait_http(p->admin_port, "/readyz", 200, 180000));
	free(listen);
	free(admin);
	free(keys);
	free(timeout);
}

/*
 * Within compose's stop_grace_period (30 s; Kubernetes gives 45 s): right
 * after a broker restart, leaving the group and committing can wait for
 * the group coordinator to load, which once took intake past 15 s.
 */
void
intake_stop(struct intake_proc *p)
{
	testproc_keep_metrics("intake", p->admin_port);
	assert_int_equal(testproc_stop(p->pid, 30000), 0);
}

int
intake_call(struct intake_proc *p, const char *method, const char *path,
    const char *key, const char *idem, const char *body,
    struct testhttp_response *r)
{
	char	headers[512];
	size_t	n = 0;

	headers[0] = '\0';
	if (key != NULL)
		n += (size_t)snprintf(headers + n, sizeof(headers) - n,
		    "Authorization: Bearer " INTAKE_KEY_PREFIX "%s\r\n", key);
	if (body != NULL)
		n += (size_t)snprintf(headers + n, sizeof(headers) - n,
		    "Content-Type: application/json\r\n");
	if (idem != NULL)
		snprintf(headers + n, sizeof(headers) - n,
		    "Idempotency-Key: %s\r\n", idem);
	assert_int_equal(testhttp_request(p->port, method, path, headers,
	    body, r), 0);
	return r->status;
}

/* Files a complaint that must be accepted; returns its id. */
char *
intake_file(struct intake_proc *p, const char *key, const char *body)
{
	struct testhttp_response	r;
	char				*id;

	intake_call(p, "POST", "/v1/complaints", key, NULL, body, &r);
	if (r.status != 202)
		fail_msg("POST /v1/complaints: %d %s", r.status, r.body);
	id = xstrdup(json_string_value(json_object_get(r.json,
	    "complaint_id")));
	testhttp_free(&r);
	return id;
}

/*
 * Polls GET /v1/complaints/{id} until it answers 200 with the status (any
 * status when NULL); returns the view or NULL.
 */
json_t *
intake_wait_view(struct intake_proc *p, const char *key, const char *id,
    const char *status, int timeout_ms)
{
	struct testhttp_response	 r;
	char				*path = xasprintf("/v1/complaints/%s", id);
	int64_t				 deadline = meta_now_ms() + timeout_ms;
	json_t				*view = NULL;
	const char			*st;

	while (view == NULL && meta_now_ms() < deadline) {
		intake_call(p, "GET", path, key, NULL, NULL, &r);
		st = json_string_value(json_object_get(r.json, "status"));
		if (r.status == 200 && (status == NULL ||
		    (st != NULL && strcmp(st, status) == 0)))
			view = json_incref(r.json);
		testhttp_free(&r);
		if (view == NULL)
			usleep(50000);
	}
	free(path);
	return view;
}

/* Files a complaint that must be accepted and waits for its view. */
char *
intake_file_received(struct intake_proc *p, const char *key,
    const char *body)
{
	char	*id = intake_file(p, key, body);
	json_t	*view;

	if ((view = intake_wait_view(p, "dev-agent", id, "received",
	    10000)) == NULL)
		fail_msg("%s: no view in status received", id);
	json_decref(view);
	return id;
}

/* An agent's action that must be accepted, then the view in status. */
void
intake_act(struct intake_proc *p, const char *id, const char *body,
    const char *status)
{
	struct testhttp_response	 r;
	char				*path;
	json_t				*view;

	path = xasprintf("/v1/complaints/%s/actions", id);
	if (intake_call(p, "POST", path, "dev-agent", NULL, body, &r) != 202)
		fail_msg("%s: %d %s", body, r.status, r.body);
	testhttp_free(&r);
	if ((view = intake_wait_view(p, "dev-agent", id, status,
	    10000)) == NULL)
		fail_msg("%s: no view in status %s", id, status);
	json_decref(view);
	free(path);
}
