# json: strict reader over json-c, streaming writer, watch-stream framing.
kgauge_module(json SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/json.c
  ${CMAKE_CURRENT_LIST_DIR}/writer.c
  ${CMAKE_CURRENT_LIST_DIR}/watch.c
  DEPS kg_util PkgConfig::JSONC m)
kgauge_unit_test(json SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_json.c DEPS kg_json)
kgauge_unit_test(json_writer SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_json_writer.c DEPS kg_json)
kgauge_unit_test(json_watch SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_json_watch.c DEPS kg_json)
kgauge_fuzz(json_reader SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_json_reader.c DEPS kg_json)
kgauge_fuzz(watch_framing SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_watch_framing.c DEPS kg_json)

# Benchmark (not a test): writes and reads back a PodMetricsList; see bench/json/README.md.
if(NOT KGAUGE_FUZZ)
  add_executable(bench_json ${CMAKE_SOURCE_DIR}/bench/json/bench_json.c)
  target_link_libraries(bench_json PRIVATE kg_json)
endif()
