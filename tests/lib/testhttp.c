#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "testhttp.h"
#include "xmalloc.h"

static int
testhttp_connect(int port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	struct timeval		tv = { 30, 0 };
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
testhttp_send(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, data, len)) <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *
testhttp_read_all(int fd, size_t *len)
{
	size_t	 cap = 8192;
	char	*buf = xmalloc(cap);
	ssize_t	 n;

	*len = 0;
	for (;;) {
		if (*len + 4096 > cap)
			buf = xreallocarray(buf, cap *= 2, 1);
		if ((n = read(fd, buf + *len, cap - *len - 1)) <= 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	return buf;
}

static int
testhttp_parse(char *raw, struct testhttp_response *out)
{
	char	*end = strstr(raw, "\r\n\r\n");

	if (end == NULL || sscanf(raw, "HTTP/1.%*d %d", &out->status) != 1)
		return -1;
	*end = '\0';
	out->headers = xstrdup(raw);
	out->body = xstrdup(end + 4);
	out->json = json_loads(out->body, 0, NULL);
	return 0;
}

/*
 * Sends one request to 127.0.0.1:port and reads the whole answer.
 * extra_headers are "Name: value\r\n" lines. Returns -1 if no answer.
 */
int
testhttp_request(int port, const char *method, const char *path,
    const char *extra_headers, const char *body, struct testhttp_response *out)
{
	char	*req, *raw;
	size_t	 len;
	int	 fd, rc;

	memset(out, 0, sizeof(*out));
	if ((fd = testhttp_connect(port)) == -1)
		return -1;
	req = xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n%s\r\n", method, path,
	    body != NULL ? strlen(body) : 0,
	    extra_headers != NULL ? extra_headers : "");
	rc = testhttp_send(fd, req, strlen(req));
	if (rc == 0 && body != NULL)
		rc = testhttp_send(fd, body, strlen(body));
	free(req);
	if (rc == -1) {
		close(fd);
		return -1;
	}
	raw = testhttp_read_all(fd, &len);
	close(fd);
	rc = testhttp_parse(raw, out);
	free(raw);
	return rc;
}

/* A header's value (static buffer), or NULL. */
const char *
testhttp_header(const struct testhttp_response *r, const char *name)
{
	static char	 value[512];
	const char	*p = r->headers;
	size_t		 n = strlen(name);

	while (p != NULL && (p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			snprintf(value, sizeof(value), "%.*s",
			    (int)strcspn(p, "\r\n"), p);
			return value;
		}
	}
	return NULL;
}

void
testhttp_free(struct testhttp_response *r)
{
	free(r->headers);
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}
