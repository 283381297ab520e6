# backupfn — see README.md. Targets: demo test build lint dist.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BUILD   := CGO_ENABLED=0 $(GO) build -trimpath -ldflags="$(LDFLAGS)"

.PHONY: demo test fuzz build lint dist reliability clean bench

## demo: back up four clouds on the embedded emulator (no credentials, no network)
demo:
	$(GO) run ./cmd/backupfn demo

## test: every fuzz target for 3s, then the whole test suite with the race detector
test:
	scripts/fuzz.sh 3s
	$(GO) test -race -count=1 ./...

## fuzz: every fuzz target for FUZZTIME each (default 1m)
FUZZTIME ?= 1m
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

## build: the CLI into bin/backupfn
build:
	$(BUILD) -o bin/backupfn ./cmd/backupfn

## lint: gofmt, go vet, go.mod tidy, staticcheck (v0.8.2 = release 2026.2.2, installed when missing), and the
## platforms' validators over deploy/ (deploy/lint.sh: cfn-lint, the fc3 schema; each says when it is skipped)
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo "$$($(GO) env GOPATH)/bin/staticcheck")
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@[ -x "$(STATICCHECK)" ] || GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) ./...
	deploy/lint.sh

## dist: the function packages (reproducible zips with run bits) for each platform
dist:
	@mkdir -p dist/bin
	GOOS=linux GOARCH=amd64 $(BUILD) -o dist/bin/scf ./functions/scf
	GOOS=linux GOARCH=amd64 $(BUILD) -o dist/bin/fc ./functions/fc
	GOOS=linux GOARCH=amd64 $(BUILD) -tags lambda.norpc -o dist/bin/lambda-amd64 ./functions/lambda
	GOOS=linux GOARCH=arm64 $(BUILD) -tags lambda.norpc -o dist/bin/lambda-arm64 ./functions/lambda
	GOOS=linux GOARCH=amd64 $(BUILD) -o dist/bin/http ./functions/http
	GOOS=linux GOARCH=amd64 $(BUILD) -o dist/bin/functiongraph ./functions/functiongraph
	printf '#!/bin/sh\n# FunctionGraph and FC custom runtimes start this; it listens on $$PORT, 8000 on FunctionGraph, else 9000.\nexec "$$(dirname "$$0")/backupfn-http"\n' > dist/bin/bootstrap
	printf '#!/bin/sh\n# SCF web functions start this; they expect port 9000.\nPORT=9000 exec "$$(dirname "$$0")/backupfn-http"\n' > dist/bin/scf_bootstrap
	$(GO) run ./internal/mkzip -o dist/scf.zip main=dist/bin/scf:0755
	$(GO) run ./internal/mkzip -o dist/fc.zip main=dist/bin/fc:0755
	$(GO) run ./internal/mkzip -o dist/lambda-amd64.zip bootstrap=dist/bin/lambda-amd64:0755
	$(GO) run ./internal/mkzip -o dist/lambda-arm64.zip bootstrap=dist/bin/lambda-arm64:0755
	$(GO) run ./internal/mkzip -o dist/functiongraph.zip bootstrap=dist/bin/functiongraph:0755
	$(GO) run ./internal/mkzip -o dist/http.zip bootstrap=dist/bin/bootstrap:0755 scf_bootstrap=dist/bin/scf_bootstrap:0755 backupfn-http=dist/bin/http:0755
	@$(GO) run ./internal/mkzip -list dist/*.zip
	@ls -l dist/*.zip

## reliability: the fault-matrix experiment at 2000 targets (needs Redis), into docs/RELIABILITY.md's figures
reliability:
	$(GO) run ./internal/faultmatrix/cmd -per-provider 500
	$(GO) run ./internal/faultmatrix/cmd -per-provider 500 -lose-store
	$(GO) run ./internal/faultmatrix/cmd -per-provider 100 -triggers 20 -replay

clean:
	rm -rf bin dist

## bench: performance figures (fan-out, cold start, sizes, per-target overhead, memory, a 10,000-target `backupfn run`, instances sharing an account: needs Redis) into docs/PERFORMANCE.md
bench:
	$(GO) run ./bench/cmd
