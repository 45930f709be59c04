package cli

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tufpip/tufpip/pkg/lockcheck"
)

// verify --format sarif: a SARIF 2.1.0 log (OASIS) for code scanning, one result per failing
// entry at its lockfile line, one rule per failing status. Only the fields GitHub code
// scanning and other SARIF viewers read are written.

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// sarifRules describes each failing status once: what it means and how to fix it.
var sarifRules = []struct {
	status      lockcheck.Status
	name, short string
	help        string
}{
	{lockcheck.HashNotTrusted, "HashNotTrusted", "a locked hash, filename or size is not a file the repository vouches for",
		"Re-lock from the trusted index (for example against `tufpip serve`), so every hash is a file a TUF role signed. Never copy hashes from another index."},
	{lockcheck.RolePolicy, "RolePolicy", "the file is trusted, but not by the role --require-role asks for",
		"Lock a version the required role vouches for (usually an older, promoted one), or drop --require-role to accept the other role."},
	{lockcheck.NotPinned, "NotPinned", "the entry has no exact version or no sha256 (or stronger) hash",
		"Pin exact versions with sha256 hashes: `pip-compile --generate-hashes`, `uv pip compile --generate-hashes`, `uv lock`, `poetry lock` or `pipenv lock` against an index that serves hashes."},
	{lockcheck.NotFound, "NotFound", "the project or version is not in the repository's trusted set",
		"Check the name and version, or wait until the repository signs the release; then run tufpip verify again."},
	{lockcheck.Yanked, "Yanked", "the trusted file is yanked",
		"Upgrade to a release that is not yanked and re-lock."},
	{lockcheck.Unverifiable, "Unverifiable", "a VCS, direct URL or local archive source, which no TUF role can vouch for",
		"Lock only files from the index: publish the package to the TUF repository and depend on it by name and version."},
	{lockcheck.Error, "CheckFailed", "the entry could not be checked (network, or a repository that does not verify)",
		"Check the repository URL and your connection; if the repository fails verification, do not install from it until that is explained."},
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	ShortDescription     sarifText           `json:"shortDescription"`
	Help                 sarifText           `json:"help"`
	DefaultConfiguration sarifRuleConfig     `json:"defaultConfiguration"`
	Properties           map[string][]string `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

func writeSARIF(w io.Writer, results []verifyEntry) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "tufpip", Version: buildVersion().Version, InformationURI: "https://github.com/tufpip/tufpip",
			Rules: []sarifRule{},
		}},
		// The check itself ran: failures are results, not a failed execution.
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
	}
	index := map[lockcheck.Status]int{}
	for i, r := range sarifRules {
		index[r.status] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: string(r.status), Name: r.name,
			ShortDescription:     sarifText{Text: r.short},
			Help:                 sarifText{Text: strings.ReplaceAll(r.help, "`", ""), Markdown: r.help},
			DefaultConfiguration: sarifRuleConfig{Level: "error"},
			Properties:           map[string][]string{"tags": {"security", "supply-chain"}},
		})
	}
	for _, r := range results {
		if r.Passed() {
			continue
		}
		msg := r.Reason
		if r.Hint != "" {
			msg += " (hint: " + r.Hint + ")"
		}
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(r.File)}}
		if r.Line > 0 {
			loc.Region = &sarifRegion{StartLine: r.Line}
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: string(r.Status), RuleIndex: index[r.Status], Level: "error",
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// sarifURI turns a lockfile path into a URI reference: relative paths stay relative (code
// scanning resolves them against the repository root), absolute ones become file URIs.
func sarifURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x on Windows
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}
