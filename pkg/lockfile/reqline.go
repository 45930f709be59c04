package lockfile

import (
	"errors"
	"fmt"
	"iter"
	"net/url"
	"path"
	"strings"
)

// optSpec is one option pip accepts in a requirements file (req_file.py
// SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ, pip 23-24).
type optSpec struct {
	long           string
	short          byte // 0: none
	takesValue     bool
	perRequirement bool // meaningful on a requirement line (--hash ...)
}

var reqFileOptions = []optSpec{
	{long: "--index-url", short: 'i', takesValue: true},
	{long: "--extra-index-url", takesValue: true},
	{long: "--no-index"},
	{long: "--constraint", short: 'c', takesValue: true},
	{long: "--requirement", short: 'r', takesValue: true},
	{long: "--editable", short: 'e', takesValue: true},
	{long: "--find-links", short: 'f', takesValue: true},
	{long: "--no-binary", takesValue: true},
	{long: "--only-binary", takesValue: true},
	{long: "--prefer-binary"},
	{long: "--require-hashes"},
	{long: "--pre"},
	{long: "--trusted-host", takesValue: true},
	{long: "--use-feature", takesValue: true},
	{long: "--global-option", takesValue: true, perRequirement: true},
	{long: "--hash", takesValue: true, perRequirement: true},
	{long: "--config-settings", short: 'C', takesValue: true, perRequirement: true},
}

type parsedOpt struct {
	spec  *optSpec
	value string
}

// parseOptions parses the option part of a line the way pip does: shlex.split, then
// optparse with the options above. optparse accepts any unambiguous prefix of a long
// option ("--extra-index" is --extra-index-url), so matching prefixes here is what
// keeps an abbreviated index option from slipping past a wrapper. Positional words
// among the options are ignored, as pip ignores them.
func parseOptions(s string) ([]parsedOpt, error) {
	if s == "" {
		return nil, nil
	}
	args, err := shlexSplit(s)
	if err != nil {
		return nil, err
	}
	var out []parsedOpt
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return out, nil
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a, "=")
			spec, err := matchLong(name)
			if err != nil {
				return nil, err
			}
			switch {
			case !spec.takesValue && hasValue:
				return nil, fmt.Errorf("%s option does not take a value", spec.long)
			case spec.takesValue && !hasValue:
				if i+1 >= len(args) {
					return nil, fmt.Errorf("%s option requires a value", spec.long)
				}
				i++
				value = args[i]
			}
			out = append(out, parsedOpt{spec: spec, value: value})
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// A cluster of short options; every short option here takes a value,
			// which is the rest of the word or the next word.
			spec := matchShort(a[1])
			if spec == nil {
				return nil, fmt.Errorf("unknown option -%s", truncate(a[1:2], 10))
			}
			value := a[2:]
			if value == "" {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("-%c option requires a value", spec.short)
				}
				i++
				value = args[i]
			}
			out = append(out, parsedOpt{spec: spec, value: value})
		}
	}
	return out, nil
}

// MatchOption finds a long option as pip's optparse does: the option named exactly, or else
// the one option that name abbreviates. n is 1 when one was found, 0 when name is unknown
// and more when it is ambiguous. A requirements file and pip's command line (internal/guard)
// are read with it.
func MatchOption[T any](options iter.Seq2[string, T], name string) (opt T, n int) {
	var found T
	for long, o := range options {
		if long == name {
			return o, 1
		}
		if strings.HasPrefix(long, name) {
			found = o
			n++
		}
	}
	return found, n
}

func matchLong(name string) (*optSpec, error) {
	found, n := MatchOption(func(yield func(string, *optSpec) bool) {
		for i := range reqFileOptions {
			if !yield(reqFileOptions[i].long, &reqFileOptions[i]) {
				return
			}
		}
	}, name)
	switch n {
	case 0:
		return nil, fmt.Errorf("unknown option %s", truncate(name, 80))
	case 1:
		return found, nil
	}
	return nil, fmt.Errorf("ambiguous option %s", truncate(name, 80))
}

func matchShort(c byte) *optSpec {
	for i := range reqFileOptions {
		if reqFileOptions[i].short == c {
			return &reqFileOptions[i]
		}
	}
	return nil
}

// shlexSplit is Python's shlex.split(s) (POSIX mode, no comments).
func shlexSplit(s string) ([]string, error) {
	var (
		out     []string
		cur     strings.Builder
		inToken bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inToken {
				out = append(out, cur.String())
				cur.Reset()
				inToken = false
			}
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("no escaped character after a final backslash")
			}
			i++
			cur.WriteByte(s[i])
			inToken = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("no closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inToken = true
		case c == '"':
			i++
			closed := false
			for ; i < len(s); i++ {
				if s[i] == '"' {
					closed = true
					break
				}
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if !closed {
				return nil, errors.New("no closing quotation")
			}
			inToken = true
		default:
			cur.WriteByte(c)
			inToken = true
		}
	}
	if inToken {
		out = append(out, cur.String())
	}
	return out, nil
}

// vcsSchemes are the URL schemes pip's is_url accepts besides http, https, file, ftp.
var vcsSchemes = map[string]bool{
	"git": true, "git+http": true, "git+https": true, "git+ssh": true, "git+git": true, "git+file": true,
	"hg+file": true, "hg+http": true, "hg+https": true, "hg+ssh": true, "hg+static-http": true,
	"svn": true, "svn+ssh": true, "svn+http": true, "svn+https": true, "svn+svn": true, "svn+file": true,
	"bzr+http": true, "bzr+https": true, "bzr+ssh": true, "bzr+sftp": true, "bzr+ftp": true, "bzr+lp": true, "bzr+file": true,
}

// isURL is pip's is_url: a scheme pip knows before the first colon.
func isURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	switch scheme {
	case "http", "https", "file", "ftp":
		return true
	}
	return vcsSchemes[scheme]
}

// archiveExts are the names pip takes for a local archive rather than a project name.
var archiveExts = []string{".whl", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".zip", ".tar.gz", ".tgz", ".tar"}

// IsArchiveName reports whether pip takes name (a requirement without its extras, or a
// URL's last segment) for an archive file rather than a project name.
func IsArchiveName(name string) bool {
	name = strings.ToLower(name)
	for _, ext := range archiveExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// LooksLikePath reports whether pip takes a requirement for a local path: it holds a path
// separator or starts with ".".
func LooksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasPrefix(s, ".")
}

// parseRequirementArg classifies the requirement part of a line as pip's
// parse_req_from_line does: a URL, a local path, or a PEP 508 requirement.
func parseRequirementArg(arg string, pos Position) (Entry, error) {
	arg = TrimPySpace(arg)
	e := Entry{Kind: KindRequirement, Size: -1, Pos: pos, Raw: arg}
	if isURL(arg) {
		// pip only splits a marker off a bare URL at "; " (";" may be in the URL).
		u, marker, _ := strings.Cut(arg, "; ")
		e.URL, e.Marker = TrimPySpace(u), TrimPySpace(marker)
		setFromURL(&e)
		return e, nil
	}
	head, marker, _ := strings.Cut(arg, ";")
	head, e.Marker = TrimPySpace(head), TrimPySpace(marker)
	before, _, hasAt := strings.Cut(head, "@")
	if !(hasAt && !LooksLikePath(before)) {
		p, extras, err := stripExtras(head)
		if err != nil {
			return e, errorf(pos, "invalid requirement %q: %v", truncate(arg, 200), err)
		}
		if LooksLikePath(head) || IsArchiveName(p) {
			e.Path, e.Extras = p, extras
			setFromPath(&e)
			return e, nil
		}
	}
	if err := parsePEP508(head, &e); err != nil {
		return e, errorf(pos, "invalid requirement %q: %v", truncate(arg, 200), err)
	}
	return e, nil
}

// parseEditable reads the value of -e: a local directory or a VCS URL, with
// optional [extras].
func parseEditable(v string, pos Position) (Entry, error) {
	e := Entry{Kind: KindRequirement, Size: -1, Pos: pos, Raw: "-e " + v, Editable: true}
	target, extras, err := stripExtras(TrimPySpace(v))
	if err != nil {
		return e, errorf(pos, "invalid editable requirement %q: %v", truncate(v, 200), err)
	}
	e.Extras = extras
	if isURL(target) {
		e.URL = target
		setFromURL(&e)
	} else {
		e.Path = target
		setFromPath(&e)
	}
	return e, nil
}

func stripExtras(s string) (string, []string, error) {
	if !strings.HasSuffix(s, "]") {
		return s, nil, nil
	}
	i := strings.LastIndexByte(s, '[')
	if i < 0 {
		return s, nil, nil
	}
	extras, err := parseExtras(s[i+1 : len(s)-1])
	return s[:i], extras, err
}

func parseExtras(s string) ([]string, error) {
	var extras []string
	for _, x := range strings.Split(s, ",") {
		x = strings.TrimSpace(x)
		if x == "" && strings.TrimSpace(s) == "" {
			break
		}
		if !isIdentifier(x) {
			return nil, fmt.Errorf("invalid extra %q", truncate(x, 80))
		}
		extras = append(extras, x)
	}
	return extras, nil
}

// setFromURL fills Name (from #egg= or a wheel filename) and Filename from a URL.
func setFromURL(e *Entry) {
	e.Filename = urlFilename(e.URL)
	if !IsArchiveName(e.Filename) {
		e.Filename = ""
	}
	if u, err := url.Parse(e.URL); err == nil {
		for _, kv := range strings.Split(u.Fragment, "&") {
			if name, ok := strings.CutPrefix(kv, "egg="); ok {
				name, _, _ = strings.Cut(name, "[")
				e.Name = name
			}
		}
	}
	if e.Name == "" {
		e.Name = wheelProject(e.Filename)
	}
}

func setFromPath(e *Entry) {
	base := path.Base(strings.ReplaceAll(e.Path, `\`, "/"))
	if IsArchiveName(base) {
		e.Filename = base
	}
	e.Name = wheelProject(e.Filename)
}

// wheelProject is the project part of a wheel filename ("" for anything else).
func wheelProject(filename string) string {
	if !strings.HasSuffix(strings.ToLower(filename), ".whl") {
		return ""
	}
	parts := strings.Split(filename[:len(filename)-4], "-")
	if len(parts) < 5 {
		return ""
	}
	return parts[0]
}

// urlFilename is the last path segment of a URL, percent-decoded.
func urlFilename(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		p := u.EscapedPath()
		if p == "" {
			p = u.Opaque
		}
		seg := p[strings.LastIndexByte(p, '/')+1:]
		if dec, err := url.PathUnescape(seg); err == nil {
			return dec
		}
		return seg
	}
	s, _, _ := strings.Cut(raw, "#")
	s, _, _ = strings.Cut(s, "?")
	return s[strings.LastIndexByte(s, '/')+1:]
}
