/*
 * Kubernetes resource quantities ("100m", "1.5Gi", "7338891n", "12e6"), parsed and printed
 * exactly as k8s.io/apimachinery/pkg/api/resource does (ParseQuantity, Quantity.String(),
 * Value, MilliValue, ScaledValue, Cmp, Add, Sub, Neg, NewQuantity, NewMilliQuantity).
 *
 * Representation: a fixed-point number with nano (1e-9) resolution, units + nanos, plus the
 * format the value was written in. Every value Kubernetes can hold with a magnitude up to the
 * int64 range is exact here; the supported range is [-2^63, 2^63-1] (the bound Kubernetes'
 * own documentation states). Parsing rounds digits below 1n up (away from zero), as
 * Kubernetes does. Outside the range: BinarySI values are capped at +/-(2^63-1) like
 * Kubernetes; decimal values fail with -ERANGE (Kubernetes would switch to arbitrary
 * precision; see docs/internals/quantity.md).
 *
 * When the parsed text already is in canonical form, Kubernetes keeps and re-emits the exact
 * input text ("+1" stays "+1", "1.100" stays "1.100"); struct quantity does the same by
 * keeping a copy of such text (src). Every mutation drops it, like Kubernetes does.
 *
 * Nothing here allocates. struct quantity is a plain value: copy it, embed it, zero it
 * (an all-zero struct is the quantity "0", DecimalSI). Treat the fields as private.
 * All functions are thread-safe (no global state).
 */
#ifndef KGAUGE_KUBE_QUANTITY_H
#define KGAUGE_KUBE_QUANTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/limits.h"

/* Output buffers for the format functions: KG_MAX_QUANTITY_LEN bytes (util/limits.h) always
 * suffice (canonical output is at most 34 bytes; kept input text at most 63). */

/* The exact Kubernetes error texts (ErrFormatWrong, ErrSuffix, ErrNumeric), put into the
 * caller's error buffer by quantity_parse; callers add the field and value as context. */
#define QUANTITY_ERR_FORMAT                                                                        \
    "quantities must match the regular expression "                                                \
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define QUANTITY_ERR_SUFFIX "unable to parse quantity's suffix"
#define QUANTITY_ERR_NUMERIC "unable to parse numeric part of quantity"

enum quantity_format {
    QUANTITY_DECIMAL_SI = 0,   /* "DecimalSI": n u m "" k M G T P E (12M = 12*10^6) */
    QUANTITY_BINARY_SI,        /* "BinarySI": Ki Mi Gi Ti Pi Ei (12Mi = 12*2^20) */
    QUANTITY_DECIMAL_EXPONENT, /* "DecimalExponent": 12e6 */
};

struct quantity {
    int64_t units; /* whole part; same sign as nanos */
    int32_t nanos; /* fraction in 1e-9, |nanos| < 10^9 */
    enum quantity_format format;
    uint8_t srclen;                /* > 0: src holds the parsed text, re-emitted as is */
    char src[KG_MAX_QUANTITY_LEN]; /* NUL-terminated when srclen > 0 */
};

/*
 * Parse a quantity like Kubernetes' ParseQuantity (no surrounding whitespace allowed).
 * quantity_parse takes a C string, quantity_parse_n a byte span (any bytes; embedded NULs are
 * invalid characters). On success fills *q and returns 0. On failure *q is set to zero and:
 *   -EINVAL  malformed (QUANTITY_ERR_FORMAT), unknown suffix (QUANTITY_ERR_SUFFIX) or no digits
 *            where Kubernetes requires some (QUANTITY_ERR_NUMERIC; e.g. "e-10", "Pi");
 *   -ERANGE  a decimal value outside [-2^63, 2^63-1];
 *   -E2BIG   longer than KG_MAX_QUANTITY_INPUT bytes.
 * err (may be NULL) receives the message.
 */
int quantity_parse(struct quantity *q, const char *s, char *err, size_t errlen);
int quantity_parse_n(struct quantity *q, const char *s, size_t len, char *err, size_t errlen);

/*
 * Kubernetes' Quantity.String(): the kept input text if any, else the canonical form.
 * Writes a NUL-terminated string into out (KG_MAX_QUANTITY_LEN bytes) and returns its length.
 */
size_t quantity_format(const struct quantity *q, char *out);
/* The canonical form only (ignores kept input text): "1.5Gi" -> "1536Mi", "0.5" -> "500m". */
size_t quantity_format_canonical(const struct quantity *q, char *out);

/* The metrics server's two cases (spec §1.5): CPU nanocores as DecimalSI ("7338891n", "1500m",
 * "12"), memory bytes as BinarySI ("12240Ki", "1536", "5Mi"). Same buffer contract. */
size_t quantity_format_nanocores(int64_t nanocores, char *out);
size_t quantity_format_bytes(int64_t bytes, char *out);
/* As metrics-server's uint64Quantity: values above 2^63-1 lose their last digit (value/10,
 * exponent+1) before formatting. */
size_t quantity_format_nanocores_u64(uint64_t nanocores, char *out);
size_t quantity_format_bytes_u64(uint64_t bytes, char *out);

/* NewQuantity(value, format) and NewMilliQuantity(milli, format): never fail. */
void quantity_from_int(struct quantity *q, int64_t value, enum quantity_format format);
void quantity_from_milli(struct quantity *q, int64_t milli, enum quantity_format format);
/* value * 10^scale (NewScaledQuantity, then the given format). -ERANGE when scale < -9 (finer
 * than 1n) or the result is outside the range; *q is then unchanged. */
int quantity_from_scaled(struct quantity *q, int64_t value, int scale, enum quantity_format format);

/* Value(): the value rounded up, away from zero, to an integer. Always fits. */
int64_t quantity_value(const struct quantity *q);
/* ScaledValue(scale): ceil(q / 10^scale), rounding away from zero; MilliValue is scale -3.
 * Returns 0, or -ERANGE when the result does not fit an int64 (Kubernetes silently returns a
 * wrapped or zero value there). */
int quantity_scaled_value(const struct quantity *q, int scale, int64_t *out);
int quantity_milli_value(const struct quantity *q, int64_t *out);
/* AsApproximateFloat64(). */
double quantity_approx_double(const struct quantity *q);

int quantity_sign(const struct quantity *q); /* -1, 0, 1 */
bool quantity_is_zero(const struct quantity *q);
int quantity_cmp(const struct quantity *a, const struct quantity *b); /* -1, 0, 1 */

/* q += y, q -= y, q = -q. When q is zero before Add/Sub it takes y's format (Kubernetes).
 * Return 0, or -ERANGE when the result is outside the range (q unchanged). */
int quantity_add(struct quantity *q, const struct quantity *y);
int quantity_sub(struct quantity *q, const struct quantity *y);
int quantity_neg(struct quantity *q);

#endif
