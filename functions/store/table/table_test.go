package table_test

import (
	"os"
	"testing"

	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
)

// The conformance suites run on this package's Store through its two
// engines, in functions/store/bolt and functions/store/dynamo; tests here
// look at the items underneath.
func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }
