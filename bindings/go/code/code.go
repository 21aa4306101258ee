// Package code holds the error type and the stable error codes that both Go faces of
// Rampart return: the cgo package rampart.dev/go/rampart and the pure-Go sidecar client
// rampart.dev/go/sidecar. The codes are the runtime's own (unknown_subject,
// unknown_object, bad_signature, ...), the same in Rust, C, Python and the sidecar.
//
// Match an error with errors.Is against a sentinel, or errors.As to read its code:
//
//	if errors.Is(err, code.ErrUnknownObject) { ... }
//	var e *code.Error
//	if errors.As(err, &e) { log.Print(e.Code) }
package code

// Error is a refusal: a stable code and a message.
type Error struct {
	// Code is the stable code (UnknownObject, BadSignature, ...).
	Code string
	// Message says what was wrong and, where it can, what to write instead.
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Is matches a sentinel of this package (an *Error with a code and no message) by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// The stable codes.
const (
	UnknownSubject     = "unknown_subject"
	AmbiguousSubject   = "ambiguous_subject"
	UnknownAction      = "unknown_action"
	UnknownObject      = "unknown_object"
	UnknownGlobal      = "unknown_global"
	InvalidRequest     = "invalid_request"
	InconsistentTables = "inconsistent_tables"
	MalformedRequest   = "malformed_request"
	IO                 = "io"
	NotATable          = "not_a_table"
	Truncated          = "truncated"
	Endianness         = "endianness"
	VersionMismatch    = "version_mismatch"
	Checksum           = "checksum"
	Corrupt            = "corrupt"
	Unsigned           = "unsigned"
	BadSignature       = "bad_signature"
	Encode             = "encode"
	InvalidReference   = "invalid_reference"
	Denied             = "denied"
	Source             = "source"
	Template           = "template"
	NoDefinition       = "no_definition"
	InvalidHeaders     = "invalid_headers"
	InvalidArgument    = "invalid_argument"
	Closed             = "closed"
	Unsupported        = "unsupported"
	Internal           = "internal"
	// Transport is the sidecar client's own: the sidecar could not be reached or
	// answered something that is not an answer.
	Transport = "transport"
)

func sentinel(c string) *Error { return &Error{Code: c} }

// Sentinels for errors.Is.
var (
	ErrUnknownSubject     = sentinel(UnknownSubject)
	ErrAmbiguousSubject   = sentinel(AmbiguousSubject)
	ErrUnknownAction      = sentinel(UnknownAction)
	ErrUnknownObject      = sentinel(UnknownObject)
	ErrUnknownGlobal      = sentinel(UnknownGlobal)
	ErrInvalidRequest     = sentinel(InvalidRequest)
	ErrInconsistentTables = sentinel(InconsistentTables)
	ErrMalformedRequest   = sentinel(MalformedRequest)
	ErrIO                 = sentinel(IO)
	ErrNotATable          = sentinel(NotATable)
	ErrTruncated          = sentinel(Truncated)
	ErrVersionMismatch    = sentinel(VersionMismatch)
	ErrChecksum           = sentinel(Checksum)
	ErrCorrupt            = sentinel(Corrupt)
	ErrUnsigned           = sentinel(Unsigned)
	ErrBadSignature       = sentinel(BadSignature)
	ErrInvalidReference   = sentinel(InvalidReference)
	ErrDenied             = sentinel(Denied)
	ErrSource             = sentinel(Source)
	ErrInvalidArgument    = sentinel(InvalidArgument)
	ErrClosed             = sentinel(Closed)
	ErrUnsupported        = sentinel(Unsupported)
	ErrInternal           = sentinel(Internal)
	ErrTransport          = sentinel(Transport)
)

// IsRequestError reports whether a code says a request could not be decided (a name that
// does not resolve, a malformed request): never a denial.
func IsRequestError(c string) bool {
	switch c {
	case UnknownSubject, AmbiguousSubject, UnknownAction, UnknownObject, UnknownGlobal,
		InvalidRequest, InconsistentTables, MalformedRequest:
		return true
	}
	return false
}
