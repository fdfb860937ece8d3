# metrics/store: two samples per node and container, usage computed from them, immutable views
# for lock-free readers. See docs/internals/store.md.
kgauge_module(store SOURCES ${CMAKE_CURRENT_LIST_DIR}/store.c DEPS kg_util)
kgauge_unit_test(store SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_store.c DEPS kg_store)

# Benchmark (not a test): put of 5,000 nodes × 110 pods and full iterations; bench/store/README.md.
if(NOT KGAUGE_FUZZ)
  add_executable(bench_store ${CMAKE_SOURCE_DIR}/bench/store/bench_store.c)
  target_link_libraries(bench_store PRIVATE kg_store)
endif()
