/*
 * The sim API server's request parsers, kept apart from the HTTP plumbing so they can be fuzzed:
 *
 *   - request_parse_path: an API path into group, version, namespace, resource, name and
 *     subresource, as kube-apiserver's RequestInfoFactory splits it;
 *   - request_negotiate: the response media type from an Accept header (JSON, Table, metadata
 *     only, aggregated discovery), as kube-apiserver's content negotiation picks it;
 *   - request_continue_encode/decode: list continue tokens in kube-apiserver's format
 *     (base64url without padding of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}, the key
 *     relative to the listed collection) with its error texts.
 *
 * Inputs are untrusted (any bytes); every function is bounded by the limits below.
 */
#ifndef KGAUGE_SIM_REQUEST_H
#define KGAUGE_SIM_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* Longest request path parsed (longer: not an API path). */
#define KG_SIM_MAX_PATH 4096
/* Media ranges of an Accept header looked at (the rest are ignored); kubectl sends three. */
#define KG_SIM_MAX_ACCEPT_RANGES 32
/* Longest Accept header considered (longer headers are cut at this length). */
#define KG_SIM_MAX_ACCEPT 4096
/* Longest continue token accepted. */
#define KG_SIM_MAX_CONTINUE 4096

struct request_info {
    bool is_api;       /* under /api or /apis with a group version */
    bool core;         /* /api/v1 (the legacy core group) */
    const char *group; /* "" for core */
    const char *version;
    const char *ns;          /* "" when none */
    const char *resource;    /* "" for the group version itself (discovery) */
    const char *name;        /* "" when none */
    const char *subresource; /* "" when none */
    size_t n_extra;          /* path segments beyond subresource (makes it a 404) */
    /* private */
    char scratch_[KG_SIM_MAX_PATH + 16];
};

/*
 * Splits an already percent-decoded path. "/api/v1/namespaces/ns/pods/x/status" gives ns "ns",
 * resource "pods", name "x", subresource "status"; "/api/v1/namespaces/x" gives resource
 * "namespaces", name "x" (and ns "x", like RequestInfo); "/apis/apps/v1" gives the group
 * version with resource "". Paths that are not under /api/<v> or /apis/<g>/<v> give is_api
 * false. As Go's RequestInfoFactory does, leading and trailing '/' are trimmed and the rest split
 * at every '/' (so "a//b" has an empty segment, which never names anything).
 */
void request_parse_path(const char *path, struct request_info *out);

enum request_media {
    MEDIA_JSON = 1u << 0,          /* application/json (also chosen for * / *, application/ *) */
    MEDIA_TABLE_V1 = 1u << 1,      /* ;as=Table;v=v1;g=meta.k8s.io */
    MEDIA_TABLE_V1BETA1 = 1u << 2, /* ;as=Table;v=v1beta1;g=meta.k8s.io */
    MEDIA_PARTIAL = 1u << 3,       /* ;as=PartialObjectMetadata;v=v1;g=meta.k8s.io */
    MEDIA_PARTIAL_LIST = 1u << 4,  /* ;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io */
    MEDIA_DISCOVERY_V2 = 1u << 5,  /* ;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList */
    MEDIA_DISCOVERY_V2BETA1 = 1u << 6,
};

/*
 * Picks the response type: the media ranges of accept (NULL or empty = "* / *") in order of
 * their q value (stable; q=0 ranges are refused), the first one that is one of the allowed
 * MEDIA_* bits. Parameters are matched regardless of order and case of names; unknown "as"
 * conversions and other types (protobuf, yaml) are skipped. Returns the MEDIA_* bit, or 0 when
 * nothing acceptable is allowed (the server answers 406).
 */
unsigned request_negotiate(const char *accept, unsigned allowed);

/* Appends the token for a list at rv whose last returned object has key last_key, relative to
 * the listed collection: the name, or "<namespace>/<name>" when listing across namespaces. The
 * token's start key is last_key followed by a NUL byte, so the next page starts right after it. */
int request_continue_encode(uint64_t rv, const char *last_key, struct buf *out);

/*
 * Decodes a token into *rv and its start key (bytes, possibly holding NULs: key[0..*key_len),
 * NUL-terminated after that; key holds keylen bytes). Errors are -EINVAL with kube-apiserver's
 * message in err, e.g. "continue key is not valid: incorrect encoded start resourceVersion
 * (version meta.k8s.io/v1)"; the server answers 400 "invalid continue token: <message>".
 */
int request_continue_decode(const char *token, uint64_t *rv, char *key, size_t keylen,
                            size_t *key_len, char *err, size_t errlen);

#endif
