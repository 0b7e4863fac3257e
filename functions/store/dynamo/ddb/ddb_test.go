package ddb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
)

// answer is one scripted HTTP answer of the fake DynamoDB.
type answer struct {
	status  int
	body    string
	header  map[string]string
	badCRC  bool // send a X-Amz-Crc32 that does not match the body
	noCRC   bool // send none, as DynamoDB Local does on errors
	dropped bool // close the connection without answering
}

// request is what the fake DynamoDB received.
type request struct {
	header http.Header
	body   []byte
}

// fake is a DynamoDB that answers from a script, then {} for anything more.
type fake struct {
	mu       sync.Mutex
	script   []answer
	requests []request
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, request{header: r.Header.Clone(), body: body})
	a := answer{status: 200, body: "{}"}
	if len(f.script) > 0 {
		a, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if a.dropped {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	crc := crc32.ChecksumIEEE([]byte(a.body))
	if a.badCRC {
		crc++
	}
	if !a.noCRC {
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc), 10))
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", "REQ123")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (f *fake) received() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

// newClient is a client of a fake DynamoDB answering script.
func newClient(t *testing.T, script ...answer) (*ddb.Client, *fake) {
	t.Helper()
	f := &fake{script: script}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := ddb.New(ddb.Options{
		Region:       "ap-northeast-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "session-token"),
	})
	return c, f
}

// sameJSON reports whether a and b encode the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %s", a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return reflect.DeepEqual(x, y)
}

// everyType holds each kind of attribute value, and its DynamoDB JSON.
func everyType() (map[string]ddb.AttributeValue, string) {
	item := map[string]ddb.AttributeValue{
		"s":     &ddb.AttributeValueMemberS{Value: "山田 <花子> & \"co\""},
		"n":     &ddb.AttributeValueMemberN{Value: "-12.5e3"},
		"b":     &ddb.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xff}},
		"bool":  &ddb.AttributeValueMemberBOOL{Value: true},
		"false": &ddb.AttributeValueMemberBOOL{Value: false},
		"null":  &ddb.AttributeValueMemberNULL{Value: true},
		"m": &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{
			"inner": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{&ddb.AttributeValueMemberS{Value: "x"}}},
		}},
		"emptyM": &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{}},
		"l": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{
			&ddb.AttributeValueMemberN{Value: "1"},
			&ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"k": &ddb.AttributeValueMemberBOOL{Value: true}}},
		}},
		"emptyL": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{}},
		"ss":     &ddb.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":     &ddb.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":     &ddb.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
	}
	wire := `{
		"s": {"S": "山田 <花子> & \"co\""},
		"n": {"N": "-12.5e3"},
		"b": {"B": "AAEC/w=="},
		"bool": {"BOOL": true},
		"false": {"BOOL": false},
		"null": {"NULL": true},
		"m": {"M": {"inner": {"L": [{"S": "x"}]}}},
		"emptyM": {"M": {}},
		"l": {"L": [{"N": "1"}, {"M": {"k": {"BOOL": true}}}]},
		"emptyL": {"L": []},
		"ss": {"SS": ["a", "b"]},
		"ns": {"NS": ["1", "2.5"]},
		"bs": {"BS": ["AQ==", "AgM="]}
	}`
	return item, wire
}

// Every attribute type is sent as DynamoDB's JSON and read back as the same value.
func TestAttributeValueRoundTrip(t *testing.T) {
	item, wire := everyType()
	c, f := newClient(t, answer{status: 200, body: `{"Attributes":` + wire + `}`})
	out, err := c.PutItem(context.Background(), &ddb.PutItemInput{
		TableName:    aws.String("t"),
		Item:         item,
		ReturnValues: ddb.ReturnValueAllOld,
	})
	if err != nil {
		t.Fatal(err)
	}
	var sent struct {
		TableName    string
		Item         json.RawMessage
		ReturnValues string
	}
	reqs := f.received()
	if err := json.Unmarshal(reqs[0].body, &sent); err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, sent.Item, []byte(wire)) {
		t.Errorf("sent item\n%s\nwant\n%s", sent.Item, wire)
	}
	if sent.TableName != "t" || sent.ReturnValues != "ALL_OLD" {
		t.Errorf("sent %s", reqs[0].body)
	}
	if !reflect.DeepEqual(out.Attributes, item) {
		t.Errorf("decoded %#v\nwant %#v", out.Attributes, item)
	}
}

// Unset fields are left out of the request, not sent as null.
func TestRequestOmitsUnsetFields(t *testing.T) {
	c, f := newClient(t)
	_, err := c.GetItem(context.Background(), &ddb.GetItemInput{
		TableName: aws.String("t"),
		Key:       map[string]ddb.AttributeValue{"PK": &ddb.AttributeValueMemberS{Value: "k"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(f.received()[0].body), `{"TableName":"t","Key":{"PK":{"S":"k"}}}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
}

func TestAnswersDecoded(t *testing.T) {
	c, _ := newClient(t,
		answer{status: 200, body: `{"Count":2,"ScannedCount":3,"Items":[{"PK":{"S":"a"}},{"PK":{"S":"b"}}],
			"LastEvaluatedKey":{"PK":{"S":"b"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.5}}`},
		answer{status: 200, body: `{"Responses":{"t":[{"PK":{"S":"a"}}]},
			"UnprocessedKeys":{"t":{"Keys":[{"PK":{"S":"b"}}],"ConsistentRead":true}}}`},
		answer{status: 200, body: `{"Table":{"TableName":"t","TableStatus":"ACTIVE","CreationDateTime":1.775034601123E9,
			"KeySchema":[{"AttributeName":"PK","KeyType":"HASH"}],
			"GlobalSecondaryIndexes":[{"IndexName":"GSI1","IndexStatus":"CREATING"}],
			"BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"}}}`},
	)
	ctx := context.Background()
	q, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count != 2 || q.ScannedCount != 3 || len(q.Items) != 2 || q.Items[1]["PK"].(*ddb.AttributeValueMemberS).Value != "b" ||
		q.LastEvaluatedKey["PK"].(*ddb.AttributeValueMemberS).Value != "b" || aws.ToFloat64(q.ConsumedCapacity.CapacityUnits) != 1.5 {
		t.Errorf("query output %+v", q)
	}
	b, err := c.BatchGetItem(ctx, &ddb.BatchGetItemInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Responses["t"]) != 1 || len(b.UnprocessedKeys["t"].Keys) != 1 || !aws.ToBool(b.UnprocessedKeys["t"].ConsistentRead) {
		t.Errorf("batch output %+v", b)
	}
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 4, 1, 9, 10, 1, 123e6, time.UTC)
	if d.Table.TableStatus != ddb.TableStatusActive || !aws.ToTime(d.Table.CreationDateTime).Equal(want) ||
		d.Table.GlobalSecondaryIndexes[0].IndexStatus != ddb.IndexStatusCreating ||
		d.Table.BillingModeSummary.BillingMode != ddb.BillingModePayPerRequest || d.Table.KeySchema[0].KeyType != ddb.KeyTypeHash {
		t.Errorf("table %+v created %v", d.Table, aws.ToTime(d.Table.CreationDateTime))
	}
}

// Each request is a signed POST of DynamoDB's JSON protocol.
func TestRequestSigned(t *testing.T) {
	c, f := newClient(t)
	if _, err := c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{}); err != nil {
		t.Fatal(err)
	}
	h := f.received()[0].header
	for name, want := range map[string]string{
		"X-Amz-Target":         "DynamoDB_20120810.TransactWriteItems",
		"Content-Type":         "application/x-amz-json-1.0",
		"X-Amz-Security-Token": "session-token",
		"Accept-Encoding":      "identity",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	auth := h.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") ||
		!strings.Contains(auth, "/ap-northeast-1/dynamodb/aws4_request") ||
		!strings.Contains(auth, "x-amz-target") || !strings.Contains(auth, "Signature=") {
		t.Errorf("Authorization = %q", auth)
	}
	if h.Get("X-Amz-Date") == "" {
		t.Error("no X-Amz-Date")
	}
}

// errorCase is one error answer and what it must decode to.
type errorCase struct {
	code   string
	status int
	check  func(error) bool
}

func errorCases() []errorCase {
	as := func(target any) func(error) bool {
		return func(err error) bool { return errors.As(err, target) }
	}
	return []errorCase{
		{"ConditionalCheckFailedException", 400, as(new(*ddb.ConditionalCheckFailedException))},
		{"TransactionCanceledException", 400, as(new(*ddb.TransactionCanceledException))},
		{"TransactionConflictException", 400, as(new(*ddb.TransactionConflictException))},
		{"TransactionInProgressException", 400, as(new(*ddb.TransactionInProgressException))},
		{"ProvisionedThroughputExceededException", 400, as(new(*ddb.ProvisionedThroughputExceededException))},
		{"ThrottlingException", 400, as(new(*ddb.ThrottlingException))},
		{"RequestLimitExceeded", 400, as(new(*ddb.RequestLimitExceeded))},
		{"ResourceNotFoundException", 400, as(new(*ddb.ResourceNotFoundException))},
		{"ResourceInUseException", 400, as(new(*ddb.ResourceInUseException))},
		{"ValidationException", 400, func(err error) bool {
			var e *ddb.Error
			return errors.As(err, &e) && e.Status == 400 && e.Code == "ValidationException" && e.Message == "bad"
		}},
	}
}

// Every error answer decodes to its type, whether the code comes in the
// body's __type or in X-Amzn-ErrorType (without a body, as some proxies
// answer), and none is retried: 4xx answers are the caller's to handle.
func TestErrorsDecoded(t *testing.T) {
	for _, tc := range errorCases() {
		t.Run(tc.code, func(t *testing.T) {
			body := `{"__type":"com.amazonaws.dynamodb.v20120810#` + tc.code + `","message":"bad"}`
			header := map[string]string{"X-Amzn-ErrorType": tc.code + ":http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/"}
			for name, a := range map[string]answer{
				"__type":           {status: tc.status, body: body, noCRC: true},
				"X-Amzn-ErrorType": {status: tc.status, body: `{"message":"bad"}`, header: header},
			} {
				c, f := newClient(t, a, answer{status: 200, body: "{}"})
				_, err := c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("t")})
				if err == nil || !tc.check(err) {
					t.Errorf("%s: err = %v (%T)", name, err, errors.Unwrap(err))
					continue
				}
				var coded interface{ ErrorCode() string }
				if !errors.As(err, &coded) || coded.ErrorCode() != tc.code {
					t.Errorf("%s: ErrorCode() of %v", name, err)
				}
				var op *ddb.OperationError
				if !errors.As(err, &op) || op.Operation != "GetItem" || op.RequestID != "REQ123" {
					t.Errorf("%s: operation error %+v", name, op)
				}
				if n := len(f.received()); n != 1 {
					t.Errorf("%s: %d attempts, want 1: a 4xx answer is not retried", name, n)
				}
			}
		})
	}
}

// A failed condition carries the item as it was, and the item's values
// stay out of the error's text; a cancelled transaction carries each
// reason with its item.
func TestConditionFailureItems(t *testing.T) {
	c, _ := newClient(t,
		answer{status: 400, noCRC: true, body: `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
			"message":"The conditional request failed","Item":{"email":{"S":"hanako@example.com"},"version":{"N":"3"}}}`},
		answer{status: 400, noCRC: true, body: `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
			"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
			"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed",
			"Item":{"email":{"S":"hanako@example.com"}}}]}`},
	)
	ctx := context.Background()
	_, err := c.PutItem(ctx, &ddb.PutItemInput{
		TableName: aws.String("t"),
		Item:      map[string]ddb.AttributeValue{"email": &ddb.AttributeValueMemberS{Value: "taro@example.com"}},
	})
	var ccf *ddb.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("err = %v", err)
	}
	if v, ok := ccf.Item["version"].(*ddb.AttributeValueMemberN); !ok || v.Value != "3" {
		t.Errorf("item %#v", ccf.Item)
	}
	if s := err.Error(); strings.Contains(s, "@example.com") || !strings.Contains(s, "ConditionalCheckFailedException") {
		t.Errorf("error text %q: want the code and no value sent or returned", s)
	}
	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{})
	var canceled *ddb.TransactionCanceledException
	if !errors.As(err, &canceled) {
		t.Fatalf("err = %v", err)
	}
	r := canceled.CancellationReasons
	if len(r) != 2 || aws.ToString(r[0].Code) != "None" || aws.ToString(r[1].Code) != "ConditionalCheckFailed" ||
		r[1].Item["email"].(*ddb.AttributeValueMemberS).Value != "hanako@example.com" {
		t.Errorf("reasons %+v", r)
	}
	if strings.Contains(err.Error(), "@example.com") {
		t.Errorf("error text %q carries an item value", err)
	}
}

// A server error is retried with the same body, newly signed, and the
// second answer is the result.
func TestServerErrorRetried(t *testing.T) {
	for _, first := range []answer{
		{status: 500, body: `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"internal"}`},
		{status: 503, body: `{"__type":"com.amazon.coral.availability#ServiceUnavailableException"}`},
		{status: 502, body: `<html>bad gateway</html>`},
		{dropped: true},
	} {
		c, f := newClient(t, first, answer{status: 200, body: `{"Item":{"PK":{"S":"k"}}}`})
		out, err := c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("t")})
		if err != nil {
			t.Fatalf("after %+v: %v", first, err)
		}
		if out.Item["PK"].(*ddb.AttributeValueMemberS).Value != "k" {
			t.Errorf("item %v", out.Item)
		}
		reqs := f.received()
		if len(reqs) != 2 {
			t.Fatalf("after %+v: %d attempts, want 2", first, len(reqs))
		}
		if !bytes.Equal(reqs[0].body, reqs[1].body) || reqs[1].header.Get("Authorization") == "" {
			t.Errorf("the retry sent %q (signed: %v), want the same body, signed", reqs[1].body, reqs[1].header.Get("Authorization") != "")
		}
	}
}

// Three server errors in a row: the client gives up after 3 attempts with
// the last answer's error.
func TestServerErrorGivesUp(t *testing.T) {
	e := answer{status: 500, body: `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"internal"}`}
	c, f := newClient(t, e, e, e, e)
	_, err := c.GetItem(context.Background(), &ddb.GetItemInput{})
	var de *ddb.Error
	if !errors.As(err, &de) || de.Status != 500 || de.Code != "InternalServerError" {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.received()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

// An answer whose X-Amz-Crc32 does not match was corrupted on the way:
// the request is sent again. Without the header the answer is accepted.
func TestChecksumMismatchRetried(t *testing.T) {
	body := `{"Item":{"PK":{"S":"k"}}}`
	c, f := newClient(t, answer{status: 200, body: body, badCRC: true}, answer{status: 200, body: body})
	if _, err := c.GetItem(context.Background(), &ddb.GetItemInput{}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.received()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}

	bad := answer{status: 200, body: body, badCRC: true}
	c, f = newClient(t, bad, bad, bad)
	_, err := c.GetItem(context.Background(), &ddb.GetItemInput{})
	if err == nil || !strings.Contains(err.Error(), "X-Amz-Crc32") {
		t.Errorf("three corrupt answers: err = %v", err)
	}
	if n := len(f.received()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	c, _ = newClient(t, answer{status: 200, body: body, noCRC: true})
	if out, err := c.GetItem(context.Background(), &ddb.GetItemInput{}); err != nil || out.Item == nil {
		t.Errorf("answer without a checksum: %v", err)
	}
}

// Middleware sees each operation's name, input and output, and may change
// the input before it is sent.
func TestMiddleware(t *testing.T) {
	var seen []string
	f := &fake{script: []answer{{status: 200, body: `{"ConsumedCapacity":{"CapacityUnits":2}}`}}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := ddb.New(ddb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}, func(o *ddb.Options) {
		o.Middleware = append(o.Middleware, func(next ddb.Handler) ddb.Handler {
			return func(ctx context.Context, op string, in any) (any, error) {
				in.(*ddb.UpdateItemInput).ReturnConsumedCapacity = ddb.ReturnConsumedCapacityTotal
				out, err := next(ctx, op, in)
				if err == nil {
					seen = append(seen, op+" "+strconv.FormatFloat(*out.(*ddb.UpdateItemOutput).ConsumedCapacity.CapacityUnits, 'f', -1, 64))
				}
				return out, err
			}
		})
	})
	if _, err := c.UpdateItem(context.Background(), &ddb.UpdateItemInput{TableName: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "UpdateItem 2" {
		t.Errorf("middleware saw %v", seen)
	}
	if body := string(f.received()[0].body); !strings.Contains(body, `"ReturnConsumedCapacity":"TOTAL"`) {
		t.Errorf("sent %s: the middleware's change is missing", body)
	}
}

// doer is an HTTPClient from a function.
type doer func(*http.Request) (*http.Response, error)

func (d doer) Do(r *http.Request) (*http.Response, error) { return d(r) }

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		region, base, want string
	}{
		{"ap-northeast-1", "", "https://dynamodb.ap-northeast-1.amazonaws.com/"},
		{"cn-north-1", "", "https://dynamodb.cn-north-1.amazonaws.com.cn/"},
		{"us-east-1", "http://127.0.0.1:8000", "http://127.0.0.1:8000/"},
	} {
		var got string
		o := ddb.Options{
			Region:      tc.region,
			Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
			HTTPClient: doer(func(r *http.Request) (*http.Response, error) {
				got = r.URL.String()
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}"))}, nil
			}),
		}
		if tc.base != "" {
			o.BaseEndpoint = aws.String(tc.base)
		}
		if _, err := ddb.New(o).DescribeTable(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("region %s base %q: sent to %s, want %s", tc.region, tc.base, got, tc.want)
		}
	}
}

// A connection error is retried; a cancelled context ends the attempts.
func TestConnectionErrors(t *testing.T) {
	calls := 0
	c := ddb.New(ddb.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient: doer(func(r *http.Request) (*http.Response, error) {
			calls++
			if calls == 1 {
				return nil, errors.New("connection reset by peer")
			}
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}"))}, nil
		}),
	})
	if _, err := c.DeleteItem(context.Background(), &ddb.DeleteItemInput{}); err != nil || calls != 2 {
		t.Errorf("after a reset: %v, %d calls, want success on the 2nd", err, calls)
	}

	calls = 0
	ctx, cancel := context.WithCancel(context.Background())
	c = ddb.New(ddb.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient: doer(func(r *http.Request) (*http.Response, error) {
			calls++
			cancel()
			return nil, r.Context().Err()
		}),
	})
	if _, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{}); !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled: %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

// Without credentials nothing is sent.
func TestNoCredentials(t *testing.T) {
	c := ddb.New(ddb.Options{Region: "us-east-1", HTTPClient: doer(func(*http.Request) (*http.Response, error) {
		t.Error("a request was sent without credentials")
		return nil, errors.New("unexpected")
	})})
	if _, err := c.GetItem(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("err = %v", err)
	}
}
