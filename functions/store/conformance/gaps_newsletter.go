package conformance

// newsletterGapTests are the newsletter races and failures of RunGapTests.
func newsletterGapTests() []subtest { return nil }
