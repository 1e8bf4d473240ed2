/*
 * One JSON object per line on stderr. Each line is built in one buffer and
 * written with one write(2), so lines from concurrent processes sharing a
 * stream do not interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mask.h"
#include "nitems.h"

#define LOG_MSG_MAX	2048
#define LOG_LINE_MAX	(4 * LOG_MSG_MAX + 512)
#define LOG_ID_MAX	128

static const char	*log_service = "cdp";
static enum log_level	 log_threshold = LOG_LEVEL_INFO;

static struct {
	char	complaint[LOG_ID_MAX];
	char	event[LOG_ID_MAX];
	char	merchant[LOG_ID_MAX];
} log_ctx;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_init(const char *service, enum log_level level)
{
	log_service = service;
	log_threshold = level;
}

int
log_level_parse(const char *name, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < nitems(log_level_names); i++) {
		if (strcasecmp(name, log_level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void
ctx_copy(char *dst, const char *src)
{
	if (src == NULL)
		dst[0] = '\0';
	else
		snprintf(dst, LOG_ID_MAX, "%s", src);
}

void
log_ctx_set(const char *complaint_id, const char *event_id,
    const char *merchant_id)
{
	ctx_copy(log_ctx.complaint, complaint_id);
	ctx_copy(log_ctx.event, event_id);
	ctx_copy(log_ctx.merchant, merchant_id);
}

void
log_ctx_clear(void)
{
	log_ctx_set(NULL, NULL, NULL);
}

/* Appends s to buf as the body of a JSON string, escaped. */
static size_t
json_escape(char *buf, size_t len, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	  c;

	for (; *s != '\0' && len + 7 < size; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[len++] = '\\';
			buf[len++] = (char)c;
		} else if (c == '\n') {
			buf[len++] = '\\';
			buf[len++] = 'n';
		} else if (c < 0x20) {
			memcpy(buf + len, "\\u00", 4);
			buf[len + 4] = hex[c >> 4];
			buf[len + 5] = hex[c & 0xf];
			len += 6;
		} else
			buf[len++] = (char)c;
	}
	return len;
}

static size_t
json_field(char *buf, size_t len, size_t size, const char *key,
    const char *value)
{
	if (value[0] == '\0')
		return len;
	len += (size_t)snprintf(buf + len, size - len, ",\"%s\":\"", key);
	if (len >= size)
		return size - 1;
	len = json_escape(buf, len, size, value);
	if (len + 1 < size)
		buf[len++] = '"';
	return len;
}

static void
log_emit(enum log_level level, const char *msg)
{
	char		 line[LOG_LINE_MAX], masked[LOG_MSG_MAX];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 len;
	ssize_t		 unused;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	mask_text(msg, masked, sizeof(masked));
	len = strftime(line, sizeof(line), "{\"ts\":\"%Y-%m-%dT%H:%M:%S", &tm);
	len += (size_t)snprintf(line + len, sizeof(line) - len,
	    ".%03ldZ\",\"level\":\"%s\",\"service\":\"%s\"",
	    ts.tv_nsec / 1000000, log_level_names[level], log_service);
	len = json_field(line, len, sizeof(line) - 2, "msg", masked);
	len = json_field(line, len, sizeof(line) - 2, "complaint_id",
	    log_ctx.complaint);
	len = json_field(line, len, sizeof(line) - 2, "event_id",
	    log_ctx.event);
	len = json_field(line, len, sizeof(line) - 2, "merchant_id",
	    log_ctx.merchant);
	line[len++] = '}';
	line[len++] = '\n';
	unused = write(STDERR_FILENO, line, len);
	(void)unused;
}

static void
vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char	msg[LOG_MSG_MAX];
	int	n;

	if (level > log_threshold)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0 && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(errnum));
	log_emit(level, msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
