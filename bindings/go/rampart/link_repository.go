//go:build !rampart_system

package rampart

// By default the package links the static library that `cargo build --release -p
// rampart-c` leaves in the repository's target/release. Build with -tags rampart_system
// to link -lrampart from the system's library path instead (CGO_LDFLAGS=-L... to point
// elsewhere).

// #cgo LDFLAGS: ${SRCDIR}/../../../target/release/librampart.a -ldl -lm -lpthread
import "C"
