smelt_script_test(cli basics ${CMAKE_CURRENT_LIST_DIR}/test_basics.sh)
# tests/cli/test_lake.sh is registered by tests/interop/tier.cmake, which
# builds the delta_gen program it uses.
smelt_script_test(cli parquet ${CMAKE_CURRENT_LIST_DIR}/test_parquet.sh)
smelt_script_test(cli init ${CMAKE_CURRENT_LIST_DIR}/test_init.sh)
smelt_script_test(cli install ${CMAKE_CURRENT_LIST_DIR}/test_install.sh)
