/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LOG_H
#define ZT_LOG_H

#include <stdint.h>

/*
 * Daemon logging: one line per event on stderr (journald adds the time when run by systemd; a
 * terminal gets an ISO-8601 timestamp), key=value fields where useful. Never pass secrets.
 * log_warn appends strerror(errno); log_warnx does not (OpenBSD convention).
 */
enum zt_log_level { ZT_LOG_ERROR = 0, ZT_LOG_WARN = 1, ZT_LOG_INFO = 2, ZT_LOG_DEBUG = 3 };

void zt_log_init(const char *progname, enum zt_log_level level);
void zt_log_set_level(enum zt_log_level level);
enum zt_log_level zt_log_level_get(void);
/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int zt_log_level_parse(const char *s);

void zt_log(enum zt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_error(...) zt_log(ZT_LOG_ERROR, __VA_ARGS__)
#define log_warnx(...) zt_log(ZT_LOG_WARN, __VA_ARGS__)
#define log_info(...) zt_log(ZT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) zt_log(ZT_LOG_DEBUG, __VA_ARGS__)

/*
 * Per-source rate limiting of log lines: returns 1 if an event from `source` (e.g. a hash of an IP
 * prefix) may be logged now, 0 if it should be suppressed. At most one line per source per
 * `interval_ms`, tracked in a small fixed table (collisions only make it stricter). Thread-safe.
 */
int zt_log_ratelimit(uint64_t source, int64_t now_ms, int64_t interval_ms);

#endif
