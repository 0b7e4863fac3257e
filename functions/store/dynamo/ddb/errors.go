package ddb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Errors name what went wrong and never carry a value that was sent or an
// item that came back in their strings: the items of ConditionalCheckFailed
// and TransactionCanceled are fields, for the caller to read, not to print.

// OperationError is the error of every operation: which one failed, and
// the answer's request id when DynamoDB answered.
type OperationError struct {
	Operation string
	RequestID string
	Err       error
}

func (e *OperationError) Error() string {
	s := "dynamodb " + e.Operation + ": " + e.Err.Error()
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

func (e *OperationError) Unwrap() error { return e.Err }

// Error is an error answer of a code without its own type here
// (ValidationException, InternalServerError …).
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%d %s", e.Status, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ErrorCode is the error's code, such as "ValidationException".
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is DynamoDB's message.
func (e *Error) ErrorMessage() string { return e.Message }

// ConditionalCheckFailedException: a single-item write's condition was false.
type ConditionalCheckFailedException struct {
	Message *string
	// Item is the item as it was, when the write asked for it
	// (ReturnValuesOnConditionCheckFailure ALL_OLD).
	Item map[string]AttributeValue
}

// UnmarshalJSON decodes the item.
func (e *ConditionalCheckFailedException) UnmarshalJSON(data []byte) error {
	type plain ConditionalCheckFailedException
	w := struct {
		*plain
		Item attrMap
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	e.Item = w.Item
	return nil
}

func (e *ConditionalCheckFailedException) Error() string { return errorString(e) }

// ErrorCode is "ConditionalCheckFailedException".
func (e *ConditionalCheckFailedException) ErrorCode() string {
	return "ConditionalCheckFailedException"
}

// ErrorMessage is DynamoDB's message.
func (e *ConditionalCheckFailedException) ErrorMessage() string { return aws.ToString(e.Message) }

// TransactionCanceledException: a transaction was not applied; the reasons
// say why, item by item in request order.
type TransactionCanceledException struct {
	Message             *string
	CancellationReasons []CancellationReason
}

func (e *TransactionCanceledException) Error() string { return errorString(e) }

// ErrorCode is "TransactionCanceledException".
func (e *TransactionCanceledException) ErrorCode() string { return "TransactionCanceledException" }

// ErrorMessage is DynamoDB's message, which lists the reasons' codes.
func (e *TransactionCanceledException) ErrorMessage() string { return aws.ToString(e.Message) }

// TransactionConflictException: another transaction holds an item.
type TransactionConflictException struct{ Message *string }

func (e *TransactionConflictException) Error() string { return errorString(e) }

// ErrorCode is "TransactionConflictException".
func (e *TransactionConflictException) ErrorCode() string { return "TransactionConflictException" }

// ErrorMessage is DynamoDB's message.
func (e *TransactionConflictException) ErrorMessage() string { return aws.ToString(e.Message) }

// TransactionInProgressException: a transaction with the same client
// request token is still running.
type TransactionInProgressException struct{ Message *string }

func (e *TransactionInProgressException) Error() string { return errorString(e) }

// ErrorCode is "TransactionInProgressException".
func (e *TransactionInProgressException) ErrorCode() string { return "TransactionInProgressException" }

// ErrorMessage is DynamoDB's message.
func (e *TransactionInProgressException) ErrorMessage() string { return aws.ToString(e.Message) }

// ProvisionedThroughputExceededException: a partition is over its throughput.
type ProvisionedThroughputExceededException struct{ Message *string }

func (e *ProvisionedThroughputExceededException) Error() string { return errorString(e) }

// ErrorCode is "ProvisionedThroughputExceededException".
func (e *ProvisionedThroughputExceededException) ErrorCode() string {
	return "ProvisionedThroughputExceededException"
}

// ErrorMessage is DynamoDB's message.
func (e *ProvisionedThroughputExceededException) ErrorMessage() string {
	return aws.ToString(e.Message)
}

// ThrottlingException: requests come too fast.
type ThrottlingException struct{ Message *string }

func (e *ThrottlingException) Error() string { return errorString(e) }

// ErrorCode is "ThrottlingException".
func (e *ThrottlingException) ErrorCode() string { return "ThrottlingException" }

// ErrorMessage is DynamoDB's message.
func (e *ThrottlingException) ErrorMessage() string { return aws.ToString(e.Message) }

// RequestLimitExceeded: the account is over its throughput quota.
type RequestLimitExceeded struct{ Message *string }

func (e *RequestLimitExceeded) Error() string { return errorString(e) }

// ErrorCode is "RequestLimitExceeded".
func (e *RequestLimitExceeded) ErrorCode() string { return "RequestLimitExceeded" }

// ErrorMessage is DynamoDB's message.
func (e *RequestLimitExceeded) ErrorMessage() string { return aws.ToString(e.Message) }

// ResourceNotFoundException: no such table or index (yet).
type ResourceNotFoundException struct{ Message *string }

func (e *ResourceNotFoundException) Error() string { return errorString(e) }

// ErrorCode is "ResourceNotFoundException".
func (e *ResourceNotFoundException) ErrorCode() string { return "ResourceNotFoundException" }

// ErrorMessage is DynamoDB's message.
func (e *ResourceNotFoundException) ErrorMessage() string { return aws.ToString(e.Message) }

// ResourceInUseException: the table exists already, or is busy.
type ResourceInUseException struct{ Message *string }

func (e *ResourceInUseException) Error() string { return errorString(e) }

// ErrorCode is "ResourceInUseException".
func (e *ResourceInUseException) ErrorCode() string { return "ResourceInUseException" }

// ErrorMessage is DynamoDB's message.
func (e *ResourceInUseException) ErrorMessage() string { return aws.ToString(e.Message) }

type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

func errorString(e apiError) string {
	if m := e.ErrorMessage(); m != "" {
		return e.ErrorCode() + ": " + m
	}
	return e.ErrorCode()
}

// maxMessage bounds the message kept from an answer of an unknown code:
// DynamoDB's messages are short sentences, and anything longer is not one.
const maxMessage = 512

// decodeError reads an error answer: the code from X-Amzn-ErrorType or
// the body's __type ("com.amazonaws.dynamodb.v20120810#Code"), then the
// type of that code with the body's fields.
func decodeError(status int, h http.Header, body []byte) error {
	var head struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	jsonBody := json.Unmarshal(body, &head) == nil
	code, _, _ := strings.Cut(h.Get("X-Amzn-Errortype"), ":")
	if code == "" {
		code = head.Type
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
	}
	var err apiError
	switch code {
	case "ConditionalCheckFailedException":
		err = &ConditionalCheckFailedException{}
	case "TransactionCanceledException":
		err = &TransactionCanceledException{}
	case "TransactionConflictException":
		err = &TransactionConflictException{}
	case "TransactionInProgressException":
		err = &TransactionInProgressException{}
	case "ProvisionedThroughputExceededException":
		err = &ProvisionedThroughputExceededException{}
	case "ThrottlingException":
		err = &ThrottlingException{}
	case "RequestLimitExceeded":
		err = &RequestLimitExceeded{}
	case "ResourceNotFoundException":
		err = &ResourceNotFoundException{}
	case "ResourceInUseException":
		err = &ResourceInUseException{}
	default:
		if code == "" {
			code = strings.ReplaceAll(http.StatusText(status), " ", "")
		}
		e := &Error{Status: status, Code: code}
		if jsonBody {
			e.Message = shorten(head.Message)
		}
		return e
	}
	if jsonBody {
		// The answer decoded once already; a field of an unexpected shape
		// leaves that field empty rather than hiding the error's type.
		_ = json.Unmarshal(body, err)
	}
	return err.(error)
}

func shorten(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	s = s[:maxMessage]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// connectionError is a request that got no complete answer.
type connectionError struct{ err error }

func (e *connectionError) Error() string { return "connection: " + e.err.Error() }
func (e *connectionError) Unwrap() error { return e.err }

// errChecksum is an answer whose body does not match its X-Amz-Crc32.
var errChecksum = errors.New("answer corrupted in transit: X-Amz-Crc32 does not match")

// retryable reports whether a failed attempt may be sent again: the
// request got no answer, a corrupt one, or a server error. Throttling and
// transaction conflicts are answers: the caller decides.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var conn *connectionError
	if errors.As(err, &conn) || errors.Is(err, errChecksum) {
		return true
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case "InternalServerError", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException":
			return true
		}
		switch e.Status {
		case 500, 502, 503, 504:
			return true
		}
	}
	return false
}
