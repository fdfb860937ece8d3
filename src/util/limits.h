/*
 * Every bound on input and buffering in kgauge, in one place (DESIGN style rule 8).
 * A module that needs a new limit adds it here with a comment saying why that size.
 */
#ifndef KGAUGE_UTIL_LIMITS_H
#define KGAUGE_UTIL_LIMITS_H

/* JSON documents read from the API server: a 5,000-node NodeList is ~40 MB. */
#define KG_MAX_JSON_DOC (256u * 1024 * 1024)
/* Nesting depth accepted by the JSON reader (Kubernetes objects nest < 20). */
#define KG_MAX_JSON_DEPTH 64
/* One watch event (an object plus its envelope). */
#define KG_MAX_WATCH_EVENT (16u * 1024 * 1024)
/* A kubelet /metrics/resource or /stats/summary body (110 pods is ~100 KB). */
#define KG_MAX_KUBELET_BODY (32u * 1024 * 1024)
/* kubeconfig files and PEM files. */
#define KG_MAX_CONFIG_FILE (16u * 1024 * 1024)
/* Request headers and bodies accepted by the HTTP server. */
#define KG_MAX_HTTP_HEADER (64u * 1024)
#define KG_MAX_HTTP_BODY (8u * 1024 * 1024)
/* Label and field selectors (query parameter length and number of requirements). */
#define KG_MAX_SELECTOR_LEN 8192
#define KG_MAX_SELECTOR_TERMS 256
/* Kubernetes name limits: qualified names 63 (+253 prefix), label values 63. */
#define KG_MAX_LABEL_NAME 63
#define KG_MAX_LABEL_PREFIX 253
#define KG_MAX_LABEL_VALUE 63
/* A quantity string ("123456789012345678901234567890Mi" is already silly). */
#define KG_MAX_QUANTITY_LEN 64
/* Size of a caller's human-readable error buffer. */
#define KG_ERRBUF 512
/* One log line. */
#define KG_MAX_LOG_LINE 4096

#endif
