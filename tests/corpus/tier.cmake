# Corpus tier: smelt's Parquet reader against the apache/parquet-testing
# files, value for value against pyarrow (tests/corpus/pq_compare.py).
add_executable(pq_dump ${CMAKE_CURRENT_LIST_DIR}/pq_dump.c ${PROJECT_SOURCE_DIR}/tests/lib/canon_json.c)
target_include_directories(pq_dump PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
target_link_libraries(pq_dump PRIVATE smelt_parquet)
smelt_script_test(corpus parquet ${CMAKE_CURRENT_LIST_DIR}/test_parquet_corpus.sh)
set_property(TEST corpus/parquet APPEND PROPERTY ENVIRONMENT "PQ_DUMP=$<TARGET_FILE:pq_dump>")
