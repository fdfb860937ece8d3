kgauge_module(rest SOURCES ${CMAKE_CURRENT_LIST_DIR}/rest.c DEPS kg_http_client kg_json kg_util)
kgauge_module(informer SOURCES ${CMAKE_CURRENT_LIST_DIR}/informer.c DEPS kg_rest)
kgauge_unit_test(rest SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_rest.c
  ${CMAKE_SOURCE_DIR}/tests/unit/testserver.c DEPS kg_rest)
kgauge_unit_test(informer SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_informer.c
  ${CMAKE_SOURCE_DIR}/tests/unit/testserver.c DEPS kg_informer)
kgauge_fuzz(rest_decode SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_rest_decode.c DEPS kg_rest)
