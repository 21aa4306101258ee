/* C helpers of the cgo package: the request structs are built on the C side, so that Go
 * passes only pointers to bytes (cgo forbids passing Go memory that holds Go pointers). */
#ifndef RAMPART_GO_HELPERS_H
#define RAMPART_GO_HELPERS_H

#include "rampart.h"

/* A check's outcome returned by value: the checks take no pointer to Go memory for their
 * answers, so that nothing the Go side declares escapes to its heap on every call (an
 * allocation and garbage collector work per check, several times the check's own cost). */
typedef struct GoRampartChecked {
	int32_t code;
	RampartDecision decision;
	RampartError *error;
} GoRampartChecked;

static GoRampartChecked go_rampart_check(const RampartTables *t, const uint8_t *s, size_t sl,
                                         const uint8_t *a, size_t al, const uint8_t *pb, size_t pbl,
                                         const uint8_t *cf, size_t cfl, const uint8_t *cp, size_t cpl,
                                         const uint8_t *cn, size_t cnl, const uint8_t *g, size_t gl) {
	RampartRequest r = {{s, sl}, {a, al}, {{pb, pbl}, {cf, cfl}, {cp, cpl}, {cn, cnl}, {g, gl}}};
	GoRampartChecked out = {0, {0, 0}, NULL};
	out.code = rampart_check(t, &r, &out.decision, &out.error);
	return out;
}

/* rampart_check_ids with the (at most four) target ids passed by value, and the handle as
 * an integer: it is C memory, and a pointer argument would make cgo check it on every
 * call (a closure and an allocation per check, a third of the crossing's cost). */
static GoRampartChecked go_rampart_check_ids(uintptr_t t, uint64_t principal, uint64_t action,
                                             uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3, size_t n) {
	uint64_t ids[4] = {t0, t1, t2, t3};
	GoRampartChecked out = {0, {0, 0}, NULL};
	out.code = rampart_check_ids((const RampartTables *)t, principal, action, n ? ids : NULL, n,
	                             &out.decision, &out.error);
	return out;
}

static int32_t go_rampart_who_can(const RampartTables *t, const uint8_t *a, size_t al,
                                  const uint8_t *pb, size_t pbl, const uint8_t *cf, size_t cfl,
                                  const uint8_t *cp, size_t cpl, const uint8_t *cn, size_t cnl,
                                  const uint8_t *g, size_t gl, RampartBuffer *out, RampartError **error) {
	RampartStr action = {a, al};
	RampartTarget target = {{pb, pbl}, {cf, cfl}, {cp, cpl}, {cn, cnl}, {g, gl}};
	return rampart_who_can_json(t, action, &target, out, error);
}

static int32_t go_rampart_list(const RampartTables *t, const uint8_t *s, size_t sl,
                               const uint8_t *a, size_t al, uint32_t category, int with,
                               const uint8_t *pb, size_t pbl, const uint8_t *cf, size_t cfl,
                               const uint8_t *cp, size_t cpl, const uint8_t *cn, size_t cnl,
                               RampartBuffer *out, RampartError **error) {
	RampartStr subject = {s, sl}, action = {a, al}, none = {NULL, 0};
	RampartTarget target = {{pb, pbl}, {cf, cfl}, {cp, cpl}, {cn, cnl}, none};
	return rampart_list_json(t, subject, action, category, with ? &target : NULL, out, error);
}

static int32_t go_rampart_sql_filter(const RampartTables *t, const uint8_t *s, size_t sl,
                                     const uint8_t *a, size_t al, uint32_t category,
                                     const RampartStr *columns, size_t columns_len,
                                     const uint8_t *id, size_t idl, uint32_t first, uint32_t flags,
                                     RampartBuffer *out, RampartError **error) {
	RampartStr subject = {s, sl}, action = {a, al}, id_type = {id, idl};
	return rampart_sql_filter_json(t, subject, action, category, columns, columns_len, id_type, first,
	                               flags, out, error);
}

static int32_t go_rampart_sql_filter_with(const RampartTables *t, const uint8_t *s, size_t sl,
                                          const uint8_t *a, size_t al, uint32_t category,
                                          const uint8_t *pb, size_t pbl, const uint8_t *cf, size_t cfl,
                                          const uint8_t *cp, size_t cpl, const uint8_t *cn, size_t cnl,
                                          const RampartStr *columns, size_t columns_len,
                                          const uint8_t *id, size_t idl, uint32_t first, uint32_t flags,
                                          RampartBuffer *out, RampartError **error) {
	RampartStr subject = {s, sl}, action = {a, al}, id_type = {id, idl}, none = {NULL, 0};
	RampartTarget with = {{pb, pbl}, {cf, cfl}, {cp, cpl}, {cn, cnl}, none};
	return rampart_sql_filter_with_json(t, subject, action, category, &with, columns, columns_len, id_type,
	                                    first, flags, out, error);
}

static int32_t go_rampart_resolve(const RampartTables *t, const uint8_t *r, size_t rl,
                                  const uint8_t *s, size_t sl, const uint8_t *ns, size_t nsl,
                                  const uint8_t *sec, size_t secl, uint32_t flags,
                                  RampartBuffer *out, RampartError **error) {
	RampartStr reference = {r, rl}, subject = {s, sl}, namespace_ = {ns, nsl}, secrets = {sec, secl};
	return rampart_resolve_connection_json(t, reference, subject, namespace_, secrets, flags, out, error);
}
#endif
