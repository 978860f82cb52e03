package runner

import "testing"

func TestNumericUser(t *testing.T) {
	const passwd = "root:x:0:0:root:/root:/bin/sh\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/sbin/nologin\n" +
		"app:x:1000:1001:app:/home/app:/bin/sh\n" +
		"toor:x:0:0:second root:/root:/bin/sh\n"
	const group = "root:x:0:\ndaemon:x:1:\napp:x:1001:\n"
	tests := []struct {
		name, spec, passwd, group, want string
	}{
		{"default user is root", "", passwd, group, "0:0"},
		{"root by name", "root", passwd, group, "0:0"},
		{"by uid", "1000", passwd, group, "1000:1001"},
		{"by name", "app", passwd, group, "1000:1001"},
		{"second name of uid 0 looks groups up as root", "toor", passwd, group, "0:0"},
		{"root in a supplementary group", "", passwd, group + "wheel:x:10:root\n", ""},
		{"member list merely containing the name counts", "", passwd, group + "x:x:11:chroot\n", ""},
		{"other users' groups do not matter", "app", passwd, group + "wheel:x:10:root\n", "1000:1001"},
		{"unknown name", "nobody", passwd, group, ""},
		{"unknown uid", "4242", passwd, group, ""},
		{"malformed passwd line", "", passwd + "broken\n", group, ""},
		{"non-numeric uid in passwd", "", "root:x:zero:0:root:/root:/bin/sh\n", group, ""},
		{"comment in group", "", passwd, "# groups\n" + group, ""},
		{"malformed group line", "", passwd, group + "wheel:x:10\n", ""},
		{"empty user name", "7", passwd + ":x:7:7::/:/bin/sh\n", group, ""},
		{"a group is given", "app:app", passwd, group, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			if got := numericUser(spec, []byte(tt.passwd), []byte(tt.group)); got != tt.want {
				t.Errorf("numericUser(%q) = %q, want %q", spec, got, tt.want)
			}
		})
	}
}
