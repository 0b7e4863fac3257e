package brand

import "time"

// Tokyo is the company's time zone: calendar days (closing dates, the day
// someone applied) are days in Japan, as on the Hugo site (timeZone in
// site/hugo.toml).
var Tokyo = time.FixedZone("JST", 9*60*60)

// dateLayouts are the site's layout_date (site/i18n/*.toml), so a date a
// function page shows reads as the same date on a Hugo page.
var dateLayouts = map[string]string{"ja": "2006年1月2日", "en": "January 2, 2006"}

// Date formats t as a calendar day in Tokyo in the reader's language:
// 2027年1月31日, January 31, 2027.
func Date(lang string, t time.Time) string { return inTokyo(dateLayouts, lang, t) }

// dateTimeLayouts write a day and a clock time in Tokyo, for the moment
// something happened or is due (a send, an application, a choice): the
// year is always there, as a record spans years.
var dateTimeLayouts = map[string]string{"ja": "2006年1月2日 15:04", "en": "Jan 2, 2006, 15:04"}

// DateTime formats t as a day and time in Tokyo in the reader's language:
// 2027年1月31日 09:05, Jan 31, 2027, 09:05.
func DateTime(lang string, t time.Time) string { return inTokyo(dateTimeLayouts, lang, t) }

// inTokyo formats t in Tokyo with lang's layout, Japanese's when lang has none.
func inTokyo(layouts map[string]string, lang string, t time.Time) string {
	layout, ok := layouts[lang]
	if !ok {
		layout = layouts["ja"]
	}
	return t.In(Tokyo).Format(layout)
}
