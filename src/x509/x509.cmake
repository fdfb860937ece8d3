kgauge_module(x509 SOURCES ${CMAKE_CURRENT_LIST_DIR}/x509.c DEPS kg_util PkgConfig::OPENSSL)
kgauge_unit_test(x509 SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_x509.c DEPS kg_x509)
kgauge_fuzz(pem SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_pem.c DEPS kg_x509)
