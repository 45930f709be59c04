package simpleindex

import (
	"strconv"
	"strings"
)

// offers are the forms a server can send, in the server's order of preference: PEP 691
// lets the server break ties, and JSON is smaller and faster to parse.
var offers = []struct {
	typ, sub string
	// serve is what the response's Content-Type says; the "latest" aliases of PEP 691
	// are answered with the concrete v1 type.
	serve   string
	aliases []string
}{
	{"application", "vnd.pypi.simple.v1+json", ContentTypeJSON, []string{"vnd.pypi.simple.latest+json"}},
	{"application", "vnd.pypi.simple.v1+html", ContentTypeHTML, []string{"vnd.pypi.simple.latest+html"}},
	{"text", "html", ContentTypeLegacyHTML, nil},
}

// Negotiate picks the content type of a response from a request's Accept header, per
// PEP 691: the highest q-value wins, a more specific media range overrides a wildcard
// for the same type, ties go to the server's preference (JSON, then the v1 HTML type,
// then text/html). An empty Accept header gets text/html, what clients from before
// PEP 691 expect. ok is false when nothing offered is acceptable: answer 406.
func Negotiate(accept string) (contentType string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return ContentTypeLegacyHTML, true
	}
	ranges := parseAccept(accept)
	bestQ := 0.0
	for _, o := range offers {
		q, matched := -1.0, 0 // matched: specificity of the range that set q
		for _, r := range ranges {
			spec := r.matches(o.typ, o.sub, o.aliases)
			if spec > matched || (spec == matched && spec > 0 && r.q > q) {
				q, matched = r.q, spec
			}
		}
		if matched > 0 && q > bestQ {
			bestQ, contentType = q, o.serve
		}
	}
	return contentType, contentType != ""
}

type mediaRange struct {
	typ, sub string
	q        float64
}

// matches returns how specifically r names typ/sub: 3 exactly, 2 as typ/*, 1 as */*,
// 0 not at all.
func (r mediaRange) matches(typ, sub string, aliases []string) int {
	switch {
	case r.typ == "*" && r.sub == "*":
		return 1
	case r.typ != typ:
		return 0
	case r.sub == "*":
		return 2
	case r.sub == sub:
		return 3
	}
	for _, a := range aliases {
		if r.sub == a {
			return 3
		}
	}
	return 0
}

// parseAccept reads "type/sub;param=v;q=0.5, ...". Ranges it cannot read (no slash, a
// bad q) are dropped, as if the client had not sent them.
func parseAccept(accept string) []mediaRange {
	var out []mediaRange
	for part := range strings.SplitSeq(accept, ",") {
		params := strings.Split(part, ";")
		typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(params[0])), "/")
		typ, sub = strings.TrimSpace(typ), strings.TrimSpace(sub)
		if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		r := mediaRange{typ: typ, sub: sub, q: 1}
		good := true
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(p, "=")
			if !strings.EqualFold(strings.TrimSpace(k), "q") {
				continue
			}
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || !(q >= 0 && q <= 1) {
				good = false
			}
			r.q = q
			break // parameters after q are accept-extensions, not media type parameters
		}
		if good {
			out = append(out, r)
		}
	}
	return out
}
