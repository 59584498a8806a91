# Interop tier: other engines (pyarrow, DuckDB; Spark and delta-rs later)
# read what smelt writes.  Peers come from scripts/peers/python.
if(TARGET smelt_parquet)
  add_executable(pq_gen ${CMAKE_CURRENT_LIST_DIR}/pq_gen.c)
  target_link_libraries(pq_gen PRIVATE smelt_parquet)
  set_target_properties(pq_gen PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/interop)
  smelt_script_test(interop parquet-write ${CMAKE_CURRENT_LIST_DIR}/test_parquet_write.sh)
endif()
