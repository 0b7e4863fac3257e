package httpapi

// stageLabels name the stages of an application (store.ApplicationStatus,
// by its value) as people read them, in Japanese and English: one set of
// words for the applicant's page, HR's job pages, the board and HR's home.
var stageLabels = map[string][2]string{
	"received":  {"受付済み", "Received"},
	"screening": {"書類選考中", "Screening"},
	"interview": {"面接", "Interview"},
	"offer":     {"内定", "Offer"},
	"hired":     {"採用決定", "Hired"},
	"declined":  {"見送り", "Not selected"},
	"withdrawn": {"取り下げ", "Withdrawn"},
}

// StageLabel names an application's stage (a store.ApplicationStatus's
// value) in lang, Japanese unless en; an unknown stage is its value.
func StageLabel(lang, status string) string {
	pair, ok := stageLabels[status]
	if !ok {
		return status
	}
	if lang == LangEN {
		return pair[1]
	}
	return pair[0]
}
