/*
 * `kgauge certs front-proxy|serving`: generates the aggregation layer's certificates.
 *
 * Flow of each subcommand: parse flags (usage errors exit 2) -> read CSR files -> check every
 * target file (none may exist without --force; nothing is written otherwise) -> generate all
 * keys and certificates in memory -> write them (keys 0600, certificates and the manifest 0644,
 * each atomically via x509_write_file) -> print the flags that use them, with absolute paths.
 *
 * front-proxy follows the seed's cfssl steps: `cfssl gencert -initca` (CA: keyUsage certSign +
 * cRLSign, basicConstraints CA:TRUE, 43800h) and a client certificate signed by it (clientAuth,
 * digitalSignature + keyEncipherment, 8760h). serving makes the certificate the kube-aggregator
 * verifies when it proxies to <service>.<namespace>.svc, and the APIService with its caBundle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "certs/certs.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/time.h"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* The manifest is small: a few APIServices with a base64 CA (~2 KiB each). */
#define CERTS_MAX_MANIFEST (256u * 1024)

static const char *const valid_versions[] = { "v1beta1", "v1" };

struct strlist {
    char **v;
    size_t n;
};

struct certs_opts {
    const char *out;
    int force;
    const char *key_algo;              /* NULL = not given */
    long long key_size;                /* 0 = not given */
    int64_t validity_s, ca_validity_s; /* 0 = not given */
    const char *ca_cn, *client_cn;     /* NULL = not given */
    const char *ca_csr, *client_csr;
    struct strlist allowed;
    int has_allowed;
    const char *service, *ns, *cluster_domain;
    long port;
    struct strlist ips, dns, versions;
};

enum {
    OPT_OUT = 1000,
    OPT_FORCE,
    OPT_KEY_ALGO,
    OPT_KEY_SIZE,
    OPT_VALIDITY,
    OPT_CA_VALIDITY,
    OPT_CA_CN,
    OPT_CLIENT_CN,
    OPT_CA_CSR,
    OPT_CLIENT_CSR,
    OPT_CSR,
    OPT_ALLOWED_NAMES,
    OPT_SERVICE,
    OPT_NAMESPACE,
    OPT_CLUSTER_DOMAIN,
    OPT_PORT,
    OPT_IP,
    OPT_DNS,
    OPT_VERSIONS,
};

static const char usage_top[] =
    "Generate the certificates of the Kubernetes aggregation layer.\n"
    "\n"
    "Usage:\n"
    "  kgauge certs front-proxy --out DIR [flags]  front-proxy CA and client certificate, and\n"
    "                                              the kube-apiserver flags that use them\n"
    "  kgauge certs serving --out DIR [flags]      serving CA and certificate for the metrics\n"
    "                                              server, and apiservice.yaml with its caBundle\n"
    "\n"
    "Run 'kgauge certs front-proxy --help' or 'kgauge certs serving --help' for their flags.\n";

static const char usage_common[] =
    "  --out DIR             directory to write to (created if missing)\n"
    "  --force               overwrite existing files (default: refuse, and write nothing)\n"
    "  --key-algo ALGO       rsa or ecdsa (default rsa, or the CSR file's key)\n"
    "  --key-size N          rsa: 2048..8192 (default 2048); ecdsa: 256, 384 or 521 (default 256)\n"
    "  --validity DURATION   certificate validity, a Go duration (default 8760h)\n"
    "  --ca-validity DURATION  CA validity (default 43800h, or the CA CSR's ca.expiry)\n";

static const char usage_front_proxy[] =
    "Usage: kgauge certs front-proxy --out DIR [flags]\n"
    "\n"
    "Writes front-proxy-ca.pem, front-proxy-ca-key.pem, front-proxy-client.pem and\n"
    "front-proxy-client-key.pem (as `cfssl gencert -initca` and a client profile would), then\n"
    "prints the kube-apiserver flags that use them on stdout.\n"
    "\n"
    "Flags:\n";

static const char usage_front_proxy_flags[] =
    "  --ca-cn NAME          CA common name (default \"kubernetes\", as the seed's CSR)\n"
    "  --client-cn NAME      client certificate common name (default \"front-proxy-client\")\n"
    "  --ca-csr FILE         cfssl CSR JSON for the CA (CN, key, names, hosts, ca.expiry)\n"
    "  --client-csr FILE     cfssl CSR JSON for the client certificate (alias --csr)\n"
    "  --allowed-names LIST  value for --requestheader-allowed-names (comma-separated,\n"
    "                        repeatable; default: the client CN; \"\" = any CN the CA signed)\n"
    "\n"
    "Flags given on the command line override the CSR files.\n";

static const char usage_serving[] =
    "Usage: kgauge certs serving --out DIR [flags]\n"
    "\n"
    "Writes serving-ca.pem, serving-ca-key.pem, serving.pem and serving-key.pem for the\n"
    "metrics server's Service, and apiservice.yaml (apiregistration.k8s.io/v1 APIServices of\n"
    "metrics.k8s.io with spec.caBundle set), ready for `kubectl apply -f`.\n"
    "\n"
    "Flags:\n";

static const char usage_serving_flags[] =
    "  --service NAME        Service of the metrics server (default metrics-server)\n"
    "  --namespace NS        its namespace (default kube-system)\n"
    "  --port N              Service port in the APIService (default 443)\n"
    "  --ip IP               extra IP SAN (repeatable, comma-separated)\n"
    "  --dns NAME            extra DNS SAN (repeatable, comma-separated)\n"
    "  --versions LIST       metrics.k8s.io versions to register: v1beta1 (default), v1\n"
    "  --cluster-domain D    cluster DNS domain for the FQDN SAN (default cluster.local)\n"
    "  --ca-cn NAME          CA common name (default \"<service>-ca@<unix time>\")\n"
    "\n"
    "DNS SANs: <service>, <service>.<namespace>, <service>.<namespace>.svc (the name the\n"
    "kube-aggregator verifies) and <service>.<namespace>.svc.<cluster-domain>.\n";

/* ---- small helpers ---- */

static void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int strlist_has(const struct strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

/* Adds a copy of item unless already there. -E2BIG (printed) past max values. */
static int strlist_add(struct strlist *l, const char *item, size_t n, size_t max, const char *flag)
{
    char *copy;
    if (n == 0)
        return 0;
    copy = xstrndup(item, n);
    if (strlist_has(l, copy)) {
        free(copy);
        return 0;
    }
    if (l->n >= max) {
        free(copy);
        fprintf(stderr, "kgauge certs: %s: more than %zu values\n", flag, max);
        return -E2BIG;
    }
    l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
    l->v[l->n++] = copy;
    return 0;
}

/* Adds the comma-separated, non-empty items of arg (duplicates dropped). */
static int strlist_add_csv(struct strlist *l, const char *arg, size_t max, const char *flag)
{
    const char *p = arg;
    while (1) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int rc = strlist_add(l, p, n, max, flag);
        if (rc || comma == NULL)
            return rc;
        p = comma + 1;
    }
}

static void opts_cleanup(struct certs_opts *o)
{
    strlist_free(&o->allowed);
    strlist_free(&o->ips);
    strlist_free(&o->dns);
    strlist_free(&o->versions);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("kgauge certs: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    return EXIT_USAGE;
}

static int parse_validity(const char *flag, const char *s, int64_t *out)
{
    int64_t ns = 0;
    if (time_parse_duration(s, &ns) != 0)
        return usage_error("%s: invalid duration \"%s\" (want e.g. 8760h or 720h30m)", flag, s);
    if (ns < 1000000000LL)
        return usage_error("%s: duration \"%s\" must be at least 1s", flag, s);
    *out = ns / 1000000000LL;
    return 0;
}

/* RFC 1123 label (namespaces), or RFC 1035 label (Service names: must start with a letter). */
static int is_dns_label(const char *s, int rfc1035)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-')
            return 0;
    }
    if (s[0] == '-' || s[n - 1] == '-')
        return 0;
    if (rfc1035 && !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    return 1;
}

/* RFC 1123 subdomain (cluster domain). */
static int is_dns_subdomain(const char *s)
{
    char label[64];
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return 0;
    while (1) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        if (l == 0 || l >= sizeof(label))
            return 0;
        memcpy(label, s, l);
        label[l] = '\0';
        if (!is_dns_label(label, 0))
            return 0;
        if (dot == NULL)
            return 1;
        s = dot + 1;
    }
}

/* An extra DNS SAN: printable ASCII host characters (a leading "*." wildcard allowed). */
static int is_dns_san(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || (c == '*' && i == 0 && s[1] == '.');
        if (!ok)
            return 0;
    }
    return 1;
}

static int is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Prints flag=value, single-quoting the value for a POSIX shell when it needs it. */
static void print_flag(const char *flag, const char *value)
{
    const char *safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=@%+,-";
    if (value[0] != '\0' && strspn(value, safe) == strlen(value)) {
        printf("%s=%s\n", flag, value);
        return;
    }
    printf("%s='", flag);
    for (const char *p = value; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*p);
    }
    fputs("'\n", stdout);
}

/* cfssl's not-before: now rounded to the minute (Go's time.Round, halves up), minus its default
 * 5-minute backdate; not-after is not-before plus the validity. */
static time_t cfssl_not_before(void)
{
    int64_t ns = time_wall_ns(), min = 60LL * 1000000000LL;
    int64_t rounded = (ns + min / 2) / min * min;
    return (time_t)(rounded / 1000000000LL) - KG_CERTS_BACKDATE_S;
}

/* ---- flags ---- */

static const struct option front_proxy_longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { "out", required_argument, NULL, OPT_OUT },
    { "force", no_argument, NULL, OPT_FORCE },
    { "key-algo", required_argument, NULL, OPT_KEY_ALGO },
    { "key-size", required_argument, NULL, OPT_KEY_SIZE },
    { "validity", required_argument, NULL, OPT_VALIDITY },
    { "ca-validity", required_argument, NULL, OPT_CA_VALIDITY },
    { "ca-cn", required_argument, NULL, OPT_CA_CN },
    { "client-cn", required_argument, NULL, OPT_CLIENT_CN },
    { "ca-csr", required_argument, NULL, OPT_CA_CSR },
    { "client-csr", required_argument, NULL, OPT_CLIENT_CSR },
    { "csr", required_argument, NULL, OPT_CSR },
    { "allowed-names", required_argument, NULL, OPT_ALLOWED_NAMES },
    { NULL, 0, NULL, 0 },
};

static const struct option serving_longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { "out", required_argument, NULL, OPT_OUT },
    { "force", no_argument, NULL, OPT_FORCE },
    { "key-algo", required_argument, NULL, OPT_KEY_ALGO },
    { "key-size", required_argument, NULL, OPT_KEY_SIZE },
    { "validity", required_argument, NULL, OPT_VALIDITY },
    { "ca-validity", required_argument, NULL, OPT_CA_VALIDITY },
    { "ca-cn", required_argument, NULL, OPT_CA_CN },
    { "service", required_argument, NULL, OPT_SERVICE },
    { "namespace", required_argument, NULL, OPT_NAMESPACE },
    { "cluster-domain", required_argument, NULL, OPT_CLUSTER_DOMAIN },
    { "port", required_argument, NULL, OPT_PORT },
    { "ip", required_argument, NULL, OPT_IP },
    { "dns", required_argument, NULL, OPT_DNS },
    { "versions", required_argument, NULL, OPT_VERSIONS },
    { NULL, 0, NULL, 0 },
};

/*
 * Parses argv (argv[0] = the subcommand) into o. Returns 0, EXIT_USAGE after printing why, or
 * -1 when --help was printed (exit 0).
 */
static int parse_flags(int argc, char **argv, const struct option *longopts, const char *usage,
                       const char *usage_flags, struct certs_opts *o)
{
    int c;
    char *end;

    optind = 0; /* glibc: full re-initialisation, so certs_main can run more than once */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            fputs(usage_common, stdout);
            fputs(usage_flags, stdout);
            return -1;
        case OPT_OUT:
            if (optarg[0] == '\0')
                return usage_error("--out: empty directory name");
            o->out = optarg;
            break;
        case OPT_FORCE:
            o->force = 1;
            break;
        case OPT_KEY_ALGO:
            if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ecdsa") != 0)
                return usage_error("--key-algo: unsupported algorithm \"%s\" (want rsa or ecdsa)",
                                   optarg);
            o->key_algo = optarg;
            break;
        case OPT_KEY_SIZE:
            errno = 0;
            o->key_size = strtoll(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || o->key_size <= 0)
                return usage_error("--key-size: \"%s\" is not a positive number of bits", optarg);
            break;
        case OPT_VALIDITY:
            if (parse_validity("--validity", optarg, &o->validity_s))
                return EXIT_USAGE;
            break;
        case OPT_CA_VALIDITY:
            if (parse_validity("--ca-validity", optarg, &o->ca_validity_s))
                return EXIT_USAGE;
            break;
        case OPT_CA_CN:
            o->ca_cn = optarg;
            break;
        case OPT_CLIENT_CN:
            o->client_cn = optarg;
            break;
        case OPT_CA_CSR:
            o->ca_csr = optarg;
            break;
        case OPT_CLIENT_CSR:
        case OPT_CSR:
            if (o->client_csr != NULL)
                return usage_error("--client-csr (or --csr) given twice");
            o->client_csr = optarg;
            break;
        case OPT_ALLOWED_NAMES:
            o->has_allowed = 1;
            if (strlist_add_csv(&o->allowed, optarg, KG_MAX_CERTS_ALLOWED_NAMES, "--allowed-names"))
                return EXIT_USAGE;
            break;
        case OPT_SERVICE:
            if (!is_dns_label(optarg, 1))
                return usage_error("--service: \"%s\" is not a valid Service name: a DNS-1035 "
                                   "label must consist of lower case alphanumeric characters or "
                                   "'-', start with an alphabetic character, end with an "
                                   "alphanumeric character, and be at most 63 characters",
                                   optarg);
            o->service = optarg;
            break;
        case OPT_NAMESPACE:
            if (!is_dns_label(optarg, 0))
                return usage_error("--namespace: \"%s\" is not a valid namespace: a DNS-1123 "
                                   "label must consist of lower case alphanumeric characters or "
                                   "'-', start and end with an alphanumeric character, and be at "
                                   "most 63 characters",
                                   optarg);
            o->ns = optarg;
            break;
        case OPT_CLUSTER_DOMAIN:
            if (!is_dns_subdomain(optarg))
                return usage_error("--cluster-domain: \"%s\" is not a DNS-1123 subdomain", optarg);
            o->cluster_domain = optarg;
            break;
        case OPT_PORT:
            errno = 0;
            o->port = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || o->port < 1 || o->port > 65535)
                return usage_error("--port: \"%s\" is not a port number (1-65535)", optarg);
            break;
        case OPT_IP:
            if (strlist_add_csv(&o->ips, optarg, KG_MAX_CERTS_HOSTS, "--ip"))
                return EXIT_USAGE;
            break;
        case OPT_DNS:
            if (strlist_add_csv(&o->dns, optarg, KG_MAX_CERTS_HOSTS, "--dns"))
                return EXIT_USAGE;
            break;
        case OPT_VERSIONS:
            if (strlist_add_csv(&o->versions, optarg, KG_MAX_CERTS_VERSIONS, "--versions"))
                return EXIT_USAGE;
            break;
        case ':':
            return usage_error("%s: flag needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown flag \"%s\" for \"%s\" (see --help)", argv[optind - 1],
                               argv[0]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument \"%s\" for \"%s\"", argv[optind], argv[0]);
    if (o->out == NULL)
        return usage_error("%s: --out DIR is required", argv[0]);
    for (size_t i = 0; i < o->ips.n; i++)
        if (!is_ip(o->ips.v[i]))
            return usage_error("--ip: \"%s\" is not an IP address", o->ips.v[i]);
    for (size_t i = 0; i < o->dns.n; i++)
        if (!is_dns_san(o->dns.v[i]))
            return usage_error("--dns: \"%s\" is not a DNS name", o->dns.v[i]);
    for (size_t i = 0; i < o->versions.n; i++) {
        int ok = 0;
        for (size_t j = 0; j < sizeof(valid_versions) / sizeof(valid_versions[0]); j++)
            ok |= strcmp(o->versions.v[i], valid_versions[j]) == 0;
        if (!ok)
            return usage_error("--versions: unknown metrics.k8s.io version \"%s\" (want v1beta1 "
                               "or v1)",
                               o->versions.v[i]);
    }
    if (o->versions.n == 0 && longopts == serving_longopts)
        strlist_add_csv(&o->versions, "v1beta1", KG_MAX_CERTS_VERSIONS, "--versions");
    return 0;
}

/*
 * The key of one certificate: --key-algo/--key-size override the CSR's key; a CSR without a key
 * means cfssl's default (ECDSA P-256); no CSR means RSA 2048 (the seed's CSRs). Returns 0 or
 * EXIT_USAGE after printing why.
 */
static int resolve_key(const struct certs_opts *o, const struct certs_csr *csr,
                       const char *csr_path, struct certs_key_spec *out)
{
    const char *algo;
    long long size;
    char msg[KG_ERRBUF];

    if (o->key_algo != NULL) {
        algo = o->key_algo;
        size = o->key_size ? o->key_size : (strcmp(algo, "rsa") == 0 ? 2048 : 256);
    } else if (csr != NULL) {
        algo = csr->key.type == KG_X509_KEY_RSA ? "rsa" : "ecdsa";
        size = o->key_size ? o->key_size : csr->key.bits;
    } else {
        algo = "rsa";
        size = o->key_size ? o->key_size : 2048;
    }
    if (certs_key_spec_check(algo, size, out, msg, sizeof(msg)) != 0) {
        if (o->key_algo == NULL && csr != NULL)
            return usage_error("--key-size: %s (the %s key of %s)", msg, algo, csr_path);
        return usage_error("--key-size: %s", msg);
    }
    return 0;
}

/* ---- files ---- */

struct target {
    const char *name; /* file name inside --out */
    char *path;       /* --out/name */
};

/*
 * Every target must be absent, or (with force) a regular file or symlink: checked for all before
 * anything is written, so a refused run leaves the directory exactly as it was.
 */
static int check_targets(const char *dir, struct target *t, size_t n, int force, char *err,
                         size_t errlen)
{
    struct stat st;

    ASSERT(dir != NULL); /* parse_flags requires --out */
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--out %s exists and is not a directory", dir);
        return -ENOTDIR;
    }
    for (size_t i = 0; i < n; i++) {
        size_t dl = strlen(dir);
        t[i].path = xasprintf("%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", t[i].name);
    }
    for (size_t i = 0; i < n; i++) {
        if (lstat(t[i].path, &st) != 0) {
            if (errno == ENOENT)
                continue;
            int e = errno;
            snprintf(err, errlen, "stat %s: %s", t[i].path, strerror(e));
            return -e;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s is a directory; nothing was written", t[i].path);
            return -EISDIR;
        }
        if (!force) {
            snprintf(err, errlen,
                     "%s already exists; nothing was written (use --force to overwrite)",
                     t[i].path);
            return -EEXIST;
        }
    }
    return 0;
}

static void targets_free(struct target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].path);
        t[i].path = NULL;
    }
}

static void report_written(const struct target *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "wrote %s\n", t[i].path);
}

/* realpath of the output directory (it exists once the files are written). */
static char *abs_dir(const char *dir)
{
    char *r = realpath(dir, NULL);
    if (r == NULL)
        return xstrdup(dir);
    char *copy = xstrdup(r); /* our allocator owns what we hand out */
    free(r);
    return copy;
}

/* ---- front-proxy ---- */

enum { FP_CA_CERT, FP_CA_KEY, FP_CLIENT_CERT, FP_CLIENT_KEY, FP_N };

static int front_proxy(int argc, char **argv)
{
    struct certs_opts o = { 0 };
    struct certs_csr ca_csr = { 0 }, client_csr = { 0 };
    struct certs_key_spec ca_spec, client_spec;
    struct x509_key *ca_key = NULL, *client_key = NULL;
    struct x509_cert *ca = NULL, *client = NULL;
    struct x509_template t;
    struct target tg[FP_N] = {
        [FP_CA_CERT] = { "front-proxy-ca.pem", NULL },
        [FP_CA_KEY] = { "front-proxy-ca-key.pem", NULL },
        [FP_CLIENT_CERT] = { "front-proxy-client.pem", NULL },
        [FP_CLIENT_KEY] = { "front-proxy-client-key.pem", NULL },
    };
    const char *ca_cn, *client_cn;
    char err[KG_ERRBUF], *dir = NULL, *p = NULL;
    int64_t ca_validity, validity;
    time_t not_before = cfssl_not_before();
    int rc, ex = EXIT_FAIL;

    rc = parse_flags(argc, argv, front_proxy_longopts, usage_front_proxy, usage_front_proxy_flags,
                     &o);
    if (rc) {
        ex = rc < 0 ? EXIT_OK : rc;
        goto out;
    }
    if (o.ca_csr != NULL && certs_csr_load(o.ca_csr, &ca_csr, err, sizeof(err)) != 0)
        goto fail;
    if (o.client_csr != NULL && certs_csr_load(o.client_csr, &client_csr, err, sizeof(err)) != 0)
        goto fail;
    rc = resolve_key(&o, o.ca_csr ? &ca_csr : NULL, o.ca_csr, &ca_spec);
    if (rc == 0)
        rc = resolve_key(&o, o.client_csr ? &client_csr : NULL, o.client_csr, &client_spec);
    if (rc) {
        ex = rc;
        goto out;
    }

    ca_cn = o.ca_cn ? o.ca_cn : o.ca_csr ? ca_csr.cn : "kubernetes";
    client_cn = o.client_cn ? o.client_cn : o.client_csr ? client_csr.cn : "front-proxy-client";
    ca_validity = o.ca_validity_s        ? o.ca_validity_s
                  : ca_csr.has_ca_expiry ? ca_csr.ca_expiry_s
                                         : KG_CERTS_CA_VALIDITY_S;
    validity = o.validity_s ? o.validity_s : KG_CERTS_LEAF_VALIDITY_S;

    if (check_targets(o.out, tg, FP_N, o.force, err, sizeof(err)) != 0)
        goto fail;

    /* CA: cfssl gencert -initca */
    if (certs_key_generate(&ca_spec, &ca_key, err, sizeof(err)) != 0)
        goto fail;
    memset(&t, 0, sizeof(t));
    certs_csr_name(&ca_csr, ca_cn, &t.subject);
    t.is_ca = 1;
    t.key_usage = KG_X509_KU_CERT_SIGN | KG_X509_KU_CRL_SIGN;
    t.dns = (const char *const *)ca_csr.dns;
    t.n_dns = ca_csr.n_dns;
    t.ips = (const char *const *)ca_csr.ips;
    t.n_ips = ca_csr.n_ips;
    t.not_before = not_before;
    t.duration_s = ca_validity;
    if (x509_cert_sign(&ca, &t, ca_key, NULL, NULL, err, sizeof(err)) != 0)
        goto fail;

    /* client: cfssl gencert -ca ... with a client profile */
    if (certs_key_generate(&client_spec, &client_key, err, sizeof(err)) != 0)
        goto fail;
    memset(&t, 0, sizeof(t));
    certs_csr_name(&client_csr, client_cn, &t.subject);
    t.ext_key_usage = KG_X509_EKU_CLIENT_AUTH;
    t.dns = (const char *const *)client_csr.dns;
    t.n_dns = client_csr.n_dns;
    t.ips = (const char *const *)client_csr.ips;
    t.n_ips = client_csr.n_ips;
    t.not_before = not_before;
    t.duration_s = validity;
    if (x509_cert_sign(&client, &t, client_key, ca, ca_key, err, sizeof(err)) != 0)
        goto fail;

    if (x509_write_key(tg[FP_CA_KEY].path, ca_key, err, sizeof(err)) != 0 ||
        x509_write_certs(tg[FP_CA_CERT].path, &ca, 1, err, sizeof(err)) != 0 ||
        x509_write_key(tg[FP_CLIENT_KEY].path, client_key, err, sizeof(err)) != 0 ||
        x509_write_certs(tg[FP_CLIENT_CERT].path, &client, 1, err, sizeof(err)) != 0)
        goto fail;
    report_written(tg, FP_N);
    if (validity > ca_validity)
        fprintf(stderr, "kgauge certs: warning: the client certificate (--validity) outlives "
                        "its CA (--ca-validity)\n");

    if (!o.has_allowed)
        strlist_add(&o.allowed, client_cn, strlen(client_cn), KG_MAX_CERTS_ALLOWED_NAMES,
                    "--allowed-names");
    if (o.allowed.n > 0 && !strlist_has(&o.allowed, client_cn))
        fprintf(stderr,
                "kgauge certs: warning: --allowed-names does not include the client "
                "certificate's CN \"%s\": aggregated API servers (the metrics server) match the "
                "proxy's client certificate CN against this list and will reject every request "
                "the aggregator forwards\n",
                client_cn);

    dir = abs_dir(o.out);
    fprintf(stderr, "kube-apiserver flags for the aggregation layer:\n");
    p = xasprintf("%s/%s", dir, tg[FP_CA_CERT].name);
    print_flag("--requestheader-client-ca-file", p);
    free(p);
    {
        struct buf names;
        buf_init(&names, (size_t)KG_MAX_CERTS_ALLOWED_NAMES * (KG_MAX_X509_STRING + 1) + 1);
        for (size_t i = 0; i < o.allowed.n; i++)
            buf_printf(&names, "%s%s", i ? "," : "", o.allowed.v[i]);
        print_flag("--requestheader-allowed-names", buf_str(&names));
        buf_cleanup(&names);
    }
    print_flag("--requestheader-extra-headers-prefix", "X-Remote-Extra-");
    print_flag("--requestheader-group-headers", "X-Remote-Group");
    print_flag("--requestheader-username-headers", "X-Remote-User");
    p = xasprintf("%s/%s", dir, tg[FP_CLIENT_CERT].name);
    print_flag("--proxy-client-cert-file", p);
    free(p);
    p = xasprintf("%s/%s", dir, tg[FP_CLIENT_KEY].name);
    print_flag("--proxy-client-key-file", p);
    free(p);
    print_flag("--enable-aggregator-routing", "true");
    ex = EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "kgauge certs: %s\n", err);
    ex = EXIT_FAIL;
out:
    fflush(stdout);
    free(dir);
    x509_cert_free(ca);
    x509_cert_free(client);
    x509_key_free(ca_key);
    x509_key_free(client_key);
    certs_csr_cleanup(&ca_csr);
    certs_csr_cleanup(&client_csr);
    targets_free(tg, FP_N);
    opts_cleanup(&o);
    return ex;
}

/* ---- serving ---- */

enum { SV_CA_CERT, SV_CA_KEY, SV_CERT, SV_KEY, SV_MANIFEST, SV_N };

/* apiservice.yaml: one apiregistration.k8s.io/v1 APIService per version, caBundle filled in. */
static int write_manifest(const struct certs_opts *o, const char *service, const char *ns,
                          const struct buf *ca_pem, const char *path, char *err, size_t errlen)
{
    struct buf y;
    char *b64;
    int rc = 0;

    b64 = xmalloc(4 * ((ca_pem->len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)ca_pem->ptr, (int)ca_pem->len);
    buf_init(&y, CERTS_MAX_MANIFEST);
    rc |= buf_appends(&y, "# Generated by kgauge certs serving: the metrics.k8s.io APIService "
                          "with the serving CA as caBundle.\n");
    for (size_t i = 0; i < o->versions.n; i++) {
        const char *v = o->versions.v[i];
        rc |= buf_printf(&y,
                         "%s"
                         "apiVersion: apiregistration.k8s.io/v1\n"
                         "kind: APIService\n"
                         "metadata:\n"
                         "  name: %s.metrics.k8s.io\n"
                         "  labels:\n"
                         "    k8s-app: %s\n"
                         "spec:\n"
                         "  service:\n"
                         "    name: %s\n"
                         "    namespace: %s\n"
                         "    port: %ld\n"
                         "  group: metrics.k8s.io\n"
                         "  version: %s\n"
                         "  insecureSkipTLSVerify: false\n"
                         "  caBundle: %s\n"
                         "  groupPriorityMinimum: 100\n"
                         "  versionPriority: 100\n",
                         i ? "---\n" : "", v, service, service, ns, o->port, v, b64);
    }
    if (rc) {
        snprintf(err, errlen, "%s: manifest larger than %u bytes", path, CERTS_MAX_MANIFEST);
        rc = -E2BIG;
    } else {
        rc = x509_write_file(path, y.ptr, y.len, 0644, err, errlen);
    }
    buf_cleanup(&y);
    free(b64);
    return rc;
}

static int serving(int argc, char **argv)
{
    struct certs_opts o = { .port = 443 };
    struct certs_key_spec ca_spec, spec;
    struct x509_key *ca_key = NULL, *key = NULL;
    struct x509_cert *ca = NULL, *leaf = NULL;
    struct x509_template t;
    struct target tg[SV_N] = {
        [SV_CA_CERT] = { "serving-ca.pem", NULL },   [SV_CA_KEY] = { "serving-ca-key.pem", NULL },
        [SV_CERT] = { "serving.pem", NULL },         [SV_KEY] = { "serving-key.pem", NULL },
        [SV_MANIFEST] = { "apiservice.yaml", NULL },
    };
    struct strlist sans = { 0 };
    struct buf ca_pem;
    const char *service, *ns, *domain;
    char err[KG_ERRBUF], *dir = NULL, *ca_cn = NULL, *leaf_cn = NULL, *p = NULL;
    time_t not_before = cfssl_not_before();
    int rc, ex = EXIT_FAIL;

    buf_init(&ca_pem, KG_MAX_CONFIG_FILE);
    rc = parse_flags(argc, argv, serving_longopts, usage_serving, usage_serving_flags, &o);
    if (rc) {
        ex = rc < 0 ? EXIT_OK : rc;
        goto out;
    }
    rc = resolve_key(&o, NULL, NULL, &ca_spec);
    if (rc == 0)
        rc = resolve_key(&o, NULL, NULL, &spec);
    if (rc) {
        ex = rc;
        goto out;
    }
    service = o.service ? o.service : "metrics-server";
    ns = o.ns ? o.ns : "kube-system";
    domain = o.cluster_domain ? o.cluster_domain : "cluster.local";

    /* The names a client may use for the Service; <service>.<namespace>.svc is the one the
     * kube-aggregator puts in ServerName and verifies. */
    strlist_add_csv(&sans, service, KG_MAX_CERTS_HOSTS, "--dns");
    p = xasprintf("%s.%s", service, ns);
    strlist_add_csv(&sans, p, KG_MAX_CERTS_HOSTS, "--dns");
    free(p);
    leaf_cn = xasprintf("%s.%s.svc", service, ns);
    strlist_add_csv(&sans, leaf_cn, KG_MAX_CERTS_HOSTS, "--dns");
    p = xasprintf("%s.%s.svc.%s", service, ns, domain);
    strlist_add_csv(&sans, p, KG_MAX_CERTS_HOSTS, "--dns");
    free(p);
    p = NULL;
    for (size_t i = 0; i < o.dns.n; i++) {
        if (strlist_add_csv(&sans, o.dns.v[i], KG_MAX_CERTS_HOSTS, "--dns")) {
            ex = EXIT_USAGE;
            goto out;
        }
    }
    if (sans.n + o.ips.n > KG_MAX_CERTS_HOSTS) {
        ex = usage_error("more than %d SANs", KG_MAX_CERTS_HOSTS);
        goto out;
    }
    ca_cn = o.ca_cn ? xstrdup(o.ca_cn) : xasprintf("%s-ca@%lld", service, (long long)time(NULL));

    if (check_targets(o.out, tg, SV_N, o.force, err, sizeof(err)) != 0)
        goto fail;

    if (certs_key_generate(&ca_spec, &ca_key, err, sizeof(err)) != 0)
        goto fail;
    memset(&t, 0, sizeof(t));
    t.subject.cn = ca_cn;
    t.is_ca = 1;
    t.key_usage = KG_X509_KU_CERT_SIGN | KG_X509_KU_CRL_SIGN;
    t.not_before = not_before;
    t.duration_s = o.ca_validity_s ? o.ca_validity_s : KG_CERTS_CA_VALIDITY_S;
    if (x509_cert_sign(&ca, &t, ca_key, NULL, NULL, err, sizeof(err)) != 0)
        goto fail;

    if (certs_key_generate(&spec, &key, err, sizeof(err)) != 0)
        goto fail;
    memset(&t, 0, sizeof(t));
    t.subject.cn = leaf_cn;
    t.ext_key_usage = KG_X509_EKU_SERVER_AUTH;
    t.dns = (const char *const *)sans.v;
    t.n_dns = sans.n;
    t.ips = (const char *const *)o.ips.v;
    t.n_ips = o.ips.n;
    t.not_before = not_before;
    t.duration_s = o.validity_s ? o.validity_s : KG_CERTS_LEAF_VALIDITY_S;
    if (x509_cert_sign(&leaf, &t, key, ca, ca_key, err, sizeof(err)) != 0)
        goto fail;
    if (x509_cert_pem(ca, &ca_pem, err, sizeof(err)) != 0)
        goto fail;

    if (x509_write_key(tg[SV_CA_KEY].path, ca_key, err, sizeof(err)) != 0 ||
        x509_write_certs(tg[SV_CA_CERT].path, &ca, 1, err, sizeof(err)) != 0 ||
        x509_write_key(tg[SV_KEY].path, key, err, sizeof(err)) != 0 ||
        x509_write_certs(tg[SV_CERT].path, &leaf, 1, err, sizeof(err)) != 0 ||
        write_manifest(&o, service, ns, &ca_pem, tg[SV_MANIFEST].path, err, sizeof(err)) != 0)
        goto fail;
    report_written(tg, SV_N);
    if ((o.validity_s ? o.validity_s : KG_CERTS_LEAF_VALIDITY_S) >
        (o.ca_validity_s ? o.ca_validity_s : KG_CERTS_CA_VALIDITY_S))
        fprintf(stderr, "kgauge certs: warning: the serving certificate (--validity) outlives "
                        "its CA (--ca-validity)\n");

    dir = abs_dir(o.out);
    fprintf(stderr, "metrics server flags for this certificate:\n");
    p = xasprintf("%s/%s", dir, tg[SV_CERT].name);
    print_flag("--tls-cert-file", p);
    free(p);
    p = xasprintf("%s/%s", dir, tg[SV_KEY].name);
    print_flag("--tls-private-key-file", p);
    free(p);
    p = NULL;
    fprintf(stderr, "register the API with: kubectl apply -f %s/%s\n", dir, tg[SV_MANIFEST].name);
    ex = EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "kgauge certs: %s\n", err);
    ex = EXIT_FAIL;
out:
    fflush(stdout);
    free(dir);
    free(ca_cn);
    free(leaf_cn);
    buf_cleanup(&ca_pem);
    strlist_free(&sans);
    x509_cert_free(ca);
    x509_cert_free(leaf);
    x509_key_free(ca_key);
    x509_key_free(key);
    targets_free(tg, SV_N);
    opts_cleanup(&o);
    return ex;
}

int certs_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_top, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage_top, stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "front-proxy"))
        return front_proxy(argc - 1, argv + 1);
    if (!strcmp(argv[1], "serving"))
        return serving(argc - 1, argv + 1);
    fprintf(stderr, "kgauge certs: unknown subcommand \"%s\"\n\n%s", argv[1], usage_top);
    return EXIT_USAGE;
}
