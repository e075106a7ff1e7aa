package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/reconcile"
)

const doctorUsage = `usage: qmstrack doctor [-repair]
  compares every row that refers to a file with the object store's versions;
  exits 1 when a row's file is missing. Without -repair it changes nothing
  and says what a repair would remove; with -repair it does what the
  scheduled check does (remove files without a row older than
  QMS_OBJECT_GRACE unless locked or held, abort incomplete uploads as old)
  and stores the result for the admin page
`

// doctorCmd runs "qmstrack doctor".
func doctorCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repair := fs.Bool("repair", false, "remove files without a row and abort old incomplete uploads, as the scheduled check does")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprint(stderr, doctorUsage)
		return &exitError{code: 2, err: errors.New("usage: qmstrack doctor [-repair]")}
	}
	a, closeFn, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeFn()
	var c reconcile.Check
	if *repair {
		c, err = a.Reconcile.RunExclusive(ctx)
	} else {
		c, err = a.Reconcile.Inspect(ctx)
	}
	if err != nil {
		return err
	}
	printCheck(stdout, c)
	if c.Missing > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d rows refer to a file that is missing from the object store", c.Missing)}
	}
	return nil
}

// printCheck writes the check as a report, one line per finding.
func printCheck(w io.Writer, c reconcile.Check) {
	fmt.Fprintf(w, "rows referring to a file: %d; file versions in the store: %d; grace period: %s\n",
		c.RowsChecked, c.VersionsSeen, c.Grace)
	for _, f := range c.Of(reconcile.KindMissing) {
		fmt.Fprintf(w, "MISSING      %s row %s (of %s): %s version %s\n", f.Source, f.RowID, f.Parent, f.Key, f.VersionID)
	}
	for _, f := range c.Of(reconcile.KindLocked) {
		why := "legal hold"
		if !f.LegalHold && f.Until != nil {
			why = "retained until " + f.Until.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "KEPT         %s version %s: no row, %s\n", f.Key, f.VersionID, why)
	}
	for _, f := range c.Of(reconcile.KindNotRemoved) {
		fmt.Fprintf(w, "NOT REMOVED  %s version %s: no row, the store refused (%s)\n", f.Key, f.VersionID, f.Detail)
	}
	verb, abort := "WOULD REMOVE", "WOULD ABORT "
	if c.Repaired {
		verb, abort = "REMOVED     ", "ABORTED     "
	}
	for _, f := range c.Of(reconcile.KindRemoved) {
		fmt.Fprintf(w, "%s %s version %s: no row, written %s\n", verb, f.Key, f.VersionID, f.Modified.Format(time.RFC3339))
	}
	for _, f := range c.Of(reconcile.KindAborted) {
		fmt.Fprintf(w, "%s incomplete upload of %s (%s), begun %s\n", abort, f.Key, f.VersionID, f.Modified.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "rows without their file: %d; files without a row: %d kept, %d removable, %d too recent; incomplete uploads: %d old, %d recent\n",
		c.Missing, c.OrphansListed, c.OrphansRemoved, c.OrphansYoung, c.UploadsAborted, c.UploadsYoung)
	if c.Missing == 0 {
		fmt.Fprintln(w, "every row has its file")
	}
}
