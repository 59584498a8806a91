# The web UI (src/serve): API tests in-process with libcurl (unit tier),
# and the end-to-end browser test (e2e tier: Debian's chromium driven by
# playwright-core; tests/serve/install-browser.sh fetches both).
pkg_check_modules(SERVE_CURL REQUIRED IMPORTED_TARGET libcurl)
add_library(serve_fake_provider STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_provider.c)
target_link_libraries(serve_fake_provider PUBLIC smelt_serve)

add_executable(serve_test_api ${CMAKE_CURRENT_LIST_DIR}/test_api.c)
target_include_directories(serve_test_api PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(serve_test_api PRIVATE serve_fake_provider PkgConfig::SERVE_CURL)
add_test(NAME unit/serve/api COMMAND serve_test_api)
set_tests_properties(unit/serve/api PROPERTIES LABELS unit TIMEOUT 300)

add_executable(serve_fake ${CMAKE_CURRENT_LIST_DIR}/serve_fake.c)
target_link_libraries(serve_fake PRIVATE serve_fake_provider)

smelt_script_test(e2e browser ${CMAKE_CURRENT_LIST_DIR}/test_browser.sh)
set_property(TEST e2e/browser APPEND PROPERTY ENVIRONMENT
  "SERVE_FAKE_BIN=$<TARGET_FILE:serve_fake>")

# The SQL console on a PostgreSQL source against a real PostgreSQL.
smelt_script_test(integration serve_pg_console ${CMAKE_CURRENT_LIST_DIR}/test_pg_console.sh)

# The web UI over a real demo lake (smelt gen + smelt run) with a live
# stream on a real Kafka broker, in chromium (tests/serve/browser_lake.cjs).
smelt_script_test(e2e browser_lake ${CMAKE_CURRENT_LIST_DIR}/test_browser_lake.sh)
