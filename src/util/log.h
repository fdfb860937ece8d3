/*
 * klog-style leveled logging, the format every Kubernetes component writes:
 *
 *   I1125 07:59:00.123456   12345 scrape.c:88] Scraped node node-1 in 12ms
 *
 * Severity letter (I, W, E, F), month and day, wall time with microseconds, thread id,
 * file:line, message. Verbose messages go through log_v(N, ...) and appear when -v >= N.
 * Lines are written with one write() so concurrent threads never interleave within a line.
 */
#ifndef KGAUGE_UTIL_LOG_H
#define KGAUGE_UTIL_LOG_H

#include <stddef.h>

enum log_severity { LOG_INFO, LOG_WARNING, LOG_ERROR, LOG_FATAL };

void log_set_verbosity(int v);
int log_verbosity(void);
/* Where lines go: a file descriptor (default 2, stderr). */
void log_set_fd(int fd);

void log_write(enum log_severity sev, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define LOG_V(n) (log_verbosity() >= (n))
#define log_info(...) log_write(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARNING, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
/* Logs, then exits with status 255 as klog.Fatal does. */
#define log_fatal(...) log_write(LOG_FATAL, __FILE__, __LINE__, __VA_ARGS__)
#define log_v(n, ...)                                                                              \
    do {                                                                                           \
        if (LOG_V(n))                                                                              \
            log_write(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__);                                  \
    } while (0)

/*
 * Command-line flags shared by every subcommand, named as klog's: -v N, -v=N, --v=N, --v N,
 * --logtostderr[=bool], --alsologtostderr[=bool] (accepted; kgauge always logs to stderr).
 * Recognised flags are removed from argv (argc updated). Returns 0, or -EINVAL with a message
 * naming the flag in err when a value is malformed.
 */
int log_consume_flags(int *argc, char **argv, char *err, size_t errlen);

#endif
