package authz

import (
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/qmstrack/qmstrack/server/qms"
)

// A permission question has the same answer as Casbin's matcher,
//
//	(g(user, role, unit) || g(user, role, "*")) && role grants obj/act,
//
// but is answered from a snapshot of one user's roles, built once per
// version of the policy and of that user's assignments: a permission is a
// bit, the snapshot holds the bits granted in each of the user's units and
// in "*", so Can is a lookup and Scope one pass over the user's few units.
// Casbin evaluating its matcher against every rule when the answer is no
// is what this avoids (issue 15: 140 µs to 6 ms per check at 14,000
// assignments, a third of the CPU in garbage collection).

// permKey is one permission: an action on a kind of object.
type permKey struct{ obj, act string }

// bits is a set of permissions, one bit each (policy.perm numbers them).
type bits []uint64

func newBits(words int) bits { return make(bits, words) }

func (b bits) set(i int) { b[i>>6] |= 1 << (uint(i) & 63) }

func (b bits) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

func (b bits) or(c bits) {
	for i := range c {
		b[i] |= c[i]
	}
}

// policy is the role -> permission baseline as Casbin holds it (its p
// rules), indexed. It is never changed once built; a reload that finds other
// rules builds a new one, and every snapshot of the old one is stale.
type policy struct {
	perm  map[permKey]int // permission -> bit
	words int             // len of every bits of this policy
	role  map[string]bits // role -> the permissions it grants
	key   string          // the sorted rules, to tell an unchanged policy on reload
}

// newPolicy indexes p rules (role, object, action).
func newPolicy(rules [][]string) *policy {
	sorted := make([]string, 0, len(rules))
	p := &policy{perm: map[permKey]int{}, role: map[string]bits{}}
	for _, r := range rules {
		if len(r) < 3 {
			continue
		}
		k := permKey{r[1], r[2]}
		if _, ok := p.perm[k]; !ok {
			p.perm[k] = len(p.perm)
		}
		sorted = append(sorted, r[0]+"\x00"+r[1]+"\x00"+r[2])
	}
	sort.Strings(sorted)
	p.key = strings.Join(sorted, "\n")
	// No permission at all makes empty sets: no lookup reaches them.
	p.words = (len(p.perm) + 63) / 64
	for _, r := range rules {
		if len(r) < 3 {
			continue
		}
		b, ok := p.role[r[0]]
		if !ok {
			b = newBits(p.words)
			p.role[r[0]] = b
		}
		b.set(p.perm[permKey{r[1], r[2]}])
	}
	return p
}

// grants reports whether role grants obj/act.
func (p *policy) grants(role, obj, act string) bool {
	i, ok := p.perm[permKey{obj, act}]
	if !ok {
		return false
	}
	b, ok := p.role[role]
	return ok && b.has(i)
}

// held is one user's role assignments as Casbin holds them (its g rules),
// sorted by role and unit. It is never changed once built: a reload that
// finds the user's assignments changed puts a new one in its place, which is
// how a snapshot knows it is stale.
type held struct {
	as []Assignment
}

func sameAssignments(a, b []Assignment) bool { return slices.Equal(a, b) }

func sortAssignments(as []Assignment) {
	sort.Slice(as, func(i, j int) bool {
		if as[i].Role != as[j].Role {
			return as[i].Role < as[j].Role
		}
		return as[i].Unit < as[j].Unit
	})
}

// snapshot is what one user may do: the permissions granted in each unit
// where they hold a role, and in every unit. It answers for the policy and
// the assignments it was built from (pol, src) and no others.
type snapshot struct {
	user  string
	pol   *policy
	src   *held
	all   bits     // granted by a role held in "*": in every unit
	any   bits     // granted in at least one unit
	units []string // sorted, without "*"
	per   []bits   // per[i]: granted in units[i] (with those of "*")

	prev, next *snapshot // the cache's recency list
}

// build makes the snapshot of user from pol and src (nil: no role at all).
func build(user string, pol *policy, src *held) *snapshot {
	s := &snapshot{user: user, pol: pol, src: src, all: newBits(pol.words), any: newBits(pol.words)}
	if src == nil {
		return s
	}
	for _, a := range src.as {
		if a.Unit == qms.AllUnits {
			if b, ok := pol.role[a.Role]; ok {
				s.all.or(b)
			}
			continue
		}
		if _, found := slices.BinarySearch(s.units, a.Unit); !found {
			s.units = append(s.units, a.Unit)
		}
	}
	sort.Strings(s.units)
	s.per = make([]bits, len(s.units))
	for i := range s.per {
		s.per[i] = newBits(pol.words)
		s.per[i].or(s.all)
	}
	for _, a := range src.as {
		if a.Unit == qms.AllUnits {
			continue
		}
		i, _ := slices.BinarySearch(s.units, a.Unit)
		if b, ok := pol.role[a.Role]; ok {
			s.per[i].or(b)
		}
	}
	s.any.or(s.all)
	for _, b := range s.per {
		s.any.or(b)
	}
	return s
}

// in returns the permissions held in unit ("*": only those held in every unit).
func (s *snapshot) in(unit string) bits {
	if unit == qms.AllUnits {
		return s.all
	}
	if i, found := slices.BinarySearch(s.units, unit); found {
		return s.per[i]
	}
	return s.all
}

// scope lists the units where permission bit p is held.
func (s *snapshot) scope(p int) qms.Scope {
	if s.all.has(p) {
		return qms.Scope{All: true}
	}
	n := 0
	for _, b := range s.per {
		if b.has(p) {
			n++
		}
	}
	if n == 0 {
		return qms.Scope{}
	}
	out := qms.Scope{Units: make([]string, 0, n)}
	for i, b := range s.per {
		if b.has(p) {
			out.Units = append(out.Units, s.units[i])
		}
	}
	return out
}

// cache keeps the most recently used snapshots, at most max of them: built
// lazily, one user at a time, so memory is bounded whatever the number of
// users. A large cache is split into shards, each with its own lock and
// recency list, so concurrent requests seldom wait on one another.
type cache struct {
	seed   maphash.Seed
	shards []shard
	max    int // per shard

	builds    atomic.Int64
	evictions atomic.Int64
}

type shard struct {
	mu   sync.Mutex
	m    map[string]*snapshot
	head snapshot // sentinel of the recency list: head.next is the most recent
}

// cacheShards is the number of shards of a cache of at least
// shardedFrom snapshots; a smaller cache is one exact LRU list.
const (
	cacheShards = 16
	shardedFrom = 1024
)

func newCache(capacity int) *cache {
	if capacity < 1 {
		capacity = 1
	}
	n := 1
	if capacity >= shardedFrom {
		n = cacheShards
	}
	c := &cache{seed: maphash.MakeSeed(), shards: make([]shard, n), max: (capacity + n - 1) / n}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.m = map[string]*snapshot{}
		sh.head.next, sh.head.prev = &sh.head, &sh.head
	}
	return c
}

func (c *cache) shard(user string) *shard {
	return &c.shards[maphash.String(c.seed, user)%uint64(len(c.shards))]
}

// get returns the user's snapshot, or nil, and marks it the most recent.
func (c *cache) get(user string) *snapshot {
	sh := c.shard(user)
	sh.mu.Lock()
	s := sh.m[user]
	if s != nil && sh.head.next != s {
		s.unlink()
		sh.head.pushFront(s)
	}
	sh.mu.Unlock()
	return s
}

// put stores a new snapshot in place of the user's old one, and evicts the
// least recently used beyond the shard's size.
func (c *cache) put(s *snapshot) {
	c.builds.Add(1)
	sh := c.shard(s.user)
	sh.mu.Lock()
	if old := sh.m[s.user]; old != nil {
		old.unlink()
	}
	sh.m[s.user] = s
	sh.head.pushFront(s)
	for len(sh.m) > c.max {
		last := sh.head.prev
		last.unlink()
		delete(sh.m, last.user)
		c.evictions.Add(1)
	}
	sh.mu.Unlock()
}

// len counts the snapshots held.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

func (s *snapshot) unlink() {
	s.prev.next, s.next.prev = s.next, s.prev
	s.prev, s.next = nil, nil
}

func (h *snapshot) pushFront(s *snapshot) {
	s.prev, s.next = h, h.next
	h.next.prev = s
	h.next = s
}
