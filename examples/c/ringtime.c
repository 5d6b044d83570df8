/* A CRM at ring time: reads the caller's profile (JSON), asks custinsight
 * for the pop-up and prints it; classifies what the caller says, if given.
 *
 *   ringtime PROFILE.json ["complaint text"]
 *
 * Build (after `make c-lib`):
 *   export PKG_CONFIG_PATH=$PWD/target/c/lib/pkgconfig
 *   cc -std=c11 examples/c/ringtime.c $(pkg-config --cflags --libs custinsight) -o ringtime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custinsight.h"

static const char *severity_names[] = {"low", "medium", "high", "critical"};

static int fail(const char *what, custinsight_status status) {
    char message[1024];
    size_t written = 0;
    custinsight_last_error_message(message, sizeof message, &written);
    fprintf(stderr, "%s failed (%s): %s\n", what, custinsight_status_name(status), message);
    return 1;
}

static char *read_file(const char *path, size_t *len_out) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        return NULL;
    }
    size_t capacity = 4096, len = 0;
    char *data = malloc(capacity);
    size_t n;
    while (data != NULL && (n = fread(data + len, 1, capacity - len, file)) > 0) {
        len += n;
        if (len == capacity) {
            char *bigger = realloc(data, capacity *= 2);
            if (bigger == NULL) {
                free(data);
                data = NULL;
            }
            data = bigger;
        }
    }
    fclose(file);
    *len_out = len;
    return data;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROFILE.json [\"complaint text\"]\n", argv[0]);
        return 2;
    }
    if (custinsight_abi_version() != CUSTINSIGHT_ABI_VERSION) {
        fprintf(stderr, "libcustinsight ABI %u, header ABI %u\n", custinsight_abi_version(),
                CUSTINSIGHT_ABI_VERSION);
        return 1;
    }
    size_t profile_len = 0;
    char *profile = read_file(argv[1], &profile_len);
    if (profile == NULL) {
        return 1;
    }

    /* One engine per process, shared by every agent thread. */
    custinsight_engine *engine = NULL;
    custinsight_status status = custinsight_engine_new(&engine);
    if (status != CUSTINSIGHT_STATUS_OK) {
        free(profile);
        return fail("custinsight_engine_new", status);
    }

    char *popup = NULL;
    size_t popup_len = 0;
    /* CUSTINSIGHT_NOW pins the clock, for reproducible output. */
    const char *pinned = getenv("CUSTINSIGHT_NOW");
    int64_t now = pinned != NULL ? strtoll(pinned, NULL, 10) : (int64_t)time(NULL);
    status = custinsight_engine_pop_up_json(engine, profile, profile_len, now, &popup, &popup_len);
    free(profile);
    if (status != CUSTINSIGHT_STATUS_OK) {
        custinsight_engine_free(engine);
        return fail("custinsight_engine_pop_up_json", status);
    }
    printf("libcustinsight %s\npop-up: %s\n", custinsight_version(), popup);
    custinsight_string_free(popup);

    if (argc > 2) {
        custinsight_classification answer;
        status = custinsight_engine_classify(engine, argv[2], strlen(argv[2]), &answer);
        if (status != CUSTINSIGHT_STATUS_OK) {
            custinsight_engine_free(engine);
            return fail("custinsight_engine_classify", status);
        }
        printf("complaint: %s -> %s (work group %s), confidence %.2f, severity %s%s%s\n", argv[2],
               answer.category, answer.work_group, answer.confidence, severity_names[answer.severity],
               (answer.signals & CUSTINSIGHT_SIGNAL_REGULATOR) ? ", regulator mentioned" : "",
               answer.uncertain ? ", uncertain: ask the agent" : "");
    }
    custinsight_engine_free(engine);
    return 0;
}
