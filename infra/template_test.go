package infra_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/cms"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/edge"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/infra/cfn"
)

// --- the template, typed where the tests read it ---------------------------

var loadTemplate = sync.OnceValues(func() (*cfn.Template, error) {
	data, err := os.ReadFile("template.yaml")
	if err != nil {
		return nil, err
	}
	return cfn.Parse(data)
})

func tmpl(t *testing.T) *cfn.Template {
	t.Helper()
	tp, err := loadTemplate()
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

type statement struct {
	Sid       string
	Effect    string
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

type samFunction struct {
	FunctionName  any
	CodeUri       string
	Handler       string
	Runtime       string
	Architectures []string
	Environment   struct{ Variables map[string]any }
	Policies      []any
	Events        map[string]struct {
		Type       string
		Properties struct {
			ApiId  any
			Method string
			Path   string
		}
	}
	EventInvokeConfig *struct {
		MaximumRetryAttempts int
		DestinationConfig    struct {
			OnFailure struct {
				Type        string
				Destination any
			}
		}
	}
}

// logicalName is a function's resource name: account -> AccountFunction.
func logicalName(fn string) string { return strings.ToUpper(fn[:1]) + fn[1:] + "Function" }

func resource(t *testing.T, name, typ string, dst any) {
	t.Helper()
	r, ok := tmpl(t).Resources[name]
	if !ok {
		t.Fatalf("template has no resource %s", name)
	}
	if r.Type != typ {
		t.Fatalf("%s is a %s, want %s", name, r.Type, typ)
	}
	if err := cfn.Decode(r.Properties, dst); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func function(t *testing.T, fn string) samFunction {
	t.Helper()
	var f samFunction
	resource(t, logicalName(fn), "AWS::Serverless::Function", &f)
	return f
}

// strs reads an IAM Action or a list of strings.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// list reads a value that may be one item or a list of items.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// statements reads a function's policies; only inline statements are
// allowed, so that this test sees every permission.
func statements(t *testing.T, fn string, f samFunction) []statement {
	t.Helper()
	var out []statement
	for _, p := range f.Policies {
		doc, ok := p.(map[string]any)
		if !ok || len(doc) != 1 || doc["Statement"] == nil {
			t.Errorf("%s: policy %v is not an inline policy document: managed policies and SAM policy templates hide their actions", fn, p)
			continue
		}
		var sts []statement
		if err := cfn.Decode(list(doc["Statement"]), &sts); err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		out = append(out, sts...)
	}
	return out
}

// --- the app's routes --------------------------------------------------------

// allRoutes builds the whole app on a temporary embedded store and
// returns every handler's routes, as the Lambdas and `okaeri serve` get them.
func allRoutes(t *testing.T) map[string]http.Handler {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"OKAERI_STORE":        "bolt:" + filepath.Join(dir, "okaeri.db"),
		"OKAERI_SESSION_KEYS": testSessionKeys,
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	routes := a.Routes()
	// HR's CMS as the cms function serves it on AWS, on Decap's GitHub
	// backend (the app's routes do not include it).
	maps.Copy(routes, a.Guard(cms.GitHubRoutes(a.Accounts, a.Store, cfg, a.Log)))
	return routes
}

// examplePath fills a ServeMux pattern's wildcards.
func examplePath(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return regexp.MustCompile(`\{[^}]*\.\.\.\}`).ReplaceAllString(regexp.MustCompile(`\{[^}.]*\}`).ReplaceAllString(p, "x1"), "x1/x2")
}

// --- API Gateway's and CloudFront's matching --------------------------------

type apiRoute struct{ method, path, fn string }

// apiRoutes reads every HttpApi event of every function.
func apiRoutes(t *testing.T) []apiRoute {
	t.Helper()
	var out []apiRoute
	for name, r := range tmpl(t).Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		var f samFunction
		if err := cfn.Decode(r.Properties, &f); err != nil {
			t.Fatal(err)
		}
		fn := strings.ToLower(strings.TrimSuffix(name, "Function"))
		for ev, e := range f.Events {
			if e.Type != "HttpApi" {
				continue
			}
			if ref, _, _ := cfn.Ref(e.Properties.ApiId); ref != "HttpApi" {
				t.Errorf("%s event %s is not on HttpApi", name, ev)
			}
			out = append(out, apiRoute{strings.ToUpper(e.Properties.Method), e.Properties.Path, fn})
		}
	}
	return out
}

// selectRoute is API Gateway's choice for an HTTP API: a full match of
// path (and method, before ANY) first; then the greedy {proxy+} route with
// the longest prefix; no $default route here, so otherwise none. An HTTP
// API route cannot end in "/", so a folder page such as /members/profile/
// reaches its function through /members/profile/{proxy+}, whose greedy
// variable then holds the empty rest.
func selectRoute(routes []apiRoute, method, path string) (apiRoute, bool) {
	methodOK := func(r apiRoute) bool { return r.method == method || r.method == "ANY" }
	var exact []apiRoute
	for _, r := range routes {
		if r.path == path && methodOK(r) {
			exact = append(exact, r)
		}
	}
	if len(exact) > 0 {
		sort.Slice(exact, func(i, j int) bool { return exact[i].method != "ANY" && exact[j].method == "ANY" })
		return exact[0], true
	}
	best, bestLen := apiRoute{}, -1
	for _, r := range routes {
		prefix, ok := strings.CutSuffix(r.path, "/{proxy+}")
		if !ok || !methodOK(r) {
			continue
		}
		if strings.HasPrefix(path, prefix+"/") && len(prefix) > bestLen {
			best, bestLen = r, len(prefix)
		}
	}
	return best, bestLen >= 0
}

type behavior struct {
	PathPattern             string
	TargetOriginId          string
	ViewerProtocolPolicy    string
	AllowedMethods          []string
	CachePolicyId           any
	OriginRequestPolicyId   any
	ResponseHeadersPolicyId any
	TrustedKeyGroups        []any
	FunctionAssociations    []struct {
		EventType   string
		FunctionARN any
	}
}

type distribution struct {
	DistributionConfig struct {
		Origins []struct {
			Id                    string
			DomainName            any
			OriginAccessControlId any
			S3OriginConfig        map[string]any
			CustomOriginConfig    map[string]any
		}
		DefaultCacheBehavior behavior
		CacheBehaviors       []behavior
	}
}

func dist(t *testing.T) distribution {
	t.Helper()
	var d distribution
	resource(t, "Distribution", "AWS::CloudFront::Distribution", &d)
	return d
}

// cloudFrontMatch is CloudFront's path pattern: * any characters (slashes
// too), ? one character, case-sensitive, over the whole path.
func cloudFrontMatch(pattern, path string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, c := range "/" + strings.TrimPrefix(pattern, "/") {
		switch c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(path)
}

// edgeBehavior is the behavior CloudFront picks for path: the first cache
// behavior whose pattern matches, else the default.
func edgeBehavior(d distribution, path string) behavior {
	for _, b := range d.DistributionConfig.CacheBehaviors {
		if cloudFrontMatch(b.PathPattern, path) {
			return b
		}
	}
	return d.DistributionConfig.DefaultCacheBehavior
}

// --- tests -----------------------------------------------------------------

func TestTemplateIsSAM(t *testing.T) {
	tp := tmpl(t)
	if tp.Transform != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform %v", tp.Transform)
	}
	var globals struct {
		Function struct {
			Runtime       string
			Architectures []string
			Handler       string
		}
	}
	if err := cfn.Decode(tp.Globals, &globals); err != nil {
		t.Fatal(err)
	}
	g := globals.Function
	if g.Runtime != "provided.al2023" || !slices.Equal(g.Architectures, []string{"arm64"}) || g.Handler != "bootstrap" {
		t.Errorf("Globals.Function: %+v, want provided.al2023, arm64, bootstrap", g)
	}
	// Every !Ref and !GetAtt names a resource, a parameter or a pseudo parameter.
	var walk func(v any)
	walk = func(v any) {
		if name, _, ok := cfn.Ref(v); ok {
			_, isRes := tp.Resources[name]
			_, isParam := tp.Parameters[name]
			if !isRes && !isParam && !strings.HasPrefix(name, "AWS::") {
				t.Errorf("reference to nothing: %s", name)
			}
		}
		if s, ok := cfn.Sub(v); ok {
			for _, m := range regexp.MustCompile(`\$\{([^}!]+)\}`).FindAllStringSubmatch(s, -1) {
				name, _, _ := strings.Cut(m[1], ".")
				_, isRes := tp.Resources[name]
				_, isParam := tp.Parameters[name]
				if !isRes && !isParam && !strings.HasPrefix(name, "AWS::") {
					t.Errorf("!Sub %q refers to nothing: %s", s, name)
				}
			}
		}
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, r := range tp.Resources {
		walk(r.Properties)
	}
	walk(tp.Globals)
	walk(tp.Outputs)
}

func TestFunctionsMatchTheTable(t *testing.T) {
	want := map[string]bool{}
	for _, f := range lambda.Functions {
		want[logicalName(f.Name)] = true
		fn := function(t, f.Name)
		if fn.CodeUri != "../dist/"+f.Name+".zip" {
			t.Errorf("%s: CodeUri %q, want ../dist/%s.zip (what make lambdas writes)", f.Name, fn.CodeUri, f.Name)
		}
		if fn.Runtime != "" || fn.Handler != "" || fn.Architectures != nil {
			t.Errorf("%s overrides the runtime, handler or architecture of Globals", f.Name)
		}
		if name, ok := cfn.Sub(fn.FunctionName); !ok || name != "okaeri-${Stage}-"+f.Name {
			t.Errorf("%s: FunctionName %v", f.Name, fn.FunctionName)
		}
		if _, err := os.Stat(filepath.Join("..", "functions", "cmd", f.Name, "main.go")); err != nil {
			t.Errorf("%s has no main: %v", f.Name, err)
		}
	}
	for name, r := range tmpl(t).Resources {
		if r.Type == "AWS::Serverless::Function" && !want[name] {
			t.Errorf("%s is in the template but not in lambda.Functions", name)
		}
	}
	mains, err := filepath.Glob(filepath.Join("..", "functions", "cmd", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		if _, ok := lambda.Lookup(name); !ok && name != "okaeri" {
			t.Errorf("functions/cmd/%s is not in lambda.Functions", name)
		}
	}
}

// The HTTP API's routes are exactly two per prefix of the table (the path
// and everything under it), each on the function that owns the prefix.
func TestAPIRoutesAreTheTables(t *testing.T) {
	var want, got []string
	for _, f := range lambda.Functions {
		for _, p := range f.Paths {
			want = append(want, "ANY "+p+" "+f.Name, "ANY "+p+"/{proxy+} "+f.Name)
		}
	}
	for _, r := range apiRoutes(t) {
		got = append(got, r.method+" "+r.path+" "+r.fn)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing HttpApi event: %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("HttpApi event not in lambda.Functions: %s", g)
		}
	}
}

// Every route of every handler reaches, through CloudFront and API
// Gateway, the function that serves it.
func TestEveryRouteReachesItsFunction(t *testing.T) {
	routes := allRoutes(t)
	api := apiRoutes(t)
	d := dist(t)
	if len(routes) < 30 {
		t.Fatalf("only %d routes: is the app wired?", len(routes))
	}
	muxes := map[string]*http.ServeMux{}
	for _, f := range lambda.Functions {
		mux := http.NewServeMux()
		for p, h := range lambda.Routes(f.Name, routes) {
			mux.Handle(p, h)
		}
		muxes[f.Name] = mux
	}
	for pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			t.Errorf("route %q has no method: API Gateway routes need one", pattern)
			continue
		}
		concrete := examplePath(path)
		if b := edgeBehavior(d, concrete); b.TargetOriginId != "api" {
			t.Errorf("%s: CloudFront sends %s to origin %q (behavior %q), not to the API", pattern, concrete, b.TargetOriginId, b.PathPattern)
		}
		r, ok := selectRoute(api, method, concrete)
		if !ok {
			t.Errorf("%s: no HTTP API route for %s %s", pattern, method, concrete)
			continue
		}
		req := httptest.NewRequest(method, concrete, nil)
		if _, served := muxes[r.fn].Handler(req); served != pattern {
			t.Errorf("%s: API Gateway sends %s %s to %s, which serves it with %q", pattern, method, concrete, r.fn, served)
		}
	}
}

func TestTableEqualsTheStoresDefinition(t *testing.T) {
	var table struct {
		TableName              any
		BillingMode            string
		AttributeDefinitions   []struct{ AttributeName, AttributeType string }
		KeySchema              []struct{ AttributeName, KeyType string }
		GlobalSecondaryIndexes []struct {
			IndexName  string
			KeySchema  []struct{ AttributeName, KeyType string }
			Projection struct {
				ProjectionType   string
				NonKeyAttributes []string
			}
		}
		TimeToLiveSpecification struct {
			AttributeName string
			Enabled       bool
		}
		PointInTimeRecoverySpecification struct{ PointInTimeRecoveryEnabled bool }
		SSESpecification                 struct{ SSEEnabled bool }
	}
	resource(t, "Table", "AWS::DynamoDB::Table", &table)
	want := dynamo.TableDefinition("okaeri")
	if table.BillingMode != string(want.BillingMode) {
		t.Errorf("BillingMode %q, want %q", table.BillingMode, want.BillingMode)
	}
	var gotAttrs, wantAttrs []string
	for _, a := range table.AttributeDefinitions {
		gotAttrs = append(gotAttrs, a.AttributeName+":"+a.AttributeType)
	}
	for _, a := range want.AttributeDefinitions {
		wantAttrs = append(wantAttrs, *a.AttributeName+":"+string(a.AttributeType))
	}
	sort.Strings(gotAttrs)
	sort.Strings(wantAttrs)
	if !slices.Equal(gotAttrs, wantAttrs) {
		t.Errorf("AttributeDefinitions %v, want %v", gotAttrs, wantAttrs)
	}
	var gotKeys, wantKeys []string
	for _, k := range table.KeySchema {
		gotKeys = append(gotKeys, k.AttributeName+":"+k.KeyType)
	}
	for _, k := range want.KeySchema {
		wantKeys = append(wantKeys, *k.AttributeName+":"+string(k.KeyType))
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("KeySchema %v, want %v", gotKeys, wantKeys)
	}
	var gotGSI, wantGSI []string
	for _, g := range table.GlobalSecondaryIndexes {
		s := g.IndexName + " " + g.Projection.ProjectionType + fmt.Sprint(g.Projection.NonKeyAttributes)
		for _, k := range g.KeySchema {
			s += " " + k.AttributeName + ":" + k.KeyType
		}
		gotGSI = append(gotGSI, s)
	}
	for _, g := range want.GlobalSecondaryIndexes {
		s := *g.IndexName + " " + string(g.Projection.ProjectionType) + fmt.Sprint(g.Projection.NonKeyAttributes)
		for _, k := range g.KeySchema {
			s += " " + *k.AttributeName + ":" + string(k.KeyType)
		}
		wantGSI = append(wantGSI, s)
	}
	sort.Strings(gotGSI)
	sort.Strings(wantGSI)
	if !slices.Equal(gotGSI, wantGSI) {
		t.Errorf("GlobalSecondaryIndexes %v, want %v", gotGSI, wantGSI)
	}
	if table.TimeToLiveSpecification.AttributeName != dynamo.AttrTTL || !table.TimeToLiveSpecification.Enabled {
		t.Errorf("TTL %+v, want enabled on %s", table.TimeToLiveSpecification, dynamo.AttrTTL)
	}
	if !table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled || !table.SSESpecification.SSEEnabled {
		t.Error("point-in-time recovery and encryption must be on")
	}
	if name, ok := cfn.Sub(table.TableName); !ok || name != "okaeri-${Stage}" {
		t.Errorf("TableName %v", table.TableName)
	}
	var globals struct{ Function samFunction }
	cfn.Decode(tmpl(t).Globals, &globals)
	if s, _ := cfn.Sub(globals.Function.Environment.Variables["OKAERI_STORE"]); s != "dynamo:${Table}" {
		t.Errorf("Globals OKAERI_STORE %v, want dynamo:${Table}", globals.Function.Environment.Variables["OKAERI_STORE"])
	}
}

func TestMembersPathsRequireSignedCookies(t *testing.T) {
	d := dist(t)
	var group struct{ KeyGroupConfig struct{ Items []any } }
	resource(t, "MembersKeyGroup", "AWS::CloudFront::KeyGroup", &group)
	if len(group.KeyGroupConfig.Items) != 1 {
		t.Fatalf("key group items %v", group.KeyGroupConfig.Items)
	}
	if ref, _, _ := cfn.Ref(group.KeyGroupConfig.Items[0]); ref != "MembersPublicKey" {
		t.Errorf("key group holds %v, want MembersPublicKey", group.KeyGroupConfig.Items[0])
	}
	// The key that signs at login is the key the group trusts.
	if ref, _, _ := cfn.Ref(function(t, "account").Environment.Variables["OKAERI_CLOUDFRONT_KEY_ID"]); ref != "MembersPublicKey" {
		t.Error("the account function's OKAERI_CLOUDFRONT_KEY_ID is not the trusted public key")
	}
	gated := func(b behavior) bool {
		return len(b.TrustedKeyGroups) == 1 && func() bool { r, _, _ := cfn.Ref(b.TrustedKeyGroups[0]); return r == "MembersKeyGroup" }()
	}
	patterns := map[string]bool{}
	for _, b := range d.DistributionConfig.CacheBehaviors {
		patterns[b.PathPattern] = true
		if strings.HasPrefix(b.PathPattern, "/members/") || strings.HasPrefix(b.PathPattern, "/en/members/") {
			if !gated(b) {
				t.Errorf("behavior %s serves members' paths without signed cookies", b.PathPattern)
			}
		} else if len(b.TrustedKeyGroups) > 0 {
			t.Errorf("behavior %s requires signed cookies outside the members' paths", b.PathPattern)
		}
	}
	for _, p := range []string{"/members/*", "/en/members/*"} {
		if !patterns[p] {
			t.Errorf("no behavior %s", p)
		}
	}
	if len(d.DistributionConfig.DefaultCacheBehavior.TrustedKeyGroups) > 0 {
		t.Error("the default (public) behavior requires signed cookies")
	}
	members := []string{"/members/", "/members/index.html", "/members/news/hello/", "/members/catalog.json", "/members/profile/",
		"/en/members/", "/en/members/events/summer/", "/en/members/directory/", "/members/me/applications/"}
	public := []string{"/", "/index.html", "/events/", "/en/jobs/engineer/", "/news/members-day/", "/css/okaeri.css", "/api/me", "/hr/jobs"}
	for _, p := range members {
		if b := edgeBehavior(d, p); !gated(b) {
			t.Errorf("%s is served by behavior %q without signed cookies", p, b.PathPattern)
		}
		// The cookies' policy covers every members' path.
		if !cloudFrontMatch(edge.MembersResource, p) {
			t.Errorf("the signed cookies' resource %s does not cover %s", edge.MembersResource, p)
		}
	}
	for _, p := range public {
		if b := edgeBehavior(d, p); len(b.TrustedKeyGroups) > 0 {
			t.Errorf("public path %s requires signed cookies (behavior %q)", p, b.PathPattern)
		}
	}
}

func TestBehaviorsAndOrigins(t *testing.T) {
	d := dist(t)
	all := append([]behavior{d.DistributionConfig.DefaultCacheBehavior}, d.DistributionConfig.CacheBehaviors...)
	for _, b := range all {
		if b.ViewerProtocolPolicy != "redirect-to-https" {
			t.Errorf("%q: viewer protocol %q", b.PathPattern, b.ViewerProtocolPolicy)
		}
		if r, _, _ := cfn.Ref(b.ResponseHeadersPolicyId); r != "SecurityHeaders" && !(r == "CMSHeaders" && cmsPattern(b.PathPattern)) {
			t.Errorf("%q has no security headers policy", b.PathPattern)
		}
		switch b.TargetOriginId {
		case "api":
			if b.CachePolicyId != "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" || b.OriginRequestPolicyId != "b689b0a8-53d0-40ab-baf2-68738e2966ac" {
				t.Errorf("%q: the API must not be cached and must get every viewer header but Host", b.PathPattern)
			}
			if len(b.FunctionAssociations) != 1 || func() string { r, _, _ := cfn.Ref(b.FunctionAssociations[0].FunctionARN); return r }() != "ForwardedHostFunction" {
				t.Errorf("%q: the API needs X-Forwarded-Host for its same-origin check", b.PathPattern)
			}
			if !slices.Contains(b.AllowedMethods, "POST") || !slices.Contains(b.AllowedMethods, "DELETE") {
				t.Errorf("%q: methods %v", b.PathPattern, b.AllowedMethods)
			}
		case "site":
			if len(b.FunctionAssociations) != 1 || func() string { r, _, _ := cfn.Ref(b.FunctionAssociations[0].FunctionARN); return r }() != "SiteIndexFunction" {
				t.Errorf("%q: folder URLs need the index function", b.PathPattern)
			}
			if !slices.Equal(b.AllowedMethods, []string{"GET", "HEAD"}) {
				t.Errorf("%q: the site takes GET and HEAD only, not %v", b.PathPattern, b.AllowedMethods)
			}
		default:
			t.Errorf("%q: unknown origin %q", b.PathPattern, b.TargetOriginId)
		}
	}
	for _, o := range d.DistributionConfig.Origins {
		switch o.Id {
		case "site":
			if r, _, _ := cfn.Ref(o.OriginAccessControlId); r != "SiteAccess" || o.S3OriginConfig == nil {
				t.Error("the site origin must use origin access control")
			}
		case "api":
			var domain struct {
				DomainName               any
				DomainNameConfigurations []struct{ EndpointType, SecurityPolicy string }
			}
			resource(t, "ApiOriginDomain", "AWS::ApiGatewayV2::DomainName", &domain)
			want, _ := cfn.Sub(domain.DomainName)
			if s, _ := cfn.Sub(o.DomainName); s != "origin.${DomainName}" || s != want {
				t.Errorf("api origin %v is not the HTTP API's own domain %v", o.DomainName, domain.DomainName)
			}
			if len(domain.DomainNameConfigurations) != 1 || domain.DomainNameConfigurations[0].EndpointType != "REGIONAL" ||
				domain.DomainNameConfigurations[0].SecurityPolicy != "TLS_1_2" {
				t.Errorf("the origin domain: %+v", domain.DomainNameConfigurations)
			}
			var mapping struct{ ApiId, DomainName any }
			resource(t, "ApiOriginMapping", "AWS::ApiGatewayV2::ApiMapping", &mapping)
			if a, _, _ := cfn.Ref(mapping.ApiId); a != "HttpApi" {
				t.Errorf("the origin domain maps %v, not the HTTP API", mapping.ApiId)
			}
			if d, _, _ := cfn.Ref(mapping.DomainName); d != "ApiOriginDomain" {
				t.Errorf("the mapping is on %v", mapping.DomainName)
			}
		}
	}
	var api struct {
		CorsConfiguration         any
		DisableExecuteApiEndpoint bool
	}
	resource(t, "HttpApi", "AWS::Serverless::HttpApi", &api)
	if api.CorsConfiguration != nil {
		t.Error("the API is same-origin behind CloudFront: no CORS")
	}
	// Every request comes through CloudFront, whose address API Gateway
	// gives as the source: the functions trust X-Forwarded-For from it only.
	if !api.DisableExecuteApiEndpoint {
		t.Error("the HTTP API's default execute-api endpoint must be disabled")
	}
	var globals struct{ Function samFunction }
	cfn.Decode(tmpl(t).Globals, &globals)
	if r, _, _ := cfn.Ref(globals.Function.Environment.Variables["OKAERI_TRUSTED_PROXIES"]); r != "TrustedProxies" {
		t.Errorf("Globals OKAERI_TRUSTED_PROXIES %v, want the TrustedProxies parameter (CloudFront's ranges)",
			globals.Function.Environment.Variables["OKAERI_TRUSTED_PROXIES"])
	}
	var bucket struct {
		PublicAccessBlockConfiguration map[string]bool
	}
	for _, name := range []string{"SiteBucket", "ResumeBucket"} {
		resource(t, name, "AWS::S3::Bucket", &bucket)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if !bucket.PublicAccessBlockConfiguration[k] {
				t.Errorf("%s: %s is not set", name, k)
			}
		}
	}
}

func TestSecurityHeadersAreThePortals(t *testing.T) {
	p := policy(t, "SecurityHeaders")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	httpapi.SecurityHeaders(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, req)
	portal := rec.Result().Header
	s := p.ResponseHeadersPolicyConfig.SecurityHeadersConfig
	got := map[string]string{
		"Content-Security-Policy":   s.ContentSecurityPolicy.ContentSecurityPolicy,
		"X-Frame-Options":           s.FrameOptions.FrameOption,
		"Referrer-Policy":           s.ReferrerPolicy.ReferrerPolicy,
		"Strict-Transport-Security": fmt.Sprintf("max-age=%d", s.StrictTransportSecurity.AccessControlMaxAgeSec),
	}
	if s.StrictTransportSecurity.IncludeSubdomains {
		got["Strict-Transport-Security"] += "; includeSubDomains"
	}
	if s.ContentTypeOptions.Override {
		got["X-Content-Type-Options"] = "nosniff"
	}
	for _, h := range p.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items {
		got[h.Header] = h.Value
	}
	if s.ContentSecurityPolicy.ContentSecurityPolicy != httpapi.ContentSecurityPolicy {
		t.Errorf("CSP differs from httpapi.ContentSecurityPolicy:\n%s\n%s", s.ContentSecurityPolicy.ContentSecurityPolicy, httpapi.ContentSecurityPolicy)
	}
	for name := range portal {
		if got[name] != portal.Get(name) {
			t.Errorf("%s: CloudFront sends %q, the portal %q", name, got[name], portal.Get(name))
		}
	}
}

// requestActions maps each DynamoDB operation to the IAM actions it needs.
var requestActions = map[string][]string{
	"GetItem": {"GetItem"}, "BatchGetItem": {"BatchGetItem"}, "Query": {"Query"},
	"PutItem": {"PutItem"}, "UpdateItem": {"UpdateItem"}, "DeleteItem": {"DeleteItem"},
	"TransactGetItems": {"GetItem"}, "BatchWriteItem": {"PutItem", "DeleteItem"},
	"TransactWriteItems": {"PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
}

// adminFiles are the DynamoDB adapter's files for `okaeri store`
// (create-table), and adminMethods its methods for export, which
// operators run with their own credentials (functions/store/table keeps
// Scan to Export).
var (
	adminFiles   = map[string]bool{"table.go": true}
	adminMethods = map[string]bool{"Scan": true}
)

// forbiddenActions are never granted to a function: no request path scans
// or manages the table.
var forbiddenActions = []string{"Scan", "CreateTable", "DeleteTable", "UpdateTable", "UpdateTimeToLive", "DescribeTable",
	"DescribeTimeToLive", "ExportTableToPointInTime", "RestoreTableFromBackup", "PartiQLSelect", "PartiQLUpdate", "PartiQLDelete", "PartiQLInsert"}

// engineActions reads the DynamoDB adapter's source (the only code that
// calls DynamoDB) and returns the IAM actions its request paths need.
func engineActions(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "functions", "store", "item", "dynamodb")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	need := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_test.go") || adminFiles[base] {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if fn, ok := n.(*ast.FuncDecl); ok && fn.Recv != nil && adminMethods[fn.Name.Name] {
				return false
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			recv := ""
			switch x := sel.X.(type) {
			case *ast.SelectorExpr:
				recv = x.Sel.Name
			case *ast.Ident:
				recv = x.Name
			}
			// The adapter calls the SDK through the method values in its
			// api field (d.api.getItem is GetItem).
			if recv != "api" || !unicode.IsLower(rune(sel.Sel.Name[0])) {
				return true
			}
			op := strings.ToUpper(sel.Sel.Name[:1]) + sel.Sel.Name[1:]
			actions, known := requestActions[op]
			if !known {
				t.Errorf("%s: the store calls DynamoDB %s on a request path: map it to IAM actions here (or move it to an admin file)",
					fset.Position(call.Pos()), op)
			}
			for _, a := range actions {
				need["dynamodb:"+a] = true
			}
			return true
		})
	}
	var out []string
	for a := range need {
		out = append(out, a)
	}
	sort.Strings(out)
	if len(out) < 5 {
		t.Fatalf("found only %v in the dynamo engine: is the scan broken?", out)
	}
	return out
}

func TestRolesAreLeastPrivilege(t *testing.T) {
	need := engineActions(t)
	tableArn := func(v any) bool { r, a, _ := cfn.Ref(v); return r == "Table" && a == "Arn" }
	indexArn := func(v any) bool { s, _ := cfn.Sub(v); return s == "${Table.Arn}/index/GSI1" }
	resumes := func(v any) bool { s, _ := cfn.Sub(v); return s == "${ResumeBucket.Arn}/resumes/*" }
	secretArn := func(name string) string {
		return "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/okaeri/${Stage}/" + name
	}
	for _, f := range lambda.Functions {
		fn := function(t, f.Name)
		granted := map[string][]any{} // action -> resources
		for _, st := range statements(t, f.Name, fn) {
			if st.Effect != "Allow" {
				continue
			}
			if st.Condition != nil {
				t.Errorf("%s: statement %s has a condition, which this test does not read", f.Name, st.Sid)
			}
			for _, a := range strs(st.Action) {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %q", f.Name, a)
				}
				for _, r := range list(st.Resource) {
					if r == "*" {
						t.Errorf("%s: %s on every resource", f.Name, a)
					}
					granted[a] = append(granted[a], r)
				}
			}
		}
		var tableActions, s3Actions, ssmResources, invoked []string
		for a, rs := range granted {
			service, op, _ := strings.Cut(a, ":")
			switch service {
			case "dynamodb":
				if slices.Contains(forbiddenActions, op) {
					t.Errorf("%s may %s", f.Name, a)
				}
				if slices.Contains(streamActions, a) {
					if f.Stream == "" {
						t.Errorf("%s reads no stream but may %s", f.Name, a)
					}
					for _, r := range rs {
						if !streamArn(r) {
							t.Errorf("%s: %s on %v, not the table's stream", f.Name, a, r)
						}
					}
					continue
				}
				tableActions = append(tableActions, a)
				for _, r := range rs {
					if !tableArn(r) && !(op == "Query" && indexArn(r)) {
						t.Errorf("%s: %s on %v, not the table (or Query on GSI1)", f.Name, a, r)
					}
				}
			case "s3":
				s3Actions = append(s3Actions, a)
				for _, r := range rs {
					if !resumes(r) {
						t.Errorf("%s: %s on %v, not the résumés", f.Name, a, r)
					}
				}
			case "ssm":
				if a != "ssm:GetParameters" {
					t.Errorf("%s: %s", f.Name, a)
				}
				for _, r := range rs {
					s, _ := cfn.Sub(r)
					ssmResources = append(ssmResources, s)
				}
			case "lambda":
				if a != "lambda:InvokeFunction" {
					t.Errorf("%s: %s", f.Name, a)
				}
				for _, r := range rs {
					name, attr, _ := cfn.Ref(r)
					if attr != "Arn" {
						t.Errorf("%s: %s on %v, not a function of the stack", f.Name, a, r)
					}
					invoked = append(invoked, name)
				}
			default:
				t.Errorf("%s: unexpected action %s", f.Name, a)
			}
		}
		var wantInvoked []string
		for _, g := range f.Invokes {
			wantInvoked = append(wantInvoked, logicalName(g))
		}
		sort.Strings(invoked)
		if !slices.Equal(invoked, wantInvoked) {
			t.Errorf("%s: may invoke %v, the table says %v", f.Name, invoked, wantInvoked)
		}
		sort.Strings(tableActions)
		sort.Strings(s3Actions)
		sort.Strings(ssmResources)
		switch f.Table {
		case lambda.NoAccess:
			if len(tableActions) > 0 {
				t.Errorf("%s needs no table but may %v", f.Name, tableActions)
			}
		case lambda.ReadWrite:
			if !slices.Equal(tableActions, need) {
				t.Errorf("%s: table actions %v, want exactly what the store's request paths call: %v", f.Name, tableActions, need)
			}
		default:
			t.Errorf("%s: table access %q is not checked here", f.Name, f.Table)
		}
		var streamGranted []string
		for a := range granted {
			if slices.Contains(streamActions, a) {
				streamGranted = append(streamGranted, a)
			}
		}
		sort.Strings(streamGranted)
		if f.Stream != "" && !slices.Equal(streamGranted, streamActions) {
			t.Errorf("%s reads the table's stream with %v, want %v", f.Name, streamGranted, streamActions)
		}
		wantS3 := map[lambda.Access][]string{
			lambda.NoAccess: nil, lambda.DeleteOnly: {"s3:DeleteObject"},
			lambda.ReadWrite: {"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
		}[f.Resumes]
		if !slices.Equal(s3Actions, wantS3) {
			t.Errorf("%s: S3 actions %v, want %v", f.Name, s3Actions, wantS3)
		}
		var wantSSM []string
		for _, s := range f.Secrets {
			wantSSM = append(wantSSM, secretArn(s))
		}
		sort.Strings(wantSSM)
		if !slices.Equal(ssmResources, wantSSM) {
			t.Errorf("%s: may read parameters %v, want its own secrets %v", f.Name, ssmResources, wantSSM)
		}
		// The environment names exactly those secrets, by reference.
		var refs []string
		for k, v := range fn.Environment.Variables {
			s, _ := cfn.Sub(v)
			if p, ok := strings.CutPrefix(s, "ssm:/okaeri/${Stage}/"); ok {
				refs = append(refs, p)
			} else if secretVars[k] {
				t.Errorf("%s: %s is not an ssm: reference", f.Name, k)
			}
		}
		sort.Strings(refs)
		if want := slices.Sorted(slices.Values(f.Secrets)); !slices.Equal(refs, want) {
			t.Errorf("%s: environment reads secrets %v, the table says %v", f.Name, refs, want)
		}
	}
	// No other role touches the table, and none has a wildcard action.
	for name, r := range tmpl(t).Resources {
		if r.Type != "AWS::IAM::Role" || name == "GitHubDeployRole" { // TestGitHubDeployRoleOnlyDeploysTheSite
			continue
		}
		var role struct {
			Policies []struct {
				PolicyDocument struct{ Statement []statement }
			}
		}
		if err := cfn.Decode(r.Properties, &role); err != nil {
			t.Fatal(err)
		}
		for _, p := range role.Policies {
			for _, st := range p.PolicyDocument.Statement {
				for _, a := range strs(st.Action) {
					if strings.HasPrefix(a, "dynamodb:") || strings.Contains(a, "*") {
						t.Errorf("role %s may %s", name, a)
					}
				}
			}
		}
	}
	var globals struct{ Function samFunction }
	cfn.Decode(tmpl(t).Globals, &globals)
	for k := range globals.Function.Environment.Variables {
		if secretVars[k] {
			t.Errorf("Globals sets the secret %s for every function", k)
		}
	}
}

// streamActions are what Lambda's event source mapping reads the table's
// stream with, granted on the stream alone (AWS's own example scopes
// ListStreams to it too), sorted.
var streamActions = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

func streamArn(v any) bool { r, a, _ := cfn.Ref(v); return r == "Table" && a == "StreamArn" }

// secretVars hold secrets: on AWS they must be ssm: references.
var secretVars = map[string]bool{"OKAERI_SESSION_KEYS": true, "SENDGRID_API_KEY": true, "OKAERI_CLOUDFRONT_PRIVATE_KEY": true,
	"OKAERI_CMS_GITHUB_CLIENT_SECRET": true}

func TestSchedulesStartTheTablesJobs(t *testing.T) {
	type schedule struct {
		ScheduleExpression string
		Target             struct {
			Arn              any
			RoleArn          any
			Input            string
			DeadLetterConfig struct{ Arn any }
			RetryPolicy      *struct{ MaximumRetryAttempts int }
		}
	}
	var schedules []schedule
	for _, r := range tmpl(t).Resources {
		if r.Type == "AWS::Scheduler::Schedule" {
			var s schedule
			if err := cfn.Decode(r.Properties, &s); err != nil {
				t.Fatal(err)
			}
			schedules = append(schedules, s)
		}
	}
	failedJobs := func(v any) bool { r, a, _ := cfn.Ref(v); return r == "FailedJobsQueue" && a == "Arn" }
	var scheduled []string
	n := 0
	for _, f := range lambda.Functions {
		fn := function(t, f.Name)
		if len(f.Jobs) > 0 {
			scheduled = append(scheduled, logicalName(f.Name))
			if c := fn.EventInvokeConfig; c == nil || c.DestinationConfig.OnFailure.Type != "SQS" || !failedJobs(c.DestinationConfig.OnFailure.Destination) {
				t.Errorf("%s: a failed scheduled run must land in FailedJobsQueue", f.Name)
			}
		}
		for _, j := range f.Jobs {
			n++
			found := false
			for _, s := range schedules {
				target, attr, _ := cfn.Ref(s.Target.Arn)
				var in map[string]string
				json.Unmarshal([]byte(s.Target.Input), &in)
				if target != logicalName(f.Name) || attr != "Arn" || in["job"] != j.Name {
					continue
				}
				found = true
				if s.ScheduleExpression != j.Schedule {
					t.Errorf("%s: schedule %q, the table says %q", j.Name, s.ScheduleExpression, j.Schedule)
				}
				if !failedJobs(s.Target.DeadLetterConfig.Arn) || s.Target.RetryPolicy == nil {
					t.Errorf("%s: no dead-letter queue or retry policy", j.Name)
				}
				if r, _, _ := cfn.Ref(s.Target.RoleArn); r != "SchedulerRole" {
					t.Errorf("%s: role %v", j.Name, s.Target.RoleArn)
				}
			}
			if !found {
				t.Errorf("no schedule invokes %s with {\"job\":%q}", f.Name, j.Name)
			}
		}
	}
	if len(schedules) != n {
		t.Errorf("%d schedules for %d jobs in lambda.Functions", len(schedules), n)
	}
	var role struct {
		Policies []struct {
			PolicyDocument struct{ Statement []statement }
		}
	}
	resource(t, "SchedulerRole", "AWS::IAM::Role", &role)
	var invokes []string
	for _, p := range role.Policies {
		for _, st := range p.PolicyDocument.Statement {
			if slices.Contains(strs(st.Action), "lambda:InvokeFunction") {
				for _, r := range list(st.Resource) {
					name, _, _ := cfn.Ref(r)
					invokes = append(invokes, name)
				}
			}
		}
	}
	sort.Strings(invokes)
	sort.Strings(scheduled)
	if !slices.Equal(invokes, scheduled) {
		t.Errorf("the scheduler may invoke %v, want only the scheduled functions %v", invokes, scheduled)
	}
}

func TestAlarms(t *testing.T) {
	type alarm struct {
		Namespace  string
		MetricName string
		Dimensions []struct {
			Name  string
			Value any
		}
		AlarmActions []any
	}
	alarms := map[string]alarm{}
	for name, r := range tmpl(t).Resources {
		if r.Type == "AWS::CloudWatch::Alarm" {
			var a alarm
			if err := cfn.Decode(r.Properties, &a); err != nil {
				t.Fatal(err)
			}
			if len(a.AlarmActions) == 0 {
				t.Errorf("alarm %s notifies nobody", name)
			}
			alarms[name] = a
		}
	}
	has := func(ns, metric, dim, ref string) bool {
		for _, a := range alarms {
			if a.Namespace != ns || a.MetricName != metric {
				continue
			}
			for _, d := range a.Dimensions {
				if r, _, _ := cfn.Ref(d.Value); d.Name == dim && r == ref {
					return true
				}
			}
		}
		return false
	}
	if !has("AWS/ApiGateway", "5xx", "ApiId", "HttpApi") {
		t.Error("no alarm on the HTTP API's 5xx")
	}
	if !has("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "FailedJobsQueue") {
		t.Error("no alarm on failed scheduled (asynchronous) invocations")
	}
	for _, f := range lambda.Functions {
		if !has("AWS/Lambda", "Errors", "FunctionName", logicalName(f.Name)) {
			t.Errorf("no alarm on %s's errors", f.Name)
		}
	}
}
