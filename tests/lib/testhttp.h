/*
 * A small blocking HTTP/1.1 client for integration tests: one request per
 * connection, the whole answer read until the server closes.
 */
#ifndef CDP_TESTHTTP_H
#define CDP_TESTHTTP_H

#include <stddef.h>

#include <jansson.h>

struct testhttp_response {
	int	 status;
	char	*headers;	/* raw header block */
	char	*body;
	json_t	*json;		/* body parsed, or NULL */
};

int		 testhttp_request(int port, const char *method,
		    const char *path, const char *extra_headers,
		    const char *body, struct testhttp_response *out);
const char	*testhttp_header(const struct testhttp_response *r,
		    const char *name);
void		 testhttp_free(struct testhttp_response *r);

#endif
