package conformance

// storeGapTests are the store races and failures of RunGapTests.
func storeGapTests() []subtest { return nil }
