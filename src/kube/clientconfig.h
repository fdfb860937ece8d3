/*
 * From a loaded kubeconfig to a REST client: the step every kgauge component that talks to an
 * API server takes (metrics-server, hpa-controller, top). Kept apart from both modules so that
 * kube/rest does not depend on YAML and kube/kubeconfig does not depend on HTTP.
 */
#ifndef KGAUGE_KUBE_CLIENTCONFIG_H
#define KGAUGE_KUBE_CLIENTCONFIG_H

#include <stddef.h>

struct kubeconfig;
struct rest_config;
struct rest_client;

/*
 * Fills cfg from kc. cfg borrows kc's strings and bytes, and its token callback reads kc (so
 * a rotating tokenFile is re-read), so kc must outlive every client made from cfg.
 * Returns 0, or -ENOTSUP with a message naming the setting when kc asks for something the REST
 * client does not do (tls-server-name, basic auth, proxy-url): failing is better than
 * connecting in a way the user did not ask for.
 */
int clientconfig_to_rest(const struct kubeconfig *kc, struct rest_config *cfg, char *err,
                         size_t errlen);

/* clientconfig_to_rest + rest_client_new, with user_agent set ("kgauge/<version> <component>"
 * style, as client-go's). NULL with a message in err. */
struct rest_client *clientconfig_rest_client(const struct kubeconfig *kc, const char *user_agent,
                                             char *err, size_t errlen);

#endif
