/*
 * kgauge: subcommand dispatch. Each subcommand is a function taking its own argv (argv[0] is
 * the subcommand name); shared klog flags (-v, --logtostderr) are consumed here first.
 * When invoked as `kubectl-kgauge` (the kubectl plugin name), behaves as `kgauge`.
 */
#include <curl/curl.h>
#include <libfyaml.h>
#include <json-c/json_c_version.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "buildinfo.h"
#include "certs/certs.h"
#include "hpa/vectors.h"
#include "metrics/scrapecmd.h"
#include "sim/sim.h"
#include "util/limits.h"
#include "util/log.h"

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_hpa(int argc, char **argv);

static const struct command commands[] = {
    { "help", "Show this help", cmd_help },
    { "version", "Print the version and build information", cmd_version },
    { "certs", "Generate aggregation-layer certificates", certs_main },
    { "hpa", "HPA tools: 'hpa vectors FILE...' runs HPA test vectors", cmd_hpa },
    { "scrape", "Decode a saved kubelet payload and print its samples as JSON", scrape_main },
    { "sim", "Run a simulated cluster on loopback", sim_main },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "kgauge", or "kubectl kgauge" when run as the kubectl plugin (kubectl-kgauge). */
static const char *prog = "kgauge";

static void usage(FILE *out)
{
    fprintf(out,
            "kgauge: the Kubernetes resource-metrics pipeline\n\n"
            "Usage: %s COMMAND [flags]\n\nCommands:\n",
            prog);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nFlags accepted by every command:\n"
            "  -v, --v N          log verbosity (klog levels, default 0)\n"
            "  --logtostderr      accepted for compatibility; logs always go to stderr\n"
            "\nRun '%s COMMAND --help' for a command's flags.\n",
            prog);
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    usage(stdout);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("kgauge %s\n", KGAUGE_VERSION);
    printf("commit:    %s\n", KGAUGE_GIT_COMMIT);
    printf("build:     %s, %s\n", KGAUGE_BUILD_TYPE, KGAUGE_COMPILER);
    printf("libraries: %s, libcurl %s, libmicrohttpd %s, json-c %s, libfyaml %s\n",
           OpenSSL_version(OPENSSL_VERSION), curl_version_info(CURLVERSION_NOW)->version,
           MHD_get_version(), json_c_version(), fy_library_version());
    return 0;
}

static int cmd_hpa(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "vectors"))
        return hpa_vectors_main(argc - 1, argv + 1);
    int asked = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    fprintf(asked ? stdout : stderr, "Usage: %s hpa vectors [-v] FILE...\n", prog);
    return asked ? 0 : 2;
}

int main(int argc, char **argv)
{
    char err[KG_ERRBUF];
    const char *base = strrchr(argv[0], '/');
    if (!strcmp(base ? base + 1 : argv[0], "kubectl-kgauge"))
        prog = "kubectl kgauge";
    if (log_consume_flags(&argc, argv, err, sizeof(err))) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        name = "help";
    else if (!strcmp(name, "--version"))
        name = "version";
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!strcmp(commands[i].name, name))
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "%s: unknown command \"%s\"\n\n", prog, argv[1]);
    usage(stderr);
    return 2;
}
