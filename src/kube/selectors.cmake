# Label and field selectors (k8s.io/apimachinery/pkg/labels and pkg/fields).
kgauge_module(labels SOURCES ${CMAKE_CURRENT_LIST_DIR}/labels.c DEPS kg_util)
kgauge_module(fields SOURCES ${CMAKE_CURRENT_LIST_DIR}/fields.c DEPS kg_labels kg_util)
kgauge_unit_test(labels SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_labels.c DEPS kg_labels)
kgauge_unit_test(fields SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_fields.c DEPS kg_fields)
kgauge_fuzz(label_selector SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_label_selector.c
  DEPS kg_labels)
kgauge_fuzz(field_selector SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_field_selector.c
  DEPS kg_fields)
