/*
 * `kgauge sim`: flags, the start sequence (directory, PKI, kubeconfig, world, API server, ready
 * file) and the signal-driven shutdown. SIGTERM and SIGINT are blocked in every thread and
 * taken with sigwait() by the main thread, so shutdown runs in ordinary code, not in a handler.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube/kubeconfig.h"
#include "sim/apiserver.h"
#include "sim/certs.h"
#include "sim/sim.h"
#include "sim/store.h"
#include "sim/world.h"
#include "util/alloc.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/time.h"
#include "x509/x509.h"

struct sim {
    char *dir;
    char *ready_path;
    struct store *st;
    struct apiserver *api;
};

/* mkdir -p with mode 0755. */
static int mkdir_p(const char *dir, char *err, size_t errlen)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                rc = -errno;
                snprintf(err, errlen, "mkdir %s: %s", p, strerror(errno));
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    if (!rc) {
        struct stat sb;
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "%s is not a directory", dir);
            rc = -ENOTDIR;
        }
    }
    return rc;
}

static int write_kubeconfig(const char *dir, int port, const struct sim_pki *pki, char *err,
                            size_t errlen)
{
    char server[64], path[PATH_MAX];
    snprintf(server, sizeof(server), "https://127.0.0.1:%d", port);
    snprintf(path, sizeof(path), "%s/kubeconfig", dir);
    struct kubeconfig_spec spec = {
        .cluster_name = "kgauge-sim",
        .server = server,
        .ca_pem = pki->ca_pem.ptr,
        .ca_len = pki->ca_pem.len,
        .user_name = "kgauge-sim",
        .cert_pem = pki->admin_cert_pem.ptr,
        .cert_len = pki->admin_cert_pem.len,
        .key_pem = pki->admin_key_pem.ptr,
        .key_len = pki->admin_key_pem.len,
        .context_name = "kgauge-sim",
    };
    return kubeconfig_write_file(&spec, path, err, errlen);
}

int sim_start(const struct sim_config *cfg, struct sim **out, char *err, size_t errlen)
{
    struct sim *s = xcalloc(1, sizeof(*s));
    struct sim_pki pki = { 0 };
    bool have_pki = false;
    char path[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
    int rc;
    int64_t t0 = time_mono_ns();

    if (!cfg->dir || !cfg->dir[0]) {
        snprintf(err, errlen, "a directory is required (--dir)");
        rc = -EINVAL;
        goto fail;
    }
    s->dir = xstrdup(cfg->dir);
    s->ready_path = xasprintf("%s/ready", cfg->dir);
    rc = mkdir_p(cfg->dir, err, errlen);
    if (rc)
        goto fail;
    unlink(s->ready_path); /* a stale one from a killed run */

    /* the world first: a bad --kubelet-version fails before any file is written */
    s->st = store_new();
    struct world_config wc = {
        .nodes = cfg->nodes,
        .seed = cfg->seed,
        .kubelet_version = cfg->kubelet_version,
        .now_ns = time_wall_ns(),
    };
    rc = world_populate(s->st, &wc, err, errlen);
    if (rc)
        goto fail;

    rc = certs_generate(cfg->dir, &pki, err, errlen);
    if (rc)
        goto fail;
    have_pki = true;

    snprintf(path, sizeof(path), "%s/apiserver.crt", cfg->dir);
    snprintf(key, sizeof(key), "%s/apiserver.key", cfg->dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", cfg->dir);
    struct apiserver_opts ao = {
        .cert_file = path,
        .key_file = key,
        .client_ca_file = ca,
        .port = cfg->port,
        .server_version = cfg->server_version,
        .seed = cfg->seed,
    };
    s->api = apiserver_new(s->st, &ao, err, errlen);
    if (!s->api) {
        rc = -EIO;
        goto fail;
    }
    rc = write_kubeconfig(cfg->dir, apiserver_port(s->api), &pki, err, errlen);
    if (rc)
        goto fail;
    rc = apiserver_start(s->api, err, errlen);
    if (rc)
        goto fail;

    char url[64];
    int n = snprintf(url, sizeof(url), "https://127.0.0.1:%d\n", apiserver_port(s->api));
    rc = x509_write_file(s->ready_path, url, (size_t)n, 0644, err, errlen);
    if (rc)
        goto fail;
    log_v(1, "sim: started in %.1f ms", (double)(time_mono_ns() - t0) / 1e6);
    certs_cleanup(&pki);
    *out = s;
    return 0;
fail:
    if (have_pki)
        certs_cleanup(&pki);
    sim_stop(s);
    *out = NULL;
    return rc ? rc : -EIO;
}

int sim_port(const struct sim *s)
{
    return apiserver_port(s->api);
}

void sim_stop(struct sim *s)
{
    if (!s)
        return;
    if (s->ready_path)
        unlink(s->ready_path);
    apiserver_free(s->api);
    store_free(s->st);
    free(s->ready_path);
    free(s->dir);
    free(s);
}

/* ---- the command ---- */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: kgauge sim --dir DIR [flags]\n\n"
            "Runs a simulated Kubernetes cluster on loopback: an API server on 127.0.0.1 that the\n"
            "real kubectl works against. Writes into DIR the cluster CA, the API server's serving\n"
            "certificate, an admin client certificate, the front-proxy CA and client certificate,\n"
            "`kubeconfig` and, once serving, `ready`. SIGTERM or SIGINT stops it.\n\n"
            "Flags:\n"
            "  --dir DIR                 directory for certificates, kubeconfig, ready (required)\n"
            "  --nodes N                 number of nodes (default %d, at most %d)\n"
            "  --seed S                  seed of names, UIDs and hashes (default 1)\n"
            "  --port P                  API server port on 127.0.0.1; 0 picks a free one "
            "(default 0)\n"
            "  --kubelet-version V       nodes' kubelet version (default %s)\n"
            "  --server-version V        version /version reports (default %s)\n",
            KG_SIM_DEFAULT_NODES, KG_SIM_MAX_NODES, KG_SIM_DEFAULT_KUBELET_VERSION,
            KG_SIM_DEFAULT_SERVER_VERSION);
}

static int parse_u64(const char *flag, const char *v, uint64_t max, uint64_t *out, char *err,
                     size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!v[0] || *end || errno || v[0] == '-' || v[0] == '+' || v[0] == ' ' || x > max) {
        snprintf(err, errlen, "invalid value \"%s\" for flag %s: want an integer from 0 to %llu", v,
                 flag, (unsigned long long)max);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

/* Parses argv into cfg. Returns 0, 1 for --help, or -EINVAL with a message. */
static int parse_flags(int argc, char **argv, struct sim_config *cfg, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "-help"))
            return 1;
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument \"%s\"", a);
            return -EINVAL;
        }
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        if (eq) {
            snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
            val = eq + 1;
        } else {
            snprintf(name, sizeof(name), "%s", a);
            if (i + 1 < argc)
                val = argv[++i];
        }
        if (!val) {
            snprintf(err, errlen, "flag needs an argument: %s", name);
            return -EINVAL;
        }
        uint64_t x = 0;
        int rc = 0;
        if (!strcmp(name, "--dir")) {
            cfg->dir = val;
        } else if (!strcmp(name, "--nodes")) {
            rc = parse_u64(name, val, KG_SIM_MAX_NODES, &x, err, errlen);
            cfg->nodes = (unsigned)x;
        } else if (!strcmp(name, "--seed")) {
            rc = parse_u64(name, val, UINT64_MAX, &x, err, errlen);
            cfg->seed = x;
        } else if (!strcmp(name, "--port")) {
            rc = parse_u64(name, val, 65535, &x, err, errlen);
            cfg->port = (int)x;
        } else if (!strcmp(name, "--kubelet-version")) {
            cfg->kubelet_version = val;
        } else if (!strcmp(name, "--server-version")) {
            cfg->server_version = val;
        } else {
            snprintf(err, errlen, "unknown flag: %s", name);
            return -EINVAL;
        }
        if (rc)
            return rc;
    }
    if (!cfg->dir || !cfg->dir[0]) {
        snprintf(err, errlen, "--dir is required");
        return -EINVAL;
    }
    return 0;
}

int sim_main(int argc, char **argv)
{
    char err[KG_ERRBUF];
    struct sim_config cfg = { .nodes = KG_SIM_DEFAULT_NODES, .seed = 1 };
    int rc = parse_flags(argc, argv, &cfg, err, sizeof(err));
    if (rc == 1) {
        usage(stdout);
        return 0;
    }
    if (rc) {
        fprintf(stderr, "kgauge sim: %s\n\n", err);
        usage(stderr);
        return 2;
    }

    /* Block the stop signals before any thread starts, so only sigwait() below sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sim *s;
    rc = sim_start(&cfg, &s, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "kgauge sim: %s\n", err);
        return 1;
    }
    log_info("sim: serving https://127.0.0.1:%d with %u nodes; kubeconfig %s/kubeconfig",
             sim_port(s), cfg.nodes, cfg.dir);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    log_info("sim: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sim_stop(s);
    return 0;
}
