kgauge_module(http_client SOURCES ${CMAKE_CURRENT_LIST_DIR}/client.c DEPS kg_util PkgConfig::CURL)
kgauge_unit_test(http_client SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_http_client.c
  ${CMAKE_SOURCE_DIR}/tests/unit/testserver.c DEPS kg_http_client)
kgauge_fuzz(http_header SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_http_header.c DEPS kg_http_client)
