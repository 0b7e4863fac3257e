package dynamo_test

import (
	"os"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/conformance"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }

func newStore(t *testing.T) store.Store { return dynamotest.NewStore(t) }

func TestStore(t *testing.T) {
	conformance.RunTests(t, newStore)
	conformance.RunConcurrencyTests(t, newStore)
	conformance.RunGapTests(t, newStore)
}
