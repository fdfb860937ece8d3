kgauge_module(quantity SOURCES ${CMAKE_CURRENT_LIST_DIR}/quantity.c DEPS kg_util)
kgauge_unit_test(quantity SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_quantity.c DEPS kg_quantity)
kgauge_fuzz(quantity SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_quantity.c DEPS kg_quantity)
