package code

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorsMatchSentinelsByCode(t *testing.T) {
	err := fmt.Errorf("deciding: %w", &Error{Code: UnknownObject, Message: "unknown config `x`"})
	if !errors.Is(err, ErrUnknownObject) {
		t.Fatal("errors.Is does not see the code through wrapping")
	}
	if errors.Is(err, ErrUnknownSubject) {
		t.Fatal("another code matched")
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != UnknownObject || e.Error() != "unknown config `x`" {
		t.Fatalf("errors.As: %#v", e)
	}
	if errors.Is(&Error{Code: UnknownObject}, &Error{Code: UnknownObject, Message: "m"}) {
		t.Fatal("only sentinels (no message) match by code")
	}
	if !IsRequestError(MalformedRequest) || IsRequestError(BadSignature) {
		t.Fatal("families")
	}
}
