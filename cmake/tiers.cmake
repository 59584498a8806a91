# smelt_script_test(TIER NAME SCRIPT [ARGS...])
# A test tier's test is a script; exit 77 means "skipped" (CTest shows it as
# such).  Scripts must not skip under CI=true: tests/lib/tier.sh enforces it.
function(smelt_script_test tier name script)
  add_test(NAME ${tier}/${name}
           COMMAND bash ${script} ${ARGN}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(${tier}/${name} PROPERTIES
    LABELS ${tier} SKIP_RETURN_CODE 77 TIMEOUT 1200
    ENVIRONMENT "SMELT_BIN=$<TARGET_FILE:smelt>;SMELT_SOURCE_DIR=${PROJECT_SOURCE_DIR};SMELT_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()
