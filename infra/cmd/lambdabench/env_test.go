package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/lambda"
)

// Every function's environment resolves from template.yaml as the bench
// gives it, with its secrets' values in place of their ssm: references,
// so that a template change cannot leave the bench timing a function that
// is configured unlike on AWS, or one that fails at init.
func TestEnvIsTheTemplates(t *testing.T) {
	m, err := newEnvMaker("../../template.yaml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lambda.Functions {
		env, err := m.env(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if _, dup := vars[k]; dup {
				t.Errorf("%s: %s set twice", f.Name, k)
			}
			vars[k] = v
			if strings.HasPrefix(v, "ssm:") || strings.Contains(v, "${") {
				t.Errorf("%s: %s=%s is not resolved", f.Name, k, v)
			}
		}
		for _, k := range []string{"GOGC", "OKAERI_STORE", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"} {
			if vars[k] == "" {
				t.Errorf("%s: no %s", f.Name, k)
			}
		}
		if want := "okaeri-prod-" + f.Name; vars["AWS_LAMBDA_FUNCTION_NAME"] != want {
			t.Errorf("%s: AWS_LAMBDA_FUNCTION_NAME=%s, want %s (the template's FunctionName)", f.Name, vars["AWS_LAMBDA_FUNCTION_NAME"], want)
		}
		if slices.Contains(f.Secrets, lambda.SecretSessionKeys) && !strings.HasPrefix(vars["OKAERI_SESSION_KEYS"], "bench:") {
			t.Errorf("%s: OKAERI_SESSION_KEYS=%q, want the bench's key", f.Name, vars["OKAERI_SESSION_KEYS"])
		}
	}
}
