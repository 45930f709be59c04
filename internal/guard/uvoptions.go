package guard

// uvValueFlags are uv's options that take a value (from "uv CMD --help" of uv 0.13.9, over
// every command tufpip uv runs), so that the guard knows which arguments are option values
// and which are requirements. An option not listed is read as taking no value: the
// argument after it is then checked as a requirement too, which can only refuse more.
var uvValueFlags = map[string]bool{
	"--allow-insecure-host": true, "--annotation-style": true, "--author-from": true, "--bounds": true,
	"--branch": true, "--build-backend": true, "--cache-dir": true, "--cert": true, "--color": true,
	"--config-file": true, "--config-settings-package": true, "--custom-compile-command": true,
	"--default-index": true, "--description": true, "--directory": true, "--env-file": true,
	"--exclude": true, "--exclude-newer": true, "--exclude-newer-package": true, "--excludes": true,
	"--extra": true, "--extra-index-url": true, "--fork-strategy": true, "--format": true, "--from": true,
	"--group": true, "--index": true, "--index-strategy": true, "--keyring-provider": true,
	"--link-mode": true, "--name": true, "--no-binary": true, "--no-binary-package": true,
	"--no-build-isolation-package": true, "--no-build-package": true, "--no-editable-package": true,
	"--no-emit-package": true, "--no-extra": true, "--no-group": true, "--no-install-package": true,
	"--no-sources-package": true, "--only-binary": true, "--only-group": true, "--optional": true,
	"--output-format": true, "--overrides": true, "--package": true, "--path": true, "--prefix": true,
	"--prerelease": true, "--prerelease-package": true, "--project": true, "--prompt": true,
	"--prune": true, "--python-downloads-json-url": true, "--python-platform": true,
	"--python-version": true, "--refresh-package": true, "--reinstall-package": true,
	"--resolution": true, "--rev": true, "--script": true, "--tag": true, "--target": true,
	"--torch-backend": true, "--upgrade-group": true, "--vcs": true, "--with-editable": true,
	"--with-executables-from": true, "--with-requirements": true, "--config-setting": true,
	"--upgrade-package": true, "--build-constraints": true, "--constraints": true, "--depth": true,
	"--editable": true, "--find-links": true, "--index-url": true, "--marker": true, "--out-dir": true,
	"--output-file": true, "--python": true, "--requirements": true, "--with": true,
	"--python-preference": true, "--build-constraint": true, "--constraint": true, "--requirement": true,
	"--override": true, "--python-install-mirror": true, "--pypy-install-mirror": true,
	"--allow-python-downloads": false,
}

// uvShortFlags maps uv's one-letter options to their long names.
var uvShortFlags = map[byte]string{
	'C': "--config-setting", 'P': "--upgrade-package", 'b': "--build-constraints", 'c': "--constraints",
	'd': "--depth", 'e': "--editable", 'f': "--find-links", 'i': "--index-url", 'm': "--marker",
	'o': "--output-file", 'p': "--python", 'r': "--requirements", 't': "--target", 'w': "--with",
	'n': "--no-cache", 'q': "--quiet", 'v': "--verbose", 'h': "--help", 'V': "--version", 'U': "--upgrade",
}
