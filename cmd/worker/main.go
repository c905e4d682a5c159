//go:build !(js && wasm)

// Command worker is clipad's static site server. Built with GOOS=js
// GOARCH=wasm it is the Cloudflare Worker (main_js.go); built natively it
// has two subcommands that share the Worker's logic (package sitesrv):
//
//	worker index -site DIR -o FILE   write the site index the Worker build embeds
//	worker serve -site DIR -addr 127.0.0.1:8080 [-coi]
//	                                 serve DIR with the Worker's headers (local use)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/clipad/clipad/cmd/worker/sitesrv"
)

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  worker index -site DIR -o FILE     write the Worker's site index (model ids) for DIR
  worker serve -site DIR -addr ADDR  serve DIR with the Worker's headers (-coi: COOP/COEP)
The Cloudflare Worker itself is this package built with GOOS=js GOARCH=wasm (make worker-build).`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "index":
		fl := flag.NewFlagSet("index", flag.ExitOnError)
		site := fl.String("site", "site", "the built site directory")
		out := fl.String("o", "", "output file (default: standard output)")
		fl.Parse(os.Args[2:])
		if err := writeIndex(*site, *out); err != nil {
			fmt.Fprintln(os.Stderr, "worker index:", err)
			os.Exit(1)
		}
	case "serve":
		fl := flag.NewFlagSet("serve", flag.ExitOnError)
		site := fl.String("site", "site", "the built site directory")
		addr := fl.String("addr", "127.0.0.1:8080", "listen address")
		coi := fl.Bool("coi", false, "send COOP/COEP/CORP (cross-origin isolation)")
		fl.Parse(os.Args[2:])
		store := sitesrv.FSStore{FS: os.DirFS(*site)}
		h := &sitesrv.Handler{Store: store, Opt: sitesrv.Options{
			CrossOriginIsolation: *coi, Encodings: []string{"gzip"}, SelfCompress: true,
			ModelIDs: store.ModelIDs, Runtime: "native"}}
		log.Printf("serving %s on http://%s/", *site, *addr)
		log.Fatal(http.ListenAndServe(*addr, h))
	default:
		usage()
	}
}

func writeIndex(site, out string) error {
	st, err := os.Stat(site)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", site)
	}
	ids, err := sitesrv.FSStore{FS: os.DirFS(site)}.ModelIDs()
	if err != nil {
		return err
	}
	idx := sitesrv.SiteIndex{Format: sitesrv.SiteIndexFormat, Version: 1, Models: ids}
	if idx.Models == nil {
		idx.Models = []string{}
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
