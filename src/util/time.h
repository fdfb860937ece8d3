/*
 * Time helpers. Durations and instants are int64 nanoseconds. Formatting follows Go, because
 * the Metrics API's `timestamp` and `window` are Go's time.Time and time.Duration encodings.
 */
#ifndef KGAUGE_UTIL_TIME_H
#define KGAUGE_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

#define NS_PER_US INT64_C(1000)
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_SEC INT64_C(1000000000)

int64_t time_mono_ns(void); /* CLOCK_MONOTONIC */
int64_t time_wall_ns(void); /* CLOCK_REALTIME, ns since the Unix epoch */

/* Buffer sizes that always fit the formats below. */
#define TIME_RFC3339_LEN 40
#define TIME_DURATION_LEN 40

/* "2022-09-11T13:37:24Z": UTC, whole seconds, fraction truncated (metav1.Time). */
size_t time_format_rfc3339(int64_t wall_ns, char *out, size_t outlen);
/* "2022-09-11T13:37:24.05Z": RFC3339Nano, trailing fraction zeros removed (metav1.MicroTime
 * uses 6 fixed digits: pass micro=1 for "2022-09-11T13:37:24.050000Z"). */
size_t time_format_rfc3339_nano(int64_t wall_ns, int micro, char *out, size_t outlen);
/* Parses RFC 3339 with optional fraction and Z or ±hh:mm offset. Returns 0, -EINVAL, or -ERANGE
 * for instants outside int64 nanoseconds (before 1677-09-22 or after 2262-04-10). */
int time_parse_rfc3339(const char *s, int64_t *wall_ns);

/* Go's time.Duration.String(): "0s", "1µs", "500ms", "10.059s", "1m0s", "1h0m0s", "-1.5s". */
size_t time_format_duration(int64_t ns, char *out, size_t outlen);
/* Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", "1us", "1µs"; an unitless "0" is allowed.
 * Returns 0, -EINVAL on syntax errors, -ERANGE on overflow. */
int time_parse_duration(const char *s, int64_t *ns);

#endif
