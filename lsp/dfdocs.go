package lsp

// instructionDocs are short descriptions of the Dockerfile instructions for
// completion and hover.
var instructionDocs = map[string]string{
	"FROM":        "Start a stage from a base image: `FROM [--platform=P] image[:tag] [AS name]`.",
	"RUN":         "Run a command in the stage's container and commit the result as a layer.",
	"CMD":         "Set the default command of the image; the exec form `[\"prog\", \"arg\"]` avoids a shell.",
	"LABEL":       "Add metadata labels: `LABEL key=value …`.",
	"MAINTAINER":  "Deprecated: set the author. Use `LABEL org.opencontainers.image.authors=…` instead.",
	"EXPOSE":      "Document the ports the container listens on: `EXPOSE 80/tcp 53/udp`.",
	"ENV":         "Set environment variables for later instructions and the image: `ENV key=value …`.",
	"ADD":         "Copy files, URLs or archives (extracted) into the image.",
	"COPY":        "Copy files from the build context, a stage (`--from`) or an image into the image.",
	"ENTRYPOINT":  "Set the program the container runs; CMD supplies its default arguments.",
	"VOLUME":      "Declare mount points for volumes.",
	"USER":        "Set the user (and group) for later RUN instructions and the image.",
	"WORKDIR":     "Set (and create) the working directory for later instructions.",
	"ARG":         "Declare a build argument, optionally with a default: `ARG name[=default]`.",
	"ONBUILD":     "Register an instruction that runs when another build uses this image as its base.",
	"STOPSIGNAL":  "Set the signal that stops the container, e.g. `SIGTERM`.",
	"HEALTHCHECK": "Configure how to check that the container is healthy, or `NONE` to disable an inherited check.",
	"SHELL":       "Set the shell used by shell-form instructions, as a JSON array.",
}

// instructionOrder is the order instructions are offered in.
var instructionOrder = []string{"FROM", "RUN", "COPY", "ADD", "WORKDIR", "ENV", "ARG", "USER", "EXPOSE", "CMD",
	"ENTRYPOINT", "LABEL", "VOLUME", "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER"}

// instructionFlags are the flags of each instruction with a description.
var instructionFlags = map[string][][2]string{
	"FROM": {{"platform", "Platform of the base image, e.g. `linux/arm64`."}},
	"RUN": {
		{"mount", "Mount a cache, bind, tmpfs, secret or ssh mount for this command, e.g. `type=cache,target=/root/.cache`."},
		{"network", "Network for the command: `default`, `none` or `host`."},
		{"security", "`insecure` or `sandbox` (the default)."},
	},
	"COPY": {
		{"from", "Copy from a stage (name or index) or an image instead of the build context."},
		{"chown", "Owner of the copied files, `user[:group]`."},
		{"chmod", "Mode of the copied files, e.g. `755`."},
		{"link", "Copy into an independent layer."},
		{"parents", "Keep the parent directories of the sources."},
		{"exclude", "Leave out paths matching a pattern."},
	},
	"ADD": {
		{"chown", "Owner of the added files, `user[:group]`."},
		{"chmod", "Mode of the added files."},
		{"checksum", "Expected checksum of a remote source, `sha256:…`."},
		{"keep-git-dir", "Keep the .git directory of a Git source."},
		{"link", "Add into an independent layer."},
		{"exclude", "Leave out paths matching a pattern."},
		{"from", "Add from a stage or an image."},
	},
	"HEALTHCHECK": {
		{"interval", "Time between checks (default 30s)."},
		{"timeout", "Time limit of one check (default 30s)."},
		{"start-period", "Grace period after the container starts."},
		{"start-interval", "Time between checks during the start period."},
		{"retries", "Consecutive failures before unhealthy (default 3)."},
	},
}

// parserDirectives are the comments BuildKit reads at the top of a file.
var parserDirectives = [][2]string{
	{"syntax=", "Frontend image used to build the file, e.g. `docker/dockerfile:1`."},
	{"escape=", "Escape character: `\\` (default) or `` ` ``."},
	{"check=", "Build checks: `skip=Rule1,Rule2` or `error=true`."},
}
