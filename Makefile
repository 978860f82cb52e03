# zlayer toolkit. `make test` is the README's test command and what CI runs:
# it installs what the tests need on a Debian machine, then runs every test.

GO       ?= go
BIN      ?= bin
GOFLAGS  ?=
export BUILDAH_ISOLATION ?= chroot

# Debian packages the tests drive for real.
DEB_PACKAGES := buildah busybox-static neovim skopeo docker-registry vim vim-ale emacs-nox elpa-eglot

.PHONY: all build test deps go-test editor-test bench demo lint fuzz clean

all: build

# The binaries are built without cgo: nothing needs libc, and the language
# server starts smaller without it.
build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS) -o $(BIN)/zlayer ./cmd/zlayer
	CGO_ENABLED=0 $(GO) build $(GOFLAGS) -o $(BIN)/zlayer-lsp ./cmd/zlayer-lsp

# deps installs the tools the tests need when they are missing. It needs
# root and apt-get; elsewhere install them yourself.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error

test: deps lint go-test editor-test

go-test:
	$(GO) test -timeout 30m ./...

editor-test: build
	cd editors/vscode && ZLAYER_LSP=$(CURDIR)/$(BIN)/zlayer-lsp npm test && npm run package

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# fuzz runs each fuzzer for a short while; the corpus stays in testdata/fuzz
# of each package, and `go test` replays it on every run.
FUZZTIME ?= 30s
FUZZERS := zimage:FuzzParse zimage:FuzzPieces zimage:FuzzPlan zimage:FuzzConvert dockerfile:FuzzParse dockerfile:FuzzReparse dockerfile:FuzzPlan schema:FuzzValidate runner/buildcontext:FuzzMatch lsp:FuzzServer
fuzz:
	@for f in $(FUZZERS); do \
		echo "== $${f%%:*} $${f##*:}"; \
		$(GO) test ./$${f%%:*} -run '^$$' -fuzz "^$${f##*:}$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# demo builds testdata/examples/hello/ZImagefile into an image on a busybox base made
# locally in a private store: no registry, no network.
demo: build
	testdata/examples/hello/run.sh $(CURDIR)/$(BIN)/zlayer

bench: build
	$(GO) run ./cmd/zlayer-bench -zlayer $(CURDIR)/$(BIN)/zlayer -lsp $(CURDIR)/$(BIN)/zlayer-lsp

clean:
	rm -rf $(BIN) editors/vscode/node_modules editors/vscode/dist editors/vscode/*.vsix
