# Helpers used by the module fragments (src/<area>/<module>.cmake).
#
#   kgauge_module(NAME SOURCES a.c... [DEPS kg_x... PkgConfig::Y...])
#       static library kg_<NAME>; public include root is src/, so code says #include "util/buf.h".
#   kgauge_unit_test(NAME SOURCES t.c... DEPS ... [LABELS unit|e2e|slow] [TIMEOUT s])
#       cmocka test executable test_<NAME>, registered with CTest (label unit by default).
#   kgauge_fuzz(NAME SOURCES f.c... DEPS ...)
#       libFuzzer target fuzz_<NAME> (only when KGAUGE_FUZZ); seeds in tests/fuzz/corpus/<NAME>/.

# The shared, outside-truth test data (real kubelet payloads, Metrics API responses, kubectl
# transcripts, HPA vectors). Tests read it through $KGAUGE_TESTDATA and skip, saying so, when
# the variable is unset: it is set only when the directory exists.
set(KGAUGE_TESTDATA "${CMAKE_SOURCE_DIR}/../shared/testdata" CACHE PATH "shared test data directory")
get_filename_component(KGAUGE_TESTDATA_ABS "${KGAUGE_TESTDATA}" ABSOLUTE)
if(EXISTS "${KGAUGE_TESTDATA_ABS}")
  set(KGAUGE_TEST_ENV "KGAUGE_SRC=${CMAKE_SOURCE_DIR};KGAUGE_TESTDATA=${KGAUGE_TESTDATA_ABS}")
else()
  message(STATUS "shared test data not found at ${KGAUGE_TESTDATA_ABS}: tests that need it will skip")
  set(KGAUGE_TEST_ENV "KGAUGE_SRC=${CMAKE_SOURCE_DIR}")
endif()

function(kgauge_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kg_${name} STATIC ${M_SOURCES})
  target_include_directories(kg_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(kg_${name} PUBLIC ${M_DEPS} Threads::Threads)
  set_property(GLOBAL APPEND PROPERTY KGAUGE_LIBS kg_${name})
endfunction()

function(kgauge_unit_test name)
  if(NOT KGAUGE_TESTS OR KGAUGE_FUZZ)
    return()
  endif()
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(test_${name} ${T_SOURCES})
  target_include_directories(test_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(test_${name} PRIVATE ${T_DEPS} PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME ${name} COMMAND test_${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${KGAUGE_TEST_ENV}")
endfunction()

function(kgauge_fuzz name)
  if(NOT KGAUGE_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(fuzz_${name} ${F_SOURCES})
  target_include_directories(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(fuzz_${name} PRIVATE ${F_DEPS})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  set_property(GLOBAL APPEND PROPERTY KGAUGE_FUZZERS fuzz_${name})
endfunction()
