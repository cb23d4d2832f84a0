/* test_hardening.c — included by test_runtime.c (shares its helpers). Add cases to HARDENING_TESTS. */

#define HARDENING_TESTS
