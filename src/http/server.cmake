kgauge_module(http_server SOURCES ${CMAKE_CURRENT_LIST_DIR}/server.c
  DEPS kg_util PkgConfig::MHD PkgConfig::GNUTLS)
kgauge_unit_test(http_server SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_http_server.c
  ${CMAKE_SOURCE_DIR}/tests/unit/tls_fixture.c DEPS kg_http_server PkgConfig::CURL TIMEOUT 60)
kgauge_fuzz(http_route SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_http_route.c DEPS kg_http_server)
