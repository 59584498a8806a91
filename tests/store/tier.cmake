# The S3 store against a real MinIO server (scripts/services/minio), with
# tests/store/faultproxy.py in between for the retry tests.
add_executable(store_s3_check ${CMAKE_CURRENT_LIST_DIR}/s3_check.c)
target_include_directories(store_s3_check PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(store_s3_check PRIVATE smelt_store)
smelt_script_test(integration s3 ${CMAKE_CURRENT_LIST_DIR}/test_s3.sh)
set_property(TEST integration/s3 APPEND PROPERTY ENVIRONMENT
  "S3_CHECK_BIN=$<TARGET_FILE:store_s3_check>")
