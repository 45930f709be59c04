package pep440_test

import (
	"fmt"

	"github.com/tufpip/tufpip/pkg/pep440"
)

func Example() {
	v, err := pep440.Parse("V1.0-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(v, v.Compare(pep440.MustParse("1.0.post1")))

	spec, err := pep440.ParseSpecifiers(">=1.0, <2")
	if err != nil {
		panic(err)
	}
	var available []pep440.Version
	for _, s := range []string{"0.9", "1.0", "1.5", "2.0a1", "1.6b1", "2.0"} {
		available = append(available, pep440.MustParse(s))
	}
	fmt.Println(spec, spec.Filter(available, false))
	fmt.Println(spec, spec.Filter(available, true)) // pip --pre

	_, err = pep440.Parse("1.0..0")
	fmt.Println(err)
	// Output:
	// 1.0.post1 0
	// <2,>=1.0 [1.0 1.5]
	// <2,>=1.0 [1.0 1.5 1.6b1]
	// invalid version "1.0..0"
}

func ExampleSpecifiers_Filter() {
	var vs []pep440.Version
	for _, s := range []string{"2.0b1", "2.0rc1"} {
		vs = append(vs, pep440.MustParse(s))
	}
	// With no constraint pip takes pre-releases when there is nothing else;
	// with any constraint that names no pre-release it does not.
	fmt.Println(pep440.MustParseSpecifiers("").Filter(vs, false))
	fmt.Println(pep440.MustParseSpecifiers(">=1").Filter(vs, false))
	fmt.Println(pep440.MustParseSpecifiers(">=2.0b1").Filter(vs, false))
	// Output:
	// [2.0b1 2.0rc1]
	// []
	// [2.0b1 2.0rc1]
}
