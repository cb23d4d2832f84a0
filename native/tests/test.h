/* test.h — a tiny test harness: TEST(name) { CHECK(...); } and a runner that prints "N passed, M failed". */
#ifndef KILN_TEST_H
#define KILN_TEST_H

#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
static int test_failed_checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            test_failed_checks++;                                                     \
        }                                                                             \
    } while (0)

#define CHECK_EQ(a, b)                                                                \
    do {                                                                              \
        long long a_ = (long long)(a), b_ = (long long)(b);                           \
        if (a_ != b_) {                                                               \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld vs %lld)\n", __FILE__, __LINE__, \
                    #a, #b, a_, b_);                                                  \
            test_failed_checks++;                                                     \
        }                                                                             \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                              \
    do {                                                                              \
        const char *h_ = (haystack);                                                  \
        if (!h_ || !strstr(h_, (needle))) {                                           \
            fprintf(stderr, "  FAIL %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
                    __LINE__, h_ ? h_ : "(null)", (needle));                          \
            test_failed_checks++;                                                     \
        }                                                                             \
    } while (0)

typedef struct { const char *name; test_fn fn; } test_case;

static int run_tests(const test_case *tests, int n, const char *only) {
    int passed = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (only && !strstr(tests[i].name, only)) continue;
        int before = test_failed_checks;
        tests[i].fn();
        if (test_failed_checks == before) { passed++; printf("ok   %s\n", tests[i].name); }
        else { failed++; printf("FAIL %s\n", tests[i].name); }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
