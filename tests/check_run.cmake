# Runs one command and checks its exit status and output.
#   -DCOMMAND="a^^b^^c"       the command line, arguments separated by ^^
#   -DEXPECT_EXIT=N           required exit status
#   -DEXPECT_STDOUT=regex     (optional) stdout must match
#   -DEXPECT_STDERR=regex     (optional) stderr must match
#   -DFORBID_STDERR=regex     (optional) stderr must not match
string(REPLACE "^^" ";" COMMAND "${COMMAND}")
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 300)
set(ok TRUE)
if(NOT "${status}" STREQUAL "${EXPECT_EXIT}")
  message(SEND_ERROR "exit status ${status}, expected ${EXPECT_EXIT}")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
  message(SEND_ERROR "stdout does not match '${EXPECT_STDOUT}'")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
  message(SEND_ERROR "stderr does not match '${EXPECT_STDERR}'")
  set(ok FALSE)
endif()
if(DEFINED FORBID_STDERR AND err MATCHES "${FORBID_STDERR}")
  message(SEND_ERROR "stderr matches forbidden '${FORBID_STDERR}'")
  set(ok FALSE)
endif()
if(NOT ok)
  message(FATAL_ERROR "command: ${COMMAND}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
endif()
