# Pipeline runs against real servers (scripts/services/*).
smelt_script_test(integration bronze ${CMAKE_CURRENT_LIST_DIR}/test_bronze.sh)
smelt_script_test(integration gen ${CMAKE_CURRENT_LIST_DIR}/test_gen.sh)
