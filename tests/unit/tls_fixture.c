/*
 * Test PKI built by running `openssl` (fork + exec, no shell, so nothing needs quoting).
 * Certificates are signed with `openssl x509 -req`; an expired one (days < 0) needs an explicit
 * validity window, which OpenSSL 3.0's x509 command cannot set, so it goes through
 * `openssl ca -startdate/-enddate` with a minimal throw-away config and database.
 */
#include "tls_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void fx_err(struct tls_fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fx_err(struct tls_fixture *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof f->err, fmt, ap);
    va_end(ap);
}

char *tls_fixture_path(const struct tls_fixture *f, const char *file, char *out, size_t outlen)
{
    size_t dl = strlen(f->dir), fl = strlen(file);
    if (dl + fl + 2 > outlen) {
        out[0] = '\0'; /* never happens with TLS_FIXTURE_PATH-sized buffers and short stems */
        return out;
    }
    memcpy(out, f->dir, dl);
    out[dl] = '/';
    memcpy(out + dl + 1, file, fl + 1);
    return out;
}

/* Runs argv with stdout/stderr into <dir>/openssl.log; 0 when it exits 0. */
static int run(struct tls_fixture *f, char *const argv[])
{
    char logpath[TLS_FIXTURE_PATH + 16];
    pid_t pid;
    int status = 0;

    tls_fixture_path(f, "openssl.log", logpath, sizeof logpath);
    pid = fork();
    if (pid < 0) {
        fx_err(f, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (nul >= 0)
            dup2(nul, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fx_err(f, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char cmd[512] = "";
        size_t len = 0;
        for (size_t i = 0; argv[i] && len < sizeof cmd - 1; i++) {
            int w = snprintf(cmd + len, sizeof cmd - len, "%s%s", i ? " " : "", argv[i]);
            if (w < 0)
                break;
            len += (size_t)w;
        }
        fx_err(f, "command failed (status %d): %s; see %s", status, cmd, logpath);
        return -1;
    }
    return 0;
}

static int write_text(struct tls_fixture *f, const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fx_err(f, "fopen %s: %s", path, strerror(errno));
        return -1;
    }
    fputs(text, fp);
    if (fclose(fp) != 0) {
        fx_err(f, "write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* "/O=a/O=b/CN=cn" from a comma list; '/' and '\' in values are escaped for -subj. */
static void build_subject(const char *cn, const char *orgs, char *out, size_t outlen)
{
    size_t len = 0;
    const char *p = orgs;
    out[0] = '\0';
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        len += (size_t)snprintf(out + len, outlen - len, "/O=");
        for (size_t i = 0; i < n && len + 2 < outlen; i++) {
            if (p[i] == '/' || p[i] == '\\')
                out[len++] = '\\';
            out[len++] = p[i];
        }
        out[len] = '\0';
        p = e ? e + 1 : NULL;
    }
    len += (size_t)snprintf(out + len, outlen - len, "/CN=");
    for (size_t i = 0; cn[i] && len + 2 < outlen; i++) {
        if (cn[i] == '/' || cn[i] == '\\')
            out[len++] = '\\';
        out[len++] = cn[i];
    }
    out[len] = '\0';
}

int tls_fixture_issue(struct tls_fixture *f, const struct tls_fixture_cert *c, char *cert,
                      char *key)
{
    static long next_serial = 5000;
    char subj[1024], ext[2048], extpath[TLS_FIXTURE_PATH + 32], csr[TLS_FIXTURE_PATH + 32];
    char ca_cert[TLS_FIXTURE_PATH + 32], ca_key[TLS_FIXTURE_PATH + 32];
    char days[32], serial[32], stem[256];
    const char *cn = c->cn ? c->cn : c->name;
    int d = c->days ? c->days : 365;

    snprintf(stem, sizeof stem, "%s.crt", c->name);
    tls_fixture_path(f, stem, cert, TLS_FIXTURE_PATH);
    snprintf(stem, sizeof stem, "%s.key", c->name);
    tls_fixture_path(f, stem, key, TLS_FIXTURE_PATH);
    snprintf(stem, sizeof stem, "%s.csr", c->name);
    tls_fixture_path(f, stem, csr, sizeof csr);
    snprintf(stem, sizeof stem, "%s.ext", c->name);
    tls_fixture_path(f, stem, extpath, sizeof extpath);
    build_subject(cn, c->orgs, subj, sizeof subj);
    snprintf(serial, sizeof serial, "%ld", c->serial ? c->serial : next_serial++);

    switch (c->kind) {
    case TLS_FIXTURE_CA:
        snprintf(ext, sizeof ext,
                 "basicConstraints=critical,CA:TRUE\n"
                 "keyUsage=critical,keyCertSign,cRLSign,digitalSignature\n"
                 "subjectKeyIdentifier=hash\n");
        break;
    case TLS_FIXTURE_SERVER:
        snprintf(ext, sizeof ext,
                 "basicConstraints=critical,CA:FALSE\n"
                 "keyUsage=critical,digitalSignature,keyEncipherment\n"
                 "extendedKeyUsage=serverAuth\n"
                 "subjectAltName=%s\n",
                 c->sans ? c->sans : "IP:127.0.0.1,IP:::1,DNS:localhost");
        break;
    case TLS_FIXTURE_CLIENT:
        snprintf(ext, sizeof ext,
                 "basicConstraints=critical,CA:FALSE\n"
                 "keyUsage=critical,digitalSignature,keyEncipherment\n"
                 "extendedKeyUsage=clientAuth\n");
        break;
    }
    if (write_text(f, extpath, ext) < 0)
        return -1;

    {
        char *argv[] = {
            "openssl", "req",     "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes",  "-keyout", key,    "-subj",   subj, "-out",     csr,
            NULL
        };
        if (run(f, argv) < 0)
            return -1;
    }
    snprintf(days, sizeof days, "%d", d);
    if (d < 0) {
        char cfg[TLS_FIXTURE_PATH + 32], db[TLS_FIXTURE_PATH + 32], ser[TLS_FIXTURE_PATH + 32];
        char text[4096], hexser[32];
        if (!c->signer) {
            fx_err(f, "%s: an expired certificate needs a signer", c->name);
            return -1;
        }
        snprintf(stem, sizeof stem, "%s.ca.cnf", c->name);
        tls_fixture_path(f, stem, cfg, sizeof cfg);
        snprintf(stem, sizeof stem, "%s.index", c->name);
        tls_fixture_path(f, stem, db, sizeof db);
        snprintf(stem, sizeof stem, "%s.serial", c->name);
        tls_fixture_path(f, stem, ser, sizeof ser);
        snprintf(text, sizeof text,
                 "[ca]\ndefault_ca = d\n[d]\ndatabase = %s\nnew_certs_dir = %s\nserial = %s\n"
                 "default_md = sha256\npolicy = p\nunique_subject = no\n"
                 "[p]\ncommonName = supplied\norganizationName = optional\n",
                 db, f->dir, ser);
        snprintf(hexser, sizeof hexser, "%04lX\n", c->serial ? c->serial : next_serial++);
        if (write_text(f, cfg, text) < 0 || write_text(f, db, "") < 0 ||
            write_text(f, ser, hexser) < 0)
            return -1;
        snprintf(stem, sizeof stem, "%s.crt", c->signer);
        tls_fixture_path(f, stem, ca_cert, sizeof ca_cert);
        snprintf(stem, sizeof stem, "%s.key", c->signer);
        tls_fixture_path(f, stem, ca_key, sizeof ca_key);
        char *argv[] = { "openssl",  "ca",         "-batch",          "-config",  cfg,
                         "-in",      csr,          "-cert",           ca_cert,    "-keyfile",
                         ca_key,     "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                         "-extfile", extpath,      "-preserveDN",     "-notext",  "-out",
                         cert,       NULL };
        return run(f, argv);
    }
    if (c->signer) {
        snprintf(stem, sizeof stem, "%s.crt", c->signer);
        tls_fixture_path(f, stem, ca_cert, sizeof ca_cert);
        snprintf(stem, sizeof stem, "%s.key", c->signer);
        tls_fixture_path(f, stem, ca_key, sizeof ca_key);
        char *argv[] = { "openssl", "x509",    "-req",        "-in",  csr,     "-CA", ca_cert,
                         "-CAkey",  ca_key,    "-set_serial", serial, "-days", days,  "-extfile",
                         extpath,   "-sha256", "-out",        cert,   NULL };
        if (run(f, argv) < 0)
            return -1;
    } else {
        char *argv[] = { "openssl", "x509",        "-req", "-in",   csr,  "-signkey",
                         key,       "-set_serial", serial, "-days", days, "-extfile",
                         extpath,   "-sha256",     "-out", cert,    NULL };
        if (run(f, argv) < 0)
            return -1;
    }
    return 0;
}

int tls_fixture_create(struct tls_fixture *f, const char *client_cn, const char *client_orgs)
{
    const char *tmp = getenv("TMPDIR");
    struct tls_fixture_cert c;

    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/kgauge-tls-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        fx_err(f, "mkdtemp %s: %s", f->dir, strerror(errno));
        f->dir[0] = '\0';
        return -1;
    }
    memset(&c, 0, sizeof c);
    c = (struct tls_fixture_cert){
        .name = "ca", .kind = TLS_FIXTURE_CA, .cn = "kgauge-test-ca", .serial = 1
    };
    if (tls_fixture_issue(f, &c, f->ca_cert, f->ca_key) < 0)
        return -1;
    c = (struct tls_fixture_cert){
        .name = "other-ca", .kind = TLS_FIXTURE_CA, .cn = "kgauge-other-ca", .serial = 2
    };
    if (tls_fixture_issue(f, &c, f->other_ca_cert, f->other_ca_key) < 0)
        return -1;
    c = (struct tls_fixture_cert){ .name = "server",
                                   .signer = "ca",
                                   .kind = TLS_FIXTURE_SERVER,
                                   .cn = "localhost",
                                   .serial = 1001 };
    if (tls_fixture_issue(f, &c, f->server_cert, f->server_key) < 0)
        return -1;
    c = (struct tls_fixture_cert){ .name = "client",
                                   .signer = "ca",
                                   .kind = TLS_FIXTURE_CLIENT,
                                   .cn = client_cn ? client_cn : "test-client",
                                   .orgs = client_orgs,
                                   .serial = 2001 };
    if (tls_fixture_issue(f, &c, f->client_cert, f->client_key) < 0)
        return -1;
    c = (struct tls_fixture_cert){ .name = "other-client",
                                   .signer = "other-ca",
                                   .kind = TLS_FIXTURE_CLIENT,
                                   .cn = client_cn ? client_cn : "test-client",
                                   .orgs = client_orgs,
                                   .serial = 3001 };
    if (tls_fixture_issue(f, &c, f->other_client_cert, f->other_client_key) < 0)
        return -1;
    return 0;
}

void tls_fixture_destroy(struct tls_fixture *f)
{
    if (!f->dir[0])
        return;
    char *argv[] = { "rm", "-rf", "--", f->dir, NULL };
    (void)run(f, argv);
    f->dir[0] = '\0';
}
