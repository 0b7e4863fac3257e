package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// demoMember is one fictional alumnus for `okaeri demo`.
type demoMember struct {
	in       account.RegisterInput
	company  string
	role     string
	location string
	bio      string
	skills   string
	openTo   [4]bool // rehire, sidework, mentoring, referrals
}

// demoMembers are fictional people of the fictional company in content/:
// no real person's data. They make the directory and HR pages non-empty.
var demoMembers = []demoMember{
	{in: account.RegisterInput{Email: "hr@example.co.jp", Name: "人事 さくら", Kana: "ジンジ サクラ", Department: "人事部", Joined: "2012-04", Left: "2013-03", Language: "ja"},
		company: "株式会社ひかりテック", role: "アルムナイ担当（事務局）", location: "東京都", bio: "アルムナイネットワークの事務局です。お気軽にご連絡ください。", skills: "採用, 広報"},
	{in: account.RegisterInput{Email: "haruto.aoki@example.net", Name: "青木 陽翔", Kana: "アオキ ハルト", Department: "プロダクト開発部", Joined: "2016-04", Left: "2022-06", Language: "ja"},
		company: "ミライ工房", role: "エンジニアリングマネージャー", location: "東京都", bio: "帳票クラウドの立ち上げメンバーでした。**Go** と AWS が好きです。", skills: "Go, AWS, チームづくり", openTo: [4]bool{true, true, true, false}},
	{in: account.RegisterInput{Email: "yui.matsumoto@example.net", Name: "松本 結衣", Kana: "マツモト ユイ", Department: "デザイン室", Joined: "2018-04", Left: "2023-09", Language: "ja"},
		company: "フリーランス", role: "UXデザイナー", location: "福岡県", bio: "福岡でフリーランスのデザイナーをしています。副業のご相談歓迎です。", skills: "UXリサーチ, Figma, アクセシビリティ", openTo: [4]bool{false, true, true, true}},
	{in: account.RegisterInput{Email: "kenji.ishida@example.net", Name: "石田 健二", Kana: "イシダ ケンジ", Department: "ソリューション事業部", Joined: "2010-04", Left: "2019-03", Language: "ja"},
		company: "NPO法人まちのみらい", role: "事務局長", location: "大阪府", bio: "営業からNPOへ。関西アルムナイ会の幹事です。", skills: "法人営業, ファシリテーション", openTo: [4]bool{false, false, true, true}},
	{in: account.RegisterInput{Email: "emma.clark@example.org", Name: "Emma Clark", Department: "Product Development", Joined: "2019-10", Left: "2024-03", Language: "en"},
		company: "Northwind Labs", role: "Staff engineer", location: "Singapore", bio: "Worked on the forms engine in Tokyo; now in Singapore. Happy to mentor.", skills: "TypeScript, Go, distributed systems", openTo: [4]bool{true, false, true, true}},
}

// cmdDemo runs `okaeri demo`: fictional approved members with profiles, so a
// newcomer's `make dev` shows a living directory and an HR account to log
// in with. Running it again changes nothing.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	data := fs.String("data", ".okaeri", "data folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	cfg, err := config.Load(e.Getenv, *data)
	if err != nil {
		return err
	}
	a, err := e.newApp(ctx, cfg, app.Options{DataDir: *data, Dev: true})
	if err != nil {
		return err
	}
	defer a.Close()
	added := 0
	yes := true
	for _, d := range demoMembers {
		m, err := a.Accounts.AddMember(ctx, d.in, "hr:demo")
		if err != nil {
			if p := httpapi.ProblemFor(err, httpapi.LangEN); len(p.Errors) == 1 && p.Errors[0].Code == "taken" {
				continue // seeded before
			}
			return fmt.Errorf("demo member: %w", err)
		}
		company, role, location, bio, skills := d.company, d.role, d.location, d.bio, d.skills
		o := d.openTo
		_, err = a.Accounts.UpdateProfile(ctx, m.ID, account.ProfileInput{
			Company: &company, Role: &role, Location: &location, Bio: &bio, Skills: &skills,
			OpenToRehire: &o[0], OpenToSidework: &o[1], OpenToMentoring: &o[2], OpenToReferrals: &o[3],
			ConsentDirectory: &yes, ConsentNewsletter: &yes, ConsentEvents: &yes,
			Visible: []string{"kana", "department", "years", "company", "role", "location", "bio", "skills", "open_to"},
		})
		if err != nil {
			return fmt.Errorf("demo profile: %w", err)
		}
		added++
	}
	// HR's demo account holds HR's role: granted as a record, like any other.
	if _, err := a.Accounts.SetRole(ctx, "operator:demo", demoMembers[0].in.Email, store.RoleHR, true); err != nil {
		return fmt.Errorf("demo HR role: %w", err)
	}
	fmt.Fprintf(e.Stdout, "demo: %d fictional members added (%d already there); HR's login: %s\n",
		added, len(demoMembers)-added, demoMembers[0].in.Email)
	return nil
}
