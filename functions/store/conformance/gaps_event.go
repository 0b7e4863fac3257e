package conformance

// eventGapTests are the event races and failures of RunGapTests.
func eventGapTests() []subtest { return nil }
