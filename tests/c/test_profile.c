/* C tests of the custinsight ABI: version, phone normalisation, profile
 * validation, profile building (also from several threads), errors. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custinsight.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (cond) {                                                         \
            passed++;                                                       \
        } else {                                                            \
            failed++;                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                 \
        }                                                                   \
    } while (0)

static const char *last_error(void) {
    static char buffer[1024];
    size_t written = 0;
    if (custinsight_last_error_message(buffer, sizeof buffer, &written) != CUSTINSIGHT_STATUS_OK) {
        return "(no message)";
    }
    return buffer;
}

static void test_version(void) {
    CHECK(strcmp(custinsight_version(), CUSTINSIGHT_VERSION) == 0);
    CHECK(strcmp(custinsight_status_name(CUSTINSIGHT_STATUS_INVALID_INPUT), "invalid_input") == 0);
    CHECK(strcmp(custinsight_status_name(12345), "unknown") == 0);
}

static void test_phone(void) {
    const char *raw = "+86 138-1234-5678";
    char *out = NULL;
    size_t len = 0;
    CHECK(custinsight_normalize_phone(raw, strlen(raw), &out, &len) == CUSTINSIGHT_STATUS_OK);
    CHECK(out != NULL && strcmp(out, "13812345678") == 0 && len == 11);
    custinsight_string_free(out);

    out = NULL;
    const char *bad = "138-1234-567x";
    CHECK(custinsight_normalize_phone(bad, strlen(bad), &out, &len) == CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(out == NULL); /* outputs are written only on success */
    CHECK(strstr(last_error(), "invalid phone") != NULL);

    CHECK(custinsight_normalize_phone(NULL, 3, &out, &len) == CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    const char invalid_utf8[] = {'1', (char)0xff, '3'};
    CHECK(custinsight_normalize_phone(invalid_utf8, 3, &out, &len) == CUSTINSIGHT_STATUS_INVALID_UTF8);
    CHECK(strstr(last_error(), "offset 1") != NULL);
}

static void test_last_error_buffer(void) {
    const char *bad = "x";
    char *out = NULL;
    size_t len = 0;
    custinsight_normalize_phone(bad, 1, &out, &len);
    char tiny[4];
    size_t needed = 0;
    CHECK(custinsight_last_error_message(tiny, sizeof tiny, &needed) == CUSTINSIGHT_STATUS_BUFFER_TOO_SMALL);
    CHECK(needed > sizeof tiny);
    char *big = malloc(needed);
    size_t written = 0;
    CHECK(custinsight_last_error_message(big, needed, &written) == CUSTINSIGHT_STATUS_OK);
    CHECK(written == needed - 1 && big[written] == '\0');
    free(big);
}

static void test_profile_json(void) {
    const char *json = "{\"customer_id\": \"C1\", \"identity\": {\"phones\": [\"13812345678\"]},"
                       " \"account\": {\"status\": \"half_suspended\", \"balance\": -3.5}}";
    char *out = NULL;
    size_t len = 0;
    CHECK(custinsight_profile_canonical_json(json, strlen(json), &out, &len) == CUSTINSIGHT_STATUS_OK);
    CHECK(out != NULL && strstr(out, "\"balance\":-3.5") != NULL);
    /* Canonical JSON is a fixed point. */
    char *again = NULL;
    size_t again_len = 0;
    CHECK(custinsight_profile_canonical_json(out, len, &again, &again_len) == CUSTINSIGHT_STATUS_OK);
    CHECK(again != NULL && strcmp(out, again) == 0);
    custinsight_string_free(out);
    custinsight_string_free(again);

    const char *bad = "{\"account\": {\"recurring_fee\": -1}}";
    CHECK(custinsight_profile_canonical_json(bad, strlen(bad), &out, &len) == CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "account.recurring_fee") != NULL);
    const char *unknown = "{\"account\": {\"status\": \"frozen\"}}";
    CHECK(custinsight_profile_canonical_json(unknown, strlen(unknown), &out, &len) ==
          CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "account.status") != NULL);
}

struct slice {
    char **lines;
    size_t count;
    custinsight_profile_builder *builder;
    int failures;
};

static void *add_lines(void *arg) {
    struct slice *slice = arg;
    for (size_t i = 0; i < slice->count; i++) {
        if (custinsight_profile_builder_add_event_json(slice->builder, slice->lines[i], strlen(slice->lines[i])) !=
            CUSTINSIGHT_STATUS_OK) {
            slice->failures++;
        }
    }
    return NULL;
}

static char **read_lines(const char *path, size_t *count) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return NULL;
    }
    size_t capacity = 512;
    char **lines = malloc(capacity * sizeof *lines);
    *count = 0;
    char *line = NULL;
    size_t line_capacity = 0;
    ssize_t read;
    while ((read = getline(&line, &line_capacity, file)) > 0) {
        if (line[read - 1] == '\n') {
            line[read - 1] = '\0';
        }
        if (*count == capacity) {
            capacity *= 2;
            lines = realloc(lines, capacity * sizeof *lines);
        }
        lines[(*count)++] = strdup(line);
    }
    free(line);
    fclose(file);
    return lines;
}

static void test_builder(const char *sample_path) {
    size_t count = 0;
    char **lines = read_lines(sample_path, &count);
    CHECK(lines != NULL && count > 100);
    if (lines == NULL) {
        return;
    }

    /* One thread, then four threads sharing one builder: same profiles. */
    custinsight_profile_builder *single = custinsight_profile_builder_new();
    struct slice whole = {lines, count, single, 0};
    add_lines(&whole);
    CHECK(whole.failures == 0);

    custinsight_profile_builder *shared = custinsight_profile_builder_new();
    pthread_t threads[4];
    struct slice parts[4];
    size_t per = (count + 3) / 4;
    for (int t = 0; t < 4; t++) {
        size_t start = (size_t)t * per < count ? (size_t)t * per : count;
        size_t end = start + per < count ? start + per : count;
        parts[t] = (struct slice){lines + start, end - start, shared, 0};
        pthread_create(&threads[t], NULL, add_lines, &parts[t]);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        CHECK(parts[t].failures == 0);
    }

    char *one = NULL, *many = NULL;
    size_t one_len = 0, many_len = 0;
    const char *id = "C000000004";
    CHECK(custinsight_profile_builder_profile_json(single, id, strlen(id), &one, &one_len) == CUSTINSIGHT_STATUS_OK);
    CHECK(one != NULL && strstr(one, "\"complaints\"") != NULL);
    custinsight_string_free(one);
    const char *nobody = "C999";
    CHECK(custinsight_profile_builder_profile_json(single, nobody, strlen(nobody), &one, &one_len) ==
          CUSTINSIGHT_STATUS_OK);
    CHECK(one == NULL && one_len == 0);

    CHECK(custinsight_profile_builder_take_profiles_json(single, &one, &one_len) == CUSTINSIGHT_STATUS_OK);
    CHECK(custinsight_profile_builder_take_profiles_json(shared, &many, &many_len) == CUSTINSIGHT_STATUS_OK);
    CHECK(one != NULL && many != NULL && strcmp(one, many) == 0);
    custinsight_string_free(one);
    custinsight_string_free(many);

    /* A bad event is rejected by field and changes nothing. */
    const char *bad = "{\"event_id\": \"x\", \"source\": \"crm\", \"at\": \"2026-01-01T00:00:00Z\","
                      " \"customer_id\": \"C1\", \"payload\": {\"type\": \"account\", \"credit_limit\": -5}}";
    CHECK(custinsight_profile_builder_add_event_json(single, bad, strlen(bad)) == CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "payload.credit_limit") != NULL);
    CHECK(custinsight_profile_builder_add_event_json(NULL, bad, strlen(bad)) == CUSTINSIGHT_STATUS_NULL_ARGUMENT);

    custinsight_profile_builder_free(single);
    custinsight_profile_builder_free(shared);
    custinsight_profile_builder_free(NULL);
    for (size_t i = 0; i < count; i++) {
        free(lines[i]);
    }
    free(lines);
}

int main(int argc, char **argv) {
    const char *sample = argc > 1 ? argv[1] : "examples/data/sample_events.jsonl";
    test_version();
    test_phone();
    test_last_error_buffer();
    test_profile_json();
    test_builder(sample);
    printf("C tests: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
