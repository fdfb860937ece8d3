kgauge_module(clientconfig SOURCES ${CMAKE_CURRENT_LIST_DIR}/clientconfig.c
  DEPS kg_kubeconfig kg_rest kg_util)
kgauge_unit_test(clientconfig SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_clientconfig.c
  ${CMAKE_SOURCE_DIR}/tests/unit/tls_fixture.c DEPS kg_clientconfig kg_http_server)
