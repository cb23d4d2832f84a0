/* test_sandbox.c — included by test_runtime.c (shares its helpers). Add cases to SANDBOX_TESTS. */

#define SANDBOX_TESTS
