/*
 * Kubernetes resource quantities, byte-compatible with k8s.io/apimachinery/pkg/api/resource.
 *
 * Parsing mirrors Kubernetes in three steps: the same hand-written scanner (so the same strings
 * are accepted and the same error is reported), the same suffix table, then the value. The value
 * is computed exactly on a digit array: the decimal point is moved by the decimal exponent, or
 * the digits are multiplied by 2^e for binary suffixes, and everything below 1e-9 is rounded up.
 * Magnitudes are handled as unsigned __int128 counts of nanounits (the range bound, 2^63 units,
 * is below 2^93 nanounits), never as signed 128-bit products (no __muloti4 under UBSan).
 *
 * Kubernetes keeps the input text when it parsed it on its int64 fast path and the text is
 * already canonical; the conditions (precision, scale, "000" suffix, the &7 test for binary)
 * are reproduced exactly in keep_source().
 */
#include "kube/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/assert.h"

#define NANO 1000000000u
#define MAG_MAX_POS ((unsigned __int128)INT64_MAX * NANO)       /* 2^63-1 units */
#define MAG_MAX_NEG (((unsigned __int128)INT64_MAX + 1) * NANO) /* 2^63 units */
/* Room in front of the digits for the carry of a multiplication by 2^60 (< 10^19). */
#define DIGIT_HEADROOM 24

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The characters Kubernetes' scanner accepts as suffix letters. */
static bool is_suffix_letter(char c)
{
    switch (c) {
    case 'e':
    case 'E':
    case 'i':
    case 'n':
    case 'u':
    case 'm':
    case 'k':
    case 'K':
    case 'M':
    case 'G':
    case 'T':
    case 'P':
        return true;
    default:
        return false;
    }
}

/* ---- magnitude helpers ---- */

static unsigned __int128 q_mag(const struct quantity *q, bool *neg)
{
    uint64_t u = q->units < 0 ? 0 - (uint64_t)q->units : (uint64_t)q->units;
    uint32_t n = q->nanos < 0 ? (uint32_t)(-q->nanos) : (uint32_t)q->nanos;

    *neg = q->units < 0 || q->nanos < 0;
    return (unsigned __int128)u * NANO + n;
}

/* Store sign and magnitude; -ERANGE (q unchanged) when outside [-2^63, 2^63-1]. */
static int q_set_mag(struct quantity *q, bool neg, unsigned __int128 mag)
{
    uint64_t u;
    int32_t n;

    if (mag > (neg ? MAG_MAX_NEG : MAG_MAX_POS))
        return -ERANGE;
    u = (uint64_t)(mag / NANO);
    n = (int32_t)(mag % NANO);
    if (neg && mag != 0) {
        q->units = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
        q->nanos = -n;
    } else {
        q->units = (int64_t)u;
        q->nanos = n;
    }
    return 0;
}

/* ---- scanning (Kubernetes' parseQuantityString) ---- */

struct scan {
    bool neg;
    const char *num; /* integer digits after leading zeros were stripped */
    size_t num_len;  /* 0: Kubernetes substitutes "0" */
    size_t raw_len;  /* integer digits including the stripped zeros */
    const char *den; /* digits after the '.' */
    size_t den_len;
    const char *suf;
    size_t suf_len;
};

static int scan_quantity(const char *s, size_t len, struct scan *sc)
{
    size_t pos = 0, start;

    memset(sc, 0, sizeof(*sc));
    sc->num = sc->den = sc->suf = s;
    if (pos < len && (s[pos] == '-' || s[pos] == '+')) {
        sc->neg = s[pos] == '-';
        pos++;
    }
    start = pos;
    while (pos < len && s[pos] == '0')
        pos++;
    sc->raw_len = pos - start;
    if (pos == len) /* only a sign and zeros: the value is 0, nothing else is looked at */
        return 0;
    sc->num = s + pos;
    while (pos < len && is_digit(s[pos]))
        pos++;
    sc->num_len = (size_t)(s + pos - sc->num);
    sc->raw_len += sc->num_len;
    if (pos < len && s[pos] == '.') {
        pos++;
        sc->den = s + pos;
        while (pos < len && is_digit(s[pos]))
            pos++;
        sc->den_len = (size_t)(s + pos - sc->den);
    }
    sc->suf = s + pos;
    while (pos < len && is_suffix_letter(s[pos]))
        pos++;
    if (pos < len && (s[pos] == '-' || s[pos] == '+'))
        pos++;
    while (pos < len && is_digit(s[pos]))
        pos++;
    if (pos != len)
        return -EINVAL;
    sc->suf_len = (size_t)(s + len - sc->suf);
    return 0;
}

/* Go's strconv.ParseInt(s, 10, 64): optional sign, at least one digit, int64 range. */
static bool parse_go_int64(const char *s, size_t len, int64_t *out)
{
    bool neg = false;
    uint64_t v = 0, lim;
    size_t i = 0;

    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == len)
        return false;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        if (v > (lim - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return true;
}

/* Kubernetes' suffixer.interpret: base 10 or 2, the exponent, the format. */
static bool interpret_suffix(const char *s, size_t len, int *base, int32_t *exp,
                             enum quantity_format *format)
{
    static const struct {
        const char *text;
        int base;
        int32_t exp;
    } table[] = {
        { "", 10, 0 },   { "n", 10, -9 }, { "u", 10, -6 }, { "m", 10, -3 },
        { "k", 10, 3 },  { "M", 10, 6 },  { "G", 10, 9 },  { "T", 10, 12 },
        { "P", 10, 15 }, { "E", 10, 18 }, { "Ki", 2, 10 }, { "Mi", 2, 20 },
        { "Gi", 2, 30 }, { "Ti", 2, 40 }, { "Pi", 2, 50 }, { "Ei", 2, 60 },
    };
    int64_t v;
    uint32_t u;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strlen(table[i].text) == len && memcmp(table[i].text, s, len) == 0) {
            *base = table[i].base;
            *exp = table[i].exp;
            *format = table[i].base == 2 ? QUANTITY_BINARY_SI : QUANTITY_DECIMAL_SI;
            return true;
        }
    }
    if (len > 1 && (s[0] == 'e' || s[0] == 'E') && parse_go_int64(s + 1, len - 1, &v)) {
        /* Kubernetes parses 64 bits and then converts to int32 (keeps the low 32 bits). */
        u = (uint32_t)(uint64_t)v;
        *exp = u <= (uint32_t)INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
        *base = 10;
        *format = QUANTITY_DECIMAL_EXPONENT;
        return true;
    }
    return false;
}

/* ---- value computation ---- */

/*
 * Kubernetes' int64 fast path: taken when the digits fit its precision budget and the scale
 * is at least nano. Only then can the input text be kept, and only then may a number without
 * any digit (".", "Ki") parse; elsewhere such text fails with ErrNumeric.
 */
static bool fast_path(const struct scan *sc, int base, int32_t exp)
{
    int64_t num_len = sc->num_len ? (int64_t)sc->num_len : 1;

    if (base == 10)
        return 18 - (num_len + (int64_t)sc->den_len) >= 0 &&
               (int64_t)exp - (int64_t)sc->den_len >= -9;
    return sc->den_len == 0 && 15 - num_len - (exp * 3 / 10) - 1 >= 0;
}

static bool keep_source(const struct scan *sc, int base, int32_t exp)
{
    size_t total = sc->num_len + sc->den_len;
    uint64_t v = 0;
    int zeros = 0;

    if (sc->num_len == 0) /* the shifted digits start with the substituted '0' */
        return false;
    if (base == 2) {
        for (size_t i = 0; i < sc->num_len; i++)
            v = v * 10 + (uint64_t)(sc->num[i] - '0');
        return (v & 7) != 0;
    }
    if (((int64_t)exp - (int64_t)sc->den_len) % 3 != 0)
        return false;
    for (size_t i = total; i > 0 && i + 3 > total; i--) {
        size_t k = i - 1;
        char c = k < sc->num_len ? sc->num[k] : sc->den[k - sc->num_len];
        zeros += c == '0';
    }
    return !(total >= 3 && zeros == 3);
}

/* Multiply the digit array d[*start..end) by 2^e in place; carries extend it to the left. */
static void digits_mul_pow2(uint8_t *d, size_t *start, size_t end, int32_t e)
{
    while (e > 0) {
        int sh = e > 28 ? 28 : e;
        uint64_t carry = 0;

        for (size_t i = end; i > *start; i--) {
            uint64_t t = ((uint64_t)d[i - 1] << sh) + carry;
            d[i - 1] = (uint8_t)(t % 10);
            carry = t / 10;
        }
        while (carry != 0) {
            ASSERT(*start > 0);
            d[--*start] = (uint8_t)(carry % 10);
            carry /= 10;
        }
        e -= sh;
    }
}

/*
 * The magnitude of the scanned number times the suffix, in nanounits, rounded up.
 * Returns false when it is at least 10^28 nanounits (beyond any bound used here).
 */
static bool compute_mag(const struct scan *sc, int base, int32_t exp, unsigned __int128 *mag)
{
    uint8_t d[DIGIT_HEADROOM + KG_MAX_QUANTITY_LEN];
    size_t start = DIGIT_HEADROOM, end = DIGIT_HEADROOM, n;
    int64_t point, nano_digits;
    unsigned __int128 m = 0;

    for (size_t i = 0; i < sc->num_len; i++)
        d[end++] = (uint8_t)(sc->num[i] - '0');
    for (size_t i = 0; i < sc->den_len; i++)
        d[end++] = (uint8_t)(sc->den[i] - '0');
    point = (int64_t)sc->num_len; /* digits before the decimal point */
    while (start < end && d[start] == 0) {
        start++;
        point--;
    }
    while (end > start && d[end - 1] == 0)
        end--;
    if (start == end) {
        *mag = 0;
        return true;
    }
    if (base == 10) {
        point += exp;
    } else {
        size_t before = start;
        digits_mul_pow2(d, &start, end, exp);
        point += (int64_t)(before - start);
        while (d[end - 1] == 0) /* 5 * 2 ends in 0 */
            end--;
    }
    nano_digits = point + 9; /* digits worth at least 1e-9 */
    if (nano_digits >= 29)
        return false;
    if (nano_digits <= 0) {
        *mag = 1; /* a non-zero value below 1n rounds up to 1n */
        return true;
    }
    n = end - start;
    for (int64_t i = 0; i < nano_digits; i++)
        m = m * 10 + ((size_t)i < n ? d[start + (size_t)i] : 0);
    if ((size_t)nano_digits < n) /* trailing zeros were stripped: the rest is non-zero */
        m++;
    *mag = m;
    return true;
}

int quantity_parse_n(struct quantity *q, const char *s, size_t len, char *err, size_t errlen)
{
    struct scan sc;
    enum quantity_format format;
    unsigned __int128 mag;
    int32_t exp;
    int base, rc;
    bool fast, fits;

    memset(q, 0, sizeof(*q));
    if (len > KG_MAX_QUANTITY_INPUT) {
        kg_set_err(err, errlen, "quantity is %zu bytes long; at most %d are accepted", len,
                   KG_MAX_QUANTITY_INPUT);
        rc = -E2BIG;
        goto out;
    }
    if (len == 0 || scan_quantity(s, len, &sc) != 0) {
        kg_set_err(err, errlen, "%s", QUANTITY_ERR_FORMAT);
        rc = -EINVAL;
        goto out;
    }
    if (!interpret_suffix(sc.suf, sc.suf_len, &base, &exp, &format)) {
        kg_set_err(err, errlen, "%s", QUANTITY_ERR_SUFFIX);
        rc = -EINVAL;
        goto out;
    }
    fast = fast_path(&sc, base, exp);
    if (!fast && sc.raw_len + sc.den_len == 0) {
        kg_set_err(err, errlen, "%s", QUANTITY_ERR_NUMERIC);
        rc = -EINVAL;
        goto out;
    }
    fits = compute_mag(&sc, base, exp, &mag);
    if (base == 2 && (!fits || mag > MAG_MAX_POS)) {
        mag = MAG_MAX_POS; /* Kubernetes caps BinarySI at the int64 maximum */
        fits = true;
    }
    if (!fits || q_set_mag(q, sc.neg, mag) != 0) {
        kg_set_err(
            err, errlen,
            "quantity %.*s is too large: magnitude above 9223372036854775807 is not supported",
            (int)len, s);
        rc = -ERANGE;
        goto out;
    }
    if (format == QUANTITY_BINARY_SI && mag != 0 && mag < NANO)
        format = QUANTITY_DECIMAL_SI; /* Kubernetes: non-zero |v| < 1 is shown in DecimalSI */
    q->format = format;
    if (fast && keep_source(&sc, base, exp)) {
        memcpy(q->src, s, len);
        q->src[len] = '\0';
        q->srclen = (uint8_t)len;
    }
    rc = 0;
out:
    if (rc != 0)
        memset(q, 0, sizeof(*q));
    return rc;
}

int quantity_parse(struct quantity *q, const char *s, char *err, size_t errlen)
{
    return quantity_parse_n(q, s, strlen(s), err, errlen);
}

/* ---- formatting ---- */

static size_t put_u64(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_u128(char *out, unsigned __int128 v)
{
    const uint64_t e19 = 10000000000000000000u;
    uint64_t lo;
    size_t n;

    if (v <= UINT64_MAX)
        return put_u64(out, (uint64_t)v);
    ASSERT(v / e19 <= UINT64_MAX);
    n = put_u64(out, (uint64_t)(v / e19));
    lo = (uint64_t)(v % e19);
    for (int i = 18; i >= 0; i--) {
        out[n + (size_t)i] = (char)('0' + lo % 10);
        lo /= 10;
    }
    return n + 19;
}

/* Kubernetes' canonical base-10 form of mag * 10^exp: all trailing zeros into the exponent,
 * then the exponent lowered to a multiple of 3. */
static size_t fmt_decimal(char *out, bool neg, unsigned __int128 mag, int exp,
                          enum quantity_format format)
{
    static const char *const si[] = { "n", "u", "m", "", "k", "M", "G", "T", "P", "E" };
    size_t n = 0;
    int r;

    if (mag == 0) {
        memcpy(out, "0", 2);
        return 1;
    }
    if (mag <= UINT64_MAX) {
        uint64_t m = (uint64_t)mag;
        while (m % 10 == 0) {
            m /= 10;
            exp++;
        }
        mag = m;
    } else {
        while (mag % 10 == 0) {
            mag /= 10;
            exp++;
        }
    }
    r = ((exp % 3) + 3) % 3;
    if (r == 1) {
        mag *= 10;
        exp -= 1;
    } else if (r == 2) {
        mag *= 100;
        exp -= 2;
    }
    if (neg)
        out[n++] = '-';
    n += put_u128(out + n, mag);
    if (format == QUANTITY_DECIMAL_EXPONENT) {
        if (exp != 0)
            n += (size_t)snprintf(out + n, KG_MAX_QUANTITY_LEN - n, "e%d", exp);
    } else if (exp >= -9 && exp <= 18) {
        /* Kubernetes prints no suffix at all for other exponents; unreachable in range. */
        size_t sl = strlen(si[(exp + 9) / 3]);
        memcpy(out + n, si[(exp + 9) / 3], sl);
        n += sl;
    }
    out[n] = '\0';
    return n;
}

/* Kubernetes' base-1024 form of an integer |v| >= 1024: every factor 1024 into the suffix. */
static size_t fmt_binary(char *out, bool neg, uint64_t v)
{
    static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    size_t n = 0, sl;
    int k = 0;

    while (v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        k++;
    }
    ASSERT(k <= 6); /* |v| <= 2^64 */
    if (neg)
        out[n++] = '-';
    n += put_u64(out + n, v);
    sl = strlen(bin[k]);
    memcpy(out + n, bin[k], sl);
    n += sl;
    out[n] = '\0';
    return n;
}

size_t quantity_format_canonical(const struct quantity *q, char *out)
{
    bool neg;
    unsigned __int128 mag = q_mag(q, &neg);

    if (q->format == QUANTITY_BINARY_SI && mag >= (unsigned __int128)1024 * NANO && mag % NANO == 0)
        return fmt_binary(out, neg, (uint64_t)(mag / NANO));
    /* BinarySI below 1024 or with a fraction is shown as DecimalSI, like Kubernetes; an
     * unknown format is shown as DecimalExponent, also like Kubernetes. */
    return fmt_decimal(out, neg, mag, -9,
                       q->format == QUANTITY_DECIMAL_SI || q->format == QUANTITY_BINARY_SI
                           ? QUANTITY_DECIMAL_SI
                           : QUANTITY_DECIMAL_EXPONENT);
}

size_t quantity_format(const struct quantity *q, char *out)
{
    if (q->srclen > 0) {
        memcpy(out, q->src, q->srclen);
        out[q->srclen] = '\0';
        return q->srclen;
    }
    return quantity_format_canonical(q, out);
}

static uint64_t abs_u64(int64_t v)
{
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

size_t quantity_format_nanocores(int64_t nanocores, char *out)
{
    return fmt_decimal(out, nanocores < 0, abs_u64(nanocores), -9, QUANTITY_DECIMAL_SI);
}

size_t quantity_format_bytes(int64_t bytes, char *out)
{
    uint64_t m = abs_u64(bytes);

    if (m < 1024)
        return fmt_decimal(out, bytes < 0, m, 0, QUANTITY_DECIMAL_SI);
    return fmt_binary(out, bytes < 0, m);
}

size_t quantity_format_nanocores_u64(uint64_t nanocores, char *out)
{
    if (nanocores > (uint64_t)INT64_MAX)
        return fmt_decimal(out, false, nanocores / 10, -8, QUANTITY_DECIMAL_SI);
    return fmt_decimal(out, false, nanocores, -9, QUANTITY_DECIMAL_SI);
}

size_t quantity_format_bytes_u64(uint64_t bytes, char *out)
{
    if (bytes > (uint64_t)INT64_MAX)
        return fmt_binary(out, false, bytes / 10 * 10);
    return quantity_format_bytes((int64_t)bytes, out);
}

/* ---- construction ---- */

void quantity_from_int(struct quantity *q, int64_t value, enum quantity_format format)
{
    memset(q, 0, sizeof(*q));
    q->units = value;
    q->format = format;
}

void quantity_from_milli(struct quantity *q, int64_t milli, enum quantity_format format)
{
    memset(q, 0, sizeof(*q));
    q->units = milli / 1000;
    q->nanos = (int32_t)(milli % 1000) * 1000000;
    q->format = format;
}

int quantity_from_scaled(struct quantity *q, int64_t value, int scale, enum quantity_format format)
{
    struct quantity tmp;
    unsigned __int128 mag = abs_u64(value);

    if (scale < -9)
        return -ERANGE;
    memset(&tmp, 0, sizeof(tmp));
    for (int i = -9; i < scale && mag != 0; i++) {
        if (mag > MAG_MAX_NEG)
            return -ERANGE;
        mag *= 10;
    }
    if (q_set_mag(&tmp, value < 0, mag) != 0)
        return -ERANGE;
    tmp.format = format;
    *q = tmp;
    return 0;
}

/* ---- accessors ---- */

int64_t quantity_value(const struct quantity *q)
{
    if (q->nanos > 0)
        return q->units + 1; /* units < INT64_MAX: the range ends at 2^63-1 exactly */
    if (q->nanos < 0)
        return q->units - 1; /* units > INT64_MIN likewise */
    return q->units;
}

int quantity_scaled_value(const struct quantity *q, int scale, int64_t *out)
{
    bool neg;
    unsigned __int128 mag = q_mag(q, &neg);
    int64_t shift = (int64_t)scale + 9; /* divide the nanounits by 10^shift */

    if (shift >= 0) {
        bool frac = false;
        for (int64_t i = 0; i < shift && mag != 0; i++) {
            frac = frac || mag % 10 != 0;
            mag /= 10;
        }
        if (frac)
            mag++;
    } else {
        for (int64_t i = 0; i < -shift && mag != 0; i++) {
            if (mag > (unsigned __int128)INT64_MAX + 1)
                return -ERANGE;
            mag *= 10;
        }
    }
    if (mag > (neg ? (unsigned __int128)INT64_MAX + 1 : (unsigned __int128)INT64_MAX))
        return -ERANGE;
    if (neg)
        *out = mag == (unsigned __int128)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    return 0;
}

int quantity_milli_value(const struct quantity *q, int64_t *out)
{
    return quantity_scaled_value(q, -3, out);
}

/* Go's math.Pow10 for the exponents a quantity can have. */
static double go_pow10(int n)
{
    static const double tab[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10,
                                  1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
                                  1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31 };

    ASSERT(n > -32 && n < 32);
    return n >= 0 ? tab[n] : 1 / tab[-n];
}

double quantity_approx_double(const struct quantity *q)
{
    bool neg;
    unsigned __int128 mag = q_mag(q, &neg);
    int exp = -9;
    double base;

    if (mag == 0)
        return 0;
    while (mag % 10 == 0) {
        mag /= 10;
        exp++;
    }
    base = (double)mag;
    if (neg)
        base = -base;
    return exp == 0 ? base : base * go_pow10(exp);
}

int quantity_sign(const struct quantity *q)
{
    if (q->units < 0 || q->nanos < 0)
        return -1;
    return q->units > 0 || q->nanos > 0;
}

bool quantity_is_zero(const struct quantity *q)
{
    return q->units == 0 && q->nanos == 0;
}

int quantity_cmp(const struct quantity *a, const struct quantity *b)
{
    /* units and nanos share their sign, so (units, nanos) orders like the value */
    if (a->units != b->units)
        return a->units < b->units ? -1 : 1;
    if (a->nanos != b->nanos)
        return a->nanos < b->nanos ? -1 : 1;
    return 0;
}

/* ---- arithmetic ---- */

static int add_signed(struct quantity *q, const struct quantity *y, bool negate_y)
{
    bool qneg, yneg, rneg;
    unsigned __int128 qm = q_mag(q, &qneg), ym = q_mag(y, &yneg), rm;
    struct quantity tmp = *q;

    yneg = ym != 0 && (yneg != negate_y);
    if (qneg == yneg) {
        rm = qm + ym;
        rneg = qneg;
    } else if (qm >= ym) {
        rm = qm - ym;
        rneg = qneg;
    } else {
        rm = ym - qm;
        rneg = yneg;
    }
    if (q_set_mag(&tmp, rneg, rm) != 0)
        return -ERANGE;
    if (quantity_is_zero(q))
        tmp.format = y->format;
    tmp.srclen = 0;
    tmp.src[0] = '\0';
    *q = tmp;
    return 0;
}

int quantity_add(struct quantity *q, const struct quantity *y)
{
    return add_signed(q, y, false);
}

int quantity_sub(struct quantity *q, const struct quantity *y)
{
    return add_signed(q, y, true);
}

int quantity_neg(struct quantity *q)
{
    if (q->units == INT64_MIN)
        return -ERANGE;
    q->units = -q->units;
    q->nanos = -q->nanos;
    q->srclen = 0;
    q->src[0] = '\0';
    return 0;
}
