// Command tufpip makes pip install only what a TUF repository vouches for.
package main

import (
	"os"

	"github.com/tufpip/tufpip/internal/cli"
)

func main() { os.Exit(cli.Main()) }
