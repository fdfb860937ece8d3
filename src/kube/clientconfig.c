/*
 * kubeconfig → rest_config. Credentials are only used for https servers (kubeconfig.c already
 * leaves them out otherwise, as client-go does); a token file goes through the kubeconfig's
 * caching re-reader so a rotated service-account token is picked up without a restart.
 */
#include "kube/clientconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kube/kubeconfig.h"
#include "kube/rest.h"

int clientconfig_to_rest(const struct kubeconfig *kc, struct rest_config *cfg, char *err,
                         size_t errlen)
{
    const char *unsupported = NULL;
    if (kc->tls_server_name && *kc->tls_server_name)
        unsupported = "tls-server-name";
    else if (kc->username && *kc->username)
        unsupported = "username/password (basic authentication)";
    else if (kc->proxy_url && *kc->proxy_url)
        unsupported = "proxy-url";
    if (unsupported) {
        snprintf(err, errlen, "%s: context \"%s\": %s is not supported by kgauge",
                 kc->source ? kc->source : "kubeconfig", kc->context ? kc->context : "",
                 unsupported);
        return -ENOTSUP;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->server = kc->server;
    cfg->ca_pem = kc->ca_pem;
    cfg->ca_len = kc->ca_len;
    cfg->cert_pem = kc->cert_pem;
    cfg->cert_len = kc->cert_len;
    cfg->key_pem = kc->key_pem;
    cfg->key_len = kc->key_len;
    cfg->insecure = kc->insecure_skip_tls_verify;
    if (kc->token_file) {
        cfg->token_cb = kubeconfig_token_cb;
        cfg->token_ud = (void *)kc;
    } else {
        cfg->bearer_token = kc->token;
    }
    return 0;
}

struct rest_client *clientconfig_rest_client(const struct kubeconfig *kc, const char *user_agent,
                                             char *err, size_t errlen)
{
    struct rest_config cfg;
    if (clientconfig_to_rest(kc, &cfg, err, errlen))
        return NULL;
    cfg.user_agent = user_agent;
    return rest_client_new(&cfg, err, errlen);
}
