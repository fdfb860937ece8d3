/*
 * kubeconfig and in-cluster client configuration, resolved the way client-go's clientcmd
 * (DirectClientConfig.ClientConfig) and rest.InClusterConfig do, plus a writer for the
 * kubeconfig `kgauge sim` hands to kubectl.
 *
 * Loading rules (client-go loader.go):
 *   - overrides->kubeconfig (--kubeconfig): only that file; it must exist ("stat F: no such
 *     file or directory" otherwise);
 *   - else $KUBECONFIG, split on ':', duplicates and empty entries dropped, missing files
 *     skipped;
 *   - else $HOME/.kube/config (skipped when missing).
 * Merge: clusters, users and contexts are looked up by name and the FIRST file defining a name
 * wins the whole entry; current-context is the first non-empty one. Relative
 * certificate-authority, client-certificate, client-key and tokenFile paths are resolved
 * against the directory of the file that defined them.
 *
 * Selection: context = --context or current-context; cluster/user = --cluster/--user or the
 * context's; then the flag overrides are applied with clientcmd's precedence (see
 * struct kubeconfig_overrides). Validation texts are client-go's ("invalid configuration:
 * ...", "context \"x\" does not exist", ...). Errors inside a file are reported as
 * "FILE: FIELD.PATH: what" (e.g. "/k/config: users[0].user.client-key-data: illegal base64
 * data at input byte 12"). Users with `exec` or `auth-provider` are refused with an error
 * naming the user (kgauge runs no credential plugins).
 *
 * YAML is decoded with libfyaml and typed like sigs.k8s.io/yaml + encoding/json: plain
 * scalars resolve as YAML 1.1 (yes/no/on/off/y/n are booleans, 0x1F is a number), so
 * `token: 123` is an error naming users[i].user.token; unknown fields are ignored; *-data
 * fields are standard base64 (CR/LF ignored) with Go's error offsets.
 *
 * Thread safety: a loaded struct kubeconfig is immutable except for the token cache, which
 * kubeconfig_bearer_token() guards with its own mutex; any number of threads may call it.
 */
#ifndef KGAUGE_KUBE_KUBECONFIG_H
#define KGAUGE_KUBE_KUBECONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/limits.h"

/* client-go re-reads token files when the cached token is this old (cachingTokenSource: the
 * token "expires" one minute after reading, minus a 10 s leeway). kgauge also re-reads at
 * once when the file's identity/mtime/size changed. */
#define KG_KUBECONFIG_TOKEN_REREAD_NS (50ll * 1000 * 1000 * 1000)
/* Where a pod's service-account credentials are mounted; $KGAUGE_SA_DIR overrides it. */
#define KG_KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/*
 * kubectl's global flags. NULL/0 = not given. Precedence follows clientcmd: a given
 * --certificate-authority or --insecure-skip-tls-verify replaces the cluster's CA, CA data
 * and insecure flag together; a given --server or --tls-server-name replaces tls-server-name;
 * --client-certificate/--client-key replace the user's cert/key and their inline data.
 */
struct kubeconfig_overrides {
    const char *kubeconfig;            /* --kubeconfig */
    const char *context;               /* --context */
    const char *cluster;               /* --cluster */
    const char *user;                  /* --user */
    const char *namespace;             /* --namespace, -n */
    const char *server;                /* --server, -s */
    const char *tls_server_name;       /* --tls-server-name */
    const char *certificate_authority; /* --certificate-authority (path) */
    int insecure_skip_tls_verify;      /* --insecure-skip-tls-verify */
    const char *token;                 /* --token */
    const char *client_certificate;    /* --client-certificate (path) */
    const char *client_key;            /* --client-key (path) */
    const char *username;              /* --username */
    const char *password;              /* --password */
};

/*
 * A resolved configuration. All fields are owned by the struct and read-only for callers;
 * byte fields are NUL-terminated as a convenience (len excludes it).
 */
struct kubeconfig {
    char *server;          /* "https://host:port[/prefix]"; a scheme-less server gets "http://"
                              as in client-go's DefaultServerURL; never NULL */
    int tls;               /* server scheme is https (credentials are only used then) */
    char *context;         /* context used ("" when none / in-cluster) */
    char *cluster;         /* cluster name ("" when none) */
    char *user;            /* user name ("" when none) */
    char *namespace;       /* --namespace, else the context's, else "default" */
    char *source;          /* file that defined the context (or cluster), or "in-cluster" */
    unsigned char *ca_pem; /* CA bundle (inline data or file contents); NULL = system roots */
    size_t ca_len;
    char *ca_file;           /* the file ca_pem was read from; NULL when inline */
    unsigned char *cert_pem; /* client certificate; NULL when none */
    size_t cert_len;
    char *cert_file;
    unsigned char *key_pem; /* client key; NULL when none */
    size_t key_len;
    char *key_file;
    char *token;      /* static bearer token (token, or tokenFile as first read); NULL = none */
    char *token_file; /* re-read by kubeconfig_bearer_token(); NULL = none */
    char *username;   /* basic auth (legacy); NULL = none */
    char *password;
    int insecure_skip_tls_verify;
    char *tls_server_name; /* NULL = none */
    char *proxy_url;       /* stored, validated (http, https, socks5); NULL = none */
    int in_cluster;
    struct kubeconfig__token *tok_; /* private token cache */
};

/*
 * Loads with the rules above from the environment ($KUBECONFIG, $HOME) and resolves the
 * selected context. ov may be NULL. On success *out is a new config (kubeconfig_free).
 * Errors (message in err): -ENOENT explicit file missing; -EINVAL invalid or empty
 * configuration, bad field, missing context/cluster/user; -ENOTSUP exec/auth-provider user;
 * -EIO/-errno unreadable file; -E2BIG file larger than KG_MAX_CONFIG_FILE.
 * An empty configuration gives client-go's "invalid configuration: no configuration has been
 * provided, try setting KUBERNETES_MASTER environment variable" (-EINVAL,
 * kubeconfig_is_empty_error() true).
 */
int kubeconfig_load(const struct kubeconfig_overrides *ov, struct kubeconfig **out, char *err,
                    size_t errlen);

/*
 * Same, from one in-memory document. origin names it in messages and is the base for relative
 * paths (NULL: "<memory>", paths left relative to the working directory). ov->kubeconfig is
 * ignored. Referenced files (certificate-authority, tokenFile, ...) are still read.
 */
int kubeconfig_load_data(const char *data, size_t len, const char *origin,
                         const struct kubeconfig_overrides *ov, struct kubeconfig **out, char *err,
                         size_t errlen);

/*
 * rest.InClusterConfig: server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (an
 * IPv6 host is bracketed), token from SA_DIR/token (re-read as it rotates), CA from
 * SA_DIR/ca.crt (when it holds no valid certificate an error is logged and system roots are
 * used, as client-go does), namespace from $POD_NAMESPACE, SA_DIR/namespace, else "default".
 * sa_dir NULL means $KGAUGE_SA_DIR, else KG_KUBECONFIG_SA_DIR.
 * Errors: -ENXIO "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT must be defined"; -errno when the token cannot be read.
 */
int kubeconfig_in_cluster(const char *sa_dir, struct kubeconfig **out, char *err, size_t errlen);

/* True when both service variables are set and SA_DIR/token is a regular file (client-go's
 * inClusterClientConfig.Possible). */
int kubeconfig_in_cluster_possible(const char *sa_dir);

/*
 * clientcmd's deferred loading: kubeconfig_load(); when that fails only because the
 * configuration is empty and in-cluster config is possible, kubeconfig_in_cluster() with
 * --server, --token and --certificate-authority applied on top.
 */
int kubeconfig_load_auto(const struct kubeconfig_overrides *ov, struct kubeconfig **out, char *err,
                         size_t errlen);

/* True when err (as written by the loaders) is the empty-configuration error. */
int kubeconfig_is_empty_error(const char *err);

void kubeconfig_free(struct kubeconfig *kc); /* accepts NULL */

/*
 * The bearer token to send now ("" when the config has none). With a token file, the cached
 * value is re-read when KG_KUBECONFIG_TOKEN_REREAD_NS elapsed since the last read or the file
 * changed (stat); whitespace is trimmed. When a re-read fails the previous token (or the
 * static one) is returned and the failure logged, as client-go does; with nothing to fall
 * back on the error is returned (e.g. "read empty token from file \"F\""). now_ns is any
 * monotonic clock, used consistently. Returns 0, -E2BIG when outlen is too small, or -errno.
 * err may be NULL.
 */
int kubeconfig_bearer_token(struct kubeconfig *kc, int64_t now_ns, char *out, size_t outlen,
                            char *err, size_t errlen);

/* rest_token_cb-compatible wrapper (ud = struct kubeconfig *; now = time_mono_ns()). */
int kubeconfig_token_cb(void *ud, char *out, size_t outlen);

/* ---- writer ---- */

/* What `kgauge sim` writes: one cluster, one user, one context, made current. */
struct kubeconfig_spec {
    const char *cluster_name; /* required */
    const char *server;       /* required */
    const void *ca_pem;       /* written as certificate-authority-data; NULL = none */
    size_t ca_len;
    int insecure_skip_tls_verify;
    const char *tls_server_name;
    const char *user_name; /* required */
    const void *cert_pem;  /* client-certificate-data + client-key-data, or token */
    size_t cert_len;
    const void *key_pem;
    size_t key_len;
    const char *token;
    const char *context_name; /* required */
    const char *namespace;    /* NULL = none */
};

/* Appends the YAML document to out. -EINVAL (message) for a missing required field or a
 * cert without key; -E2BIG when out's limit is reached. */
int kubeconfig_write(const struct kubeconfig_spec *spec, struct buf *out, char *err, size_t errlen);
/* Writes it to path with mode 0600 (via a temporary file and rename). Returns 0 or -errno. */
int kubeconfig_write_file(const struct kubeconfig_spec *spec, const char *path, char *err,
                          size_t errlen);

/* Standard base64 as Go's encoding/json decodes []byte: CR and LF ignored, padding required,
 * error text "illegal base64 data at input byte N". *out is malloc'd (NUL-terminated). */
int kubeconfig_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen,
                             char *err, size_t errlen);

#endif
