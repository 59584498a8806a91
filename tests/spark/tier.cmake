# Apache Spark as a peer (interop tier): Spark + delta-spark read the Parquet
# files and Delta tables smelt writes, and smelt reads the Delta tables Spark
# writes.  Spark comes from scripts/peers/spark (cached outside the clone).
if(TARGET pq_gen)
  smelt_script_test(interop spark-parquet-read ${CMAKE_CURRENT_LIST_DIR}/test_parquet_read.sh)
endif()
if(TARGET delta_gen)
  smelt_script_test(interop spark-delta-read ${CMAKE_CURRENT_LIST_DIR}/test_delta_read.sh)
  smelt_script_test(interop spark-delta-write ${CMAKE_CURRENT_LIST_DIR}/test_delta_write.sh)
endif()
