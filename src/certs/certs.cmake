# certs: `kgauge certs front-proxy|serving` (aggregation-layer CAs, certificates, APIService).
kgauge_module(certs SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/certs.c
  ${CMAKE_CURRENT_LIST_DIR}/csr.c
  DEPS kg_x509 kg_json kg_util PkgConfig::OPENSSL)
# The unit test also runs a TLS handshake through kgauge's own HTTPS server (GnuTLS) with a
# libcurl (OpenSSL) client, and reads apiservice.yaml with libfyaml.
kgauge_unit_test(certs SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_certs.c
  DEPS kg_certs kg_http_server PkgConfig::CURL PkgConfig::FYAML PkgConfig::OPENSSL TIMEOUT 60)
kgauge_fuzz(certs_csr SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_certs_csr.c DEPS kg_certs)
