package lockfile

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// maxIncludeDepth bounds -r/-c nesting. pip has no limit (and loops forever on a
// cycle); real projects nest a handful of files.
const maxIncludeDepth = 64

// opener reads one file; tests and fuzzers substitute one that never touches disk.
type opener func(path string) ([]byte, error)

// reqParser reads a requirements file and, recursively, what it includes.
type reqParser struct {
	open  opener
	lf    *Lockfile
	stack []string        // identities of the files being read, outermost first
	names []string        // the same files as named in positions, for messages
	done  map[string]bool // identity+mode of files already read completely
}

func loadRequirements(path string, open opener) (*Lockfile, error) {
	data, err := open(path)
	if err != nil {
		return nil, err
	}
	return parseRequirements(path, data, open)
}

func parseRequirements(name string, data []byte, open opener) (*Lockfile, error) {
	p := &reqParser{
		open: open,
		lf:   &Lockfile{Path: name, Format: FormatRequirements, Entries: []Entry{}},
		done: map[string]bool{},
	}
	if err := p.file(name, data, false); err != nil {
		return nil, err
	}
	return p.lf, nil
}

// file reads one requirements file; constraint marks entries from -c files.
func (p *reqParser) file(name string, data []byte, constraint bool) error {
	id := fileIdentity(name)
	p.stack = append(p.stack, id)
	p.names = append(p.names, name)
	defer func() {
		p.stack = p.stack[:len(p.stack)-1]
		p.names = p.names[:len(p.names)-1]
	}()
	text, err := decodeRequirements(name, data)
	if err != nil {
		return err
	}
	for _, ll := range logicalLines(text) {
		if err := p.line(name, ll, constraint); err != nil {
			return err
		}
	}
	p.done[doneKey(id, constraint)] = true
	return nil
}

func (p *reqParser) line(name string, ll logicalLine, constraint bool) error {
	pos := Position{File: name, Line: ll.num}
	args, optStr := breakArgsOptions(ll.text)
	opts, err := parseOptions(optStr)
	if err != nil {
		return &ParseError{Pos: pos, Msg: err.Error()}
	}
	if args != "" {
		e, err := parseRequirementArg(args, pos)
		if err != nil {
			return err
		}
		e.Constraint = constraint
		if err := p.addHashes(&e, opts, pos); err != nil {
			return err
		}
		// pip ignores file-level options on a requirement line (it does not even
		// follow -r there), but an index option hidden behind a requirement is
		// recorded so that a wrapper refusing index options sees it.
		for _, o := range opts {
			if !o.spec.perRequirement && o.spec.long != "--requirement" && o.spec.long != "--constraint" && o.spec.long != "--editable" {
				p.lf.Options = append(p.lf.Options, Option{Name: o.spec.long, Value: o.value, Pos: pos})
			}
		}
		p.lf.Entries = append(p.lf.Entries, e)
		return nil
	}

	// An option line. pip handles -e as a requirement, then -r, then -c, each only
	// for its first value on the line; everything else is a setting.
	var editable, include *parsedOpt
	for i := range opts {
		o := &opts[i]
		switch o.spec.long {
		case "--editable":
			if editable == nil {
				editable = o
			}
		case "--requirement", "--constraint":
			if include == nil || (include.spec.long == "--constraint" && o.spec.long == "--requirement") {
				include = o
			}
		default:
			p.lf.Options = append(p.lf.Options, Option{Name: o.spec.long, Value: o.value, Pos: pos})
		}
	}
	if editable != nil {
		e, err := parseEditable(editable.value, pos)
		if err != nil {
			return err
		}
		e.Constraint = constraint
		if err := p.addHashes(&e, opts, pos); err != nil {
			return err
		}
		p.lf.Entries = append(p.lf.Entries, e)
		return nil
	}
	if include != nil {
		return p.include(name, pos, include.value, include.spec.long == "--constraint")
	}
	return nil
}

func (p *reqParser) addHashes(e *Entry, opts []parsedOpt, pos Position) error {
	for _, o := range opts {
		if o.spec.long != "--hash" {
			continue
		}
		algo, hex, ok := strings.Cut(o.value, ":")
		if !ok || algo == "" {
			return errorf(pos, "--hash %q must be an algorithm and a digest, like --hash=sha256:<hex>", truncate(o.value, 80))
		}
		hex, err := normHex(algo, hex)
		if err != nil {
			return errorf(pos, "--hash: %v", err)
		}
		h := Hash{Algorithm: algo, Hex: hex}
		dup := false
		for _, have := range e.Hashes {
			dup = dup || have == h
		}
		if !dup {
			e.Hashes = append(e.Hashes, h)
		}
	}
	return nil
}

// include follows -r/-c. Paths are relative to the including file's directory, as
// pip resolves them.
func (p *reqParser) include(from string, pos Position, target string, constraint bool) error {
	flag := "-r"
	if constraint {
		flag = "-c"
	}
	if target == "" {
		return errorf(pos, "%s needs a file name", flag)
	}
	if isURL(target) {
		return errorf(pos, "%s %s: remote requirement files are not supported; download the file and verify it locally", flag, truncate(target, 200))
	}
	path := target
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(from), path)
	}
	id := fileIdentity(path)
	for i, s := range p.stack {
		if s == id {
			chain := append(append([]string{}, p.names[i:]...), path)
			return errorf(pos, "%s %s: include cycle: %s", flag, target, strings.Join(chain, " -> "))
		}
	}
	if len(p.stack) >= maxIncludeDepth {
		return errorf(pos, "%s %s: includes nested deeper than %d files", flag, target, maxIncludeDepth)
	}
	if p.done[doneKey(id, constraint)] {
		// Already read in full through another include: same entries, same positions.
		return nil
	}
	data, err := p.open(path)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return &ParseError{Pos: pos, Msg: fmt.Sprintf("%s %s: %s", flag, target, pe.Msg), Err: err}
		}
		return &ParseError{Pos: pos, Msg: fmt.Sprintf("%s %s: %v", flag, target, err), Err: err}
	}
	return p.file(path, data, constraint)
}

// fileIdentity names a file independently of how it was reached, so a cycle through
// "a/../b.txt" or a symlink is still seen.
func fileIdentity(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return path
}

func doneKey(id string, constraint bool) string {
	if constraint {
		return "c\x00" + id
	}
	return "r\x00" + id
}

// logicalLine is one line after pip's continuation joining and comment removal; num
// is the physical line it started on.
type logicalLine struct {
	num  int
	text string
}

// logicalLines reproduces pip's preprocessing (req_file.py: join_lines then
// ignore_comments): a line ending in a backslash continues on the next unless it is a
// comment line, backslashes are stripped from both ends of continued lines, and
// everything from the first "#" that starts the line or follows whitespace is a
// comment. Environment variables (${VAR}) are left unexpanded on purpose: the result
// must not depend on the environment of the machine that verifies.
func logicalLines(text string) []logicalLine {
	phys := splitLines(text)
	var out []logicalLine
	emit := func(num int, s string) {
		s = strings.TrimFunc(stripComment(s), IsPySpace)
		if s != "" {
			out = append(out, logicalLine{num: num, text: s})
		}
	}
	var (
		joined  strings.Builder
		joining bool
		first   int
	)
	for i, l := range phys {
		num := i + 1
		comment := isCommentLine(l)
		if !strings.HasSuffix(l, `\`) || comment {
			if comment {
				l = " " + l
			}
			if joining {
				joined.WriteString(l)
				emit(first, joined.String())
				joined.Reset()
				joining = false
			} else {
				emit(num, l)
			}
			continue
		}
		if !joining {
			joining, first = true, num
		}
		joined.WriteString(strings.Trim(l, `\`))
	}
	if joining {
		emit(first, joined.String())
	}
	return out
}

// splitLines splits like Python's str.splitlines, which pip uses: besides \n, \r\n
// and \r, the characters \v \f \x1c \x1d \x1e U+0085 U+2028 U+2029 end lines too.
// Splitting differently from pip would let a file hide a line from the verifier.
func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				size = 2
			}
			start = i + size
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			start = i + size
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// isCommentLine is pip's COMMENT_RE.match: "#" at the start, or after leading
// whitespace.
func isCommentLine(l string) bool {
	t := strings.TrimLeftFunc(l, IsPySpace)
	return strings.HasPrefix(t, "#")
}

// stripComment removes pip's COMMENT_RE, `(^|\s+)#.*$`: from the whitespace before
// the first "#" that starts the line or follows whitespace. A "#" inside a URL
// (a fragment) is not a comment.
func stripComment(l string) string {
	for j := 0; j < len(l); j++ {
		if l[j] != '#' {
			continue
		}
		if j == 0 {
			return ""
		}
		prev, _ := utf8.DecodeLastRuneInString(l[:j])
		if IsPySpace(prev) {
			return strings.TrimRightFunc(l[:j], IsPySpace)
		}
	}
	return l
}

// breakArgsOptions is pip's break_args_options: the line split on single spaces;
// everything before the first token that starts with "-" is the requirement.
func breakArgsOptions(line string) (args, opts string) {
	tokens := strings.Split(line, " ")
	for i, t := range tokens {
		if strings.HasPrefix(t, "-") {
			return strings.Join(tokens[:i], " "), strings.Join(tokens[i:], " ")
		}
	}
	return line, ""
}
