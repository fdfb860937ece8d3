#!/usr/bin/env bash
# `kgauge certs`: the outputs checked with the real tools that consume them — `openssl verify`
# (-purpose sslclient / sslserver, -verify_hostname), `openssl x509 -text`, kubectl's own YAML
# decoding of apiservice.yaml (offline: `kubectl annotate --local`), and a real TLS handshake:
# `openssl s_server` with serving.pem requiring a client certificate from front-proxy-ca.pem,
# `curl` trusting only the APIService's caBundle and presenting front-proxy-client.pem, reaching
# the name the kube-aggregator verifies (metrics-server.kube-system.svc) through --resolve.
# Also: file modes, --force, CSR JSON from the seed, errors and exit codes.
# Not covered here: the handshake through `kgauge sim`'s aggregation layer (needs the sim's
# aggregator; see docs/certs.md).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { skip_note "openssl not installed: test skipped"; pass; exit 0; }

mode() { stat -c '%a' "$1"; }
text() { openssl x509 -in "$1" -noout -text; }

# ---- front-proxy, from the seed's CSR JSON when available ----
seed="${KGAUGE_SRC:-}/../shared/seed"
args=()
if [[ -f "$seed/front-proxy-ca-csr.json" && -f "$seed/front-proxy-client-csr.json" ]]; then
  args=(--ca-csr "$seed/front-proxy-ca-csr.json" --client-csr "$seed/front-proxy-client-csr.json")
else
  skip_note "no seed CSRs at $seed: using the built-in defaults (the same CN and key)"
fi
fp="$TMP/fp"
out=$("$KGAUGE" certs front-proxy --out "$fp" "${args[@]}" 2>"$TMP/fp.err")
abs=$(cd "$fp" && pwd -P)
for f in front-proxy-ca.pem front-proxy-client.pem; do [[ $(mode "$fp/$f") == 644 ]] || fail "$f mode $(mode "$fp/$f")"; done
for f in front-proxy-ca-key.pem front-proxy-client-key.pem; do [[ $(mode "$fp/$f") == 600 ]] || fail "$f mode $(mode "$fp/$f")"; done

ca_text=$(text "$fp/front-proxy-ca.pem")
expect_match "$ca_text" 'Subject: CN ?= ?kubernetes$'
expect_match "$ca_text" 'Issuer: CN ?= ?kubernetes$'
expect_contains "$ca_text" "CA:TRUE"
expect_contains "$ca_text" "Certificate Sign, CRL Sign"
expect_contains "$ca_text" "Public-Key: (2048 bit)"
cl_text=$(text "$fp/front-proxy-client.pem")
expect_match "$cl_text" 'Subject: CN ?= ?front-proxy-client$'
expect_contains "$cl_text" "CA:FALSE"
expect_contains "$cl_text" "TLS Web Client Authentication"
expect_contains "$cl_text" "Digital Signature, Key Encipherment"
expect_contains "$cl_text" "Public-Key: (2048 bit)"
[[ "$cl_text" != *"TLS Web Server Authentication"* ]] || fail "client certificate has serverAuth"
openssl rsa -in "$fp/front-proxy-client-key.pem" -check -noout >/dev/null 2>&1 || fail "client key does not check"
[[ $(openssl x509 -in "$fp/front-proxy-client.pem" -noout -pubkey) == $(openssl pkey -in "$fp/front-proxy-client-key.pem" -pubout) ]] \
  || fail "client key does not match its certificate"

v=$(openssl verify -CAfile "$fp/front-proxy-ca.pem" -purpose sslclient "$fp/front-proxy-client.pem" 2>&1) || fail "verify sslclient: $v"
if openssl verify -CAfile "$fp/front-proxy-ca.pem" -purpose sslserver "$fp/front-proxy-client.pem" >/dev/null 2>&1; then
  fail "the client certificate verified for sslserver"
fi

# stdout holds exactly the kube-apiserver flags, with absolute paths
want="--requestheader-client-ca-file=$abs/front-proxy-ca.pem
--requestheader-allowed-names=front-proxy-client
--requestheader-extra-headers-prefix=X-Remote-Extra-
--requestheader-group-headers=X-Remote-Group
--requestheader-username-headers=X-Remote-User
--proxy-client-cert-file=$abs/front-proxy-client.pem
--proxy-client-key-file=$abs/front-proxy-client-key.pem
--enable-aggregator-routing=true"
[[ "$out" == "$want" ]] || fail "flags: got
$out
want
$want"
[[ "$(cat "$TMP/fp.err")" != *warning* ]] || fail "unexpected warning: $(cat "$TMP/fp.err")"

# ---- existing files: refused without --force, nothing written; replaced with --force ----
before=$(openssl x509 -in "$fp/front-proxy-ca.pem" -noout -fingerprint -sha256)
rm "$fp/front-proxy-client-key.pem"
rc=0; err=$("$KGAUGE" certs front-proxy --out "$fp" --key-algo ecdsa 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 ]] || fail "expected exit 1 when files exist, got $rc"
expect_contains "$err" "$fp/front-proxy-ca.pem already exists; nothing was written (use --force to overwrite)"
[[ ! -e "$fp/front-proxy-client-key.pem" ]] || fail "a file was written although the run was refused"
[[ $(openssl x509 -in "$fp/front-proxy-ca.pem" -noout -fingerprint -sha256) == "$before" ]] || fail "CA changed"
"$KGAUGE" certs front-proxy --out "$fp" --key-algo ecdsa --force >/dev/null 2>&1 || fail "--force run failed"
[[ $(openssl x509 -in "$fp/front-proxy-ca.pem" -noout -fingerprint -sha256) != "$before" ]] || fail "--force did not replace the CA"
[[ $(mode "$fp/front-proxy-client-key.pem") == 600 ]] || fail "key mode after --force"
expect_contains "$(text "$fp/front-proxy-client.pem")" "ASN1 OID: prime256v1"

# ---- the seed's allowed-names mismatch is warned about ----
err=$("$KGAUGE" certs front-proxy --out "$TMP/fp-warn" --key-algo ecdsa --allowed-names aggregator 2>&1 >"$TMP/warn.out")
expect_contains "$err" "warning: --allowed-names does not include the client certificate's CN \"front-proxy-client\""
expect_contains "$(cat "$TMP/warn.out")" "--requestheader-allowed-names=aggregator"

# ---- bad CSR JSON: exit 1, the file and the field named ----
printf '{"CN": "x", "key": {"algo": "rsa", "size": 1024}}' >"$TMP/weak.json"
rc=0; err=$("$KGAUGE" certs front-proxy --out "$TMP/bad" --csr "$TMP/weak.json" 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "weak key CSR: exit $rc"
expect_contains "$err" "$TMP/weak.json: key.size: RSA key size 1024 is too weak"
printf '{"CN": "x", "key": {"algo": "dsa", "size": 2048}}' >"$TMP/algo.json"
rc=0; err=$("$KGAUGE" certs front-proxy --out "$TMP/bad" --ca-csr "$TMP/algo.json" 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "bad algo CSR: exit $rc"
expect_contains "$err" "$TMP/algo.json: key.algo: unsupported algorithm \"dsa\""
printf '{"CN": "x", ' >"$TMP/trunc.json"
expect_exit 1 "$KGAUGE" certs front-proxy --out "$TMP/bad" --csr "$TMP/trunc.json"
[[ ! -e "$TMP/bad" ]] || fail "files written for a bad CSR"

# ---- usage errors: exit 2 ----
expect_exit 2 "$KGAUGE" certs
expect_exit 2 "$KGAUGE" certs nonsense
expect_exit 2 "$KGAUGE" certs front-proxy
expect_exit 2 "$KGAUGE" certs front-proxy --out "$TMP/u" --key-algo dsa
expect_exit 2 "$KGAUGE" certs front-proxy --out "$TMP/u" --key-size 1024
expect_exit 2 "$KGAUGE" certs serving --out "$TMP/u" --service Bad_Name
expect_exit 2 "$KGAUGE" certs serving --out "$TMP/u" --ip 300.1.1.1
expect_exit 2 "$KGAUGE" certs serving --out "$TMP/u" --versions v2
expect_exit 0 "$KGAUGE" certs --help
[[ ! -e "$TMP/u" ]] || fail "files written on a usage error"

# ---- serving + APIService ----
sv="$TMP/sv"
"$KGAUGE" certs serving --out "$sv" --key-algo ecdsa --ip 10.96.0.10 --versions v1beta1,v1 >"$TMP/sv.out" 2>/dev/null
for f in serving-ca.pem serving.pem apiservice.yaml; do [[ $(mode "$sv/$f") == 644 ]] || fail "$f mode"; done
for f in serving-ca-key.pem serving-key.pem; do [[ $(mode "$sv/$f") == 600 ]] || fail "$f mode"; done
sv_text=$(text "$sv/serving.pem")
expect_contains "$sv_text" "DNS:metrics-server, DNS:metrics-server.kube-system, DNS:metrics-server.kube-system.svc, DNS:metrics-server.kube-system.svc.cluster.local, IP Address:10.96.0.10"
expect_contains "$sv_text" "TLS Web Server Authentication"
expect_contains "$sv_text" "CA:FALSE"
v=$(openssl verify -CAfile "$sv/serving-ca.pem" -purpose sslserver -verify_hostname metrics-server.kube-system.svc "$sv/serving.pem" 2>&1) \
  || fail "verify sslserver: $v"
if openssl verify -CAfile "$sv/serving-ca.pem" -purpose sslserver -verify_hostname metrics-server.default.svc "$sv/serving.pem" >/dev/null 2>&1; then
  fail "verified for a name it does not hold"
fi
if openssl verify -CAfile "$sv/serving-ca.pem" -purpose sslclient "$sv/serving.pem" >/dev/null 2>&1; then
  fail "the serving certificate verified for sslclient"
fi
sv_abs=$(cd "$sv" && pwd -P)
[[ "$(cat "$TMP/sv.out")" == "--tls-cert-file=$sv_abs/serving.pem
--tls-private-key-file=$sv_abs/serving-key.pem" ]] || fail "serving flags: $(cat "$TMP/sv.out")"

# apiservice.yaml as kubectl decodes it (no server needed for --local), caBundle == serving-ca.pem
if command -v kubectl >/dev/null; then
  fields=$(KUBECONFIG=/dev/null kubectl annotate --local -f "$sv/apiservice.yaml" checked=true \
    -o jsonpath='{.apiVersion} {.kind} {.metadata.name} {.spec.group} {.spec.version} {.spec.groupPriorityMinimum} {.spec.versionPriority} {.spec.service.name} {.spec.service.namespace} {.spec.service.port}{"\n"}' 2>&1) \
    || fail "kubectl could not decode apiservice.yaml: $fields"
  [[ "$fields" == "apiregistration.k8s.io/v1 APIService v1beta1.metrics.k8s.io metrics.k8s.io v1beta1 100 100 metrics-server kube-system 443
apiregistration.k8s.io/v1 APIService v1.metrics.k8s.io metrics.k8s.io v1 100 100 metrics-server kube-system 443" ]] \
    || fail "apiservice.yaml fields: $fields"
  # (through a file: `| head` could end kubectl with SIGPIPE, which pipefail would report)
  KUBECONFIG=/dev/null kubectl annotate --local -f "$sv/apiservice.yaml" checked=true \
    -o jsonpath='{.spec.caBundle}{"\n"}' >"$TMP/bundles.b64"
  [[ $(wc -l <"$TMP/bundles.b64") -eq 2 ]] || fail "expected two caBundles: $(cat "$TMP/bundles.b64")"
  [[ $(sed -n 1p "$TMP/bundles.b64") == $(sed -n 2p "$TMP/bundles.b64") ]] || fail "the two APIServices differ in caBundle"
  sed -n 1p "$TMP/bundles.b64" | base64 -d >"$TMP/bundle.pem"
else
  skip_note "kubectl not installed: apiservice.yaml checked with grep"
  grep '^  caBundle: ' "$sv/apiservice.yaml" | sed -n '1s/^  caBundle: //p' | base64 -d >"$TMP/bundle.pem"
fi
cmp -s "$TMP/bundle.pem" "$sv/serving-ca.pem" || fail "caBundle is not serving-ca.pem"

# ---- a real handshake, as the kube-aggregator makes it ----
"$KGAUGE" certs front-proxy --out "$sv" --key-algo ecdsa >/dev/null 2>&1
openssl s_server -accept 127.0.0.1:0 -cert "$sv/serving.pem" -key "$sv/serving-key.pem" \
  -Verify 1 -CAfile "$sv/front-proxy-ca.pem" -verify_return_error -www >"$TMP/s_server.log" 2>&1 &
track $!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/s_server.log")
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || fail "openssl s_server did not start: $(cat "$TMP/s_server.log")"
host=metrics-server.kube-system.svc
if command -v curl >/dev/null; then
  body=$(curl -sS --max-time 10 --resolve "$host:$port:127.0.0.1" --cacert "$TMP/bundle.pem" \
    --cert "$sv/front-proxy-client.pem" --key "$sv/front-proxy-client-key.pem" "https://$host:$port/" 2>&1) \
    || fail "curl through the caBundle with the front-proxy client certificate: $body"
  expect_contains "$body" "s_server -accept"
  # wrong name: the certificate does not hold it
  rc=0; curl -sS --max-time 10 --resolve "metrics-server.default.svc:$port:127.0.0.1" --cacert "$TMP/bundle.pem" \
    --cert "$sv/front-proxy-client.pem" --key "$sv/front-proxy-client-key.pem" \
    "https://metrics-server.default.svc:$port/" >/dev/null 2>&1 || rc=$?
  [[ $rc -eq 60 ]] || fail "expected curl exit 60 (peer verification) for a wrong name, got $rc"
  # no client certificate: the server (like an aggregated API server's requestheader check) refuses
  rc=0; curl -sS --max-time 10 --resolve "$host:$port:127.0.0.1" --cacert "$TMP/bundle.pem" \
    "https://$host:$port/" >/dev/null 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || fail "handshake without a client certificate succeeded"
else
  skip_note "curl not installed: handshake checked with s_client only"
fi
hs=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername "$host" \
  -verify_hostname "$host" -verify_return_error -CAfile "$TMP/bundle.pem" \
  -cert "$sv/front-proxy-client.pem" -key "$sv/front-proxy-client-key.pem" 2>&1) || fail "s_client: $hs"
expect_contains "$hs" "Verify return code: 0 (ok)"
pass
