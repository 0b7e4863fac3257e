# Okaeri: `make dev` runs the whole portal on http://localhost:8080;
# `make test` runs every test. Both install what they need themselves.

SHELL := /bin/bash
GO    ?= go
HUGO  := $(GO) tool -modfile=tools/go.mod hugo
DATA  ?= .okaeri
ADDR  ?= localhost:8080
BIN   := bin/okaeri

export GOTOOLCHAIN := local

.PHONY: dev site build check test test-go bench lambdas clean

## build: the okaeri command
build:
	$(GO) build -o $(BIN) ./functions/cmd/okaeri

## site: build the static portal with the pinned Hugo into site/public
site: check
	scripts/font >/dev/null
	scripts/decap install site/static/cms/decap
	$(HUGO) --source site --minify --cleanDestinationDir --logLevel warn
	scripts/phrases/run site/public

## check: validate HR's content (file:line: message for each problem)
check:
	$(GO) run ./functions/cmd/okaeri content check --dir content
	$(GO) run ./functions/cmd/okaeri newsletter check --content content

## dev: build everything and serve the portal with the embedded store and outbox mail
dev: export OKAERI_ADMINS ?= hr@example.co.jp
dev: site build
	$(BIN) sync --data $(DATA)
	$(BIN) demo --data $(DATA)
	$(BIN) serve --dev --addr $(ADDR) --data $(DATA) --site site/public --content content --decap-server "$$(scripts/decap server)"

## test: content check, vet, and every test (DynamoDB Local and Chromium included)
test: site
	scripts/ensure-chromium >/dev/null
	@if [ -n "$$OKAERI_SKIP_DYNAMODB" ] && [ "$${CI:-}" != "true" ]; then \
		echo "WARNING: OKAERI_SKIP_DYNAMODB is set: the dynamo engine is NOT tested in this run"; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m -skip '^TestLighthouse$$' ./...
	OKAERI_LIGHTHOUSE_PERFORMANCE=1 $(GO) test -count=1 -timeout 10m -run '^TestLighthouse$$' ./functions/browsertest

## bench: site build speed, store throughput and latency on both engines, and each Lambda's init over hello-world's (ms) and size, failing when over target
bench:
	scripts/bench-site
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./functions/store/bolt
	$(GO) test -run '^$$' -bench . -benchtime 300x ./functions/store/dynamo
	$(GO) test -run '^$$' -bench . -benchtime 20x ./functions/job
	$(GO) test -run '^$$' -bench BenchmarkSend100k -benchtime 1x ./functions/newsletter
	$(GO) test -run '^$$' -bench Timing -benchtime 1x ./functions/account
	$(GO) test -run '^$$' -bench BenchmarkConsole -benchtime 50x -timeout 20m ./functions/account
	$(GO) test -run '^$$' -bench BenchmarkDirectory -benchtime 20x ./functions/account
	$(GO) run ./infra/cmd/lambdabench
	OKAERI_LIGHTHOUSE_PERFORMANCE=1 $(GO) test -count=1 -run '^TestLighthouse$$' ./functions/browsertest

## lambdas: every AWS Lambda function (infra/template.yaml) into dist/<fn>.zip, linux/arm64
lambdas:
	$(GO) run ./infra/cmd/lambdas -out dist

clean:
	rm -rf bin dist site/public site/resources
