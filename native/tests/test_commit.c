/* test_commit.c — included by test_runtime.c (shares its helpers). Add cases to COMMIT_TESTS. */

#define COMMIT_TESTS
