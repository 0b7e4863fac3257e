package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/infra/cfn"
)

// region is the stack's region in the bench.
const region = "ap-northeast-1"

// benchParams are the template's parameters without a default that
// functions' environments name.
var benchParams = map[string]string{
	"DomainName": "alumni.example.co.jp",
	"MailFrom":   "alumni@example.co.jp",
	// Two of CloudFront's origin-facing ranges.
	"TrustedProxies": "130.176.0.0/18,2600:9000:2000::/36",
}

// samFunction is what the bench reads of a function in template.yaml.
type samFunction struct {
	FunctionName any
	MemorySize   any
	Environment  struct{ Variables map[string]any }
}

// envMaker gives each function its environment on Lambda.
type envMaker struct {
	tmpl    *cfn.Template
	tmp     string
	secrets map[string]string // by the last segment of their SSM name
}

func newEnvMaker(templatePath, tmp string) (*envMaker, error) {
	data, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	t, err := cfn.Parse(data)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sessionKey := make([]byte, 32)
	rand.Read(sessionKey)
	return &envMaker{tmpl: t, tmp: tmp, secrets: map[string]string{
		lambda.SecretSessionKeys:           "bench:" + base64.StdEncoding.EncodeToString(sessionKey),
		lambda.SecretSendGridAPIKey:        "SG.bench",
		lambda.SecretCloudFrontKey:         string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		lambda.SecretCMSGitHubClientSecret: "bench-github-client-secret",
	}}, nil
}

// env is function name's environment: the template's Globals, then its
// own resource's variables (none for hello and experiments, which have
// no resource), then what the Lambda runtime sets.
func (m *envMaker) env(name string) ([]string, error) {
	var global samFunction
	if err := cfn.Decode(m.tmpl.Globals["Function"], &global); err != nil {
		return nil, err
	}
	fn := global
	fn.FunctionName = "okaeri-bench-" + name
	logical := strings.ToUpper(name[:1]) + name[1:] + "Function"
	if r, ok := m.tmpl.Resources[logical]; ok {
		if err := cfn.Decode(r.Properties, &fn); err != nil {
			return nil, err
		}
	} else if _, isFunction := lambda.Lookup(name); isFunction {
		return nil, fmt.Errorf("template.yaml has no resource %s for function %s", logical, name)
	}
	vars := map[string]any{}
	for k, v := range global.Environment.Variables {
		vars[k] = v
	}
	for k, v := range fn.Environment.Variables {
		vars[k] = v
	}
	var env []string
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		s, err := m.resolve(vars[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, k, err)
		}
		if ref, ok := strings.CutPrefix(s, "ssm:"); ok {
			secret, ok := m.secrets[path.Base(ref)]
			if !ok {
				return nil, fmt.Errorf("%s: %s: no bench value for the secret %s", name, k, ref)
			}
			s = secret
		}
		env = append(env, k+"="+s)
	}
	fnName, err := m.resolve(fn.FunctionName)
	if err != nil {
		return nil, fmt.Errorf("%s: FunctionName: %w", name, err)
	}
	memory, err := m.resolve(fn.MemorySize)
	if err != nil {
		return nil, fmt.Errorf("%s: MemorySize: %w", name, err)
	}
	// What the runtime sets (provided.al2023), with static credentials in
	// place of the role's.
	return append(env,
		"AWS_REGION="+region, "AWS_DEFAULT_REGION="+region,
		"AWS_ACCESS_KEY_ID=ASIABENCHBENCHBENCH0", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
		"AWS_LAMBDA_FUNCTION_NAME="+fnName, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+memory, "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+fnName, "AWS_LAMBDA_LOG_STREAM_NAME=2026/01/01/[$LATEST]bench",
		"_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime",
		"TZ=:UTC", "LANG=en_US.UTF-8", "PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		// Not Lambda's (it has /tmp): keeps whatever a function writes
		// in the bench's own folder.
		"TMPDIR="+m.tmp,
	), nil
}

// resolve turns a template value (a string, a number, !Ref or a !Sub
// without a variable map) into the string CloudFormation would give.
func (m *envMaker) resolve(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64, bool:
		return fmt.Sprint(v), nil
	}
	if name, attr, ok := cfn.Ref(v); ok {
		if attr != "" {
			return "", fmt.Errorf("no bench value for Fn::GetAtt %s.%s", name, attr)
		}
		return m.ref(name)
	}
	if s, ok := cfn.Sub(v); ok {
		var b strings.Builder
		for {
			before, rest, found := strings.Cut(s, "${")
			b.WriteString(before)
			if !found {
				return b.String(), nil
			}
			name, after, closed := strings.Cut(rest, "}")
			if !closed {
				return "", fmt.Errorf("unclosed ${ in %q", s)
			}
			val, err := m.ref(name)
			if err != nil {
				return "", err
			}
			b.WriteString(val)
			s = after
		}
	}
	return "", fmt.Errorf("cannot resolve %v", v)
}

// ref is the value of a Ref: a parameter's bench value or default, a
// resource's name, or a pseudo parameter.
func (m *envMaker) ref(name string) (string, error) {
	if v, ok := benchParams[name]; ok {
		return v, nil
	}
	if p, ok := m.tmpl.Parameters[name].(map[string]any); ok {
		if d, ok := p["Default"]; ok {
			return fmt.Sprint(d), nil
		}
		return "", fmt.Errorf("parameter %s has no default: give it a value in benchParams", name)
	}
	if _, ok := m.tmpl.Resources[name]; ok {
		// A table's, bucket's or function's Ref is its name.
		return "okaeri-bench-" + strings.ToLower(name), nil
	}
	switch name {
	case "AWS::Region":
		return region, nil
	case "AWS::AccountId":
		return "123456789012", nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return "okaeri-bench", nil
	}
	return "", fmt.Errorf("unknown Ref %s", name)
}

// netGuard is an HTTP proxy that answers every request with 502 and
// remembers where it was going: the bench points every function's
// HTTP_PROXY and HTTPS_PROXY at it (the AWS SDK's and SendGrid's clients
// honour them; the Runtime API, on loopback, is never proxied).
type netGuard struct {
	ln    net.Listener
	srv   *http.Server
	mu    sync.Mutex
	calls []string
}

func startNetGuard() (*netGuard, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &netGuard{ln: ln}
	g.srv = &http.Server{Handler: g}
	go g.srv.Serve(ln)
	return g, nil
}

func (g *netGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.calls = append(g.calls, r.Method+" "+r.Host)
	g.mu.Unlock()
	http.Error(w, "lambdabench: no network at init", http.StatusBadGateway)
}

// Env points a process's proxies at the guard.
func (g *netGuard) Env() []string {
	u := "http://" + g.ln.Addr().String()
	return []string{"HTTP_PROXY=" + u, "HTTPS_PROXY=" + u}
}

// Take returns the requests seen since the last Take.
func (g *netGuard) Take() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.calls
	g.calls = nil
	return c
}

func (g *netGuard) Close() error { return g.srv.Close() }
