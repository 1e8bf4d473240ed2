/*
 * A webhook receiver for integration tests: a small HTTP/1.1 server on
 * 127.0.0.1 (a free port) in a thread of the test process. It records
 * every request, verifies it with the verifier merchants are given
 * (sign_verify() of services/notifier/sign.c: HMAC-SHA256 of
 * "<X-CDP-Timestamp>.<body>" with the secret, compared in constant time,
 * timestamp within 5 minutes, no signature accepted twice), and answers by
 * a script: the first `failures` requests get fail_status (with a Location
 * header if one is set), every request waits delay_ms first, the rest get
 * 200 with {"id": "r<n>"}. A test that uses it names
 * services/notifier/sign.c among its sources.
 */
#ifndef CDP_TESTRECV_H
#define CDP_TESTRECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notifier/notifier.h"

struct testrecv;

struct testrecv_req {
	char	*body;
	bool	 signature_ok;	/* verdict == SIGN_OK */
	enum sign_verdict verdict;
	int	 status;	/* what it was answered */
	int64_t	 at_ms;		/* when it arrived */
};

struct testrecv	*testrecv_start(const char *secret);
int		 testrecv_port(const struct testrecv *r);
void		 testrecv_script(struct testrecv *r, int failures,
		    int fail_status, int delay_ms);
void		 testrecv_location(struct testrecv *r, const char *url);
size_t		 testrecv_count(struct testrecv *r);
size_t		 testrecv_wait(struct testrecv *r, size_t n, int timeout_ms);
bool		 testrecv_get(struct testrecv *r, size_t i,
		    struct testrecv_req *out);
void		 testrecv_req_free(struct testrecv_req *q);
void		 testrecv_stop(struct testrecv *r);

#endif
