/* The bench stream through the C ABI: `stream TABLES STREAM.tsv PASSES` resolves the
 * stream's names to ids once, then times PASSES passes by ids (rampart_check_ids) and
 * by names (rampart_check) and prints the best pass's time per check. The stream is
 * written by `rampart-workload stream --export`; compare with `rampart-workload stream
 * --time` (the same stream and method, from Rust). With a fourth argument (`ids` or
 * `names`) only that half runs, for instruction counts under cachegrind. See
 * benches/README.md.
 *
 *   cc -O2 -std=c99 -I bindings/c/include bindings/c/bench/stream.c \
 *      target/release/librampart.a -lpthread -ldl -lm -o target/c-stream
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rampart.h"

typedef struct {
    char *subject, *action, *playbook, *config;
    uint64_t principal, act, targets[2];
    size_t count;
} Item;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static RampartStr str(const char *s) {
    RampartStr r = {(const uint8_t *)s, strlen(s)};
    return r;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: stream TABLES STREAM.tsv PASSES [ids|names]\n");
        return 2;
    }
    RampartTables *tables = NULL;
    if (rampart_tables_load((const uint8_t *)argv[1], strlen(argv[1]), NULL, 0, &tables, NULL) != RAMPART_OK) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 2;
    }
    FILE *in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        return 2;
    }
    size_t n = 0, capacity = 1024;
    Item *items = malloc(capacity * sizeof(Item));
    char *line = NULL;
    size_t line_capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &line_capacity, in)) > 0) {
        if (line[length - 1] == '\n') line[length - 1] = '\0';
        if (n == capacity) items = realloc(items, (capacity *= 2) * sizeof(Item));
        Item *it = &items[n++];
        char *copy = strdup(line);
        it->subject = strtok(copy, "\t");
        it->action = strtok(NULL, "\t");
        it->playbook = strtok(NULL, "\t");
        it->config = strtok(NULL, "\t");
        if (it->config == NULL) { /* no playbook: the third field is the config */
            it->config = it->playbook;
            it->playbook = NULL;
        }
        it->count = 0;
        int ok = rampart_principal(tables, (const uint8_t *)it->subject, strlen(it->subject), &it->principal, NULL) == RAMPART_OK &&
                 rampart_action(tables, (const uint8_t *)it->action, strlen(it->action), &it->act, NULL) == RAMPART_OK;
        if (ok && it->playbook)
            ok = rampart_object(tables, RAMPART_CATEGORY_PLAYBOOK, (const uint8_t *)it->playbook, strlen(it->playbook), &it->targets[it->count++], NULL) == RAMPART_OK;
        if (ok)
            ok = rampart_object(tables, RAMPART_CATEGORY_CONFIG, (const uint8_t *)it->config, strlen(it->config), &it->targets[it->count++], NULL) == RAMPART_OK;
        if (!ok) {
            fprintf(stderr, "line %zu does not resolve\n", n);
            return 2;
        }
    }
    int passes = atoi(argv[3]);
    /* With a fourth argument only that half runs: instruction counts under cachegrind
     * (PASSES 0 and 2; the difference / (2 x requests) is one check). */
    int run_ids = argc == 4 || strcmp(argv[4], "ids") == 0;
    int run_names = argc == 4 || strcmp(argv[4], "names") == 0;
    double best_ids = 1e300, best_names = 1e300;
    long allowed_ids = 0, allowed_names = 0;
    RampartStr absent = {NULL, 0};
    /* All passes by ids, then all by names (as `rampart-workload stream --time` does):
     * interleaving them would time each ids pass with the caches the names pass left. */
    for (int p = 0; run_ids && p < passes; p++) {
        double start = now();
        for (size_t i = 0; i < n; i++) {
            RampartDecision d;
            rampart_check_ids(tables, items[i].principal, items[i].act, items[i].targets, items[i].count, &d, NULL);
            allowed_ids += d.allowed;
        }
        double ids = (now() - start) / (double)n;
        if (ids < best_ids) best_ids = ids;
    }
    for (int p = 0; run_names && p < passes; p++) {
        double start = now();
        for (size_t i = 0; i < n; i++) {
            RampartDecision d;
            RampartRequest r = {str(items[i].subject), str(items[i].action),
                                {items[i].playbook ? str(items[i].playbook) : absent, str(items[i].config), absent, absent, absent}};
            rampart_check(tables, &r, &d, NULL);
            allowed_names += d.allowed;
        }
        double names = (now() - start) / (double)n;
        if (names < best_names) best_names = names;
    }
    printf("c: %zu requests, best of %d passes: by ids %.1f ns, by names %.1f ns per check (%ld/%ld allowed)\n", n,
           passes, best_ids, best_names, allowed_ids / passes, allowed_names / passes);
    rampart_tables_free(tables);
    return 0;
}
