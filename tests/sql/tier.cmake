# SQL tests: sqllogictest-style files (tests/sql/*.test) run by run_sqltest
# against a temporary lake, one `unit` test per file; and the differential
# test against DuckDB (interop tier).
if(TARGET smelt_sql AND TARGET smelt_exec)
  add_executable(run_sqltest ${CMAKE_CURRENT_LIST_DIR}/run_sqltest.c)
  target_link_libraries(run_sqltest PRIVATE smelt_sql)
  set_target_properties(run_sqltest PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/sql)
  add_executable(sql_run ${CMAKE_CURRENT_LIST_DIR}/sql_run.c)
  target_link_libraries(sql_run PRIVATE smelt_sql)
  set_target_properties(sql_run PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/sql)
  smelt_script_test(interop sql-duckdb ${CMAKE_CURRENT_LIST_DIR}/test_duckdb.sh)
  smelt_script_test(integration northwind-models ${CMAKE_CURRENT_LIST_DIR}/test_northwind.sh)
  file(GLOB sql_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.test)
  foreach(t ${sql_tests})
    get_filename_component(n ${t} NAME_WE)
    add_test(NAME unit/sql/${n} COMMAND run_sqltest ${t})
    set_tests_properties(unit/sql/${n} PROPERTIES LABELS unit TIMEOUT 300)
  endforeach()
endif()
