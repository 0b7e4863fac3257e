package conformance

import "testing"

// RunGapTests runs the tests that the engines' own code (one orchestration
// per engine) could not pass: races and failures that only a store written
// once, on one transactional item layer, answers alike on every engine.
func RunGapTests(t *testing.T, newStore Factory) {
	run(t, newStore, jobGapTests())
	run(t, newStore, eventGapTests())
	run(t, newStore, newsletterGapTests())
	run(t, newStore, storeGapTests())
}
