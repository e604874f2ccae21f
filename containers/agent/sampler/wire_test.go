package sampler

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestQuoteIsValidJSON(t *testing.T) {
	tests := []string{
		"plain",
		`quote " backslash \ slash /`,
		"tab\tnewline\ncr\rnul\x00bell\x07del\x7f",
		"utf-8 é ✓ 😀",
		"invalid \xff\xfe utf-8 \xe2\x82",
		"line sep \u2028 para sep \u2029",
	}
	for _, s := range tests {
		var e encoder
		quote(&e, s)
		var got string
		if err := json.Unmarshal(e.buf, &got); err != nil {
			t.Fatalf("quote(%q) = %s: not JSON: %v", s, e.buf, err)
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // invalid bytes become U+FFFD, as encoding/json does
		}
		if got != want {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		var eb encoder
		quote(&eb, []byte(s))
		if string(eb.buf) != string(e.buf) {
			t.Fatalf("quote of bytes %s differs from quote of string %s", eb.buf, e.buf)
		}
	}
}

func FuzzQuote(f *testing.F) {
	f.Add("a\"b\\c\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var e encoder
		quote(&e, s)
		var got string
		if err := json.Unmarshal(e.buf, &got); err != nil {
			t.Fatalf("quote(%q) = %s: not JSON: %v", s, e.buf, err)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
	})
}
