//go:build rampart_system

package rampart

// #cgo LDFLAGS: -lrampart -ldl -lm -lpthread
import "C"
