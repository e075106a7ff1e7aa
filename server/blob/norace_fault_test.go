//go:build fault && !race

package blob_test

import "time"

// faultSlack is how much later than its deadline a fault may be answered:
// the time the answer takes to be made and sent on a busy machine (on this
// project's 2-core machine 0-2.3 s were measured). A missing deadline still
// fails: a frozen store never answers.
const faultSlack = 8 * time.Second
