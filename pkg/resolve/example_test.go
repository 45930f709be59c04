package resolve_test

import (
	"fmt"

	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

func ExampleSelect() {
	env, err := resolve.NewEnvironment(resolve.TargetOptions{PythonVersion: "3.11", Platforms: []string{"manylinux2014_x86_64"}})
	if err != nil {
		panic(err)
	}
	req, err := resolve.ParseRequirement("FooBar==2.0.*")
	if err != nil {
		panic(err)
	}
	var cands []resolve.Candidate
	for _, name := range []string{
		"foobar-2.0.tar.gz",
		"foobar-2.0-py3-none-any.whl",
		"foobar-2.0.1-cp311-cp311-win_amd64.whl",
		"foobar-2.1-py3-none-any.whl",
	} {
		cands = append(cands, resolve.Candidate{File: simpleindex.File{Filename: name}, Role: "stable"})
	}
	sel := resolve.Select(req, cands, env, resolve.Options{})
	fmt.Println("best:", sel.Best.File.Filename)
	for _, s := range sel.Skipped {
		fmt.Printf("skipped %s: %s\n", s.Filename, s.Reason)
	}
	// Output:
	// best: foobar-2.0-py3-none-any.whl
	// skipped foobar-2.0.1-cp311-cp311-win_amd64.whl: no compatible tags for cp311-cp311-win_amd64
	// skipped foobar-2.1-py3-none-any.whl: 2.1 does not match ==2.0.*
}

func ExampleEvaluateMarker() {
	env := map[string]string{"python_version": "3.11", "sys_platform": "linux"}
	ok, err := resolve.EvaluateMarker(`python_version < "3.12" and (sys_platform == "linux" or extra == "all")`, env, nil)
	fmt.Println(ok, err)
	// Output: true <nil>
}
