package conformance

// jobGapTests are the job races and failures of RunGapTests.
func jobGapTests() []subtest { return nil }
