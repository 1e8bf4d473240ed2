/*
 * Which URLs the notifier may call: https anywhere, plain http only to a
 * loopback address (127.0.0.1, [::1], localhost) and only when the
 * deployment allows it (dev and tests). A URL carrying credentials
 * ("user:pass@") is refused, since secrets belong in the secret field.
 * Redirects are never followed (deliver.c), so this check is the whole
 * policy.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nitems.h"
#include "notifier.h"

static const char *const loopback_hosts[] = {
	"127.0.0.1", "[::1]", "localhost",
};

static bool
loopback(const char *host, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(loopback_hosts);
	    i++)
		if (strlen(loopback_hosts[i]) == len &&
		    strncasecmp(loopback_hosts[i], host, len) == 0)
			return true;
	return false;
}

static int
refuse(char *err, size_t errsz, const char *why)
{
	snprintf(err, errsz, "%s", why);
	return -1;
}

/* The length of the authority's host, ports and brackets included. */
static size_t
host_len(const char *host, size_t *port_at)
{
	size_t	n = strcspn(host, "/?#");

	*port_at = n;
	if (host[0] == '[') {
		const char *end = memchr(host, ']', n);

		if (end != NULL)
			*port_at = (size_t)(end - host) + 1;
	} else if (memchr(host, ':', n) != NULL)
		*port_at = (size_t)((const char *)memchr(host, ':', n) - host);
	return n;
}

/* 0 when url may be called; -1 with the reason in err. */
int
urlpolicy_check(const char *url, bool allow_loopback_http, char *err,
    size_t errsz)
{
	const char	*host, *p;
	size_t		 n, port_at;
	bool		 http;

	for (p = url; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return refuse(err, errsz, "blanks in the URL");
	if (strncasecmp(url, "https://", 8) == 0) {
		http = false;
		host = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		http = true;
		host = url + 7;
	} else
		return refuse(err, errsz, "not an https:// URL");
	n = host_len(host, &port_at);
	if (n == 0 || port_at == 0)
		return refuse(err, errsz, "no host in the URL");
	if (memchr(host, '@', n) != NULL)
		return refuse(err, errsz, "credentials in the URL");
	if (http && !allow_loopback_http)
		return refuse(err, errsz, "plain http is not allowed: https "
		    "only (NOTIFIER_ALLOW_LOOPBACK_HTTP is for dev and tests)");
	if (http && !loopback(host, port_at))
		return refuse(err, errsz, "plain http only to a loopback "
		    "address (127.0.0.1, [::1], localhost)");
	return 0;
}
