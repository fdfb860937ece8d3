# metrics/decode: Prometheus text tokenizer (promtext), kubelet /metrics/resource and
# /stats/summary decoders into struct node_batch, and the `kgauge scrape` command.
kgauge_module(promtext SOURCES ${CMAKE_CURRENT_LIST_DIR}/promtext.c DEPS kg_util m)
kgauge_module(decode SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/decode.c
  ${CMAKE_CURRENT_LIST_DIR}/summary.c
  DEPS kg_promtext kg_json kg_util)
kgauge_module(scrapecmd SOURCES ${CMAKE_CURRENT_LIST_DIR}/scrapecmd.c DEPS kg_decode kg_json kg_util)

kgauge_unit_test(promtext SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_promtext.c DEPS kg_promtext)
kgauge_unit_test(decode SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_decode.c DEPS kg_decode kg_scrapecmd)
kgauge_unit_test(summary SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_summary.c DEPS kg_decode)

kgauge_fuzz(promtext SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_promtext.c DEPS kg_promtext)
kgauge_fuzz(decode SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_decode.c DEPS kg_decode)
kgauge_fuzz(summary SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_summary.c DEPS kg_decode)

# Benchmark (not a test): decode a generated 110-pod payload; see docs/PERFORMANCE.md.
if(NOT KGAUGE_FUZZ)
  add_executable(bench_decode ${CMAKE_SOURCE_DIR}/bench/decode/bench_decode.c)
  target_link_libraries(bench_decode PRIVATE kg_decode)
endif()
