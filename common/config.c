/*
 * Settings from the environment, checked all at once at start-up. Values
 * are parsed into a scratch array first and stored only when every setting
 * is valid, so a failed load leaves the caller's variables untouched.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "nitems.h"
#include "xmalloc.h"

#define CONFIG_ECHO_MAX		64	/* bytes of a bad value quoted back */
#define CONFIG_HOST_MAX		253	/* longest DNS name */
#define CONFIG_SECRET_MAX	4096	/* bytes of a secret file */

union config_value {
	char		*s;
	long long	 i;
	bool		 b;
};

static const char *const config_true[] = { "true", "1", "yes" };
static const char *const config_false[] = { "false", "0", "no" };

/*
 * A table entry that cannot work is a programming error in the daemon, not
 * a deployment error, so it ends the process whatever the environment says.
 */
static void
setting_check(const struct config_setting *cs)
{
	if (cs->name == NULL || cs->dest == NULL)
		fatalx("config: setting without a name or destination");
	if (cs->type == CONFIG_ENUM && (cs->choices == NULL ||
	    cs->choices[0] == '\0'))
		fatalx("config: %s: enum without choices", cs->name);
	if (cs->type == CONFIG_INT && cs->min > cs->max)
		fatalx("config: %s: min > max", cs->name);
	if (cs->type > CONFIG_ENUM)
		fatalx("config: %s: unknown type %d", cs->name, (int)cs->type);
}

/* Writes what a value of this setting must look like, for error messages. */
static void
setting_describe(const struct config_setting *cs, char *buf, size_t size)
{
	const char	*c;
	size_t		 len;

	switch (cs->type) {
	case CONFIG_STRING:
		snprintf(buf, size, "a non-empty string");
		break;
	case CONFIG_INT:
		if (cs->min == 0 && cs->max == 0)
			snprintf(buf, size, "an integer");
		else
			snprintf(buf, size, "an integer from %lld to %lld",
			    cs->min, cs->max);
		break;
	case CONFIG_BOOL:
		snprintf(buf, size, "true or false (or 1/0, yes/no)");
		break;
	case CONFIG_HOSTPORT:
		snprintf(buf, size, "host:port with a port from 1 to 65535");
		break;
	case CONFIG_HOSTPORT_LIST:
		snprintf(buf, size, "a comma-separated list of host:port");
		break;
	case CONFIG_ENUM:
		len = (size_t)snprintf(buf, size, "one of ");
		for (c = cs->choices; *c != '\0' && len + 3 < size; c++) {
			if (*c == '|') {
				buf[len++] = ',';
				buf[len++] = ' ';
			} else
				buf[len++] = *c;
		}
		buf[len] = '\0';
		break;
	}
}

/*
 * Quotes a bad value back to the operator: bounded in length and with
 * control characters made visible, so the error stays on one line.
 */
static void
value_quote(const char *v, char *buf, size_t size)
{
	size_t	len = 0, i;

	for (i = 0; v[i] != '\0' && len + 8 < size; i++) {
		if (i == CONFIG_ECHO_MAX) {
			len += (size_t)snprintf(buf + len, size - len, "...");
			break;
		}
		if ((unsigned char)v[i] < 0x20 || v[i] == '"' ||
		    v[i] == '\\' || v[i] == 0x7f)
			len += (size_t)snprintf(buf + len, size - len,
			    "\\x%02x", (unsigned char)v[i]);
		else
			buf[len++] = v[i];
	}
	buf[len] = '\0';
}

/* Formats the one-line error for a setting whose value v is missing or bad. */
static void
setting_error(const struct config_setting *cs, const char *v,
    bool from_default, char *err, size_t errsz)
{
	char	 expected[256], quoted[CONFIG_ECHO_MAX * 4 + 8], help[256];

	if (err == NULL || errsz == 0)
		return;
	setting_describe(cs, expected, sizeof(expected));
	help[0] = '\0';
	if (cs->help != NULL && cs->help[0] != '\0')
		snprintf(help, sizeof(help), " (%s)", cs->help);
	if (v == NULL) {
		snprintf(err, errsz, "%s: not set; expected %s%s", cs->name,
		    expected, help);
		return;
	}
	value_quote(v, quoted, sizeof(quoted));
	snprintf(err, errsz, "%s: expected %s%s, got %s\"%s\"", cs->name,
	    expected, help, from_default ? "default " : "", quoted);
}

static int
parse_int(const char *v, long long min, long long max, long long *out)
{
	char		*end;
	long long	 n;
	const char	*d = v;

	if (*d == '-' || *d == '+')
		d++;
	if (!isdigit((unsigned char)*d))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return -1;
	if (!(min == 0 && max == 0) && (n < min || n > max))
		return -1;
	*out = n;
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	size_t	i;

	for (i = 0; i < nitems(config_true); i++) {
		if (strcasecmp(v, config_true[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, config_false[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Matches v against "a|b|c" and returns the table's spelling of the choice. */
static int
parse_enum(const char *v, const char *choices, char **out)
{
	const char	*c = choices, *bar;
	size_t		 len, vlen = strlen(v);

	for (;;) {
		bar = strchr(c, '|');
		len = bar != NULL ? (size_t)(bar - c) : strlen(c);
		if (len == vlen && strncasecmp(v, c, len) == 0) {
			*out = xstrndup(c, len);
			return 0;
		}
		if (bar == NULL)
			return -1;
		c = bar + 1;
	}
}

static int
port_parse(const char *s, size_t len, int minport, int *port)
{
	size_t	i;
	int	p = 0;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		p = p * 10 + (s[i] - '0');
	}
	if (p < minport || p > 65535)
		return -1;
	*port = p;
	return 0;
}

static int
hostname_valid(const char *h, size_t len)
{
	size_t	i;

	if (len == 0 || len > CONFIG_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '.' && h[i] != '_')
			return 0;
	}
	return 1;
}

static int
ipv6_valid(const char *h, size_t len)
{
	char		buf[INET6_ADDRSTRLEN];
	struct in6_addr	addr;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, h, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &addr) == 1;
}

static const char *
span_last_colon(const char *s, size_t len)
{
	while (len > 0) {
		if (s[--len] == ':')
			return s + len;
	}
	return NULL;
}

/*
 * Parses one host:port from the len bytes at s. An IPv6 address must be in
 * brackets, since its own colons would make the port ambiguous.
 */
static int
hostport_parse(const char *s, size_t len, int minport, char **host, int *port)
{
	const char	*h, *colon, *close;
	size_t		 hlen;
	int		 p;

	if (len > 0 && s[0] == '[') {
		if ((close = memchr(s, ']', len)) == NULL ||
		    (size_t)(close - s) + 1 >= len || close[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
		if (!ipv6_valid(h, hlen))
			return -1;
	} else {
		if ((colon = span_last_colon(s, len)) == NULL)
			return -1;
		h = s;
		hlen = (size_t)(colon - s);
		if (!hostname_valid(h, hlen))
			return -1;
	}
	if (port_parse(colon + 1, len - (size_t)(colon + 1 - s), minport,
	    &p) == -1)
		return -1;
	if (host != NULL)
		*host = xstrndup(h, hlen);
	if (port != NULL)
		*port = p;
	return 0;
}

int
config_hostport(const char *s, char **host, int *port)
{
	return hostport_parse(s, strlen(s), 1, host, port);
}

/*
 * Like config_hostport, but port 0 (an ephemeral port chosen by the kernel)
 * is allowed: tests listen on one and ask which port they got.
 */
int
config_listen(const char *s, char **host, int *port)
{
	return hostport_parse(s, strlen(s), 0, host, port);
}

static void
span_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * Walks a comma-separated list of host:port. With list non-NULL the entries
 * are returned; with norm non-NULL, the list rewritten without spaces, as
 * librdkafka's bootstrap.servers wants it.
 */
static int
hostport_list_parse(const char *s, struct config_hostport **list, size_t *n,
    char **norm)
{
	const char		*entry = s, *comma;
	size_t			 len, count = 0, used = 0;
	struct config_hostport	*out = NULL;
	char			*buf;

	buf = xmalloc(strlen(s) + 1);
	for (;;) {
		comma = strchr(entry, ',');
		len = comma != NULL ? (size_t)(comma - entry) : strlen(entry);
		span_trim(&entry, &len);
		if (len == 0 || hostport_parse(entry, len, 1, NULL, NULL) == -1)
			goto fail;
		if (list != NULL) {
			out = xreallocarray(out, count + 1, sizeof(*out));
			hostport_parse(entry, len, 1, &out[count].host,
			    &out[count].port);
		}
		count++;
		if (used > 0)
			buf[used++] = ',';
		memcpy(buf + used, entry, len);
		used += len;
		if (comma == NULL)
			break;
		entry = comma + 1;
	}
	buf[used] = '\0';
	if (list != NULL) {
		*list = out;
		*n = count;
	}
	if (norm != NULL)
		*norm = buf;
	else
		free(buf);
	return 0;

 fail:
	config_hostport_list_free(out, list != NULL ? count : 0);
	free(buf);
	return -1;
}

int
config_hostport_list(const char *s, struct config_hostport **list, size_t *n)
{
	return hostport_list_parse(s, list, n, NULL);
}

void
config_hostport_list_free(struct config_hostport *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i].host);
	free(list);
}

/* Parses v as the setting's type into out; strings are allocated. */
static int
setting_parse(const struct config_setting *cs, const char *v,
    union config_value *out)
{
	switch (cs->type) {
	case CONFIG_STRING:
		out->s = xstrdup(v);
		return 0;
	case CONFIG_INT:
		return parse_int(v, cs->min, cs->max, &out->i);
	case CONFIG_BOOL:
		return parse_bool(v, &out->b);
	case CONFIG_HOSTPORT:
		if (config_hostport(v, NULL, NULL) == -1)
			return -1;
		out->s = xstrdup(v);
		return 0;
	case CONFIG_HOSTPORT_LIST:
		return hostport_list_parse(v, NULL, NULL, &out->s);
	case CONFIG_ENUM:
		return parse_enum(v, cs->choices, &out->s);
	}
	return -1;
}

static bool
setting_is_string(const struct config_setting *cs)
{
	return cs->type != CONFIG_INT && cs->type != CONFIG_BOOL;
}

/*
 * Finds and parses one setting's value. An empty value in the environment
 * is an error (an operator who blanks a variable meant something); an empty
 * default is allowed for strings, for settings that are optional.
 */
static int
setting_load(const struct config_setting *cs, config_getenv_fn get,
    void *arg, union config_value *out, char *err, size_t errsz)
{
	const char	*v;
	bool		 from_default = false;

	if ((v = get(cs->name, arg)) == NULL) {
		if ((v = cs->default_value) == NULL) {
			setting_error(cs, NULL, false, err, errsz);
			return -1;
		}
		from_default = true;
	}
	if (v[0] == '\0' && !(from_default && cs->type == CONFIG_STRING)) {
		setting_error(cs, v, from_default, err, errsz);
		return -1;
	}
	if (setting_parse(cs, v, out) == -1) {
		setting_error(cs, v, from_default, err, errsz);
		return -1;
	}
	return 0;
}

static void
setting_store(const struct config_setting *cs, union config_value *v)
{
	if (setting_is_string(cs))
		*(char **)cs->dest = v->s;
	else if (cs->type == CONFIG_INT)
		*(long long *)cs->dest = v->i;
	else
		*(bool *)cs->dest = v->b;
}

int
config_load_from(const struct config_setting *table, size_t n,
    config_getenv_fn get, void *arg, char *err, size_t errsz)
{
	union config_value	*vals;
	size_t			 i, done;
	int			 rc = -1;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		setting_check(&table[i]);
	vals = xcalloc(n, sizeof(*vals));
	for (done = 0; done < n; done++) {
		if (setting_load(&table[done], get, arg, &vals[done], err,
		    errsz) == -1)
			goto out;
	}
	for (i = 0; i < n; i++)
		setting_store(&table[i], &vals[i]);
	rc = 0;
 out:
	if (rc == -1) {
		for (i = 0; i < done; i++)
			if (setting_is_string(&table[i]))
				free(vals[i].s);
	}
	free(vals);
	return rc;
}

static const char *
config_getenv(const char *name, void *arg)
{
	return getenv(name);
}

void
config_load(const struct config_setting *table, size_t n)
{
	char	err[1024];

	if (config_load_from(table, n, config_getenv, NULL, err,
	    sizeof(err)) == -1)
		fatalx("config: %s", err);
}

/* Frees the strings a load stored, so that a table can be loaded again. */
void
config_free(const struct config_setting *table, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (setting_is_string(&table[i])) {
			free(*(char **)table[i].dest);
			*(char **)table[i].dest = NULL;
		}
	}
}

/*
 * A secret from a file (a mounted Kubernetes or compose secret): the whole
 * file, less a final newline, at most CONFIG_SECRET_MAX bytes and neither
 * empty nor holding a NUL byte. *secret is allocated; the read buffer is
 * wiped. Returns -1 with the reason (never the secret) in err.
 */
int
config_read_secret(const char *path, char **secret, char *err, size_t errsz)
{
	char	 buf[CONFIG_SECRET_MAX + 1];
	size_t	 n;
	FILE	*f;

	*secret = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n > CONFIG_SECRET_MAX) {
		snprintf(err, errsz, "%s is over %d bytes", path,
		    CONFIG_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0 || memchr(buf, '\0', n) != NULL) {
		snprintf(err, errsz, "%s holds no secret (empty, or a NUL "
		    "byte in it)", path);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	*secret = xstrndup(buf, n);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}
