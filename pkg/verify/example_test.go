package verify_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/tufpip/tufpip/pkg/verify"
)

// One run: refresh once, find who vouches for a page and a wheel, fetch the
// page into memory and stream the wheel to disk. Nothing unverified is ever
// left at the destination.
func Example() {
	ctx := context.Background()
	root, err := os.ReadFile("root.json") // given by the user: never fetched on first use
	if err != nil {
		log.Fatal(err)
	}
	c, err := verify.Open(ctx, verify.Config{
		MetadataURL: "https://tuf.example.org/metadata/",
		TargetsURL:  "https://tuf.example.org/targets/",
		TrustedRoot: root,
		CacheDir:    "/home/me/.cache/tufpip/example",
		UserAgent:   "tufpip/1.0.0",
		Retries:     2,
	})
	if err != nil {
		log.Fatal(err)
	}

	page, err := c.Lookup(ctx, "simple/foobar/index.html")
	var nf *verify.NotFoundError
	switch {
	case errors.As(err, &nf):
		log.Fatalf("no trusted role lists %s", nf.Path)
	case err != nil:
		log.Fatal(err)
	}
	html, err := c.Fetch(ctx, page)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes, signed by %s\n", len(html), page.Role)

	wheel, err := c.Lookup(ctx, "packages/foobar-2.0-py3-none-any.whl")
	if err != nil {
		log.Fatal(err)
	}
	if !wheel.VouchedBy("stable") { // --require-role stable
		log.Fatalf("%s: signed only by %s", wheel.Path, wheel.Role)
	}
	if err := c.Download(ctx, wheel, "foobar-2.0-py3-none-any.whl"); verify.IsVerification(err) {
		log.Fatalf("refusing %s: %v", wheel.Path, err)
	}
}

// Every role that lists a path, in the order the delegation walk prefers them.
func ExampleClient_LookupAll() {
	var c *verify.Client // from verify.Open
	all, err := c.LookupAll(context.Background(), "simple/foobar/index.html")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range all {
		fmt.Println(t.Role, t.Hashes["sha256"])
	}
}
