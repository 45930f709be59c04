package cli

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// tufpip install with real pip, in PyPI's planned layout: app (signed by its bin with
// blake2b-256 only) depends on helper (pinned by the page's sha256 alone), both on the files
// host. A tampered file there makes tufpip exit 3 and pip installs nothing.
func TestPEP458InstallRealPip(t *testing.T) {
	python := pyfix.Python(t, "3.11").Path
	w := tuftest.NewPEP458(t, 4)
	appFn, appData := pyfix.Wheel(t, pyfix.WheelSpec{Name: "app", Version: "1.0", RequiresDist: []string{"helper>=1"}})
	helperFn, helperData := pyfix.Wheel(t, pyfix.WheelSpec{Name: "helper", Version: "1.0"})
	w.SetPage("app", w.AddFile(appFn, appData, true))
	w.SetPage("helper", w.AddFile(helperFn, helperData, false))
	w.Publish()
	env, flags := pep458Env(t, w, true)

	venv := pyfix.Venv(t, python)
	r := runPip(t, env, append(append([]string{"install"}, flags...), "--python", pyfix.VenvPython(venv), "app")...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if out, err := exec.Command(pyfix.VenvPython(venv), "-c", "import app, helper; print(app.__version__, helper.__version__)").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "1.0 1.0" {
		t.Errorf("installed: %s %v", out, err)
	}

	w.Files.Tamper(tuftest.FilePath(helperFn, helperData), tuftest.FlipByte)
	env2, _ := pep458Env(t, w, true)
	venv2 := pyfix.Venv(t, python)
	r = runPip(t, env2, append(append([]string{"install"}, flags...), "--python", pyfix.VenvPython(venv2), "app")...)
	if r.code != ExitVerification || !strings.Contains(r.stderr, "tufpip: error: "+helperFn+": sha256 does not match") {
		t.Errorf("tampered helper: exit %d\n%s", r.code, r.stderr)
	}
	if out, err := exec.Command(pyfix.VenvPython(venv2), "-c", "import app").CombinedOutput(); err == nil {
		t.Errorf("app was installed after a refusal: %s", out)
	}
}
