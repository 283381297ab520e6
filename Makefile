# backupfn — see README.md. Targets: demo test build lint.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BUILD   := CGO_ENABLED=0 $(GO) build -trimpath -ldflags="$(LDFLAGS)"

.PHONY: demo test build lint clean

## demo: back up four clouds on the embedded emulator (no credentials, no network)
demo:
	$(GO) run ./cmd/backupfn demo

## test: the whole test suite, with the race detector
test:
	$(GO) test -race -count=1 ./...

## build: the CLI into bin/backupfn
build:
	$(BUILD) -o bin/backupfn ./cmd/backupfn

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin dist
