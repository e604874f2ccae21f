package ini

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sesman = `;; sesman.ini excerpt
[Globals]
ListenAddress=127.0.0.1
ListenPort=3350
EnableUserWindowManager=true

[Sessions]
;; X11DisplayOffset - x11 display number offset
; Type: integer
; Default: 10
X11DisplayOffset=10
MaxSessions = 50
#Policy=UBD

[Xvnc]
param=Xvnc
param=-bs
`

func TestSet(t *testing.T) {
	tests := []struct {
		name                string
		src                 string
		section, key, value string
		want                string
		wantErr             string
	}{
		{
			name: "replace keeps everything else", src: sesman,
			section: "Globals", key: "ListenAddress", value: "0.0.0.0",
			want: strings.Replace(sesman, "ListenAddress=127.0.0.1", "ListenAddress=0.0.0.0", 1),
		},
		{
			name: "section and key match without case, spaces around = are ignored", src: sesman,
			section: "sessions", key: "maxsessions", value: "100",
			want: strings.Replace(sesman, "MaxSessions = 50", "maxsessions=100", 1),
		},
		{
			name: "commented key is not a key: add after the last non-blank line", src: sesman,
			section: "Sessions", key: "Policy", value: "UBDC",
			want: strings.Replace(sesman, "#Policy=UBD\n", "#Policy=UBD\nPolicy=UBDC\n", 1),
		},
		{
			name: "add to a section followed by a blank line", src: sesman,
			section: "Globals", key: "ReconnectScript", value: "/x.sh",
			want: strings.Replace(sesman, "EnableUserWindowManager=true\n", "EnableUserWindowManager=true\nReconnectScript=/x.sh\n", 1),
		},
		{
			name: "missing section is appended", src: sesman,
			section: "Logging", key: "LogLevel", value: "DEBUG",
			want: sesman + "\n[Logging]\nLogLevel=DEBUG\n",
		},
		{
			name: "missing section in a file without final newline", src: "[A]\nx=1",
			section: "B", key: "y", value: "2",
			want: "[A]\nx=1\n\n[B]\ny=2\n",
		},
		{
			name: "add at end of file without final newline keeps it that way", src: "[A]\nx=1",
			section: "A", key: "y", value: "2",
			want: "[A]\nx=1\ny=2",
		},
		{
			name: "CRLF file stays CRLF", src: "[A]\r\nx=1\r\n\r\n[B]\r\nz=3\r\n",
			section: "A", key: "y", value: "2",
			want: "[A]\r\nx=1\r\ny=2\r\n\r\n[B]\r\nz=3\r\n",
		},
		{
			name: "empty file", src: "",
			section: "A", key: "k", value: "v",
			want: "[A]\nk=v\n",
		},
		{
			name: "empty value", src: "[A]\nk=v\n",
			section: "A", key: "k", value: "",
			want: "[A]\nk=\n",
		},
		{
			name: "first of two sections with the same name, as xrdp reads it", src: "[A]\nk=1\n[A]\nk=2\n",
			section: "A", key: "k", value: "9",
			want: "[A]\nk=9\n[A]\nk=2\n",
		},
		{
			name: "repeated key is ambiguous", src: sesman,
			section: "Xvnc", key: "param", value: "-x",
			wantErr: "param appears 2 times in [Xvnc] (lines 16 and 17)",
		},
		{name: "bad key", src: sesman, section: "A", key: "a=b", value: "v", wantErr: `key "a=b"`},
		{name: "comment key", src: sesman, section: "A", key: ";k", value: "v", wantErr: `key ";k"`},
		{name: "bad section", src: sesman, section: "A]", key: "k", value: "v", wantErr: `section name "A]"`},
		{name: "multi-line value", src: sesman, section: "A", key: "k", value: "v\n[B]", wantErr: "value for k contains a line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Set([]byte(tt.src), tt.section, tt.key, tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Set error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("Set result:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestAdd(t *testing.T) {
	got, err := Add([]byte(sesman), "Xvnc", "param", "-SecurityTypes=None")
	if err != nil {
		t.Fatal(err)
	}
	if want := sesman + "param=-SecurityTypes=None\n"; string(got) != want {
		t.Fatalf("Add result:\n%s\nwant:\n%s", got, want)
	}
	got, err = Add([]byte(sesman), "Chansrv", "FileUmask", "077")
	if err != nil {
		t.Fatal(err)
	}
	if want := sesman + "\n[Chansrv]\nFileUmask=077\n"; string(got) != want {
		t.Fatalf("Add new section:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sesman.ini")
	if err := os.WriteFile(path, []byte(sesman), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := SetFile(path, "Globals", "ListenPort", "3351"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "ListenPort=3351\n") || strings.Contains(string(b), "ListenPort=3350") {
		t.Fatalf("file after SetFile:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode changed to %v", fi.Mode().Perm())
	}

	missing := filepath.Join(dir, "nope.ini")
	err := SetFile(missing, "A", "k", "v")
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("SetFile on a missing file: err = %v, want it to name %s", err, missing)
	}
	if _, statErr := os.Stat(missing); !os.IsNotExist(statErr) {
		t.Fatal("SetFile created a missing file")
	}
	if err := SetFile(path, "Xvnc", "param", "x"); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("ambiguous key error %v should name the file", err)
	}
}
