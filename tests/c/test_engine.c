/* C tests of the custinsight engine ABI: every engine, builder and
 * classifier function, their error codes and messages, ownership of what
 * they return, and concurrent use of one engine from several threads.
 *
 * Usage: test_engine SCRATCH_DIR  (a writable directory for snapshot and
 * model files). Prints "N passed, M failed" and exits non-zero on failure. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custinsight.h"

static int passed = 0;
static int failed = 0;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(cond)                                                            \
    do {                                                                       \
        int ok_ = (cond) ? 1 : 0;                                              \
        pthread_mutex_lock(&count_lock);                                       \
        if (ok_) {                                                             \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
        pthread_mutex_unlock(&count_lock);                                     \
    } while (0)

/* Checks a call's status; on an unexpected one prints the last error. */
#define EXPECT(call, status)                                                   \
    do {                                                                       \
        custinsight_status got_ = (call);                                      \
        CHECK(got_ == (status));                                               \
        if (got_ != (status)) {                                                \
            fprintf(stderr, "  got %s: %s\n", custinsight_status_name(got_),   \
                    last_error());                                             \
        }                                                                      \
    } while (0)

#define S(literal) literal, strlen(literal)

static const char *last_error(void) {
    static _Thread_local char buffer[2048];
    size_t written = 0;
    if (custinsight_last_error_message(buffer, sizeof buffer, &written) != CUSTINSIGHT_STATUS_OK) {
        return "(no message)";
    }
    return buffer;
}

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static int count(const char *haystack, const char *needle) {
    int n = 0;
    for (const char *at = strstr(haystack, needle); at != NULL; at = strstr(at + 1, needle)) {
        n++;
    }
    return n;
}

static const char *scratch = ".";
static custinsight_engine *shared = NULL; /* default engine, built once */

/* 2026-11-20T09:00:00Z */
static const int64_t NOW = 1795165200;

static const char *OUTAGE = "宽带又断网了，三天都上不了网，再不修好我就打12300投诉";

static void test_versions(void) {
    CHECK(custinsight_abi_version() == CUSTINSIGHT_ABI_VERSION);
    CHECK(strcmp(custinsight_version(), CUSTINSIGHT_VERSION) == 0);
    CHECK(strcmp(custinsight_status_name(CUSTINSIGHT_STATUS_INPUT_TOO_LARGE), "input_too_large") == 0);
    CHECK(strcmp(custinsight_status_name(CUSTINSIGHT_STATUS_IO), "io") == 0);
}

static void test_free_null_is_a_no_op(void) {
    custinsight_engine_free(NULL);
    custinsight_engine_builder_free(NULL);
    custinsight_classifier_free(NULL);
    custinsight_string_free(NULL);
    custinsight_bytes_free(NULL, 0);
    CHECK(1);
}

static void test_engine_creation(void) {
    custinsight_engine *engine = NULL;
    EXPECT(custinsight_engine_from_config_json(S("{\"repeat\": {\"window_days\": 45}}"), &engine),
           CUSTINSIGHT_STATUS_OK);
    char *out = NULL;
    size_t len = 0;
    EXPECT(custinsight_engine_config_json(engine, &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"window_days\":45"));
    CHECK(len == strlen(out));
    custinsight_string_free(out);
    custinsight_engine_free(engine);

    /* Errors name the key; the output is untouched. */
    engine = NULL;
    EXPECT(custinsight_engine_from_config_json(S("{\"repeat\": {\"window_days\": 0}}"), &engine),
           CUSTINSIGHT_STATUS_CONFIG);
    CHECK(engine == NULL);
    CHECK(contains(last_error(), "repeat.window_days"));
    EXPECT(custinsight_engine_from_config_json(S("{\"repeat\": {\"window\": 3}}"), &engine),
           CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "window"));
    EXPECT(custinsight_engine_from_config_json(S("{\"classifier\": {\"uncertian_below\": 0.5}}"), &engine),
           CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "classifier.uncertian_below"));
    EXPECT(custinsight_engine_from_config_json(S("{\"repeat\": "), &engine), CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "line 1"));
    EXPECT(custinsight_engine_from_config_json(NULL, 0, &engine), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_engine_from_config_json(S("{}"), NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_engine_new(NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    CHECK(engine == NULL);

    /* Configuration files: JSON, TOML, missing. */
    char path[1024];
    snprintf(path, sizeof path, "%s/engine.toml", scratch);
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    fputs("[repeat]\nwindow_days = 40\n", file);
    fclose(file);
    EXPECT(custinsight_engine_from_config_file(path, strlen(path), &engine), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_config_json(engine, &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"window_days\":40"));
    custinsight_string_free(out);
    custinsight_engine_free(engine);
    engine = NULL;
    snprintf(path, sizeof path, "%s/engine.json", scratch);
    file = fopen(path, "w");
    fputs("{\"popup\": {\"top_n\": 0}}", file);
    fclose(file);
    custinsight_status status = custinsight_engine_from_config_file(path, strlen(path), &engine);
    CHECK(status == CUSTINSIGHT_STATUS_CONFIG || status == CUSTINSIGHT_STATUS_OK);
    if (status == CUSTINSIGHT_STATUS_CONFIG) {
        CHECK(contains(last_error(), "popup.top_n"));
    }
    custinsight_engine_free(engine);
    engine = NULL;
    snprintf(path, sizeof path, "%s/no-such-dir/engine.json", scratch);
    EXPECT(custinsight_engine_from_config_file(path, strlen(path), &engine), CUSTINSIGHT_STATUS_IO);
    CHECK(contains(last_error(), "no-such-dir/engine.json"));
    EXPECT(custinsight_engine_from_config_file(S(""), &engine), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(engine == NULL);
}

static void test_builder(void) {
    custinsight_engine_builder *builder = custinsight_engine_builder_new();
    EXPECT(custinsight_engine_builder_config_json(builder, S("{\"repeat\": {\"dedup_minutes\": 5}}")),
           CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_builder_config_json(builder, S("{\"nope\": 1}")), CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "nope"));
    EXPECT(custinsight_engine_builder_max_input_bytes(builder, 0), CUSTINSIGHT_STATUS_CONFIG);
    EXPECT(custinsight_engine_builder_max_input_bytes(builder, 64), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_builder_config_json(NULL, S("{}")), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_engine_builder_classifier(builder, NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_engine_builder_history_snapshot(builder, NULL, 3), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_engine_builder_build(builder, NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);

    custinsight_engine *engine = NULL;
    EXPECT(custinsight_engine_builder_build(builder, &engine), CUSTINSIGHT_STATUS_OK);
    char *out = NULL;
    size_t len = 0;
    EXPECT(custinsight_engine_config_json(engine, &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"dedup_minutes\":5")); /* the failed call left the good config */
    custinsight_string_free(out);

    /* The input limit applies to every engine input. */
    char big[65];
    memset(big, 'a', sizeof big);
    custinsight_classification result;
    memset(&result, 0, sizeof result);
    EXPECT(custinsight_engine_classify(engine, big, sizeof big, &result), CUSTINSIGHT_STATUS_INPUT_TOO_LARGE);
    CHECK(contains(last_error(), "65 bytes"));
    CHECK(result.category == NULL);
    EXPECT(custinsight_engine_classify(engine, big, 64, &result), CUSTINSIGHT_STATUS_OK);
    out = NULL;
    EXPECT(custinsight_engine_pop_up_json(engine, big, sizeof big, NOW, &out, &len),
           CUSTINSIGHT_STATUS_INPUT_TOO_LARGE);
    CHECK(out == NULL);
    custinsight_engine_free(engine);

    /* Configuration from a file, through the builder. */
    char path[1024];
    snprintf(path, sizeof path, "%s/builder.toml", scratch);
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    fputs("[repeat]\nwindow_days = 20\n", file);
    fclose(file);
    EXPECT(custinsight_engine_builder_config_file(builder, path, strlen(path)), CUSTINSIGHT_STATUS_OK);
    engine = NULL;
    EXPECT(custinsight_engine_builder_build(builder, &engine), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_config_json(engine, &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"window_days\":20"));
    custinsight_string_free(out);
    custinsight_engine_free(engine);
    snprintf(path, sizeof path, "%s/builder-bad.toml", scratch);
    file = fopen(path, "w");
    fputs("[repeat]\nwindow_dayz = 20\n", file);
    fclose(file);
    EXPECT(custinsight_engine_builder_config_file(builder, path, strlen(path)), CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "window_dayz"));
    CHECK(contains(last_error(), "line 2"));
    EXPECT(custinsight_engine_builder_config_file(builder, NULL, 0), CUSTINSIGHT_STATUS_NULL_ARGUMENT);

    /* A damaged snapshot is refused when the engine is built. */
    const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    EXPECT(custinsight_engine_builder_history_snapshot(builder, junk, sizeof junk), CUSTINSIGHT_STATUS_OK);
    engine = NULL;
    EXPECT(custinsight_engine_builder_build(builder, &engine), CUSTINSIGHT_STATUS_SNAPSHOT_FORMAT);
    CHECK(engine == NULL);
    CHECK(contains(last_error(), "snapshot"));
    custinsight_engine_builder_free(builder);
}

static void test_classify(void) {
    custinsight_classification result;
    EXPECT(custinsight_engine_classify(shared, OUTAGE, strlen(OUTAGE), &result), CUSTINSIGHT_STATUS_OK);
    CHECK(strcmp(result.category, "broadband.outage") == 0);
    CHECK(strcmp(result.work_group, "broadband_maintenance") == 0);
    CHECK(result.severity == CUSTINSIGHT_SEVERITY_CRITICAL);
    CHECK((result.signals & CUSTINSIGHT_SIGNAL_REGULATOR) != 0);
    CHECK((result.signals & CUSTINSIGHT_SIGNAL_MEDIA) == 0);
    CHECK(result.confidence > 0.0f && result.confidence <= 1.0f);
    CHECK(result.uncertain == false);

    const char *roaming = "I was charged for roaming in France";
    EXPECT(custinsight_engine_classify(shared, roaming, strlen(roaming), &result), CUSTINSIGHT_STATUS_OK);
    CHECK(strcmp(result.category, "billing.roaming") == 0);
    CHECK(result.severity == CUSTINSIGHT_SEVERITY_MEDIUM);

    /* Error paths leave the output untouched. */
    custinsight_classification untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    custinsight_classification copy = untouched;
    EXPECT(custinsight_engine_classify(NULL, S("x"), &untouched), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    CHECK(contains(last_error(), "engine is NULL"));
    EXPECT(custinsight_engine_classify(shared, NULL, 1, &untouched), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    CHECK(contains(last_error(), "text is NULL"));
    const char bad_utf8[] = {'a', 'b', (char)0xc3, '(', 0};
    EXPECT(custinsight_engine_classify(shared, bad_utf8, 4, &untouched), CUSTINSIGHT_STATUS_INVALID_UTF8);
    CHECK(contains(last_error(), "offset 2"));
    CHECK(memcmp(&untouched, &copy, sizeof copy) == 0);
    EXPECT(custinsight_engine_classify(shared, S("x"), NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    /* Input is pointer + length: no terminator needed, embedded text is cut. */
    EXPECT(custinsight_engine_classify(shared, OUTAGE, 0, &result), CUSTINSIGHT_STATUS_OK);

    char *out = NULL;
    size_t len = 0;
    EXPECT(custinsight_engine_classify_json(shared, OUTAGE, strlen(OUTAGE), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"category\":\"broadband.outage\""));
    CHECK(contains(out, "\"matched\":\"12300\""));
    CHECK(contains(out, "\"alternatives\""));
    CHECK(len == strlen(out));
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_classify_json(shared, S("x"), NULL, &len), CUSTINSIGHT_STATUS_NULL_ARGUMENT);

    const char *batch = "[\"宽带断网了\", \"I was charged for roaming in France\", \"\"]";
    EXPECT(custinsight_engine_classify_batch_json(shared, S(batch), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(count(out, "\"work_group\"") == 3);
    CHECK(strstr(out, "broadband.outage") < strstr(out, "billing.roaming"));
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_classify_batch_json(shared, S("[\"a\", 3]"), &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "[1]"));
    EXPECT(custinsight_engine_classify_batch_json(shared, S("[\"a\""), &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(out == NULL);
}

/* The JSON of a complaint, in a per-thread buffer that the next call reuses. */
static char *complaint(const char *id, const char *customer, const char *at, const char *status,
                       const char *closed_at, const char *text) {
    static _Thread_local char json[1024];
    snprintf(json, sizeof json,
             "{\"id\": \"%s\", \"customer_id\": \"%s\", \"received_at\": \"%s\", \"channel\": \"hotline\","
             " \"status\": \"%s\"%s%s%s, \"text\": \"%s\"}",
             id, customer, at, status, closed_at ? ", \"closed_at\": \"" : "", closed_at ? closed_at : "",
             closed_at ? "\"" : "", text);
    return json;
}

static void test_intake(void) {
    custinsight_engine *engine = NULL;
    EXPECT(custinsight_engine_new(&engine), CUSTINSIGHT_STATUS_OK);
    char *out = NULL;
    size_t len = 0;
    const char *first = complaint("T1", "C1", "2026-11-01T09:00:00Z", "open", NULL, "家里宽带断网两天了，一直掉线");
    EXPECT(custinsight_engine_intake_json(engine, S(first), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"outcome\":\"judged\""));
    CHECK(contains(out, "\"kind\":\"new\""));
    CHECK(contains(out, "\"category\":\"broadband.outage\""));
    custinsight_string_free(out);

    const char *second = complaint("T2", "C1", "2026-11-04T09:00:00Z", "open", NULL, "宽带又断网了，还是没修好，第三次反映");
    EXPECT(custinsight_engine_check_json(engine, S(second), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"kind\":\"repeat\""));
    custinsight_string_free(out);
    size_t history = 0;
    EXPECT(custinsight_engine_history_len(engine, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 1); /* check remembers nothing */

    /* Many checks at once: the verdicts in input order, nothing remembered. */
    char many[2048];
    snprintf(many, sizeof many,
             "[%s, {\"id\": \"T5\", \"customer_id\": \"C2\", \"received_at\": \"2026-11-04T09:00:00Z\","
             " \"channel\": \"hotline\", \"status\": \"open\", \"text\": \"话费多扣了二十元\"}]",
             second);
    EXPECT(custinsight_engine_check_many_json(engine, S(many), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(out[0] == '[');
    CHECK(contains(out, "\"kind\":\"repeat\""));
    CHECK(contains(out, "\"kind\":\"new\""));
    CHECK(strstr(out, "\"id\":\"T2\"") < strstr(out, "\"id\":\"T5\""));
    custinsight_string_free(out);
    EXPECT(custinsight_engine_history_len(engine, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 1);
    const char *bad_many = "[{\"id\": \"T6\", \"customer_id\": \"C1\", \"received_at\": \"2026-11-04T09:00:00Z\","
                           " \"channel\": \"hotline\", \"status\": \"open\", \"category\": \"broadband.outage\"},"
                           " {\"id\": \"T7\", \"received_at\": \"2026-11-04T09:00:00Z\", \"channel\": \"hotline\","
                           " \"status\": \"open\", \"category\": \"broadband.outage\"}]";
    EXPECT(custinsight_engine_check_many_json(engine, S(bad_many), &out, &len), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "complaints[1].customer_id"));

    EXPECT(custinsight_engine_intake_json(engine, S(second), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"kind\":\"repeat\""));
    CHECK(contains(out, "\"id\":\"T1\""));
    custinsight_string_free(out);

    /* Closing a ticket: the same id again, with the new status. */
    const char *close = complaint("T1", "C1", "2026-11-01T09:00:00Z", "closed", "2026-11-05T10:00:00Z", "x");
    EXPECT(custinsight_engine_intake_json(engine, S(close), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"outcome\":\"updated\""));
    CHECK(contains(out, "\"status\":\"closed\""));
    custinsight_string_free(out);
    EXPECT(custinsight_engine_history_len(engine, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 2);

    EXPECT(custinsight_engine_customer_counters_json(engine, S("C1"), NULL, 0, NOW - 86400 * 10, &out, &len),
           CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"complaints\":2"));
    CHECK(contains(out, "\"repeats\":1"));
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_customer_counters_json(engine, NULL, 0, NULL, 0, NOW, &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(out == NULL);
    EXPECT(custinsight_engine_customer_counters_json(engine, S("C1"), NULL, 0, INT64_MAX, &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "now_unix_seconds"));

    /* Errors name the field; nothing is remembered. */
    char bad_close[1024];
    snprintf(bad_close, sizeof bad_close, "%s",
             complaint("T9", "C1", "2026-11-04T09:00:00Z", "closed", "2026-11-01T00:00:00Z", "x"));
    EXPECT(custinsight_engine_intake_json(engine, S(bad_close), &out, &len), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "closed_at"));
    EXPECT(custinsight_engine_intake_json(
               engine,
               S("{\"id\": \"T9\", \"customer_id\": \"C1\", \"received_at\": \"2026-11-02T09:30:00Z\","
                 " \"channel\": \"app\", \"status\": \"open\", \"stauts\": \"x\"}"),
               &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "stauts"));
    EXPECT(custinsight_engine_intake_json(
               engine,
               S("{\"id\": \"T9\", \"customer_id\": \"C1\", \"received_at\": \"2026-11-02T09:30:00Z\","
                 " \"channel\": \"fax\", \"status\": \"open\"}"),
               &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "channel"));
    EXPECT(custinsight_engine_intake_json(engine, S("{\"id\": "), &out, &len), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "line 1"));
    EXPECT(custinsight_engine_intake_json(engine, NULL, 0, &out, &len), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_engine_history_len(engine, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 2);
    EXPECT(custinsight_engine_history_len(engine, NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);

    /* Labelling a data set uses a fresh history. */
    char batch[2048];
    snprintf(batch, sizeof batch, "[%s,", complaint("B2", "C7", "2026-11-04T09:00:00Z", "open", NULL, "宽带又断网了"));
    strcat(batch, complaint("B1", "C7", "2026-11-01T09:00:00Z", "open", NULL, "宽带断网了"));
    strcat(batch, "]");
    EXPECT(custinsight_engine_label_batch_json(engine, S(batch), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(strstr(out, "\"kind\":\"repeat\"") < strstr(out, "\"kind\":\"new\"")); /* input order */
    custinsight_string_free(out);
    EXPECT(custinsight_engine_history_len(engine, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 2);
    snprintf(batch, sizeof batch, "[%s]", bad_close);
    EXPECT(custinsight_engine_label_batch_json(engine, S(batch), &out, &len), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "closed_at"));

    /* The same batch as fixed-size rows, with its KPIs. */
    snprintf(batch, sizeof batch, "[%s,", complaint("B2", "C7", "2026-11-04T09:00:00Z", "open", NULL, "宽带又断网了"));
    strcat(batch, complaint("B1", "C7", "2026-11-01T09:00:00Z", "open", NULL, "宽带断网了"));
    strcat(batch, "]");
    custinsight_batch_labels *labels = NULL;
    EXPECT(custinsight_engine_label_batch(engine, S(batch), 10000, &labels), CUSTINSIGHT_STATUS_OK);
    const custinsight_batch_label *rows = NULL;
    size_t row_count = 0;
    EXPECT(custinsight_batch_labels_rows(labels, &rows, &row_count), CUSTINSIGHT_STATUS_OK);
    CHECK(row_count == 2);
    CHECK(rows[0].kind == CUSTINSIGHT_BATCH_KIND_REPEAT && rows[0].matched_row == 1 && rows[0].thread_row == 1);
    CHECK(rows[0].repeat_count == 1 && !rows[0].escalated);
    CHECK(rows[1].kind == CUSTINSIGHT_BATCH_KIND_NEW && rows[1].matched_row == CUSTINSIGHT_NO_ROW);
    CHECK(rows[1].thread_row == 1);
    const char *code = NULL;
    CHECK(rows[0].category > 0 && rows[0].category == rows[1].category);
    EXPECT(custinsight_batch_labels_category(labels, rows[0].category, &code), CUSTINSIGHT_STATUS_OK);
    CHECK(code != NULL && strcmp(code, "broadband.outage") == 0);
    EXPECT(custinsight_batch_labels_category(labels, 0, &code), CUSTINSIGHT_STATUS_OK);
    CHECK(code == NULL);
    EXPECT(custinsight_batch_labels_category(labels, 99, &code), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "99"));
    const char *summary = NULL;
    size_t summary_len = 0;
    EXPECT(custinsight_batch_labels_summary_json(labels, &summary, &summary_len), CUSTINSIGHT_STATUS_OK);
    CHECK(summary_len == strlen(summary));
    CHECK(contains(summary, "\"repeat_rate\":0.5") && contains(summary, "\"per_10k_customers\":2.0"));
    EXPECT(custinsight_batch_labels_rows(labels, NULL, &row_count), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    custinsight_batch_labels_free(labels);
    custinsight_batch_labels_free(NULL);
    labels = NULL;
    snprintf(batch, sizeof batch, "[%s]", bad_close);
    EXPECT(custinsight_engine_label_batch(engine, S(batch), 0, &labels), CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(labels == NULL && contains(last_error(), "closed_at"));

    /* Snapshots: bytes. */
    uint8_t *snapshot = NULL;
    size_t snapshot_len = 0;
    EXPECT(custinsight_engine_snapshot_history(engine, &snapshot, &snapshot_len), CUSTINSIGHT_STATUS_OK);
    CHECK(snapshot != NULL && snapshot_len > 16);
    custinsight_engine_builder *builder = custinsight_engine_builder_new();
    EXPECT(custinsight_engine_builder_history_snapshot(builder, snapshot, snapshot_len), CUSTINSIGHT_STATUS_OK);
    custinsight_engine *restored = NULL;
    EXPECT(custinsight_engine_builder_build(builder, &restored), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_history_len(restored, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 2);
    const char *third = complaint("T3", "C1", "2026-11-06T09:00:00Z", "open", NULL, "宽带还是断网");
    EXPECT(custinsight_engine_check_json(restored, S(third), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"kind\":\"repeat\"")); /* T2 is still open */
    custinsight_string_free(out);
    custinsight_engine_free(restored);
    /* A snapshot with other repeat settings is refused. */
    EXPECT(custinsight_engine_builder_config_json(builder, S("{\"repeat\": {\"window_days\": 7}}")),
           CUSTINSIGHT_STATUS_OK);
    restored = NULL;
    EXPECT(custinsight_engine_builder_build(builder, &restored), CUSTINSIGHT_STATUS_CONFIG);
    CHECK(restored == NULL);
    CHECK(contains(last_error(), "repeat"));
    /* A truncated one too. */
    custinsight_engine_builder_free(builder);
    builder = custinsight_engine_builder_new();
    EXPECT(custinsight_engine_builder_history_snapshot(builder, snapshot, snapshot_len - 1), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_builder_build(builder, &restored), CUSTINSIGHT_STATUS_SNAPSHOT_FORMAT);
    custinsight_bytes_free(snapshot, snapshot_len);
    EXPECT(custinsight_engine_snapshot_history(engine, NULL, &snapshot_len), CUSTINSIGHT_STATUS_NULL_ARGUMENT);

    /* Snapshots: files, written atomically and replaced. */
    char path[1024];
    snprintf(path, sizeof path, "%s/history.snapshot", scratch);
    EXPECT(custinsight_engine_snapshot_history_file(engine, path, strlen(path)), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_snapshot_history_file(engine, path, strlen(path)), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_builder_history_file(builder, path, strlen(path)), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_builder_build(builder, &restored), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_engine_history_len(restored, &history), CUSTINSIGHT_STATUS_OK);
    CHECK(history == 2);
    custinsight_engine_free(restored);
    snprintf(path, sizeof path, "%s/no-such-dir/history.snapshot", scratch);
    EXPECT(custinsight_engine_snapshot_history_file(engine, path, strlen(path)), CUSTINSIGHT_STATUS_IO);
    CHECK(contains(last_error(), "no-such-dir"));
    EXPECT(custinsight_engine_builder_history_file(builder, path, strlen(path)), CUSTINSIGHT_STATUS_IO);
    custinsight_engine_builder_free(builder);

    /* Compaction drops what is older than the window. */
    size_t dropped = 99;
    EXPECT(custinsight_engine_compact_history(engine, NOW, &dropped), CUSTINSIGHT_STATUS_OK);
    CHECK(dropped == 0);
    EXPECT(custinsight_engine_compact_history(engine, NOW + 86400 * 60, &dropped), CUSTINSIGHT_STATUS_OK);
    CHECK(dropped == 2);
    EXPECT(custinsight_engine_compact_history(engine, NOW, NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    custinsight_engine_free(engine);
}

static void test_pop_up(void) {
    const char *profile = "{\"customer_id\": \"C1\", \"account\": {\"balance\": 12.5, \"recurring_fee\": 58}}";
    char *out = NULL;
    size_t len = 0;
    EXPECT(custinsight_engine_pop_up_json(shared, S(profile), NOW, &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"customer_id\":\"C1\""));
    CHECK(contains(out, "\"kind\":\"low_balance\""));
    CHECK(contains(out, "12.50"));
    CHECK(contains(out, "\"at\":\"2026-11-20T09:00:00Z\""));
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_pop_up_json(shared, S("{\"account\": {\"recurring_fee\": -1}}"), NOW, &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "account.recurring_fee"));
    EXPECT(custinsight_engine_pop_up_json(shared, S("{\"acount\": {}}"), NOW, &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "acount"));
    EXPECT(custinsight_engine_pop_up_json(shared, S(profile), INT64_MIN, &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(out == NULL);

    char batch[512];
    snprintf(batch, sizeof batch, "[%s, {\"customer_id\": \"C2\"}]", profile);
    EXPECT(custinsight_engine_pop_up_batch_json(shared, S(batch), NOW, &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(strstr(out, "\"C1\"") < strstr(out, "\"C2\""));
    CHECK(count(out, "\"call_intents\"") == 2);
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_pop_up_batch_json(shared, S("[{}, {\"account\": {\"recurring_fee\": -1}}]"), NOW,
                                                &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "[1].account.recurring_fee"));
    CHECK(out == NULL);
}

static void test_audit(void) {
    const char *input = "{\"customer_id\": \"C1\", \"crm\": {\"status\": \"active\"}, \"network\": {\"barring\": \"all\"}}";
    char *out = NULL;
    size_t len = 0;
    EXPECT(custinsight_engine_audit_json(shared, S(input), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"code\":\"status_mismatch\""));
    CHECK(contains(out, "barred"));
    custinsight_string_free(out);
    EXPECT(custinsight_engine_audit_json(shared, S("{}"), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(strcmp(out, "[]") == 0);
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_audit_json(shared, S("{\"network\": {\"barring\": \"some\"}}"), &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "network.barring"));

    char batch[512];
    snprintf(batch, sizeof batch, "[{\"customer_id\": \"C0\"}, %s]", input);
    EXPECT(custinsight_engine_audit_batch_json(shared, S(batch), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "{\"customer_id\":\"C0\",\"findings\":[]}"));
    CHECK(count(out, "status_mismatch") == 1);
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_engine_audit_batch_json(shared, S("[{}, {\"crm\": 1}]"), &out, &len),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "[1].crm"));
    CHECK(out == NULL);
}

static const char *TAXONOMY =
    "{\"categories\": ["
    "{\"code\": \"tv.no_picture\", \"zh\": \"无画面\", \"en\": \"no picture\", \"work_group\": \"tv_team\"},"
    "{\"code\": \"tv.remote\", \"zh\": \"遥控器\", \"en\": \"remote\", \"work_group\": \"shop\"}]}";

static const char *EXAMPLES =
    "{\"text\": \"电视没有画面\", \"label\": \"tv.no_picture\"}\n"
    "{\"text\": \"the tv shows a black screen\", \"label\": \"tv.no_picture\"}\n"
    "\n"
    "{\"text\": \"遥控器坏了\", \"label\": \"tv.remote\"}\n"
    "{\"text\": \"my remote control is broken\", \"label\": \"tv.remote\"}\n";

static void test_classifier(void) {
    custinsight_classifier *model = NULL;
    EXPECT(custinsight_classifier_train(S(EXAMPLES), S(TAXONOMY), S("{\"epochs\": 30}"), &model),
           CUSTINSIGHT_STATUS_OK);
    char *out = NULL;
    size_t len = 0;
    EXPECT(custinsight_classifier_classify_json(model, S("电视黑屏没有画面"), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"category\":\"tv.no_picture\""));
    custinsight_string_free(out);

    /* Save and load: bytes and files. */
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    EXPECT(custinsight_classifier_to_bytes(model, &bytes, &bytes_len), CUSTINSIGHT_STATUS_OK);
    custinsight_classifier *loaded = NULL;
    EXPECT(custinsight_classifier_from_bytes(bytes, bytes_len, &loaded), CUSTINSIGHT_STATUS_OK);
    custinsight_classifier_free(loaded);
    loaded = NULL;
    EXPECT(custinsight_classifier_from_bytes(bytes, bytes_len / 2, &loaded), CUSTINSIGHT_STATUS_MODEL_FORMAT);
    CHECK(loaded == NULL);
    bytes[bytes_len - 1] ^= 0xff;
    EXPECT(custinsight_classifier_from_bytes(bytes, bytes_len, &loaded), CUSTINSIGHT_STATUS_MODEL_FORMAT);
    CHECK(contains(last_error(), "model"));
    custinsight_bytes_free(bytes, bytes_len);
    char path[1024];
    snprintf(path, sizeof path, "%s/tv.model", scratch);
    EXPECT(custinsight_classifier_save_file(model, path, strlen(path)), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_classifier_load_file(path, strlen(path), &loaded), CUSTINSIGHT_STATUS_OK);
    snprintf(path, sizeof path, "%s/missing.model", scratch);
    custinsight_classifier *missing = NULL;
    EXPECT(custinsight_classifier_load_file(path, strlen(path), &missing), CUSTINSIGHT_STATUS_IO);
    CHECK(missing == NULL);

    /* An engine with the loaded model answers in its taxonomy. */
    custinsight_engine_builder *builder = custinsight_engine_builder_new();
    EXPECT(custinsight_engine_builder_classifier(builder, loaded), CUSTINSIGHT_STATUS_OK);
    custinsight_classifier_free(loaded); /* the builder keeps its own copy */
    custinsight_engine *engine = NULL;
    EXPECT(custinsight_engine_builder_build(builder, &engine), CUSTINSIGHT_STATUS_OK);
    custinsight_engine_builder_free(builder);
    custinsight_classification result;
    EXPECT(custinsight_engine_classify(engine, S("remote broken"), &result), CUSTINSIGHT_STATUS_OK);
    CHECK(strcmp(result.category, "tv.remote") == 0);
    CHECK(strcmp(result.work_group, "shop") == 0);
    CHECK(result.category_index == 1);
    custinsight_engine_free(engine);
    custinsight_classifier_free(model);

    /* The built-in model, as a handle. */
    custinsight_classifier *builtin = NULL;
    EXPECT(custinsight_classifier_builtin(&builtin), CUSTINSIGHT_STATUS_OK);
    EXPECT(custinsight_classifier_classify_json(builtin, OUTAGE, strlen(OUTAGE), &out, &len), CUSTINSIGHT_STATUS_OK);
    CHECK(contains(out, "\"category\":\"broadband.outage\""));
    custinsight_string_free(out);
    out = NULL;
    EXPECT(custinsight_classifier_classify_json(builtin, NULL, 0, &out, &len), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_classifier_builtin(NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    custinsight_classifier_free(builtin);

    /* The same examples as a JSON array, default options. */
    const char *array = "[{\"text\": \"电视没有画面\", \"label\": \"tv.no_picture\"},"
                        " {\"text\": \"遥控器坏了\", \"label\": \"tv.remote\"}]";
    model = NULL;
    EXPECT(custinsight_classifier_train(S(array), S(TAXONOMY), NULL, 0, &model), CUSTINSIGHT_STATUS_OK);
    custinsight_classifier_free(model);

    /* Errors. */
    model = NULL;
    EXPECT(custinsight_classifier_train(S("{\"text\": \"a\", \"label\": \"tv.remote\"}\n{\"text\": \"b\"}"),
                                        S(TAXONOMY), NULL, 0, &model),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "line 2"));
    CHECK(contains(last_error(), "label"));
    EXPECT(custinsight_classifier_train(S("[{\"text\": \"a\", \"label\": \"tv.nothing\"}, {\"text\": \"b\", \"label\": "
                                          "\"tv.remote\"}]"),
                                        S(TAXONOMY), NULL, 0, &model),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "examples[0].label"));
    EXPECT(custinsight_classifier_train(S(EXAMPLES), S(TAXONOMY), S("{\"epoch\": 3}"), &model),
           CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "epoch"));
    EXPECT(custinsight_classifier_train(S(EXAMPLES), S(TAXONOMY), S("{\"epochs\": 0}"), &model),
           CUSTINSIGHT_STATUS_CONFIG);
    CHECK(contains(last_error(), "epochs"));
    EXPECT(custinsight_classifier_train(S(EXAMPLES), S("{\"categories\": [{\"code\": \"tv.x\"}]}"), NULL, 0, &model),
           CUSTINSIGHT_STATUS_INVALID_INPUT);
    CHECK(contains(last_error(), "categories[0]"));
    EXPECT(custinsight_classifier_train(S("{\"text\": \"电视没有画面\", \"label\": \"tv.no_picture\"}"), S(TAXONOMY),
                                        NULL, 0, &model),
           CUSTINSIGHT_STATUS_TRAINING);
    EXPECT(custinsight_classifier_train(NULL, 0, NULL, 0, NULL, 0, &model), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    EXPECT(custinsight_classifier_train(S(EXAMPLES), S(TAXONOMY), NULL, 0, NULL), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
    CHECK(model == NULL);
    EXPECT(custinsight_classifier_to_bytes(NULL, &bytes, &bytes_len), CUSTINSIGHT_STATUS_NULL_ARGUMENT);
}

/* Concurrent classify + intake + pop-up on one engine. Each thread files
 * complaints for its own customer, an hour apart, about the same issue:
 * the first is new and every later one a repeat, so the counts add up only
 * when no intake is lost or mixed up between threads. */
#define THREADS 4
#define ROUNDS 25

struct worker {
    int index;
    int classified;
    int judged_new;
    int judged_repeat;
    int popups;
};

static void *work(void *arg) {
    struct worker *w = arg;
    char customer[32];
    snprintf(customer, sizeof customer, "TH%d", w->index);
    for (int round = 0; round < ROUNDS; round++) {
        custinsight_classification result;
        if (custinsight_engine_classify(shared, OUTAGE, strlen(OUTAGE), &result) == CUSTINSIGHT_STATUS_OK &&
            strcmp(result.category, "broadband.outage") == 0) {
            w->classified++;
        }
        char id[32], at[32];
        snprintf(id, sizeof id, "TH%d-%d", w->index, round);
        snprintf(at, sizeof at, "2026-11-%02dT%02d:00:00Z", 1 + round / 24, round % 24);
        const char *json = complaint(id, customer, at, "open", NULL, "宽带断网了，一直没人修");
        char *out = NULL;
        size_t len = 0;
        if (custinsight_engine_intake_json(shared, json, strlen(json), &out, &len) == CUSTINSIGHT_STATUS_OK) {
            w->judged_new += contains(out, "\"kind\":\"new\"");
            w->judged_repeat += contains(out, "\"kind\":\"repeat\"");
            custinsight_string_free(out);
        } else {
            fprintf(stderr, "intake failed: %s\n", last_error());
        }
        char profile[128];
        snprintf(profile, sizeof profile,
                 "{\"customer_id\": \"%s\", \"account\": {\"balance\": 1, \"recurring_fee\": 58}}", customer);
        out = NULL;
        if (custinsight_engine_pop_up_json(shared, profile, strlen(profile), NOW, &out, &len) ==
            CUSTINSIGHT_STATUS_OK) {
            w->popups += contains(out, customer) && contains(out, "low_balance");
            custinsight_string_free(out);
        }
    }
    return NULL;
}

static void test_threads(void) {
    size_t before = 0;
    EXPECT(custinsight_engine_history_len(shared, &before), CUSTINSIGHT_STATUS_OK);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].index = i;
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    int classified = 0, judged_new = 0, judged_repeat = 0, popups = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].judged_new == 1);
        CHECK(workers[i].judged_repeat == ROUNDS - 1);
        classified += workers[i].classified;
        judged_new += workers[i].judged_new;
        judged_repeat += workers[i].judged_repeat;
        popups += workers[i].popups;
    }
    CHECK(classified == THREADS * ROUNDS);
    CHECK(judged_new + judged_repeat == THREADS * ROUNDS);
    CHECK(popups == THREADS * ROUNDS);
    size_t after = 0;
    EXPECT(custinsight_engine_history_len(shared, &after), CUSTINSIGHT_STATUS_OK);
    CHECK(after - before == THREADS * ROUNDS);
    /* The last error is per thread: the workers' successes left ours alone. */
    custinsight_engine_classify(NULL, S("x"), NULL);
    CHECK(contains(last_error(), "engine is NULL"));
}

int main(int argc, char **argv) {
    if (argc > 1) {
        scratch = argv[1];
    }
    test_versions();
    test_free_null_is_a_no_op();
    EXPECT(custinsight_engine_new(&shared), CUSTINSIGHT_STATUS_OK);
    test_engine_creation();
    test_builder();
    test_classify();
    test_intake();
    test_pop_up();
    test_audit();
    test_classifier();
    test_threads();
    custinsight_engine_free(shared);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
