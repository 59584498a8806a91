smelt_script_test(cli basics ${CMAKE_CURRENT_LIST_DIR}/test_basics.sh)
