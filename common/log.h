/*
 * Logging in the OpenBSD style, written as one JSON object per line on
 * stderr: {"ts":..., "level":..., "service":..., "msg":..., ids in play}.
 * Phone numbers and e-mail addresses are masked before they are written.
 *
 * The ids in play (complaint, event, merchant) are a context that a
 * dispatcher sets around the handling of one event or request, so that every
 * line logged inside the handler carries them without passing them around.
 */
#ifndef CDP_LOG_H
#define CDP_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void	log_init(const char *service, enum log_level level);
int	log_level_parse(const char *name, enum log_level *out);
void	log_ctx_set(const char *complaint_id, const char *event_id,
	    const char *merchant_id);
void	log_ctx_clear(void);

void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
