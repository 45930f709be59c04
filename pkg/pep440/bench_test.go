package pep440

import "testing"

var (
	sinkVersion    Version
	sinkSpecifiers Specifiers
)

func BenchmarkParse(b *testing.B) {
	for _, s := range []string{"1.26.4", "2!1.0rc1.post2.dev3+ubuntu.1"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v, err := Parse(s)
				if err != nil {
					b.Fatal(err)
				}
				sinkVersion = v
			}
		})
	}
}

func BenchmarkSpecifiersContains(b *testing.B) {
	for _, c := range []struct{ spec, version string }{
		{">=1.0,<2,!=1.5.*", "1.6.3"},
		{"~=1.4.2", "1.4.9"},
		{"==2.0.*", "2.0.1+local"},
	} {
		set := MustParseSpecifiers(c.spec)
		v := MustParse(c.version)
		b.Run(c.spec, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if set.Contains(v, false) {
					n++
				}
			}
			if n == 0 {
				b.Fatalf("%q does not contain %q", c.spec, c.version)
			}
		})
	}
}

func BenchmarkParseSpecifiers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseSpecifiers(">=1.0,<2,!=1.5.*")
		if err != nil {
			b.Fatal(err)
		}
		sinkSpecifiers = s
	}
}
