/*
 * Hostile input against intake's public port, each answered with its
 * status and the daemon healthy afterwards: a body over 64 KiB (413),
 * headers over 16 KiB (400), a slow-loris client (closed after
 * HTTP_IDLE_TIMEOUT_S), one connection more than HTTP_MAX_CONNECTIONS
 * (503 too_many_connections), a key over its rate (429, other keys still
 * served), JSON nested past the parser's depth, a huge array, invalid
 * UTF-8 (400), and ids with path or Redis-key characters (404 in the
 * path, 400 with the field in a body).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "xmalloc.h"

#define MAX_CONNS	8
#define IDLE_S		2
#define FILING_START	"{\"order_id\": \"O-AB-1\", \"merchant_id\": " \
	"\"M1001\", \"user\": {\"id\": \"U-AB\"}, \"demand\": \"reship\", " \
	"\"description\": "

static struct intake_proc	intake;

static int
setup(void **state)
{
	setenv("HTTP_MAX_CONNECTIONS", "8", 1);
	setenv("HTTP_IDLE_TIMEOUT_S", "2", 1);
	intake_start(&intake, "5000");
	return 0;
}

static int
teardown(void **state)
{
	intake_stop(&intake);
	unlink(intake.keys_file);
	return 0;
}

/* A connection to intake's public port, reads timing out after 10 s. */
static int
raw_connect(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	struct timeval		tv = { .tv_sec = 10 };
	int			fd;

	sin.sin_port = htons((uint16_t)intake.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Reads what the server sends until it closes; the caller frees it. */
static char *
raw_read_all(int fd)
{
	size_t	 n = 0, cap = 4096;
	char	*buf = xmalloc(cap);
	ssize_t	 r;

	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (n + 1 == cap)
			buf = xreallocarray(buf, cap *= 2, 1);
	}
	buf[n] = '\0';
	return buf;
}

/* The daemon still answers a plain request. */
static void
assert_healthy(void)
{
	struct testhttp_response	r;

	assert_int_equal(intake_call(&intake, "GET", "/v1/complaints?limit=1",
	    "dev-agent", NULL, NULL, &r), 200);
	testhttp_free(&r);
}

/* A filing by dev-app with body; checks status, error and field. */
static void
expect(const char *body, int status, const char *error, const char *field)
{
	struct testhttp_response	r;

	intake_call(&intake, "POST", "/v1/complaints", "dev-app", NULL, body,
	    &r);
	if (r.status != status)
		fail_msg("%d, expected %d: %.200s", r.status, status, r.body);
	if (error != NULL)
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "error")), error);
	if (field != NULL)
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "field")), field);
	testhttp_free(&r);
}

static void
test_a_body_over_64_kib_is_413(void **state)
{
	size_t	 n = 70 * 1024, start = strlen(FILING_START) + 1;
	char	*body = xmalloc(start + n + 3);

	memcpy(body, FILING_START "\"", start);
	memset(body + start, 'x', n);
	strcpy(body + start + n, "\"}");
	expect(body, 413, NULL, NULL);
	free(body);
	assert_healthy();
}

/* A request with one header of n filler bytes; returns its status. */
static int
status_with_header(size_t n)
{
	struct testhttp_response	 r;
	char				*h = xmalloc(n + 32);
	int				 status;

	memcpy(h, "X-Filler: ", 10);
	memset(h + 10, 'a', n);
	strcpy(h + 10 + n, "\r\n");
	assert_int_equal(testhttp_request(intake.port, "GET",
	    "/v1/complaints?limit=1", h, NULL, &r), 0);
	status = r.status;
	testhttp_free(&r);
	free(h);
	return status;
}

/* Under 16 KiB of headers is served; over it evhttp answers 400. */
static void
test_headers_over_16_kib_are_400(void **state)
{
	assert_int_equal(status_with_header(8 * 1024), 401);
	assert_int_equal(status_with_header(20 * 1024), 400);
	assert_healthy();
}

/* A client sends half a request and then nothing: closed after IDLE_S. */
static void
test_a_slow_loris_is_cut_off(void **state)
{
	const char	*half = "GET /v1/complaints HTTP/1.1\r\nHost: x\r\n";
	int64_t		 start = meta_now_ms(), took;
	int		 fd = raw_connect();
	char		*got;

	assert_int_equal(write(fd, half, strlen(half)), (ssize_t)strlen(half));
	got = raw_read_all(fd);
	took = meta_now_ms() - start;
	assert_true(took >= IDLE_S * 1000 - 100);
	assert_true(took < IDLE_S * 1000 + 5000);
	assert_null(strstr(got, "200 OK"));
	free(got);
	close(fd);
	assert_healthy();
}

/* MAX_CONNS idle connections are kept; one more is answered 503. */
static void
test_one_connection_too_many_is_503(void **state)
{
	int	 fds[MAX_CONNS], fd, i;
	char	*got;

	for (i = 0; i < MAX_CONNS; i++)
		fds[i] = raw_connect();
	usleep(200000);
	fd = raw_connect();
	got = raw_read_all(fd);
	assert_non_null(strstr(got, "503"));
	assert_non_null(strstr(got, "too_many_connections"));
	free(got);
	close(fd);
	for (i = 0; i < MAX_CONNS; i++)
		close(fds[i]);
	usleep(200000);
	assert_healthy();
}

/* slow-agent (0.2/s, burst 2) is limited; dev-agent is not. */
static void
test_the_rate_limit_is_per_key(void **state)
{
	struct testhttp_response	r;
	int				i, limited = 0;

	for (i = 0; i < 4; i++) {
		if (intake_call(&intake, "GET", "/v1/complaints?limit=1",
		    "slow-agent", NULL, NULL, &r) == 429) {
			limited++;
			assert_non_null(testhttp_header(&r, "Retry-After"));
		}
		testhttp_free(&r);
	}
	assert_true(limited >= 2);
	assert_healthy();
}

static void
test_deep_nesting_is_400(void **state)
{
	size_t	 depth = 5000, i;
	char	*body = xmalloc(sizeof(FILING_START) + 2 * depth + 2);
	char	*p = body;

	p += sprintf(p, "%s", FILING_START);
	for (i = 0; i < depth; i++)
		*p++ = '[';
	for (i = 0; i < depth; i++)
		*p++ = ']';
	strcpy(p, "}");
	expect(body, 400, "invalid_json", NULL);
	free(body);
	assert_healthy();
}

static void
test_a_huge_array_is_400_with_the_field(void **state)
{
	size_t	 n = 10000, i;
	char	*body = xmalloc(sizeof(FILING_START) + n * 4 + 32);
	char	*p = body;

	p += sprintf(p, "%s\"d\", \"evidence\": [", FILING_START);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"x\"", i > 0 ? "," : "");
	strcpy(p, "]}");
	expect(body, 400, NULL, "evidence");
	free(body);
	assert_healthy();
}

static void
test_invalid_utf8_is_400(void **state)
{
	expect(FILING_START "\"bad \xc3\x28 \xff\"}", 400, "invalid_json",
	    NULL);
	assert_healthy();
}

/* Ids with path or key characters: 404 in a path, 400 in a body. */
static void
test_injection_characters_in_ids_are_refused(void **state)
{
	static const char *const paths[] = {
		"/v1/complaints/C1%2F..%2F..",
		"/v1/complaints/C1*",
		"/v1/complaints/%7Bp1%7D",
		"/v1/complaints/C1%0D%0ADEL%20x",
		"/v1/complaints/C1%00",
		"/v1/merchants/M1001*",
		"/v1/merchants/M1%20X/appeals",
	};
	struct testhttp_response	r;
	size_t				i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (intake_call(&intake, "GET", paths[i], "dev-agent", NULL,
		    NULL, &r) != 404)
			fail_msg("%s: %d %s", paths[i], r.status, r.body);
		testhttp_free(&r);
	}
	expect("{\"order_id\": \"O-1*\", \"merchant_id\": \"M1001\", "
	    "\"user\": {\"id\": \"U1\"}, \"description\": \"d\", "
	    "\"demand\": \"reship\"}", 400, NULL, "order_id");
	expect("{\"order_id\": \"O-1\", \"merchant_id\": \"M1\\r\\nFLUSHALL\","
	    " \"user\": {\"id\": \"U1\"}, \"description\": \"d\", "
	    "\"demand\": \"reship\"}", 400, NULL, "merchant_id");
	expect("{\"order_id\": \"O-1\", \"merchant_id\": \"M1001\", "
	    "\"user\": {\"id\": \"../U1\"}, \"description\": \"d\", "
	    "\"demand\": \"reship\"}", 400, NULL, "user.id");
	assert_healthy();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_body_over_64_kib_is_413),
		cmocka_unit_test(test_headers_over_16_kib_are_400),
		cmocka_unit_test(test_a_slow_loris_is_cut_off),
		cmocka_unit_test(test_one_connection_too_many_is_503),
		cmocka_unit_test(test_the_rate_limit_is_per_key),
		cmocka_unit_test(test_deep_nesting_is_400),
		cmocka_unit_test(test_a_huge_array_is_400_with_the_field),
		cmocka_unit_test(test_invalid_utf8_is_400),
		cmocka_unit_test(test_injection_characters_in_ids_are_refused),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
