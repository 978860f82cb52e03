package lsp

// zkey is a ZImagefile key with a one-line description for completion and
// hover. The keys and their order are those of spec §2.3.
type zkey struct {
	name, doc string
}

var (
	topKeys = []zkey{
		{"version", "Format version; only `1` is accepted."},
		{"runtime", "Build from a built-in runtime template (node20, python312, go, …) instead of writing stages."},
		{"base", "Base image of a single-stage build: an image reference or `scratch`."},
		{"build", "Build the base image from a local context first: a path, or a mapping with `context`, `file` and `args`."},
		{"steps", "The steps of the single stage (or, in runtime mode, steps appended to the template)."},
		{"platform", "Target platform `os[/arch[/variant]]`, e.g. `linux/arm64`."},
		{"os", "Target operating system: `linux` or `windows`."},
		{"stages", "Named stages in build order; the last one is the output image."},
		{"wasm", "WebAssembly build settings (validated, not built by this toolkit)."},
		{"env", "Environment variables of the output image."},
		{"workdir", "Working directory of the output image."},
		{"expose", "Ports the image exposes: a port number or a list of ports and `port/protocol` strings."},
		{"cmd", "Default command: a string (shell form) or a list (exec form)."},
		{"entrypoint", "Entrypoint: a string (shell form) or a list (exec form)."},
		{"user", "User the image runs as (`user[:group]`)."},
		{"labels", "Image labels."},
		{"volumes", "Volume mount points of the image."},
		{"healthcheck", "Health check: `cmd` plus optional `interval`, `timeout`, `start_period` and `retries`."},
		{"stopsignal", "Signal that stops the container, e.g. `SIGTERM`."},
		{"args", "Global build arguments: name → default (empty for none). Usable in every stage's `base`."},
	}
	stageKeys = []zkey{
		{"base", "Base of the stage: an image reference, `scratch` or the name of an earlier stage."},
		{"build", "Build the stage's base image from a local context."},
		{"platform", "Platform of the stage's base image."},
		{"os", "Target operating system: `linux` or `windows`."},
		{"args", "Stage build arguments; an empty value re-declares a global argument."},
		{"env", "Environment variables set at the start of the stage."},
		{"workdir", "Working directory set at the start of the stage."},
		{"steps", "The stage's steps, in order."},
		{"labels", "Image labels, applied after the steps."},
		{"expose", "Exposed ports, applied after the steps."},
		{"user", "User, applied after the steps."},
		{"entrypoint", "Entrypoint, applied after the steps."},
		{"cmd", "Default command, applied after the steps."},
		{"volumes", "Volume mount points, applied after the steps."},
		{"healthcheck", "Health check, applied after the steps."},
		{"stopsignal", "Stop signal, applied after the steps."},
	}
	actionKeys = []zkey{
		{"run", "Run a command: a string runs with /bin/sh -c, a list runs without a shell."},
		{"copy", "Copy files from the build context (or a stage or image with `from`) into the image; needs `to`."},
		{"add", "Like copy, plus URL downloads and archive extraction; needs `to`."},
		{"env", "Set environment variables for later steps and the image."},
		{"workdir", "Set (and create) the working directory for later steps."},
		{"user", "Set the user for later run steps and the image."},
	}
	modifierKeys = map[string][]zkey{
		"run": {
			{"cache", "Cache mounts for this run step: a list of `target` (with optional `id`, `sharing`, `readonly`)."},
			{"env", "Environment for this command only; not stored in the image."},
		},
		"copy": {
			{"to", "Destination in the image; a directory when it ends with `/`."},
			{"from", "Copy from an earlier stage or an image instead of the build context."},
			{"owner", "Owner of the copied files, `user[:group]`."},
			{"chmod", "Mode of the copied files, an octal number such as `755`."},
		},
	}
	cacheKeys = []zkey{
		{"target", "Mount point of the cache in the container (required)."},
		{"id", "Cache identity; mounts with the same id share one cache. Defaults to the target."},
		{"sharing", "Concurrent use: `shared` (default), `locked` or `private`."},
		{"readonly", "Mount the cache read-only."},
	}
	healthcheckKeys = []zkey{
		{"cmd", "The check command (required): a string or a list."},
		{"interval", "Time between checks, e.g. `30s`."},
		{"timeout", "Time limit of one check, e.g. `5s`."},
		{"start_period", "Grace period after the container starts."},
		{"retries", "Consecutive failures before the container is unhealthy."},
	}
	buildKeys = []zkey{
		{"workdir", "Nested context directory (same as `context`)."},
		{"context", "Nested context directory; defaults to the outer context."},
		{"file", "Build file inside the nested context; found automatically when omitted."},
		{"args", "Build arguments of the nested build."},
	}
	wasmKeys = []zkey{
		{"target", "WASI target: `preview1` or `preview2`."},
		{"optimize", "Run the optimizer on the module."},
		{"opt_level", "Optimisation level: O, Os, Oz, O2 or O3."},
		{"language", "Source language: rust, go, python, typescript, assemblyscript, c or zig."},
		{"wit", "Directory of WIT files."},
		{"world", "WIT world the component implements."},
		{"output", "Output path of the module."},
		{"features", "Cargo/compiler features to enable."},
		{"build_args", "Arguments for the language build."},
		{"pre_build", "Commands to run before the build."},
		{"post_build", "Commands to run after the build."},
		{"adapter", "WASI adapter module."},
		{"oci", "Package the module as an OCI artifact."},
	}
	enumValues = map[string][]string{
		"os":        {"linux", "windows"},
		"sharing":   {"shared", "locked", "private"},
		"version":   {"1"},
		"readonly":  {"true", "false"},
		"optimize":  {"true", "false"},
		"oci":       {"true", "false"},
		"opt_level": {"O", "Os", "Oz", "O2", "O3"},
		"language":  {"rust", "go", "python", "typescript", "assemblyscript", "c", "zig"},
		"world":     {"zlayer-plugin", "zlayer-http-handler", "zlayer-transformer", "zlayer-authenticator", "zlayer-rate-limiter", "zlayer-middleware", "zlayer-router"},
	}
)

func init() { modifierKeys["add"] = modifierKeys["copy"] }

// keysFor returns the keys valid in the mapping at a path (keys and list
// indices, as yamlPath returns them) and the step action present there.
func keysFor(path []string, action string) []zkey {
	n := len(path)
	switch {
	case n == 0:
		return topKeys
	case n == 2 && path[0] == "stages":
		return stageKeys
	case n >= 2 && path[n-2] == "steps" && isIndex(path[n-1]):
		if action == "" {
			return actionKeys
		}
		return modifierKeys[action]
	case n >= 2 && path[n-2] == "cache" && isIndex(path[n-1]):
		return cacheKeys
	case path[n-1] == "healthcheck":
		return healthcheckKeys
	case path[n-1] == "build":
		return buildKeys
	case n == 1 && path[0] == "wasm":
		return wasmKeys
	}
	return nil
}

// keyDoc finds the description of the key at the end of a path.
func keyDoc(path []string) (zkey, bool) {
	if len(path) == 0 {
		return zkey{}, false
	}
	key := path[len(path)-1]
	lists := [][]zkey{keysFor(path[:len(path)-1], ""), keysFor(path[:len(path)-1], "run"), keysFor(path[:len(path)-1], "copy")}
	for _, l := range lists {
		for _, k := range l {
			if k.name == key {
				return k, true
			}
		}
	}
	return zkey{}, false
}

func isIndex(s string) bool { _, ok := atoi(s); return ok }
