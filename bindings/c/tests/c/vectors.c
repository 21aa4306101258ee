/* The shared test vectors from C, through include/rampart.h and librampart.a.
 *
 *   vectors TABLES LINES        answers every vector of LINES (written from
 *                               bindings/vectors/vectors.json by the Rust test
 *                               c_program.rs: one tab-separated vector per line) by JSON,
 *                               by names and by ids, then checks from 4 threads at once;
 *                               prints "N passed, M failed"; exit 0 only when none failed
 *   vectors workload TABLES REQUESTS EXPECTED
 *                               decides every JSON line of REQUESTS (rampart-workload's
 *                               requests.jsonl) and compares `allowed` with EXPECTED
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rampart.h"

#define MAX_FIELDS 32

static int passed = 0;
static int failed = 0;

static RampartStr str(const char *s) {
    RampartStr r = {(const uint8_t *)s, strlen(s)};
    return r;
}

static const RampartStr ABSENT = {NULL, 0};

/* Field i, or ABSENT when the mask says it is absent. */
static RampartStr field_or_absent(const char *mask, int i, const char *value) {
    return mask[i] == '1' ? str(value) : ABSENT;
}

static void fail(const char *kind, const char *name, const char *what, const char *got) {
    failed++;
    fprintf(stderr, "FAILED %s %s: %s: %s\n", kind, name, what, got ? got : "(null)");
}

/* Compares a call's outcome with the expectation: the JSON text (when `expect` is not
 * "-") or the code and message. Frees the buffer and the error. */
static void settle(const char *kind, const char *name, int32_t code, RampartBuffer *out,
                   RampartError *error, const char *expect, const char *want_code,
                   const char *want_message) {
    if (strcmp(expect, "-") != 0) {
        if (code != RAMPART_OK) {
            fail(kind, name, "an error where an answer was expected",
                 rampart_error_message(error, NULL));
        } else if (out != NULL && (out->ptr == NULL || strcmp((const char *)out->ptr, expect) != 0)) {
            fail(kind, name, "another answer", (const char *)out->ptr);
        } else if (error != NULL) {
            fail(kind, name, "an error stored by a successful call", "");
        } else {
            passed++;
        }
    } else {
        const char *got_code = rampart_code_name(code);
        size_t length = 0;
        const char *message = rampart_error_message(error, &length);
        if (code == RAMPART_OK || strcmp(got_code, want_code) != 0) {
            fail(kind, name, "another code", got_code);
        } else if (message == NULL || strcmp(message, want_message) != 0 || length != strlen(want_message)) {
            fail(kind, name, "another message", message);
        } else if (rampart_error_code(error) != code) {
            fail(kind, name, "the error's code differs from the returned code", got_code);
        } else if (out != NULL && (out->ptr != NULL || out->len != 0)) {
            fail(kind, name, "a failed call left a buffer", "");
        } else {
            passed++;
        }
    }
    if (out != NULL) {
        rampart_buffer_free(out);
        rampart_buffer_free(out); /* harmless by contract */
    }
    rampart_error_free(error);
}

static RampartTarget target_of(const char *mask, char **f) {
    RampartTarget t = {field_or_absent(mask, 0, f[0]), field_or_absent(mask, 1, f[1]),
                       field_or_absent(mask, 2, f[2]), field_or_absent(mask, 3, f[3]),
                       field_or_absent(mask, 4, f[4])};
    return t;
}

/* check FLAGS REQUEST EXPECT CODE MESSAGE PARTS MASK SUBJECT ACTION PB CFG COMP CONN
 * GLOBAL ALLOWED REASON NAME */
static void check(const RampartTables *tables, char **f) {
    const char *name = f[17];
    uint32_t flags = (uint32_t)strtoul(f[1], NULL, 10);
    RampartBuffer out;
    RampartError *error = NULL;
    int32_t code = rampart_check_json(tables, (const uint8_t *)f[2], strlen(f[2]), flags, &out, &error);
    settle("check/json", name, code, &out, error, f[3], f[4], f[5]);
    if (strcmp(f[6], "1") != 0) return;
    const char *mask = f[7];
    RampartRequest request = {str(f[8]), str(f[9]), target_of(mask + 2, f + 10)};
    RampartDecision decision = {7, 7};
    error = NULL;
    code = rampart_check(tables, &request, &decision, &error);
    if (code != RAMPART_OK && decision.allowed != 0) fail("check/names", name, "a failed call left an allow", "");
    if (strcmp(f[3], "-") == 0) {
        settle("check/names", name, code, NULL, error, "-", f[4], f[5]);
        return;
    }
    unsigned allowed = (unsigned)strtoul(f[15], NULL, 10), reason = (unsigned)strtoul(f[16], NULL, 10);
    if (code != RAMPART_OK) {
        fail("check/names", name, "an error", rampart_error_message(error, NULL));
        rampart_error_free(error);
    } else if (decision.allowed != allowed || decision.reason != reason) {
        fail("check/names", name, "another decision", "");
    } else {
        passed++;
    }
    /* By ids: resolve, then decide. */
    uint64_t principal = 0, action = 0, targets[5];
    size_t count = 0;
    int ok = rampart_principal(tables, request.subject.ptr, request.subject.len, &principal, NULL) == RAMPART_OK &&
             rampart_action(tables, request.action.ptr, request.action.len, &action, NULL) == RAMPART_OK;
    const RampartStr *keys[4] = {&request.target.playbook, &request.target.config, &request.target.component,
                                 &request.target.connection};
    for (uint32_t c = 0; ok && c < 4; c++) {
        if (keys[c]->ptr == NULL) continue;
        ok = rampart_object(tables, c, keys[c]->ptr, keys[c]->len, &targets[count++], NULL) == RAMPART_OK;
    }
    if (ok && request.target.global.ptr != NULL)
        ok = rampart_global(tables, request.target.global.ptr, request.target.global.len, &targets[count++], NULL) == RAMPART_OK;
    decision.allowed = 7;
    if (!ok || rampart_check_ids(tables, principal, action, targets, count, &decision, NULL) != RAMPART_OK) {
        fail("check/ids", name, "an error", "");
    } else if (decision.allowed != allowed || decision.reason != reason) {
        fail("check/ids", name, "another decision", "");
    } else {
        passed++;
    }
}

/* list SUBJECT ACTION CATEGORY HASWITH MASK PB CFG COMP CONN GLOBAL EXPECT CODE MESSAGE NAME */
static void list(const RampartTables *tables, char **f) {
    RampartTarget with = target_of(f[5], f + 6);
    RampartBuffer out;
    RampartError *error = NULL;
    int32_t code = rampart_list_json(tables, str(f[1]), str(f[2]), (uint32_t)strtoul(f[3], NULL, 10),
                                     strcmp(f[4], "1") == 0 ? &with : NULL, &out, &error);
    settle("list", f[14], code, &out, error, f[11], f[12], f[13]);
}

/* who_can ACTION MASK PB CFG COMP CONN GLOBAL EXPECT CODE MESSAGE NAME */
static void who_can(const RampartTables *tables, char **f) {
    RampartTarget target = target_of(f[2], f + 3);
    RampartBuffer out;
    RampartError *error = NULL;
    int32_t code = rampart_who_can_json(tables, str(f[1]), &target, &out, &error);
    settle("who_can", f[11], code, &out, error, f[8], f[9], f[10]);
}

/* filter SUBJECT ACTION CATEGORY COLUMNS(\x1f-separated) NCOLUMNS HASIDTYPE IDTYPE FIRST FLAGS
 * HASWITH MASK PB CFG COMP CONN GLOBAL EXPECT CODE MESSAGE NAME (HASWITH 1: the rows paired
 * with that object, through rampart_sql_filter_with_json) */
static void filter(const RampartTables *tables, char **f) {
    RampartStr columns[8];
    size_t n = (size_t)strtoul(f[5], NULL, 10);
    char *rest = f[4];
    for (size_t i = 0; i < n && i < 8; i++) {
        char *sep = strchr(rest, '\x1f');
        if (sep) *sep = '\0';
        columns[i] = str(rest);
        rest = sep ? sep + 1 : rest + strlen(rest);
    }
    RampartBuffer out;
    RampartError *error = NULL;
    RampartStr id_type = strcmp(f[6], "1") == 0 ? str(f[7]) : ABSENT;
    uint32_t category = (uint32_t)strtoul(f[3], NULL, 10);
    uint32_t first = (uint32_t)strtoul(f[8], NULL, 10);
    uint32_t flags = (uint32_t)strtoul(f[9], NULL, 10);
    int32_t code;
    if (strcmp(f[10], "1") == 0) {
        RampartTarget with = target_of(f[11], f + 12);
        code = rampart_sql_filter_with_json(tables, str(f[1]), str(f[2]), category, &with, n ? columns : NULL, n,
                                            id_type, first, flags, &out, &error);
    } else {
        code = rampart_sql_filter_json(tables, str(f[1]), str(f[2]), category, n ? columns : NULL, n, id_type,
                                       first, flags, &out, &error);
    }
    settle("filter", f[20], code, &out, error, f[17], f[18], f[19]);
}

/* resolve REFERENCE SUBJECT HASNAMESPACE NAMESPACE SECRETS FLAGS EXPECT CODE MESSAGE NAME */
static void resolve(const RampartTables *tables, char **f) {
    RampartBuffer out;
    RampartError *error = NULL;
    int32_t code = rampart_resolve_connection_json(tables, str(f[1]), str(f[2]),
                                                   strcmp(f[3], "1") == 0 ? str(f[4]) : ABSENT, str(f[5]),
                                                   (uint32_t)strtoul(f[6], NULL, 10), &out, &error);
    settle("resolve", f[10], code, &out, error, f[7], f[8], f[9]);
}

/* load PATH HASKEY KEY EXPECT(revision) CODE MESSAGE NAME */
static void load(char **f) {
    RampartTables *tables = (RampartTables *)1; /* overwritten: NULL on failure */
    RampartError *error = NULL;
    int has_key = strcmp(f[2], "1") == 0;
    int32_t code = rampart_tables_load((const uint8_t *)f[1], strlen(f[1]), has_key ? (const uint8_t *)f[3] : NULL,
                                       has_key ? strlen(f[3]) : 0, &tables, &error);
    if (code != RAMPART_OK && tables != NULL) fail("load", f[7], "a failed load left a handle", "");
    if (code == RAMPART_OK && strcmp(f[4], "-") != 0) {
        RampartBuffer info;
        if (rampart_tables_info_json(tables, &info, NULL) == RAMPART_OK && strstr((const char *)info.ptr, f[4]))
            passed++;
        else
            fail("load", f[7], "another revision", (const char *)info.ptr);
        rampart_buffer_free(&info);
        rampart_tables_free(tables);
        return;
    }
    settle("load", f[7], code, NULL, error, f[4], f[5], f[6]);
    rampart_tables_free(code == RAMPART_OK ? tables : NULL);
}

static int split(char *line, char **fields) {
    int n = 0;
    char *p = line;
    while (n < MAX_FIELDS) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* Threads checking by ids at once on one tables value: the answers must not change. */
struct worker {
    const RampartTables *tables;
    uint64_t principal, action, target;
    uint32_t allowed;
    int wrong;
};

static void *work(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < 20000; i++) {
        RampartDecision d;
        if (rampart_check_ids(w->tables, w->principal, w->action, &w->target, 1, &d, NULL) != RAMPART_OK ||
            d.allowed != w->allowed)
            w->wrong++;
    }
    return NULL;
}

static void concurrent(const RampartTables *tables) {
    struct worker workers[4];
    pthread_t threads[4];
    const char *subjects[4] = {"playbook:mc/loki-logs", "playbook:mc/loki-logs", "playbook:mc/echo-config",
                               "admin@example.com"};
    const char *connections[4] = {"mc/loki-bucket", "mc/alerts-slack", "mc/loki-bucket", "mc/alerts-slack"};
    uint32_t expected[4] = {1, 0, 0, 1};
    for (int i = 0; i < 4; i++) {
        workers[i] = (struct worker){tables, 0, 0, 0, expected[i], 0};
        RampartStr s = str(subjects[i]), c = str(connections[i]), a = str("read");
        if (rampart_principal(tables, s.ptr, s.len, &workers[i].principal, NULL) != RAMPART_OK ||
            rampart_action(tables, a.ptr, a.len, &workers[i].action, NULL) != RAMPART_OK ||
            rampart_object(tables, RAMPART_CATEGORY_CONNECTION, c.ptr, c.len, &workers[i].target, NULL) != RAMPART_OK) {
            fail("concurrent", subjects[i], "cannot resolve", "");
            return;
        }
    }
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, work, &workers[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        if (workers[i].wrong) fail("concurrent", subjects[i], "answers changed under concurrency", "");
        else passed++;
    }
}

static int vectors(const char *tables_path, const char *lines_path) {
    RampartTables *tables = NULL;
    RampartError *error = NULL;
    if (rampart_tables_load((const uint8_t *)tables_path, strlen(tables_path), NULL, 0, &tables, &error) != RAMPART_OK) {
        fprintf(stderr, "cannot load %s: %s\n", tables_path, rampart_error_message(error, NULL));
        rampart_error_free(error);
        return 2;
    }
    FILE *in = fopen(lines_path, "r");
    if (!in) {
        perror(lines_path);
        return 2;
    }
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &capacity, in)) > 0) {
        if (line[length - 1] == '\n') line[length - 1] = '\0';
        char *f[MAX_FIELDS];
        int n = split(line, f);
        if (strcmp(f[0], "check") == 0 && n == 18) check(tables, f);
        else if (strcmp(f[0], "list") == 0 && n == 15) list(tables, f);
        else if (strcmp(f[0], "who_can") == 0 && n == 12) who_can(tables, f);
        else if (strcmp(f[0], "filter") == 0 && n == 21) filter(tables, f);
        else if (strcmp(f[0], "resolve") == 0 && n == 11) resolve(tables, f);
        else if (strcmp(f[0], "load") == 0 && n == 8) load(f);
        else fail("line", f[0], "cannot read the vector line", "");
    }
    free(line);
    fclose(in);
    concurrent(tables);
    /* Refusals of the caller's mistakes, never crashes. */
    RampartDecision d = {7, 7};
    if (rampart_check(tables, NULL, &d, NULL) != RAMPART_INVALID_ARGUMENT || d.allowed != 0)
        fail("null", "request", "not refused", "");
    else passed++;
    if (rampart_check(NULL, NULL, NULL, NULL) != RAMPART_INVALID_ARGUMENT) fail("null", "everything", "not refused", "");
    else passed++;
    RampartRequest bad = {{NULL, 5}, str("read"), {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT}};
    if (rampart_check(tables, &bad, &d, NULL) != RAMPART_INVALID_ARGUMENT) fail("null", "pointer with a length", "not refused", "");
    else passed++;
    const char invalid[] = {'j', (char)0xff, 'n'};
    RampartRequest not_utf8 = {{(const uint8_t *)invalid, 3}, str("read"), {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT}};
    if (rampart_check(tables, &not_utf8, &d, NULL) != RAMPART_INVALID_ARGUMENT) fail("utf8", "subject", "not refused", "");
    else passed++;
    if (strcmp(rampart_code_name(RAMPART_UNKNOWN_OBJECT), "unknown_object") != 0 || strcmp(rampart_code_name(12345), "unknown_error") != 0)
        fail("codes", "names", "wrong", "");
    else passed++;
    rampart_tables_free(tables);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

static int workload(const char *tables_path, const char *requests_path, const char *expected_path) {
    RampartTables *tables = NULL;
    if (rampart_tables_load((const uint8_t *)tables_path, strlen(tables_path), NULL, 0, &tables, NULL) != RAMPART_OK) {
        fprintf(stderr, "cannot load %s\n", tables_path);
        return 2;
    }
    FILE *requests = fopen(requests_path, "r"), *expected = fopen(expected_path, "r");
    if (!requests || !expected) {
        perror("workload");
        return 2;
    }
    char *request = NULL, *want = NULL;
    size_t rc = 0, wc = 0;
    ssize_t rl;
    long n = 0;
    while ((rl = getline(&request, &rc, requests)) > 0) {
        n++;
        if (getline(&want, &wc, expected) <= 0) {
            fail("workload", "expected", "fewer expected decisions than requests", "");
            break;
        }
        if (request[rl - 1] == '\n') request[--rl] = '\0';
        RampartBuffer out;
        int32_t code = rampart_check_json(tables, (const uint8_t *)request, (size_t)rl, 0, &out, NULL);
        int want_allowed = strstr(want, "\"allowed\":true") != NULL || strstr(want, "\"allowed\": true") != NULL;
        int got_allowed = code == RAMPART_OK && strstr((const char *)out.ptr, "\"allowed\":true") != NULL;
        if (code != RAMPART_OK || want_allowed != got_allowed) {
            if (failed < 10) fprintf(stderr, "workload line %ld: expected allowed=%d, code %s\n", n, want_allowed, rampart_code_name(code));
            failed++;
        } else {
            passed++;
        }
        rampart_buffer_free(&out);
    }
    free(request);
    free(want);
    fclose(requests);
    fclose(expected);
    rampart_tables_free(tables);
    printf("workload: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "workload") == 0) return workload(argv[2], argv[3], argv[4]);
    if (argc == 3) return vectors(argv[1], argv[2]);
    fprintf(stderr, "usage: vectors TABLES LINES | vectors workload TABLES REQUESTS EXPECTED\n");
    return 2;
}
