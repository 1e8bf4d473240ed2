/*
 * Deployment settings from the environment (12-factor). A daemon describes
 * its settings in one table and loads it once at start-up: every value is
 * validated there, so a bad deployment stops with one clear line naming the
 * variable, what was expected and what was found, instead of failing later.
 *
 * Rules: a variable that is unset takes its default (a NULL default makes
 * it required); a variable set to the empty string is an error, never
 * "unset". Integers are whole base-10 strings within [min, max] (min == max
 * == 0 means any value). Booleans are true/false, 1/0 or yes/no, in any
 * case. A host:port has a non-empty host (an IPv6 address in brackets:
 * "[::1]:6379") and a port from 1 to 65535; a list is comma-separated, with
 * optional spaces around entries. An enum value is one of "a|b|c", matched
 * without regard to case and stored in the table's spelling.
 */
#ifndef CDP_CONFIG_H
#define CDP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,
	CONFIG_BOOL,
	CONFIG_HOSTPORT,
	CONFIG_HOSTPORT_LIST,
	CONFIG_ENUM,
};

struct config_setting {
	const char	*name;		/* environment variable */
	enum config_type type;
	const char	*default_value;	/* NULL: required */
	long long	 min, max;	/* CONFIG_INT bounds */
	const char	*choices;	/* CONFIG_ENUM: "a|b|c" */
	const char	*help;		/* what it is, for error messages */
	void		*dest;		/* char ** (STRING, HOSTPORT,
					   HOSTPORT_LIST, ENUM: allocated),
					   long long * (INT), bool * (BOOL) */
};

/* One parsed entry of a host:port list. */
struct config_hostport {
	char	*host;
	int	 port;
};

typedef const char *(*config_getenv_fn)(const char *name, void *arg);

/*
 * Loading stores allocated strings in the table's char * destinations;
 * config_free frees them. config_load_from writes one line to err and
 * returns -1 at the first bad setting; config_load ends the process then.
 * The host:port parsers allocate *host (list: every entry) for the caller;
 * config_listen also accepts port 0, an ephemeral port for tests.
 */
int	config_load_from(const struct config_setting *table, size_t n,
	    config_getenv_fn get, void *arg, char *err, size_t errsz);
void	config_load(const struct config_setting *table, size_t n);
void	config_free(const struct config_setting *table, size_t n);

int	config_read_secret(const char *path, char **secret, char *err,
	    size_t errsz);
int	config_hostport(const char *s, char **host, int *port);
int	config_listen(const char *s, char **host, int *port);
int	config_hostport_list(const char *s, struct config_hostport **list,
	    size_t *n);
void	config_hostport_list_free(struct config_hostport *list, size_t n);

#endif
