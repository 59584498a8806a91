# Streaming integration tier: `smelt produce` and kcat into a real Apache
# Kafka broker (scripts/services/kafka), `smelt stream` into Delta, exact
# totals checked from the Delta sink; SIGKILL crashes, a broker restart
# and dead letters.
if(TARGET smelt_stream)
  add_executable(stream_check ${CMAKE_CURRENT_LIST_DIR}/stream_check.c)
  target_link_libraries(stream_check PRIVATE smelt_stream)
  set_target_properties(stream_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/stream)
  smelt_script_test(integration stream ${CMAKE_CURRENT_LIST_DIR}/test_stream.sh)
endif()
