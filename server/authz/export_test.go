package authz

// CasbinEnforce is Casbin's own answer, its matcher evaluated against the
// rules: what Can must agree with, and what the benchmark times beside it.
func (a *Enforcer) CasbinEnforce(userID, unit, obj, act string) bool {
	ok, err := a.e.Enforce(userID, unit, obj, act)
	return err == nil && ok
}

// SnapshotStats counts the snapshots held, built and evicted so far.
type SnapshotStats struct{ Held, Builds, Evictions int }

// Snapshots returns the enforcer's snapshot counts.
func (a *Enforcer) Snapshots() SnapshotStats {
	return SnapshotStats{Held: a.cache.len(), Builds: int(a.cache.builds.Load()), Evictions: int(a.cache.evictions.Load())}
}
