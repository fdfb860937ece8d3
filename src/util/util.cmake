kgauge_module(util SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/alloc.c
  ${CMAKE_CURRENT_LIST_DIR}/buf.c
  ${CMAKE_CURRENT_LIST_DIR}/err.c
  ${CMAKE_CURRENT_LIST_DIR}/arena.c
  ${CMAKE_CURRENT_LIST_DIR}/log.c
  ${CMAKE_CURRENT_LIST_DIR}/time.c)
kgauge_unit_test(util SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_util.c DEPS kg_util)
