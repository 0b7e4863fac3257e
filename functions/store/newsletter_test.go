package store

import "testing"

// TestSegmentMatches: each field of a segment narrows the recipients; a
// zero field lets everyone through.
func TestSegmentMatches(t *testing.T) {
	m := Member{Language: LanguageEn, Department: "営業本部", Left: "2018-06", Profile: Profile{OpenTo: OpenTo{Mentoring: true}}}
	cases := []struct {
		seg  NewsletterSegment
		want bool
	}{
		{NewsletterSegment{}, true},
		{NewsletterSegment{Language: "all"}, true},
		{NewsletterSegment{Language: LanguageJa}, false},
		{NewsletterSegment{Language: LanguageEn}, true},
		{NewsletterSegment{Departments: []string{"開発部", "営業本部"}}, true},
		{NewsletterSegment{Departments: []string{"開発部"}}, false},
		{NewsletterSegment{LeftFrom: "2018"}, true},
		{NewsletterSegment{LeftFrom: "2018-07"}, false},
		{NewsletterSegment{LeftTo: "2018"}, true},
		{NewsletterSegment{LeftTo: "2018-05"}, false},
		{NewsletterSegment{OpenTo: []string{"rehire", "mentoring"}}, true},
		{NewsletterSegment{OpenTo: []string{"rehire"}}, false},
	}
	for _, c := range cases {
		if got := c.seg.Matches(m); got != c.want {
			t.Errorf("%+v.Matches = %v, want %v", c.seg, got, c.want)
		}
	}
	if (NewsletterSegment{LeftFrom: "2010"}).Matches(Member{}) {
		t.Error("a member without a leaving month matched a left_from segment")
	}
}
