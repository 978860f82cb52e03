package runner

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"strconv"
	"strings"
)

// runUser returns a --user value for a RUN in the working container that
// has the same effect as the container's own user, which buildah would
// otherwise look up in /etc/passwd and /etc/group with three helper
// processes (about 55 ms per RUN): the user's numeric uid:gid, when the
// user belongs to no supplementary group. It returns "" whenever that is
// not certain, and buildah looks the user up itself as always.
func (s *stageRun) runUser(ctx context.Context) string {
	if s.b.dry() || strings.Contains(s.user, ":") {
		return "" // buildah looks up no supplementary groups then
	}
	root, err := s.containerRoot(ctx)
	if err != nil {
		return ""
	}
	passwd, err := fs.ReadFile(root.FS(), "etc/passwd")
	if err != nil {
		return ""
	}
	group, err := fs.ReadFile(root.FS(), "etc/group")
	if err != nil {
		return ""
	}
	return numericUser(s.user, passwd, group)
}

// numericUser resolves a user spec without a group the way buildah 1.28
// does for RUN, given the container's /etc/passwd and /etc/group, and
// returns "uid:gid" when the user has no supplementary groups. buildah
// stops reading either file at its first malformed line and counts a
// group as the user's when its member list merely contains the user's
// name, so any malformed line, any comment, and any member list that
// contains the name make the answer "".
func numericUser(spec string, passwd, group []byte) string {
	if strings.Contains(spec, ":") {
		return ""
	}
	users, ok := passwdEntries(passwd)
	if !ok {
		return ""
	}
	if spec == "" {
		spec = "0"
	}
	var u *passwdEntry
	if uid, err := strconv.ParseUint(spec, 10, 32); err == nil {
		u = findUser(users, func(e passwdEntry) bool { return e.uid == uid })
	} else {
		u = findUser(users, func(e passwdEntry) bool { return e.name == spec })
	}
	if u == nil {
		return ""
	}
	// Supplementary groups are looked up by the name of the first entry
	// with the user's uid.
	first := findUser(users, func(e passwdEntry) bool { return e.uid == u.uid })
	if first.name == "" {
		return ""
	}
	members, ok := groupMembers(group)
	if !ok {
		return ""
	}
	for _, m := range members {
		if strings.Contains(m, first.name) {
			return ""
		}
	}
	return strconv.FormatUint(u.uid, 10) + ":" + strconv.FormatUint(u.gid, 10)
}

type passwdEntry struct {
	name     string
	uid, gid uint64
}

func findUser(users []passwdEntry, match func(passwdEntry) bool) *passwdEntry {
	for i := range users {
		if match(users[i]) {
			return &users[i]
		}
	}
	return nil
}

// passwdEntries parses /etc/passwd; ok is false when a line is malformed.
func passwdEntries(text []byte) (users []passwdEntry, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 7 {
			return nil, false
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		users = append(users, passwdEntry{f[0], uid, gid})
	}
	return users, sc.Err() == nil
}

// groupMembers returns the member lists of /etc/group; ok is false when a
// line is malformed or a comment.
func groupMembers(text []byte) (members []string, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 4 || strings.HasPrefix(strings.TrimSpace(f[0]), "#") {
			return nil, false
		}
		if _, err := strconv.ParseUint(f[2], 10, 32); err != nil {
			return nil, false
		}
		members = append(members, f[3])
	}
	return members, sc.Err() == nil
}
