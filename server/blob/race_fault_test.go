//go:build fault && race

package blob_test

import "time"

// faultSlack is how much later than its deadline a fault may be answered:
// under the race detector on a loaded machine every step is many times
// slower (16 s were seen for a 2 s deadline with a load of 30 on 2 cores).
const faultSlack = 40 * time.Second
