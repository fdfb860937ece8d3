/*
 * `kgauge sim`: a simulated Kubernetes cluster on loopback that the real kubectl works against.
 * The user-facing contract is docs/sim.md; this header is the programmatic one (tests start a
 * sim in-process the same way sim_main does).
 *
 * sim_start() creates dir (0755, parents too) and writes the PKI (sim/certs.h) and `kubeconfig`
 * (cluster, user and context "kgauge-sim": https://127.0.0.1:<port> with the CA and the admin
 * client certificate embedded), fills the store with the initial world (sim/world.h), starts the
 * API server (sim/apiserver.h) and only then writes `ready` (containing the server URL and a
 * newline). sim_stop() removes `ready` first, then stops serving and frees everything; the other
 * files stay.
 */
#ifndef KGAUGE_SIM_SIM_H
#define KGAUGE_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

/* Default --nodes. */
#define KG_SIM_DEFAULT_NODES 3

struct sim_config {
    const char *dir;             /* required */
    unsigned nodes;              /* 0..KG_SIM_MAX_NODES */
    uint64_t seed;               /* --seed */
    int port;                    /* 0 = a free port */
    const char *kubelet_version; /* NULL = KG_SIM_DEFAULT_KUBELET_VERSION */
    const char *server_version;  /* NULL = KG_SIM_DEFAULT_SERVER_VERSION */
};

struct sim;

/* Returns 0 and *out, or a negative errno with a message (what failed, which file) in err. */
int sim_start(const struct sim_config *cfg, struct sim **out, char *err, size_t errlen);
/* The API server's port. */
int sim_port(const struct sim *s);
/* Removes the ready file, stops the API server, frees. Accepts NULL. */
void sim_stop(struct sim *s);

/* The `kgauge sim` subcommand (argv[0] is "sim"): runs until SIGTERM or SIGINT, then stops
 * cleanly and returns 0; 2 for bad flags, 1 when the sim cannot start. */
int sim_main(int argc, char **argv);

#endif
