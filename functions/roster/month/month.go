// Package month reads a month as people write it in Japan. The roster
// import and the registration form both use it; it links no roster
// decoder, so the Lambda functions that read registrations stay small.
package month

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"github.com/okaeri/okaeri/functions/store"
)

var pattern = store.LazyPattern(`^([0-9]{4})(?:[-/.年]([0-9]{1,2})(?:月(?:[0-9]{1,2}日)?|[-/.][0-9]{1,2}日?)?|([0-9]{2}))$`)

// Parse reads a month as people write it in Japan and returns it as
// YYYY-MM: 2019-04, 2019/4, 2019.4, 2019年4月, 201904, or a date (2019-04-01,
// 2019/04/01, 2019年4月1日). Full-width digits and spaces around the parts are
// fine (２０１９年 ４月). The roster import and the registration form both
// read months with it, so a member can type what HR's roster holds.
func Parse(s string) (string, bool) {
	s = width.Fold.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	m := pattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	mo := m[2] + m[3]
	if len(mo) == 1 {
		mo = "0" + mo
	}
	if mo < "01" || mo > "12" {
		return "", false
	}
	return m[1] + "-" + mo, true
}
