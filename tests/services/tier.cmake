# The peer servers smelt's other tiers use (scripts/services/*): each test
# installs its server if missing, starts it on a free 127.0.0.1 port in a
# temporary state directory, checks that it really works, stops it and checks
# that nothing is left listening.
smelt_script_test(services postgres ${CMAKE_CURRENT_LIST_DIR}/test_postgres.sh)
smelt_script_test(services minio ${CMAKE_CURRENT_LIST_DIR}/test_minio.sh)
smelt_script_test(services kafka ${CMAKE_CURRENT_LIST_DIR}/test_kafka.sh)
smelt_script_test(services smelt ${CMAKE_CURRENT_LIST_DIR}/test_smelt_services.sh)
# The whole reference pipeline on the stack: examples/northwind into the
# buckets (gold checked against PostgreSQL), produce + stream on the broker
# (checked against kcat), and `smelt serve`'s dashboard.
smelt_script_test(services stack_e2e ${CMAKE_CURRENT_LIST_DIR}/test_stack_e2e.sh)
