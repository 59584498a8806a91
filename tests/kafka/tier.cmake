# Kafka integration tier: smelt's producer and consumer source against a
# real Apache Kafka broker (scripts/services/kafka), checked with kcat as
# an independent client.
if(TARGET smelt_connect)
  add_executable(kafka_check ${CMAKE_CURRENT_LIST_DIR}/kafka_check.c)
  target_link_libraries(kafka_check PRIVATE smelt_connect)
  set_target_properties(kafka_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/kafka)
  smelt_script_test(integration kafka ${CMAKE_CURRENT_LIST_DIR}/test_kafka.sh)
endif()

# The web UI's stream monitor (/api/streams) against the same real broker.
if(TARGET smelt)
  smelt_script_test(integration kafka_serve_streams ${CMAKE_CURRENT_LIST_DIR}/test_serve_streams.sh)
endif()
