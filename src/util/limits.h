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

/* ---- json/json ---- */
/* Longest accessor path, in bytes (paths are written by programmers, not peers). */
#define KG_MAX_JSON_PATH 256

/* ---- json/writer ---- */
/* Longest indent string accepted by json_writer_set_indent. */
#define KG_MAX_JSON_INDENT 16

/* ---- http/client ---- */
/* Longest URL accepted by http_req_set_url (kubelet and API URLs are far shorter). */
#define KG_MAX_HTTP_URL 8192
/* Default cap on a buffered response body: the largest JSON document we accept. */
#define KG_HTTP_DEFAULT_MAX_BODY (256u * 1024 * 1024)
/* Longest header line accepted by http_req_add_header (name + value). */
#define KG_MAX_HTTP_REQ_HEADER 16384

/* ---- http/server ---- */
/* Segments in a route pattern or a request path that routing looks at. */
#define KG_MAX_HTTP_PATH_SEGMENTS 64
/* {param} segments in one pattern. */
#define KG_MAX_HTTP_ROUTE_PARAMS 16
/* Listen sockets of one server (the simulator runs one per kubelet). */
#define KG_MAX_HTTP_LISTENERS 16384
/* Certificates read from a client's chain; the rest are ignored (chains are 1-3 long). */
#define KG_MAX_HTTP_PEER_CHAIN 16
/* O attributes kept from a client certificate (they become user groups). */
#define KG_MAX_HTTP_PEER_ORGS 64
/* Longest CN or O value kept (longer values make the certificate unusable for identity). */
#define KG_MAX_HTTP_PEER_NAME 1024
/* Bytes of an over-limit chunked body read and dropped before the connection is cut (Go's
 * net/http reads up to 256 KiB of an unread body before closing). */
#define KG_HTTP_BODY_DISCARD (256u * 1024)
/* Default cap on what a stream may buffer for a slow client. */
#define KG_HTTP_STREAM_DEFAULT_BUFFER (4u * 1024 * 1024)
/* Client CA files. */
#define KG_MAX_HTTP_CLIENT_CAS 8

/* ---- hpa/behavior ---- */
/* Policies per direction accepted (the API sets no maximum; real HPAs use one to three). */
#define KG_MAX_HPA_POLICIES 64
/* Entries kept per log. Stale entries are overwritten, so a log normally holds about
 * window / sync period entries; past this bound the oldest entry is dropped. */
#define KG_MAX_HPA_HISTORY 4096

/* ---- hpa/vectors ---- */
/* Largest vector file read (the shared controller file is ~270 KB). */
#define KG_MAX_HPA_VECTOR_FILE (64u * 1024 * 1024)
/* Vectors per file, and elements of any one list inside a vector. */
#define KG_MAX_HPA_VECTORS 100000
#define KG_MAX_HPA_VECTOR_LIST 100000

/* ---- hpa/calc ---- */
/* Pods (and metric samples) one calculation accepts; larger selections are rejected with an
 * error instead of being processed partially. */
#define KG_MAX_HPA_PODS 100000

/* ---- hpa/status ---- */
/* Conditions an HPA status may hold (the controller uses 3; the rest are foreign types read
 * from the API and preserved). */
#define KG_MAX_HPA_CONDITIONS 16
/* Bytes of a condition or event message, and of a reason/type. */
#define KG_HPA_MSG_LEN 1024
#define KG_HPA_WORD_LEN 64
/* Events one reconcile can emit: one per failing metric plus a handful. */
#define KG_MAX_HPA_EVENTS (KG_MAX_HPA_METRICS + 8)
/* Metric specs per HPA (the API sets no maximum; real HPAs have a few). */
#define KG_MAX_HPA_METRICS 64

/* ---- x509/x509 ---- */
/* Values of one subject attribute (O, OU, C, ST, L) in a template; Kubernetes groups are O. */
#define KG_MAX_X509_NAME_VALUES 16
/* DNS plus IP SANs in one template (a serving cert has a handful). */
#define KG_MAX_X509_SANS 1024
/* Bytes in one subject attribute value or DNS SAN (a DNS name is at most 253). */
#define KG_MAX_X509_STRING 1024
/* Certificates in one PEM bundle or pool (Mozilla's root bundle holds ~150). */
#define KG_MAX_X509_BUNDLE 4096

/* ---- kube/rest ---- */
/* Longest bearer token accepted from the config or the token callback. */
#define KG_MAX_REST_TOKEN 16384
/* Parallel blocking calls before callers wait for a free lane. */
#define KG_MAX_REST_LANES 16
/* Longest path + query built for a request. */
#define KG_MAX_REST_PATH 8192
/* Bytes of a non-Status error body used as the message (client-go caps it at 2 KiB too). */
#define KG_REST_MAX_ERROR_TEXT 2048
/* Sizes of the decoded Status fields (longer values are truncated). */
#define KG_REST_STATUS_REASON 64
#define KG_REST_STATUS_MESSAGE 2048

/* ---- kube/labels ---- */
/* Suggested error buffer for selector messages: a quoted 8 KiB key needs up to 4 bytes per
 * input byte; longer messages (thousands of invalid values) are truncated. */
#define KG_SELECTOR_ERRBUF (4 * KG_MAX_SELECTOR_LEN + 1024)

/* ---- kube/quantity ---- */
/* Longest input accepted by quantity_parse (longer text fails with -E2BIG). Kubernetes has no
 * limit, but a longer quantity is never meaningful and this bound keeps parsing in fixed space. */
#define KG_MAX_QUANTITY_INPUT (KG_MAX_QUANTITY_LEN - 1)

/* ---- kube/informer ---- */
/* Longest cache key and resourceVersion kept (names are <= 253, namespaces <= 63). */
#define KG_INFORMER_MAX_KEY 320
#define KG_INFORMER_MAX_RV 128

/* ---- kube/kubeconfig ---- */
/* Files taken from $KUBECONFIG (more are an error: nobody merges 64 kubeconfigs). */
#define KG_MAX_KUBECONFIG_FILES 64
/* Entries per list (clusters, users, contexts) in one file. */
#define KG_MAX_KUBECONFIG_ENTRIES 10000
/* A token file (projected service-account tokens are ~1 KiB; rest.h caps tokens at 16 KiB). */
#define KG_MAX_TOKEN_FILE (64u * 1024)

#endif
