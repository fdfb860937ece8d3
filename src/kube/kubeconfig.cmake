kgauge_module(kubeconfig SOURCES ${CMAKE_CURRENT_LIST_DIR}/kubeconfig.c
  DEPS kg_util PkgConfig::FYAML PkgConfig::OPENSSL)
kgauge_unit_test(kubeconfig SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_kubeconfig.c
  DEPS kg_kubeconfig)
kgauge_fuzz(kubeconfig SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_kubeconfig.c DEPS kg_kubeconfig)
if(TARGET test_kubeconfig)
  # fixtures under tests/data/kubeconfig when the binary runs outside CTest
  target_compile_definitions(test_kubeconfig PRIVATE KC_SRC="${CMAKE_SOURCE_DIR}")
endif()
