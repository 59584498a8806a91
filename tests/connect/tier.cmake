# The PostgreSQL source against a real server: test_pg.sh starts a private
# PostgreSQL (scripts/services/postgres), loads Northwind and runs pg_check,
# which compares everything smelt decodes with PostgreSQL's own answers;
# test_bronze_pipe.sh runs smelt run into bronze and breaks it mid-table.
if(TARGET smelt_connect)
  add_executable(connect_pg_check ${CMAKE_CURRENT_LIST_DIR}/pg_check.c)
  target_link_libraries(connect_pg_check PRIVATE smelt_connect)
  smelt_script_test(integration connect_pg ${CMAKE_CURRENT_LIST_DIR}/test_pg.sh
                    $<TARGET_FILE:connect_pg_check>)
  # the pipelined bronze write (decoder thread + writer thread), its errors
  smelt_script_test(integration connect_bronze_pipe ${CMAKE_CURRENT_LIST_DIR}/test_bronze_pipe.sh)
endif()
