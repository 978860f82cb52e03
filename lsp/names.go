package lsp

import "strings"

// isZImagefileName reports whether a base name is a ZImagefile (spec §1.3).
func isZImagefileName(base string) bool {
	return base == "ZImagefile" ||
		strings.HasPrefix(base, "ZImagefile.") && len(base) > len("ZImagefile.") ||
		strings.HasSuffix(base, ".zimagefile") && len(base) > len(".zimagefile")
}

// isDockerfileName reports whether a base name is a Dockerfile (design §3).
func isDockerfileName(base string) bool {
	return base == "Dockerfile" || base == "Containerfile" ||
		strings.HasPrefix(base, "Dockerfile.") || strings.HasSuffix(base, ".dockerfile")
}
