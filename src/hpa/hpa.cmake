# HPA algorithm (pure: no I/O) and the test-vector runner behind `kgauge hpa vectors`.
kgauge_module(hpa SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/calc.c
  ${CMAKE_CURRENT_LIST_DIR}/behavior.c
  ${CMAKE_CURRENT_LIST_DIR}/status.c
  ${CMAKE_CURRENT_LIST_DIR}/reconcile.c
  ${CMAKE_CURRENT_LIST_DIR}/vectors.c
  DEPS kg_json kg_labels kg_util m)
kgauge_unit_test(hpa_vectors SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_hpa_vectors.c DEPS kg_hpa)
kgauge_unit_test(hpa_algo SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_hpa_algo.c DEPS kg_hpa)
kgauge_fuzz(hpa_vectors SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_hpa_vectors.c DEPS kg_hpa)
