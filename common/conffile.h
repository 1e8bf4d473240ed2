/*
 * The mechanics shared by our configuration files (the classifier's rules
 * file, the SLA timer's policy file): line-oriented UTF-8 text in INI-like
 * sections, where '#' starts a comment that runs to the end of the line,
 * blank lines are skipped, and every other line is a section header
 * "[kind name]" or "key = value". Lists are separated by commas (ASCII ","
 * or full-width "，"). A file's version is its SHA-256, first 16 hex digits.
 *
 * Each parser keeps its own sections, keys and messages; this file reads
 * the text, splits it into lines, headers, keys and list items, parses the
 * plain kinds of values and writes errors as "<path>:<line>: <reason>".
 * Only conffile_read() does I/O.
 */
#ifndef CDP_CONFFILE_H
#define CDP_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>

#define CONFFILE_VERSION_LEN	16	/* hex digits of the SHA-256 */
#define CONFFILE_ECHO		"%.64s"	/* how much of a bad value is quoted */

/*
 * Where a parser is in its file, and the caller's buffer for the one error
 * that stops it. The where prefix (a section, say "[policy p] ") goes
 * before every reason; it is empty unless the parser fills it in.
 */
struct conffile {
	const char	*path;
	size_t		 line;		/* 0: the file as a whole */
	char		 where[96];
	bool		 utf8;		/* refuse non-UTF-8 lines, comments too */
	bool		 sectioned;	/* a section header has been read */
	char		*err;
	size_t		 errsz;
};

/*
 * What a parser does with a section header (the whole trimmed line,
 * brackets included) and with a "key = value" line (both sides trimmed).
 * Each returns 0, or -1 once it has written an error.
 */
struct conffile_ops {
	int	(*section)(void *arg, char *header);
	int	(*assign)(void *arg, char *key, char *value);
};

/* A name the file may use and the value it stands for. */
struct conffile_name {
	const char	*name;
	int		 value;
};

char	*conffile_read(const char *path, size_t max, size_t *len, char *err,
	    size_t errsz);
void	 conffile_version(const char *text, size_t len,
	    char out[CONFFILE_VERSION_LEN + 1]);

void	 conffile_init(struct conffile *cf, const char *path, char *err,
	    size_t errsz);
int	 conffile_error(struct conffile *cf, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 conffile_parse(struct conffile *cf, char *text, size_t len,
	    const struct conffile_ops *ops, void *arg);
int	 conffile_section(struct conffile *cf, char *header, char **kind,
	    char **name);
int	 conffile_list(struct conffile *cf, char *s, const char *what,
	    int (*fn)(void *arg, char *item), void *arg);

char	*conffile_trim(char *s);
int	 conffile_int(const char *s, long long min, long long max,
	    long long *out);
int	 conffile_bool(const char *s, bool *out);
bool	 conffile_id(const char *s, size_t max);
int	 conffile_lookup(const struct conffile_name *names, size_t n,
	    const char *s);
int	 conffile_enum(struct conffile *cf, const struct conffile_name *names,
	    size_t n, const char *what, const char *s, int *out);

#endif
