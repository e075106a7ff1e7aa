package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/postgres"
)

const evidenceUsage = `usage: qmstrack evidence verify [-offline] PACK.zip
  checks every file of an evidence pack against its manifest, and its trail
  excerpt against the live trail (QMS_DATABASE_URL); -offline skips the live check
`

// evidenceCmd runs "qmstrack evidence verify PACK.zip"; it exits 1 when the
// pack does not verify.
func evidenceCmd(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, evidenceUsage)
		return &exitError{code: 2, err: errors.New("usage: qmstrack evidence verify PACK.zip")}
	}
	fs := flag.NewFlagSet("evidence verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	offline := fs.Bool("offline", false, "do not check the trail excerpt against the live trail")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		fmt.Fprint(stderr, evidenceUsage)
		return &exitError{code: 2, err: errors.New("name one pack")}
	}
	zr, err := zip.OpenReader(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("open %s: %w", fs.Arg(0), err)
	}
	defer zr.Close()
	var live evidence.LiveTrail
	if !*offline {
		db, err := openDB(ctx, cfg)
		if err != nil {
			return fmt.Errorf("%w (use -offline to check the files only)", err)
		}
		defer db.Close()
		live = postgres.NewTrailStore(db)
	}
	rep, err := evidence.Verify(ctx, &zr.Reader, live)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.Summary())
	if !rep.OK {
		return &exitError{code: 1, err: errors.New("the evidence pack does not verify")}
	}
	return nil
}
