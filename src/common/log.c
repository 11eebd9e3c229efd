/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "zerotier";
static _Atomic int log_level = ZT_LOG_INFO;
static int log_stamp;

void zt_log_init(const char *progname, enum zt_log_level level)
{
	log_prog = progname;
	log_level = level;
	/* Under systemd (JOURNAL_STREAM set) or a pipe, the collector adds the time itself. */
	log_stamp = isatty(STDERR_FILENO) && !getenv("JOURNAL_STREAM");
}

void zt_log_set_level(enum zt_log_level level)
{
	log_level = level;
}

enum zt_log_level zt_log_level_get(void)
{
	return (enum zt_log_level)log_level;
}

int zt_log_level_parse(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static void vlog(enum zt_log_level level, const char *suffix, const char *fmt, va_list ap)
{
	static const char *tags[] = { "error", "warning", "info", "debug" };
	char line[1024];
	int n = 0;
	if (log_stamp) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	n += snprintf(line + n, sizeof line - (size_t)n, "%s: %s: ", log_prog, tags[level]);
	if (n < (int)sizeof line)
		n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (suffix && n < (int)sizeof line)
		n += snprintf(line + n, sizeof line - (size_t)n, ": %s", suffix);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	line[n++] = '\n';
	/* One write per line so lines from several threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void zt_log(enum zt_log_level level, const char *fmt, ...)
{
	if ((int)level > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	if (ZT_LOG_WARN > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(ZT_LOG_WARN, strerror(saved), fmt, ap);
	va_end(ap);
}

#define LOG_RL_SLOTS 1024

static _Atomic int64_t log_rl_last[LOG_RL_SLOTS];

int zt_log_ratelimit(uint64_t source, int64_t now_ms, int64_t interval_ms)
{
	uint64_t h = source * 0x9e3779b97f4a7c15ULL;
	_Atomic int64_t *slot = &log_rl_last[h >> 54];
	int64_t last = atomic_load_explicit(slot, memory_order_relaxed);
	if (last && now_ms - last < interval_ms)
		return 0;
	return atomic_compare_exchange_strong(slot, &last, now_ms) ? 1 : 0;
}
