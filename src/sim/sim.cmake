# kgauge sim: simulated cluster (API server subset over TLS, object store, world generator).
kgauge_module(sim SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/apiserver.c
  ${CMAKE_CURRENT_LIST_DIR}/certs.c
  ${CMAKE_CURRENT_LIST_DIR}/discovery.c
  ${CMAKE_CURRENT_LIST_DIR}/model.c
  ${CMAKE_CURRENT_LIST_DIR}/objects.c
  ${CMAKE_CURRENT_LIST_DIR}/request.c
  ${CMAKE_CURRENT_LIST_DIR}/sim.c
  ${CMAKE_CURRENT_LIST_DIR}/store.c
  ${CMAKE_CURRENT_LIST_DIR}/table.c
  ${CMAKE_CURRENT_LIST_DIR}/world.c
  DEPS kg_http_server kg_json kg_x509 kg_kubeconfig kg_fields kg_labels kg_quantity kg_util)
kgauge_unit_test(sim_store SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_sim_store.c DEPS kg_sim)
kgauge_unit_test(sim_render SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_sim_render.c DEPS kg_sim)
kgauge_unit_test(sim_request SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_sim_request.c
  DEPS kg_sim)
kgauge_unit_test(sim_apiserver SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_sim_apiserver.c
  DEPS kg_sim PkgConfig::CURL TIMEOUT 60)
kgauge_fuzz(sim_request SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_sim_request.c DEPS kg_sim)
kgauge_unit_test(sim_model SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_sim_model.c DEPS kg_sim)
kgauge_fuzz(sim_model SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_sim_model.c DEPS kg_sim)
