# Pipeline runs against real servers (scripts/services/*).
smelt_script_test(integration bronze ${CMAKE_CURRENT_LIST_DIR}/test_bronze.sh)
smelt_script_test(integration bronze_pool ${CMAKE_CURRENT_LIST_DIR}/test_bronze_pool.sh)
smelt_script_test(integration gen ${CMAKE_CURRENT_LIST_DIR}/test_gen.sh)
smelt_script_test(cli pipeline-checks ${CMAKE_CURRENT_LIST_DIR}/test_checks.sh)
smelt_script_test(cli pipeline-http ${CMAKE_CURRENT_LIST_DIR}/test_http.sh)
smelt_script_test(interop pipeline-starters ${CMAKE_CURRENT_LIST_DIR}/test_starters.sh)
smelt_script_test(cli pipeline-parallel ${CMAKE_CURRENT_LIST_DIR}/test_parallel.sh)
