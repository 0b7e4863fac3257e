package infra_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/okaeri/okaeri/infra/cfn"
)

// workflow is what the tests read of .github/workflows/portal.yml.
type workflow struct {
	On map[string]struct {
		Branches []string `yaml:"branches"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		If          string            `yaml:"if"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

const workflowPath = "../.github/workflows/portal.yml"

// The conditions that say when a job runs.
const (
	onPullRequest = "github.event_name == 'pull_request'"
	onMain        = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
)

// Pull requests to main are checked; only a push to main deploys, and it
// authenticates with GitHub's OIDC token: no AWS key is stored anywhere.
func TestWorkflowChecksPullRequestsAndDeploysMainWithOIDC(t *testing.T) {
	raw, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	var triggers []string
	for name, on := range w.On {
		triggers = append(triggers, name)
		if !slices.Equal(on.Branches, []string{"main"}) {
			t.Errorf("on.%s.branches %v, want [main]", name, on.Branches)
		}
	}
	// pull_request_target would run with the repository's rights on a
	// fork's code; workflow_dispatch could deploy another branch's state.
	if sort.Strings(triggers); !slices.Equal(triggers, []string{"pull_request", "push"}) {
		t.Errorf("triggers %v, want pull_request and push", triggers)
	}
	if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
		t.Errorf("workflow permissions %v, want contents: read only", w.Permissions)
	}
	// No secret of any kind, and no AWS key by any name.
	for _, s := range []string{"secrets.", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"aws-access-key-id", "aws-secret-access-key", "aws-session-token"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the workflow names %s: the deploy must use OIDC", s)
		}
	}

	var checked, deployed bool
	for name, job := range w.Jobs {
		runs := func(cmd string) int {
			for i, s := range job.Steps {
				if strings.TrimSpace(s.Run) == cmd {
					return i
				}
			}
			return -1
		}
		uses := func(action string) int {
			for i, s := range job.Steps {
				if strings.HasPrefix(s.Uses, action+"@") {
					return i
				}
			}
			return -1
		}
		if i := uses("actions/setup-go"); i < 0 || job.Steps[i].With["go-version-file"] != "go.mod" {
			t.Errorf("%s: no actions/setup-go with go-version-file: go.mod", name)
		}
		switch job.If {
		case onPullRequest:
			checked = true
			if runs("make check") < 0 || runs("go vet ./...") < 0 {
				t.Errorf("%s: a pull request must run make check and go vet ./...", name)
			}
			if len(job.Permissions) > 0 || uses("aws-actions/configure-aws-credentials") >= 0 {
				t.Errorf("%s: a pull request's run gets AWS access or more permissions (%v)", name, job.Permissions)
			}
		case onMain:
			deployed = true
			if len(job.Permissions) != 2 || job.Permissions["id-token"] != "write" || job.Permissions["contents"] != "read" {
				t.Errorf("%s: permissions %v, want id-token: write and contents: read", name, job.Permissions)
			}
			creds, deploy := uses("aws-actions/configure-aws-credentials"), runs("scripts/deploy site")
			if creds < 0 || deploy < 0 || creds > deploy {
				t.Fatalf("%s: it must take AWS credentials, then run scripts/deploy site", name)
			}
			with := job.Steps[creds].With
			if !regexp.MustCompile(`^\$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}$`).MatchString(with["role-to-assume"]) {
				t.Errorf("%s: role-to-assume %q, want the repository variable AWS_DEPLOY_ROLE_ARN", name, with["role-to-assume"])
			}
			if with["aws-region"] == "" {
				t.Errorf("%s: no aws-region", name)
			}
			// What to tell the operator is the same name.
			if out, _ := tmpl(t).Outputs["GitHubDeployRoleArn"].(map[string]any); !strings.Contains(out["Description"].(string), "AWS_DEPLOY_ROLE_ARN") {
				t.Errorf("the template's output GitHubDeployRoleArn does not name the variable AWS_DEPLOY_ROLE_ARN")
			}
		default:
			t.Errorf("job %s runs on %q: every job runs either on a pull request (%s) or on main (%s)", name, job.If, onPullRequest, onMain)
		}
	}
	if !checked || !deployed {
		t.Errorf("a job that checks pull requests: %v; a job that deploys main: %v", checked, deployed)
	}
}

// GitHubDeployRole may be assumed only by the repository's runs for main,
// through GitHub's OIDC provider, and may only deploy the site: read the
// stack, upload to the site bucket, invalidate the distribution, and run
// okaeri sync (the table as the functions use it, and the two secrets that
// sync mails with).
func TestGitHubDeployRoleOnlyDeploysTheSite(t *testing.T) {
	tp := tmpl(t)
	r := tp.Resources["GitHubDeployRole"]
	if r.Type != "AWS::IAM::Role" || r.Condition != "HasGitHubRepository" {
		t.Fatalf("GitHubDeployRole: %s, condition %q", r.Type, r.Condition)
	}
	if c := fmt.Sprint(tp.Conditions["HasGitHubRepository"]); c != "map[Fn::Not:[map[Fn::Equals:[map[Ref:GitHubRepository] ]]]]" {
		t.Errorf("HasGitHubRepository is %v, want GitHubRepository not empty", tp.Conditions["HasGitHubRepository"])
	}
	if out, _ := tp.Outputs["GitHubDeployRoleArn"].(map[string]any); out["Condition"] != "HasGitHubRepository" {
		t.Errorf("the output GitHubDeployRoleArn has condition %v", out["Condition"])
	}
	var role struct {
		AssumeRolePolicyDocument struct {
			Statement []struct {
				Effect    string
				Principal map[string]any
				Action    any
				Condition map[string]map[string]any
			}
		}
		Policies []struct {
			PolicyDocument struct{ Statement []statement }
		}
	}
	resource(t, "GitHubDeployRole", "AWS::IAM::Role", &role)
	trust := role.AssumeRolePolicyDocument.Statement
	if len(trust) != 1 {
		t.Fatalf("%d trust statements", len(trust))
	}
	st := trust[0]
	if fed, _ := cfn.Sub(st.Principal["Federated"]); st.Effect != "Allow" || len(st.Principal) != 1 ||
		fed != "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com" {
		t.Errorf("trusts %s %v, want GitHub's OIDC provider of this account", st.Effect, st.Principal)
	}
	if !slices.Equal(strs(st.Action), []string{"sts:AssumeRoleWithWebIdentity"}) {
		t.Errorf("trust action %v", st.Action)
	}
	if len(st.Condition) != 1 || len(st.Condition["StringEquals"]) != 2 {
		t.Fatalf("trust condition %v, want StringEquals on aud and sub only (no StringLike wildcards)", st.Condition)
	}
	eq := st.Condition["StringEquals"]
	if eq["token.actions.githubusercontent.com:aud"] != "sts.amazonaws.com" {
		t.Errorf("aud %v", eq["token.actions.githubusercontent.com:aud"])
	}
	if sub, _ := cfn.Sub(eq["token.actions.githubusercontent.com:sub"]); sub != "repo:${GitHubRepository}:ref:refs/heads/main" {
		t.Errorf("sub %v, want repo:${GitHubRepository}:ref:refs/heads/main", eq["token.actions.githubusercontent.com:sub"])
	}

	granted := map[string][]string{}
	for _, p := range role.Policies {
		for _, s := range p.PolicyDocument.Statement {
			if s.Effect != "Allow" || s.Condition != nil {
				t.Errorf("statement %s: %s with condition %v", s.Sid, s.Effect, s.Condition)
			}
			for _, a := range strs(s.Action) {
				if strings.Contains(a, "*") {
					t.Errorf("wildcard action %s", a)
				}
				for _, res := range list(s.Resource) {
					granted[a] = append(granted[a], resourceName(res))
				}
			}
		}
	}
	secret := func(name string) string {
		return "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/okaeri/${Stage}/" + name
	}
	want := map[string][]string{
		"cloudformation:DescribeStacks": {"Ref AWS::StackId"},
		"s3:ListBucket":                 {"SiteBucket.Arn"},
		"s3:PutObject":                  {"${SiteBucket.Arn}/*"},
		"s3:DeleteObject":               {"${SiteBucket.Arn}/*"},
		"cloudfront:CreateInvalidation": {"arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"},
		"ssm:GetParameter":              {secret("sendgrid-api-key"), secret("session-keys")},
	}
	for _, a := range engineActions(t) {
		want[a] = []string{"Table.Arn"}
	}
	want["dynamodb:Query"] = []string{"${Table.Arn}/index/GSI1", "Table.Arn"}
	for a, rs := range granted {
		sort.Strings(rs)
		if !slices.Equal(rs, want[a]) {
			t.Errorf("%s on %v, want %v", a, rs, want[a])
		}
	}
	for a := range want {
		if granted[a] == nil {
			t.Errorf("the role may not %s", a)
		}
	}
}

// resourceName is a policy's resource as the tests compare it.
func resourceName(v any) string {
	if s, ok := cfn.Sub(v); ok {
		return s
	}
	if name, attr, ok := cfn.Ref(v); ok {
		if attr == "" {
			return "Ref " + name
		}
		return name + "." + attr
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "?"
}

// `scripts/deploy site`, run against a stand-in for the AWS CLI, asks AWS
// for nothing GitHubDeployRole does not allow, and the role allows nothing
// it does not use besides the table (okaeri sync's, checked above).
func TestDeploySiteNeedsOnlyTheDeployRole(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	root, stubs := t.TempDir(), t.TempDir()
	script, err := os.ReadFile("../scripts/deploy")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "calls")
	write := func(path, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "scripts", "deploy"), string(script), 0o755)
	write(filepath.Join(root, "site", "public", "index.html"), "<!doctype html>", 0o644)
	write(filepath.Join(root, "site", "public", "css", "okaeri.min.0123abcd.css"), "body{}", 0o644)
	write(filepath.Join(root, "site", "public", "members", "index.html"), "<!doctype html>", 0o644)
	write(filepath.Join(root, "content", "_index.ja.md"), "---\ntitle: x\n---\n", 0o644)
	// The stand-ins record how they were called.
	write(filepath.Join(root, "bin", "okaeri"), `#!/bin/sh
echo "okaeri $* STORE=$OKAERI_STORE BASE=$OKAERI_BASE_URL FROM=$OKAERI_MAIL_FROM KEY=$SENDGRID_API_KEY SESSION=$OKAERI_SESSION_KEYS" >>"$CALLS"
`, 0o755)
	write(filepath.Join(stubs, "make"), `#!/bin/sh
echo "make $* HUGO_BASEURL=$HUGO_BASEURL" >>"$CALLS"
`, 0o755)
	write(filepath.Join(stubs, "go"), `#!/bin/sh
echo "go $*" >>"$CALLS"
`, 0o755)
	write(filepath.Join(stubs, "aws"), `#!/bin/bash
echo "aws $*" >>"$CALLS"
case "$1 $2" in
"sts get-caller-identity") echo 123456789012 ;;
"cloudformation describe-stacks")
	case "$*" in
	*"'DomainName'"*) echo alumni.example.co.jp ;;
	*"'MailFrom'"*) echo alumni@example.co.jp ;;
	*"'MailFromName'"*) echo ;;
	*"'SiteBucket'"*) echo okaeri-prod-sitebucket-1a2b ;;
	*"'TableName'"*) echo okaeri-prod ;;
	*"'DistributionId'"*) echo E2EXAMPLE ;;
	*) exit 254 ;;
	esac ;;
"ssm get-parameter")
	while [ $# -gt 0 ] && [ "$1" != --name ]; do shift; done
	echo "value-of-$(basename "$2")" ;;
"s3 sync" | "s3 cp" | "cloudfront create-invalidation") ;;
*) echo "aws stand-in: no answer for $*" >&2; exit 254 ;;
esac
`, 0o755)
	cmd := exec.Command(bash, filepath.Join(root, "scripts", "deploy"), "site")
	cmd.Env = []string{"PATH=" + stubs + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "CALLS=" + logPath, "STAGE=prod", "AWS_REGION=ap-northeast-1"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/deploy site: %v\n%s", err, out)
	}
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	calls := strings.Split(strings.TrimSpace(string(data)), "\n")

	var role struct {
		Policies []struct {
			PolicyDocument struct{ Statement []statement }
		}
	}
	resource(t, "GitHubDeployRole", "AWS::IAM::Role", &role)
	allowed := map[string][]string{}
	for _, p := range role.Policies {
		for _, s := range p.PolicyDocument.Statement {
			for _, a := range strs(s.Action) {
				for _, r := range list(s.Resource) {
					allowed[a] = append(allowed[a], resourceName(r))
				}
			}
		}
	}
	used := map[string]bool{}
	need := func(call, action, resource string) {
		used[action] = true
		if !slices.Contains(allowed[action], resource) {
			t.Errorf("%s needs %s on %s, which GitHubDeployRole does not allow (it allows %v)", call, action, resource, allowed[action])
		}
	}
	var made, synced, invalidated bool
	for _, call := range calls {
		f := strings.Fields(call)
		switch {
		case f[0] == "make":
			made = true
			if f[1] != "site" || !strings.HasSuffix(call, "HUGO_BASEURL=https://alumni.example.co.jp/") {
				t.Errorf("%s, want make site for https://alumni.example.co.jp/ (the stack's DomainName)", call)
			}
		case f[0] == "go":
			if !strings.HasPrefix(call, "go build -o bin/okaeri ") {
				t.Errorf("unexpected %s", call)
			}
		case f[0] == "okaeri":
			synced = true
			for _, s := range []string{"okaeri sync --dir content", "STORE=dynamo:okaeri-prod ", "BASE=https://alumni.example.co.jp ",
				"FROM=alumni@example.co.jp ", "KEY=value-of-sendgrid-api-key ", "SESSION=value-of-session-keys"} {
				if !strings.Contains(call, s) {
					t.Errorf("%s lacks %q", call, s)
				}
			}
		case strings.HasPrefix(call, "aws sts get-caller-identity"):
			// needs no permission
		case strings.HasPrefix(call, "aws cloudformation describe-stacks --stack-name okaeri-prod "):
			need(call, "cloudformation:DescribeStacks", "Ref AWS::StackId")
		case strings.HasPrefix(call, "aws ssm get-parameter --name /okaeri/prod/"):
			name := strings.TrimPrefix(f[4], "/okaeri/prod/")
			need(call, "ssm:GetParameter", "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/okaeri/${Stage}/"+name)
		case strings.HasPrefix(call, "aws s3 sync site/public s3://okaeri-prod-sitebucket-1a2b "):
			need(call, "s3:ListBucket", "SiteBucket.Arn")
			need(call, "s3:PutObject", "${SiteBucket.Arn}/*")
			if slices.Contains(f, "--delete") {
				need(call, "s3:DeleteObject", "${SiteBucket.Arn}/*")
			}
		case strings.HasPrefix(call, "aws s3 cp site/public/members s3://okaeri-prod-sitebucket-1a2b/members "):
			need(call, "s3:PutObject", "${SiteBucket.Arn}/*")
		case strings.HasPrefix(call, "aws cloudfront create-invalidation --distribution-id E2EXAMPLE "):
			invalidated = true
			need(call, "cloudfront:CreateInvalidation", "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}")
		default:
			t.Errorf("scripts/deploy site calls %s, which this test does not map to IAM actions", call)
		}
	}
	if !made || !synced || !invalidated {
		t.Errorf("built %v, synced %v, invalidated %v:\n%s", made, synced, invalidated, data)
	}
	for a := range allowed {
		if !used[a] && !strings.HasPrefix(a, "dynamodb:") {
			t.Errorf("GitHubDeployRole may %s, which scripts/deploy site never does", a)
		}
	}
}
