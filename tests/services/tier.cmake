# The peer servers smelt's other tiers use (scripts/services/*): each test
# installs its server if missing, starts it on a free 127.0.0.1 port in a
# temporary state directory, checks that it really works, stops it and checks
# that nothing is left listening.
smelt_script_test(services postgres ${CMAKE_CURRENT_LIST_DIR}/test_postgres.sh)
smelt_script_test(services minio ${CMAKE_CURRENT_LIST_DIR}/test_minio.sh)
smelt_script_test(services kafka ${CMAKE_CURRENT_LIST_DIR}/test_kafka.sh)
smelt_script_test(services smelt ${CMAKE_CURRENT_LIST_DIR}/test_smelt_services.sh)
