# metrics/api: metrics.k8s.io request handling (discovery, Node/PodMetrics, Table, Status
# errors) as pure functions over a store view. See docs/internals/metrics-api.md.
kgauge_module(metrics_api SOURCES ${CMAKE_CURRENT_LIST_DIR}/api.c
  DEPS kg_store kg_json kg_quantity kg_fields kg_labels kg_util)
kgauge_unit_test(metrics_api SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_metrics_api.c
  DEPS kg_metrics_api)
kgauge_fuzz(metrics_api_request SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_metrics_api_request.c
  DEPS kg_metrics_api)
